/**
 * Where the access token may come from: the `Authorization: Bearer` header only (RFC 6750 §2.1).
 * A token in the query string (§2.3) is refused with 400; the form-body method (§2.2) is not read at
 * all, so such a request simply has no token (401).
 */
import { invalidRequest, missingToken } from './errors.js'

export interface BearerRequest {
  /** The `Authorization` header (Node may hand over an array when it was repeated). */
  readonly authorization: string | readonly string[] | null | undefined
  /**
   * The request target (path and query) or the full URL, to refuse `?access_token=`. DPoP needs the
   * full URL (or the verifier's `publicOrigin`): a proof's `htu` must match it.
   */
  readonly url?: string | undefined
  /** The request method: a DPoP proof's `htm` must match it. */
  readonly method?: string | undefined
  /** The `DPoP` header(s) (RFC 9449 §4.1). */
  readonly dpop?: string | readonly string[] | null | undefined
}

/** RFC 6750 §2.1 `b64token`. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

export function bearerToken(request: BearerRequest): string {
  if (request.url !== undefined && hasQueryToken(request.url)) {
    throw invalidRequest('Send the access token in the Authorization header, not in the query string.')
  }
  const header = request.authorization
  if (header === undefined || header === null || header === '') throw missingToken()
  if (typeof header !== 'string') throw invalidRequest('The request has more than one Authorization header.')
  const match = BEARER.exec(header)
  if (match) return match[1] as string
  // another scheme (Basic, DPoP, …) is no bearer credential at all
  if (!/^bearer(?:\s|$)/i.test(header)) throw missingToken()
  throw invalidRequest('The Authorization header must be "Bearer <access token>".')
}

export function hasQueryToken(url: string): boolean {
  const q = url.indexOf('?')
  if (q === -1 || !url.includes('access_token', q)) return false
  const hash = url.indexOf('#', q)
  return new URLSearchParams(url.slice(q + 1, hash === -1 ? undefined : hash)).has('access_token')
}
