/**
 * A token request (RFC 6749 §3.2), read once at the edge into a typed value that every later step
 * uses: its parameters (form or JSON, every value of every name kept), the grant type, the client
 * credentials it carries (http/client-auth.ts), its DPoP proof and who sent it. Nothing later reads
 * the raw parameters or headers again: the limits key on `client.claimedId`, authentication uses
 * `client`, the grant parses its own parameters once (`grant.read`), the audit log records `origin`.
 */
import { grants, InvalidRequest, quoteValue, type RawParams, type TokenGrant, repeatedNames, single, UnsupportedGrantType } from '@latchkey/core'
import type { RequestOrigin } from '../audit.js'
import { type PresentedClient, presentedClient } from '../http/client-auth.js'

export interface TokenRequest {
  readonly params: RawParams
  /** The `grant_type` sent once; undefined when missing or repeated. */
  readonly grantType: string | undefined
  readonly client: PresentedClient
  /** The `DPoP` header (RFC 9449 §4), unchecked. */
  readonly dpopProof: string | undefined
  readonly origin: RequestOrigin
}

export interface TokenRequestHeaders {
  readonly authorization: string | undefined
  readonly dpop: string | undefined
}

export function tokenRequest(params: RawParams, headers: TokenRequestHeaders, origin: RequestOrigin): TokenRequest {
  return { params, grantType: single(params, 'grant_type'), client: presentedClient(params, headers.authorization), dpopProof: headers.dpop, origin }
}

/** The refresh token a refresh_token grant presents: the key of its own limit. */
export function presentedRefreshToken(request: TokenRequest): string | undefined {
  return request.grantType === 'refresh_token' ? single(request.params, 'refresh_token') : undefined
}

/**
 * The request's grant (RFC 6749 §3.2, §5.2): no parameter repeated, and a `grant_type` this server
 * serves. The grant reads its own parameters once the client is authenticated (`grant.read`), so an
 * unauthenticated request learns nothing about them.
 */
export function readGrant(request: TokenRequest): { readonly type: string; readonly grant: TokenGrant } {
  const repeated = repeatedNames(request.params)
  if (repeated.length > 0) throw new InvalidRequest(`Parameter "${repeated[0]}" is repeated.`)
  const type = request.grantType
  if (type === undefined) throw new InvalidRequest('Missing required parameter: grant_type')
  const grant = grants.get(type)
  if (!grant) throw new UnsupportedGrantType(`Unsupported grant type: ${quoteValue(type)}`)
  return { type, grant }
}
