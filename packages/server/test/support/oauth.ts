/**
 * Protocol helpers shared by the endpoint tests: calling /oauth/token and /oauth/revoke the way a
 * client does, getting a code through a logged-in browser, reading tokens, and asserting the RFC 6749
 * §5.2 error shape.
 */
import assert from 'node:assert/strict'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { createLocalJWKSet, decodeJwt, SignJWT, type JWK, type JWTPayload } from 'jose'
import { authorizeUrl, Browser, callbackParams, loginThrough, pkce, type AuthorizeOptions } from './browser.js'
import { PASSWORD, type TestServer } from './harness.js'

export const CALLBACK = 'http://localhost:8080/callback'
export const WEB_ORIGIN = 'http://localhost:8080'

export interface JsonResponse {
  readonly res: Response
  readonly status: number
  readonly json: Record<string, unknown>
}

async function asJson(res: Response): Promise<JsonResponse> {
  const text = await res.text()
  let json: Record<string, unknown>
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    throw new Error(`expected a JSON body from ${res.url} (status ${res.status}, content-type ${res.headers.get('content-type')}), got: ${text.slice(0, 300)}`)
  }
  return { res, status: res.status, json }
}

export interface PostOptions {
  readonly headers?: Record<string, string>
  /** Send the body as JSON instead of application/x-www-form-urlencoded. */
  readonly json?: boolean
}

/** POST /oauth/token with a form (default) or JSON body. */
export async function tokenRequest(server: TestServer, body: Record<string, string>, opts: PostOptions = {}): Promise<JsonResponse> {
  const res = await fetch(`${server.url}oauth/token`, {
    method: 'POST',
    headers: { 'content-type': opts.json ? 'application/json' : 'application/x-www-form-urlencoded', ...opts.headers },
    body: opts.json ? JSON.stringify(body) : new URLSearchParams(body).toString(),
  })
  return asJson(res)
}

/** POST a raw body to a path of the server (for malformed-input tests). */
export async function rawPost(server: TestServer, path: string, body: string | Uint8Array, headers: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]) })
}

export async function readJson(res: Response): Promise<JsonResponse> {
  return asJson(res)
}

/** POST /oauth/revoke with a form body. */
export async function revokeRequest(server: TestServer, body: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}oauth/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  })
}

export function basicAuth(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s)
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`
}

/** RFC 6749 §5.2: a JSON error with `error`, `error_description`, the given status and `no-store`. */
export function assertOAuthError(r: JsonResponse, status: number, error: string, description?: string | RegExp): void {
  assert.equal(r.status, status, `status (body: ${JSON.stringify(r.json)})`)
  assert.match(r.res.headers.get('content-type') ?? '', /^application\/json/)
  assert.equal(r.res.headers.get('cache-control'), 'no-store')
  assert.equal(r.json.error, error, `error (body: ${JSON.stringify(r.json)})`)
  assert.equal(typeof r.json.error_description, 'string')
  if (typeof description === 'string') assert.equal(r.json.error_description, description)
  else if (description) assert.match(r.json.error_description as string, description)
}

/**
 * A browser with an SSO session for one user: the first `authorize` logs in through the real pages,
 * later ones reuse the session (and accept consent when asked).
 */
export class LoggedInBrowser {
  readonly browser: Browser
  constructor(
    readonly server: TestServer,
    readonly user: UserRecord,
  ) {
    this.browser = new Browser(server.url)
  }

  /** Runs /authorize (logging in and consenting as needed) and returns the response that leaves the server. */
  async authorize(options: AuthorizeOptions): Promise<Response> {
    return loginThrough(this.browser, authorizeUrl(this.server.issuer, options), this.user.email, PASSWORD)
  }

  /** A fresh authorization code for the app, with its PKCE verifier (none with `pkce: false`; then pass `challenge` to set your own). */
  async code(
    app: ApplicationRecord,
    options: Partial<AuthorizeOptions> & { readonly pkce?: boolean } = {},
  ): Promise<{ code: string; verifier: string | undefined; redirectUri: string }> {
    const usePkce = options.pkce ?? true
    const pair = usePkce ? pkce() : undefined
    const redirectUri = options.redirectUri ?? app.callbacks[0] ?? CALLBACK
    const res = await this.authorize({ clientId: app.clientId, redirectUri, ...(pair ? { challenge: pair.challenge } : {}), ...options })
    const params = callbackParams(res)
    const code = params.get('code')
    if (!code) throw new Error(`no code in the callback: ${res.headers.get('location')}`)
    return { code, verifier: pair?.verifier, redirectUri }
  }

  /** Code plus exchange: the token response of a public client's code grant. */
  async tokens(app: ApplicationRecord, options: Partial<AuthorizeOptions> = {}): Promise<Record<string, unknown>> {
    const { code, verifier, redirectUri } = await this.code(app, options)
    const r = await tokenRequest(this.server, {
      grant_type: 'authorization_code',
      client_id: app.clientId,
      code,
      code_verifier: verifier as string,
      redirect_uri: redirectUri,
    })
    assert.equal(r.status, 200, `token exchange failed: ${JSON.stringify(r.json)}`)
    return r.json
  }
}

export function claims(jwt: unknown): JWTPayload {
  assert.equal(typeof jwt, 'string')
  return decodeJwt(jwt as string)
}

export async function serverJwks(server: TestServer): Promise<{ keys: JWK[] }> {
  return (await (await fetch(`${server.url}.well-known/jwks.json`)).json()) as { keys: JWK[] }
}

export async function localJwks(server: TestServer) {
  return createLocalJWKSet(await serverJwks(server))
}

/**
 * Signs a JWT with the server's own current private key (from its key ring, which decrypts it), so a
 * test can forge tokens that differ from real ones only in the claims under test (issuer, audience,
 * typ, expiry).
 */
export async function signWithServerKey(server: TestServer, payload: JWTPayload, header: { typ?: string } = {}): Promise<string> {
  const { kid, alg, key } = await server.running.deps.keys.signingKey()
  return new SignJWT(payload).setProtectedHeader({ alg, kid, ...header }).sign(key)
}
