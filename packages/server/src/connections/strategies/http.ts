/**
 * Every request to an upstream goes through `UpstreamHttp.fetch`: https only (plain http only to this
 * device: localhost, *.localhost, 127.0.0.0/8, [::1], for development and tests), no redirects
 * followed, a time limit covering the answer's body too, and a bounded body read into memory. It is
 * given to oauth4webapi (`customFetch`) and to jose's remote JWKS, so their requests obey it as well.
 *
 * `classify` turns whatever a step threw (oauth4webapi's, jose's, fetch's errors) into one of the
 * three upstream errors, with a fallback chosen by the step.
 */
import * as oauth from 'oauth4webapi'
import * as jose from 'jose'
import { UpstreamCheckFailed, UpstreamError, UpstreamUnavailable, printable, type UpstreamCheck } from './errors.js'
import { readWithin } from '../../http/bounded-body.js'

const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/

/** localhost, *.localhost, 127.0.0.0/8 or [::1]: where plain http stays on the device (the rule of registered URLs). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || LOOPBACK_V4.test(hostname)
}

/**
 * Why `value` may not be an upstream URL, or null when it may: an absolute https URL (http only to a
 * loopback host), without user name, password or fragment.
 */
export function upstreamUrlProblem(value: string): string | null {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an absolute URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL'
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return 'must use https (http is allowed only for localhost and loopback addresses)'
  if (url.username || url.password) return 'must not contain a user name or password'
  if (url.hash || value.includes('#')) return 'must not contain a fragment'
  return null
}

/** True for an http URL on a loopback host: the only case oauth4webapi's `allowInsecureRequests` is turned on for. */
export function isLoopbackHttp(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' && isLoopbackHost(url.hostname)
  } catch {
    return false
  }
}

export interface HttpLimits {
  /** Time limit of one request, body included, in ms. */
  readonly timeoutMs: number
  /** Largest body read, in bytes. */
  readonly maxBodyBytes: number
  /** The fetch underneath (the platform's by default). */
  readonly fetch: typeof fetch
}

export const DEFAULT_TIMEOUT_MS = 5_000
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024
const USER_AGENT = 'Latchkey (upstream connections)'
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/** The error a fetch of ours throws; `classify` maps it to UpstreamUnavailable. */
export class UpstreamHttpError extends Error {
  override readonly name = 'UpstreamHttpError'
  constructor(
    readonly reason: 'network' | 'timeout' | 'malformed' | 'configuration',
    message: string,
  ) {
    super(message)
  }
}

/** Reads a body with a byte limit; the body's stream is cancelled past it. */
async function readBounded(res: Response, max: number, url: string): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(res.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > max) await res.body?.cancel().catch(() => {})
  const body = Number.isFinite(declared) && declared > max ? null : await readWithin(res.body, max)
  if (body === null) throw new UpstreamHttpError('malformed', `the answer of ${url} is larger than ${max} bytes`)
  return body
}

function where(url: string): string {
  try {
    const u = new URL(url)
    return `${u.origin}${u.pathname}`
  } catch {
    return 'the upstream'
  }
}

/**
 * A fetch for upstream requests (see the file's comment). The Response it returns is complete in
 * memory, so reading it never waits on the network again.
 */
export function upstreamFetch(limits: HttpLimits) {
  return async function fetchUpstream(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const url = String(input)
    const shown = where(url)
    const problem = upstreamUrlProblem(url)
    if (problem) throw new UpstreamHttpError('configuration', `${shown} ${problem}`)
    const timeout = AbortSignal.timeout(limits.timeoutMs)
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout
    const headers = new Headers(init.headers)
    if (!headers.has('user-agent')) headers.set('user-agent', USER_AGENT)
    try {
      const res = await limits.fetch(url, { ...init, headers, signal, redirect: 'manual' })
      const body = NULL_BODY_STATUSES.has(res.status) ? null : await readBounded(res, limits.maxBodyBytes, shown)
      return new Response(body, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      })
    } catch (err) {
      if (err instanceof UpstreamHttpError) throw err
      if (signal.aborted) throw new UpstreamHttpError('timeout', `${shown} did not answer within ${limits.timeoutMs} ms`)
      throw new UpstreamHttpError('network', `${shown} could not be reached (${printable(networkCause(err), 120)})`)
    }
  }
}

function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause
  if (typeof cause?.code === 'string') return cause.code
  if (typeof cause?.message === 'string') return cause.message
  return err instanceof Error ? err.message : 'unknown error'
}

/** The options every oauth4webapi request of one connection gets. */
export interface OAuthRequestOptions {
  readonly [oauth.customFetch]: ReturnType<typeof upstreamFetch>
  readonly [oauth.allowInsecureRequests]?: boolean
}

export function oauthOptions(fetchUpstream: ReturnType<typeof upstreamFetch>, baseUrl: string): OAuthRequestOptions {
  // allowInsecureRequests only for a loopback http upstream; fetchUpstream refuses http anywhere else anyway.
  return isLoopbackHttp(baseUrl) ? { [oauth.customFetch]: fetchUpstream, [oauth.allowInsecureRequests]: true } : { [oauth.customFetch]: fetchUpstream }
}

/** Token endpoint errors that mean the code itself was refused (replayed, expired, PKCE mismatch). */
const CODE_REFUSED = new Set(['invalid_grant'])

/**
 * Maps an error thrown during a step to an upstream error. `check` is the check a failed validation
 * of that step belongs to (e.g. `id_token` while processing the token response); `null` when the
 * step only fetches, so a validation failure means a malformed answer.
 */
export function classify(connection: string, err: unknown, check: UpstreamCheck | null, what: string): UpstreamError {
  if (err instanceof UpstreamError) return err
  if (err instanceof UpstreamHttpError) {
    return new UpstreamUnavailable(connection, err.reason, `${what}: ${err.message}`)
  }
  if (err instanceof oauth.ResponseBodyError) {
    // An OAuth error from an endpoint of the provider (token, userinfo).
    if (CODE_REFUSED.has(err.error)) return new UpstreamCheckFailed(connection, 'code', `${what}: the provider refused the code (${err.error})`)
    if (err.status >= 500) return new UpstreamUnavailable(connection, 'status', `${what}: the provider answered ${err.status} ${err.error}`)
    return new UpstreamUnavailable(connection, 'refused', `${what}: the provider answered ${err.status} ${err.error}`)
  }
  if (err instanceof oauth.WWWAuthenticateChallengeError) {
    return new UpstreamUnavailable(connection, 'refused', `${what}: the provider answered ${err.status} with a challenge`)
  }
  if (err instanceof oauth.UnsupportedOperationError) {
    return check ? new UpstreamCheckFailed(connection, check, `${what}: ${err.message}`) : new UpstreamUnavailable(connection, 'malformed', `${what}: ${err.message}`)
  }
  if (err instanceof oauth.OperationProcessingError) {
    switch (err.code) {
      case oauth.RESPONSE_IS_NOT_CONFORM: {
        const status = (err.cause as Response | undefined)?.status
        return new UpstreamUnavailable(connection, 'status', `${what}: unexpected HTTP status${typeof status === 'number' ? ` ${status}` : ''}`)
      }
      case oauth.RESPONSE_IS_NOT_JSON:
      case oauth.PARSE_ERROR:
      case oauth.MISSING_SERVER_METADATA:
      case oauth.INVALID_SERVER_METADATA:
      case oauth.HTTP_REQUEST_FORBIDDEN:
      case oauth.REQUEST_PROTOCOL_FORBIDDEN:
        return new UpstreamUnavailable(connection, 'malformed', `${what}: ${err.message}`)
      default:
        return check ? new UpstreamCheckFailed(connection, check, `${what}: ${err.message}`) : new UpstreamUnavailable(connection, 'malformed', `${what}: ${err.message}`)
    }
  }
  if (err instanceof jose.errors.JWKSTimeout) return new UpstreamUnavailable(connection, 'timeout', `${what}: the JWKS did not arrive in time`)
  if (err instanceof jose.errors.JOSEError) {
    switch (err.code) {
      case 'ERR_JOSE_GENERIC': // the JWKS fetch: not 200, not JSON
        return new UpstreamUnavailable(connection, /Expected 200 OK/.test(err.message) ? 'status' : 'malformed', `${what}: ${err.message}`)
      case 'ERR_JWKS_INVALID':
        return new UpstreamUnavailable(connection, 'malformed', `${what}: ${err.message}`)
      default:
        return new UpstreamCheckFailed(connection, check ?? 'id_token', `${what}: ${err.message}`)
    }
  }
  if (err instanceof TypeError) {
    // oauth4webapi's CodedTypeError for what it read (e.g. a non-string field in metadata).
    return new UpstreamUnavailable(connection, 'malformed', `${what}: ${err.message}`)
  }
  // Not from the protocol libraries: kept as the cause (it carries no upstream body) so a bug shows in the logs.
  return new UpstreamUnavailable(connection, 'malformed', `${what}: ${err instanceof Error ? err.message : 'unexpected error'}`, { cause: err })
}
