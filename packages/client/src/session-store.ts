/**
 * The SDK's records in the pluggable storage, under `latchkey:<clientId>:`:
 *
 * - `tx:<state>`: one login transaction (verifier, nonce, redirect URI, ...), so several logins can
 *   be in flight at once; `txs` indexes them by expiry so abandoned ones are swept. These two are
 *   kept in the transaction storage (`transactionStorage`, by default the same storage).
 * - `session`: the ID token, its claims and the audiences that have token sets.
 * - `tokens` (default audience) or `tokens:<audience>`: one token set per audience, each with its own
 *   refresh token, so refreshing one API's token never touches another's record.
 *
 * Unreadable records (corrupted or from another version) are treated as absent.
 */
import type { TokenEndpointResponse } from 'oauth4webapi'
import type { Config } from './config.js'

/** What an ID token's validated claims look like here (JSON values). */
export type Claims = Readonly<Record<string, unknown>> & { readonly sub: string }

export interface Transaction {
  readonly state: string
  readonly nonce: string
  readonly verifier: string
  readonly redirectUri: string
  readonly audience?: string
  readonly scope: string
  readonly maxAge?: number
  readonly appState?: unknown
  readonly expiresAt: number
}

export interface SessionRecord {
  readonly idToken: string
  readonly claims: Claims
  /** Audiences with a token set; `null` is the token set of a login that named no audience. */
  readonly audiences: readonly (string | null)[]
}

export interface TokenSet {
  readonly accessToken: string
  readonly tokenType: string
  /** Epoch ms, or null when the server gave no `expires_in`. */
  readonly expiresAt: number | null
  readonly scope?: string
  readonly refreshToken?: string
}

/** The token set to store from a token response; a response without a refresh token keeps the previous one. */
export function tokenSetFrom(response: TokenEndpointResponse, now: number, previous?: TokenSet): TokenSet {
  const refreshToken = response.refresh_token ?? previous?.refreshToken
  const scope = response.scope ?? previous?.scope
  return {
    accessToken: response.access_token,
    tokenType: response.token_type,
    expiresAt: typeof response.expires_in === 'number' ? now + response.expires_in * 1000 : null,
    ...(scope !== undefined ? { scope } : {}),
    ...(refreshToken !== undefined ? { refreshToken } : {}),
  }
}

/** Login transactions older than this are refused and swept. */
export const TRANSACTION_TTL_MS = 24 * 60 * 60 * 1000

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isTransaction(v: unknown): v is Transaction {
  return isObject(v) && typeof v.state === 'string' && typeof v.nonce === 'string' && typeof v.verifier === 'string' &&
    typeof v.redirectUri === 'string' && typeof v.scope === 'string' && typeof v.expiresAt === 'number' &&
    (v.audience === undefined || typeof v.audience === 'string') && (v.maxAge === undefined || typeof v.maxAge === 'number')
}

function isSession(v: unknown): v is SessionRecord {
  return isObject(v) && typeof v.idToken === 'string' && isObject(v.claims) && typeof v.claims.sub === 'string' &&
    Array.isArray(v.audiences) && v.audiences.every((a) => a === null || typeof a === 'string')
}

function isTokenSet(v: unknown): v is TokenSet {
  return isObject(v) && typeof v.accessToken === 'string' && typeof v.tokenType === 'string' &&
    (v.expiresAt === null || typeof v.expiresAt === 'number') &&
    (v.scope === undefined || typeof v.scope === 'string') && (v.refreshToken === undefined || typeof v.refreshToken === 'string')
}

export class SessionStore {
  readonly #config: Config

  constructor(config: Config) {
    this.#config = config
  }

  #key(name: string): string {
    return `${this.#config.keyPrefix}${name}`
  }

  #tokensKey(audience: string | null | undefined): string {
    return audience == null ? this.#key('tokens') : this.#key(`tokens:${audience}`)
  }

  async #read<T>(key: string, guard: (v: unknown) => v is T, storage = this.#config.storage): Promise<T | null> {
    const raw = await storage.get(key)
    if (raw === null) return null
    try {
      const value: unknown = JSON.parse(raw)
      if (guard(value)) return value
    } catch {
      // falls through: an unreadable record is no record
    }
    return null
  }

  #write(key: string, value: unknown, storage = this.#config.storage): Promise<void> {
    return storage.set(key, JSON.stringify(value))
  }

  async #index(): Promise<Record<string, number>> {
    const index = await this.#read(this.#key('txs'), (v): v is Record<string, number> => isObject(v) && Object.values(v).every((e) => typeof e === 'number'), this.#config.transactionStorage)
    return index ?? {}
  }

  /** Saves a transaction and sweeps the expired ones. */
  async saveTransaction(tx: Transaction): Promise<void> {
    const now = this.#config.clock.now()
    const index = await this.#index()
    for (const [state, expiresAt] of Object.entries(index)) {
      if (expiresAt <= now) {
        delete index[state]
        await this.#config.transactionStorage.remove(this.#key(`tx:${state}`))
      }
    }
    index[tx.state] = tx.expiresAt
    await this.#write(this.#key(`tx:${tx.state}`), tx, this.#config.transactionStorage)
    await this.#write(this.#key('txs'), index, this.#config.transactionStorage)
  }

  /** Reads and deletes the transaction of `state`: each one completes at most once. Null when unknown or expired. */
  async takeTransaction(state: string): Promise<Transaction | null> {
    const key = this.#key(`tx:${state}`)
    const tx = await this.#read(key, isTransaction, this.#config.transactionStorage)
    await this.#config.transactionStorage.remove(key)
    const index = await this.#index()
    if (state in index) {
      delete index[state]
      await this.#write(this.#key('txs'), index, this.#config.transactionStorage)
    }
    if (!tx || tx.state !== state || tx.expiresAt <= this.#config.clock.now()) return null
    return tx
  }

  session(): Promise<SessionRecord | null> {
    return this.#read(this.#key('session'), isSession)
  }

  saveSession(session: SessionRecord): Promise<void> {
    return this.#write(this.#key('session'), session)
  }

  tokens(audience: string | null | undefined): Promise<TokenSet | null> {
    return this.#read(this.#tokensKey(audience), isTokenSet)
  }

  saveTokens(audience: string | null | undefined, tokens: TokenSet): Promise<void> {
    return this.#write(this.#tokensKey(audience), tokens)
  }

  /** Every token set the session knows of, with its audience. */
  async allTokens(session: SessionRecord | null): Promise<{ audience: string | null; tokens: TokenSet }[]> {
    const audiences = new Set<string | null>(session?.audiences ?? [])
    audiences.add(this.#config.audience ?? null)
    const found: { audience: string | null; tokens: TokenSet }[] = []
    for (const audience of audiences) {
      const tokens = await this.#read(this.#tokensKey(audience), isTokenSet)
      if (tokens) found.push({ audience, tokens })
    }
    return found
  }

  /** Forgets the user: the session and every token set (transactions in flight are kept). */
  async clearSession(session: SessionRecord | null): Promise<void> {
    const audiences = new Set<string | null>(session?.audiences ?? [])
    audiences.add(this.#config.audience ?? null)
    await this.#config.storage.remove(this.#key('session'))
    for (const audience of audiences) await this.#config.storage.remove(this.#tokensKey(audience))
  }
}
