/**
 * The access token of a protected request and how it was presented: `Authorization: Bearer`
 * (RFC 6750 §2.1) or, where the API takes DPoP, `Authorization: DPoP` (RFC 9449 §7.1). Never from
 * the query string (400) or a form body (not read). Where DPoP is disabled, a DPoP credential is no
 * credential at all, as any other scheme.
 */
import { bearerToken, hasQueryToken, type BearerRequest } from './bearer-token.js'
import { invalidRequest } from './errors.js'

export interface Credentials {
  readonly scheme: 'Bearer' | 'DPoP'
  readonly token: string
}

const DPOP = /^DPoP +([A-Za-z0-9\-._~+/]+=*) *$/i

export function isDpopScheme(authorization: BearerRequest['authorization']): boolean {
  return typeof authorization === 'string' && /^dpop(?:\s|$)/i.test(authorization)
}

export function readCredentials(request: BearerRequest, acceptDpop: boolean): Credentials {
  if (!acceptDpop || !isDpopScheme(request.authorization)) return { scheme: 'Bearer', token: bearerToken(request) }
  if (request.url !== undefined && hasQueryToken(request.url)) {
    throw invalidRequest('Send the access token in the Authorization header, not in the query string.')
  }
  const match = DPOP.exec(request.authorization as string)
  if (!match) throw invalidRequest('The Authorization header must be "DPoP <access token>".')
  return { scheme: 'DPoP', token: match[1] as string }
}
