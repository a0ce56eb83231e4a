/**
 * The options of `createClient`, checked and normalized once.
 */
import { defaultKeyStore, DpopKeys, type DpopKeyStore } from './dpop.js'
import { InvalidArgumentError } from './errors.js'
import { browserStorage, memoryStorage, type Storage, type WebStorageLike } from './storage.js'

/** A source of time in epoch milliseconds (inject one in tests; defaults to `Date.now`). */
export interface Clock {
  now(): number
}

/** The part of the Web Locks API (`navigator.locks`) the SDK uses. */
export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>
}

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

export interface ClientOptions {
  /** The authorization server's issuer identifier, e.g. `https://login.example.com/`. */
  readonly issuer: string
  readonly clientId: string
  /** Where the server sends the browser back; must be one of the app's registered callbacks. */
  readonly redirectUri: string
  /** The API to ask tokens for when a call names none. */
  readonly audience?: string
  /** Default `openid profile email`; `openid` is always added. Add `offline_access` for refresh tokens. */
  readonly scope?: string
  /** Default `memoryStorage()`. */
  readonly storage?: Storage
  /**
   * Where pending logins (state, nonce, PKCE verifier; no tokens) are kept until the callback.
   * Default: `storage`; but when `storage` is left to its memory default in a browser,
   * `browserStorage(sessionStorage)`, since memory does not survive the redirect to the login page.
   */
  readonly transactionStorage?: Storage
  /** Seconds before `exp` at which an access token counts as expired, and the ID token clock tolerance. Default 60. */
  readonly leewaySeconds?: number
  /** Replaces the global `fetch` for every request the SDK makes. */
  readonly fetch?: FetchLike
  /** Allows an `http:` issuer, only when its host is `localhost`, `127.0.0.1` or `[::1]`. */
  readonly allowInsecureRequests?: boolean
  /** Default `Date.now`. Also shifts oauth4webapi's notion of now (its `clockSkew`). */
  readonly clock?: Clock
  /** Default `navigator.locks` when present. `false` turns cross-tab locking off. */
  readonly locks?: LockManagerLike | false
  /**
   * DPoP (RFC 9449): tokens bound to a non-extractable ES256 key pair of this app, so a stolen token
   * is useless elsewhere. `true` keeps the pair in IndexedDB (browsers) or memory; or pass a store.
   */
  readonly dpop?: boolean | DpopKeyStore
}

export interface Config {
  readonly issuer: URL
  readonly clientId: string
  readonly redirectUri: string
  readonly audience: string | undefined
  readonly scope: string
  readonly storage: Storage
  readonly transactionStorage: Storage
  readonly leewaySeconds: number
  readonly fetch: FetchLike
  readonly allowInsecureRequests: boolean
  readonly clock: Clock
  readonly locks: LockManagerLike | undefined
  /** Every storage key starts with this. */
  readonly keyPrefix: string
  /** The DPoP key pair, when `dpop` is on. */
  readonly dpop: DpopKeys | undefined
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

function parseUrl(value: string, name: string): URL {
  try {
    return new URL(value)
  } catch (cause) {
    throw new InvalidArgumentError(`${name} must be an absolute URL`, { cause })
  }
}

function defaultLocks(): LockManagerLike | undefined {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator
  return nav?.locks && typeof nav.locks.request === 'function' ? nav.locks : undefined
}

/** The page's `sessionStorage`, when there is one and it can be used (it throws in some sandboxed frames). */
function webSessionStorage(): WebStorageLike | undefined {
  try {
    const web = (globalThis as { sessionStorage?: WebStorageLike }).sessionStorage
    return web && typeof web.getItem === 'function' ? web : undefined
  } catch {
    return undefined
  }
}

function dpopKeys(o: ClientOptions, name: string, clock: Clock): DpopKeys | undefined {
  if (o.dpop === undefined || o.dpop === false) return undefined
  if (o.dpop !== true && (typeof o.dpop !== 'object' || typeof o.dpop.getOrSet !== 'function'))
    throw new InvalidArgumentError('dpop must be a boolean or a DpopKeyStore')
  return new DpopKeys(o.dpop === true ? defaultKeyStore(name) : o.dpop, () => Math.round((clock.now() - Date.now()) / 1000))
}

/** `openid` first, then the others once each, in their order. */
export function withOpenid(scope: string): string {
  const scopes = scope.split(' ').filter((s) => s !== '' && s !== 'openid')
  return ['openid', ...new Set(scopes)].join(' ')
}

export function normalizeOptions(o: ClientOptions): Config {
  if (!o || typeof o !== 'object') throw new InvalidArgumentError('options are required')
  if (typeof o.clientId !== 'string' || o.clientId === '') throw new InvalidArgumentError('clientId is required')
  if (typeof o.issuer !== 'string') throw new InvalidArgumentError('issuer is required')
  const issuer = parseUrl(o.issuer, 'issuer')
  if (issuer.protocol === 'http:') {
    if (o.allowInsecureRequests !== true) throw new InvalidArgumentError('issuer must use https: (allowInsecureRequests permits http: on localhost only)')
    if (!LOOPBACK_HOSTS.has(issuer.hostname)) throw new InvalidArgumentError('allowInsecureRequests only permits an http: issuer on localhost, 127.0.0.1 or [::1]')
  } else if (issuer.protocol !== 'https:') {
    throw new InvalidArgumentError('issuer must use https:')
  }
  if (typeof o.redirectUri !== 'string') throw new InvalidArgumentError('redirectUri is required')
  parseUrl(o.redirectUri, 'redirectUri')
  if (o.audience !== undefined && (typeof o.audience !== 'string' || o.audience === '')) throw new InvalidArgumentError('audience must be a non-empty string')
  const leeway = o.leewaySeconds ?? 60
  if (!Number.isFinite(leeway) || leeway < 0) throw new InvalidArgumentError('leewaySeconds must be a finite number >= 0')
  const fetchImpl = o.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const clock = o.clock ?? { now: () => Date.now() }
  const storage = o.storage ?? memoryStorage()
  const session = o.storage === undefined ? webSessionStorage() : undefined
  return {
    issuer,
    clientId: o.clientId,
    redirectUri: o.redirectUri,
    audience: o.audience,
    scope: withOpenid(o.scope ?? 'openid profile email'),
    storage,
    transactionStorage: o.transactionStorage ?? (session ? browserStorage(session) : storage),
    leewaySeconds: leeway,
    fetch: fetchImpl,
    allowInsecureRequests: o.allowInsecureRequests === true,
    clock,
    locks: o.locks === false ? undefined : (o.locks ?? defaultLocks()),
    keyPrefix: `latchkey:${o.clientId}:`,
    dpop: dpopKeys(o, `latchkey:${o.clientId}:dpop`, clock),
  }
}
