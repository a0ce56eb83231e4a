/**
 * A real Latchkey (in-memory SQLite, real socket) with the Appointments API, an app and a user, and
 * ways to get tokens from it: real ones through the login and code exchange, and forged ones
 * signed with the server's own private key that differ from a real token in exactly one respect.
 */
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { decodeJwt, decodeProtectedHeader, exportSPKI, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose'
import { addApi, addApp, addUser, startTestServer, type TestServer } from '../../../server/test/support/harness.js'
import type { DpopKey } from '../../../server/test/support/dpop.js'
import { LoggedInBrowser, tokenRequest } from '../../../server/test/support/oauth.js'

export const AUDIENCE = 'https://api.example.com/appointments'
export const ALL_SCOPES = 'openid profile email read:appointments write:appointments'

export interface TokenResponse {
  readonly access_token: string
  readonly id_token?: string
  readonly scope?: string
}

export class Latchkey {
  private constructor(
    readonly server: TestServer,
    readonly app: ApplicationRecord,
    readonly user: UserRecord,
    readonly browser: LoggedInBrowser,
    readonly audience: string,
  ) {}

  /**
   * With `permissions`, the API's tokens carry the `permissions` claim (token dialect
   * `access_token_authz`, RBAC not enforced, so scopes are as requested) and the user is given these.
   */
  static async start(audience = AUDIENCE, options: { readonly permissions?: readonly string[] } = {}): Promise<Latchkey> {
    const server = await startTestServer()
    await addApi(server.store, { identifier: audience, ...(options.permissions ? { tokenDialect: 'access_token_authz' as const } : {}) })
    const { app } = await addApp(server.store)
    const user = await addUser(server.store)
    const latchkey = new Latchkey(server, app, user, new LoggedInBrowser(server, user), audience)
    if (options.permissions) await latchkey.givePermissions(...options.permissions)
    return latchkey
  }

  /** Gives the user permissions of the API directly; tokens issued from now on carry them. */
  async givePermissions(...names: string[]): Promise<void> {
    await this.server.store.permissions.add(this.user.id, names.map((name) => ({ apiIdentifier: this.audience, name })), Date.now())
  }

  get issuer(): string {
    return this.server.issuer
  }

  /** A real token response: login (once), consent, code, exchange. */
  async tokens(scope = ALL_SCOPES, audience = AUDIENCE): Promise<TokenResponse> {
    return (await this.browser.tokens(this.app, { audience, scope })) as unknown as TokenResponse
  }

  async accessToken(scope = ALL_SCOPES, audience = AUDIENCE): Promise<string> {
    return (await this.tokens(scope, audience)).access_token
  }

  /** A real DPoP-bound access token (`cnf.jkt` of `key`): the code exchanged with a proof. */
  async dpopAccessToken(key: DpopKey, scope = ALL_SCOPES, audience = AUDIENCE): Promise<string> {
    const { code, verifier, redirectUri } = await this.browser.code(this.app, { audience, scope })
    const r = await tokenRequest(
      this.server,
      { grant_type: 'authorization_code', client_id: this.app.clientId, code, code_verifier: verifier as string, redirect_uri: redirectUri },
      { headers: { dpop: await key.proof('POST', `${this.issuer}oauth/token`) } },
    )
    if (r.status !== 200 || r.json.token_type !== 'DPoP') throw new Error(`no DPoP token: ${JSON.stringify(r.json)}`)
    return r.json.access_token as string
  }

  /** Signs with the key the server signs with now (its real `kid`). */
  async sign(payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
    const { kid, alg, key } = await this.server.running.deps.keys.signingKey()
    return new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'at+jwt', ...header }).sign(key)
  }

  /** The server's current public key as PEM text (for the HS256-with-the-public-key attack). */
  async publicKeyPem(): Promise<string> {
    const { kid } = await this.server.running.deps.keys.signingKey()
    const jwks = (await (await fetch(`${this.server.url}.well-known/jwks.json`)).json()) as { keys: JWK[] }
    const jwk = jwks.keys.find((k) => k.kid === kid) as JWK
    return exportSPKI((await importJWK(jwk, 'RS256', { extractable: true })) as CryptoKey)
  }

  close(): Promise<void> {
    return this.server.close()
  }
}

/** Claims and header of a real token, to forge near-copies of it. */
export function parts(token: string): { claims: JWTPayload; header: Record<string, unknown> } {
  return { claims: decodeJwt(token), header: decodeProtectedHeader(token) as Record<string, unknown> }
}

let stranger: Promise<CryptoKey> | undefined

/** A token signed by a key Latchkey never published. */
export async function signWithStrangerKey(payload: JWTPayload, kid: string): Promise<string> {
  stranger ??= generateKeyPair('RS256').then((pair) => pair.privateKey)
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' }).sign(await stranger)
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000)

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A `fetch` for the verifier that counts requests per path and can play an unreachable issuer
 * (it then fails the way undici does when nothing listens).
 */
export class IssuerLink {
  down = false
  readonly calls: string[] = []
  readonly fetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    this.calls.push(new URL(url).pathname)
    if (this.down) throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })
    return fetch(input, init)
  }

  count(path: string): number {
    return this.calls.filter((p) => p === path).length
  }
}

export const JWKS_PATH = '/.well-known/jwks.json'
export const DISCOVERY_PATH = '/.well-known/openid-configuration'
