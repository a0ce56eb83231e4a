/**
 * The steps every strategy's code flow shares: a pending login (state, PKCE S256, nonce), the
 * authorization URL, the callback's checks (the pending's connection, `state`, RFC 9207 `iss`, an
 * OAuth error answer, a code) and, for the plain OAuth 2.0 strategies (github, oauth2), the code
 * exchange and JSON reads with a bearer token.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import * as oauth from 'oauth4webapi'
import type { StrategyContext } from './context.js'
import { errorCode, UpstreamCheckFailed, UpstreamDenied, UpstreamUnavailable } from './errors.js'
import { classify, type OAuthRequestOptions } from './http.js'
import type { PendingUpstream, UpstreamConnection, UpstreamStrategyName } from './types.js'

export interface NewPending {
  readonly pending: PendingUpstream
  readonly codeChallenge: string
}

export async function newPending(strategy: UpstreamStrategyName, conn: UpstreamConnection, redirectUri: string, openid: boolean, maxAge: number | null): Promise<NewPending> {
  const codeVerifier = oauth.generateRandomCodeVerifier()
  return {
    pending: {
      connection: conn.name,
      strategy,
      state: oauth.generateRandomState(),
      nonce: openid ? oauth.generateRandomNonce() : null,
      codeVerifier,
      redirectUri,
      maxAge,
    },
    codeChallenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
  }
}

/** `endpoint` with the request's parameters set (its own query parameters kept unless named here). */
export function authorizationUrl(endpoint: string, params: Readonly<Record<string, string | null | undefined>>): string {
  const url = new URL(endpoint)
  for (const [name, value] of Object.entries(params)) if (value !== null && value !== undefined && value !== '') url.searchParams.set(name, value)
  return url.href
}

export function checkRedirectUri(conn: UpstreamConnection, redirectUri: string): void {
  try {
    const url = new URL(redirectUri)
    if (url.protocol === 'https:' || url.protocol === 'http:') return
  } catch {}
  throw new UpstreamUnavailable(conn.name, 'configuration', 'the redirect URI must be an absolute http(s) URL')
}

/** A max_age that can be sent: a non-negative integer, or null. */
export function maxAgeOf(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null
}

/** The pending login must be this connection's and this strategy's. */
export function checkPending(strategy: UpstreamStrategyName, conn: UpstreamConnection, pending: PendingUpstream): void {
  if (pending.connection !== conn.name || pending.strategy !== strategy) {
    throw new UpstreamCheckFailed(conn.name, 'connection', 'the pending login belongs to another connection')
  }
}

function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest())
}

/**
 * The callback's parameters after the checks that come before anything else: exactly one `state`,
 * the pending's; then oauth4webapi's validateAuthResponse (`iss` when sent or advertised, an error
 * answer, no implicit/hybrid parameters); then a code. `ignoreIss`: the provider has no issuer
 * identifier we know (plain OAuth 2.0 without a configured issuer), so an `iss` it sends is not compared.
 */
export function checkCallback(
  conn: UpstreamConnection,
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  callback: URL | URLSearchParams,
  pending: PendingUpstream,
  ignoreIss = false,
): URLSearchParams {
  const params = new URLSearchParams(callback instanceof URL ? callback.searchParams : callback)
  const states = params.getAll('state')
  if (states.length !== 1 || states[0] === undefined) {
    throw new UpstreamCheckFailed(conn.name, 'state', states.length === 0 ? 'the callback has no state' : 'the callback repeats state')
  }
  if (!sameSecret(states[0], pending.state)) throw new UpstreamCheckFailed(conn.name, 'state', 'the callback state is not the one this login sent')
  if (ignoreIss) params.delete('iss')
  let checked: URLSearchParams
  try {
    checked = oauth.validateAuthResponse(as, client, params, pending.state)
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) throw new UpstreamDenied(conn.name, err.error, err.error_description)
    const message = err instanceof Error ? err.message : 'invalid callback'
    throw new UpstreamCheckFailed(conn.name, /"iss"/.test(message) ? 'iss' : 'response', message)
  }
  const codes = checked.getAll('code')
  if (codes.length !== 1 || codes[0] === '') throw new UpstreamCheckFailed(conn.name, 'response', codes.length === 0 ? 'the callback has no code' : 'the callback repeats code')
  return checked
}

/** Token endpoint errors that mean the code itself was refused (replayed, expired, PKCE mismatch); GitHub's own name for it too. */
const CODE_REFUSED = new Set(['invalid_grant', 'bad_verification_code'])

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * The code exchange of a plain OAuth 2.0 provider: oauth4webapi builds and sends the request (client
 * authentication, PKCE verifier, redirect_uri); the answer is read leniently where providers differ
 * (GitHub answers errors with 200, some omit `token_type`) and strictly where it matters (an access
 * token, a bearer token type).
 */
export async function exchangeCode(
  conn: UpstreamConnection,
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  clientAuth: oauth.ClientAuth,
  params: URLSearchParams,
  pending: PendingUpstream,
  options: OAuthRequestOptions,
): Promise<string> {
  let res: Response
  let text: string
  try {
    res = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, pending.redirectUri, pending.codeVerifier, options)
    text = await res.text()
  } catch (err) {
    throw classify(conn.name, err, null, 'the code exchange')
  }
  let body: unknown = null
  try {
    body = JSON.parse(text)
  } catch {}
  if (isObject(body) && body.error !== undefined) {
    const code = errorCode(body.error)
    if (CODE_REFUSED.has(code)) throw new UpstreamCheckFailed(conn.name, 'code', `the provider refused the code (${code})`)
    if (res.status >= 500) throw new UpstreamUnavailable(conn.name, 'status', `the code exchange: the provider answered ${res.status} ${code}`)
    throw new UpstreamUnavailable(conn.name, 'refused', `the code exchange: the provider answered ${res.status} ${code}`)
  }
  if (res.status !== 200) throw new UpstreamUnavailable(conn.name, 'status', `the code exchange: unexpected HTTP status ${res.status}`)
  if (!isObject(body)) throw new UpstreamUnavailable(conn.name, 'malformed', 'the code exchange: the answer is not a JSON object')
  if (typeof body.access_token !== 'string' || body.access_token === '') throw new UpstreamUnavailable(conn.name, 'malformed', 'the code exchange: no access_token')
  if (body.token_type !== undefined && (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer')) {
    throw new UpstreamUnavailable(conn.name, 'malformed', 'the code exchange: the token type is not bearer')
  }
  return body.access_token
}

/**
 * GET a JSON document with the access token (a profile API); any answer but 200 with JSON is
 * UpstreamUnavailable, except the statuses in `absent`, which answer null (what the token may not read).
 */
export async function getJson(
  ctx: StrategyContext,
  conn: UpstreamConnection,
  url: string,
  accessToken: string,
  headers: Record<string, string>,
  what: string,
  absent: readonly number[] = [],
): Promise<unknown> {
  let res: Response
  let text: string
  try {
    res = await ctx.fetch(url, { method: 'GET', headers: { accept: 'application/json', ...headers, authorization: `Bearer ${accessToken}` } })
    text = await res.text()
  } catch (err) {
    throw classify(conn.name, err, null, what)
  }
  if (absent.includes(res.status)) return null
  if (res.status === 401 || res.status === 403) throw new UpstreamUnavailable(conn.name, 'refused', `${what}: the provider answered ${res.status}`)
  if (res.status !== 200) throw new UpstreamUnavailable(conn.name, 'status', `${what}: unexpected HTTP status ${res.status}`)
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new UpstreamUnavailable(conn.name, 'malformed', `${what}: the answer is not JSON`)
  }
}

export { isObject }
