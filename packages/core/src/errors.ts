/**
 * OAuth 2.0 / OpenID Connect errors (RFC 6749 §4.1.2.1, §5.2; OIDC Core §3.1.2.6; RFC 8707 §2).
 * Code throws these; one error handler per endpoint family turns them into JSON, a redirect or a page.
 * The `error` code is the stable API; `error_description` is for people (and, where Auth0's SDKs
 * compare it, uses Auth0's wording).
 */

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'unsupported_token_type'
  | 'temporarily_unavailable'
  | 'too_many_requests'
  | 'server_error'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'request_not_supported'
  | 'request_uri_not_supported'

/**
 * A request value quoted in an `error_description`: only short values of the characters an identifier
 * uses, since RFC 6749 §5.2 limits descriptions to printable ASCII without `"` and `\\`, and echoing
 * arbitrary input back (markup, control characters) helps no one but an attacker.
 */
export function quoteValue(value: string): string {
  return /^[\w.:/@|+~-]{1,100}$/.test(value) ? value : '(not shown)'
}

export class OAuthError extends Error {
  readonly error: OAuthErrorCode
  readonly status: number
  constructor(error: OAuthErrorCode, description: string, status = 400) {
    super(description)
    this.name = 'OAuthError'
    this.error = error
    this.status = status
  }
  get description(): string {
    return this.message
  }
}

const define = (error: OAuthErrorCode, status: number) =>
  class extends OAuthError {
    constructor(description: string) {
      super(error, description, status)
    }
  }

export class InvalidRequest extends define('invalid_request', 400) {}
/** 401: the token endpoint adds `WWW-Authenticate` when the client used HTTP Basic. */
export class InvalidClient extends define('invalid_client', 401) {}
/** Auth0 answers 403 for grant failures (PKCE mismatch, reused refresh token); SDKs accept 400 or 403. */
export class InvalidGrant extends define('invalid_grant', 403) {}
export class UnauthorizedClient extends define('unauthorized_client', 403) {}
export class UnsupportedGrantType extends define('unsupported_grant_type', 400) {}
export class UnsupportedResponseType extends define('unsupported_response_type', 400) {}
export class InvalidScope extends define('invalid_scope', 400) {}
export class InvalidTarget extends define('invalid_target', 400) {}
export class AccessDenied extends define('access_denied', 403) {}
export class LoginRequired extends define('login_required', 400) {}
export class ConsentRequired extends define('consent_required', 400) {}
export class InteractionRequired extends define('interaction_required', 400) {}
export class InvalidToken extends define('invalid_token', 401) {}
export class UnsupportedTokenType extends define('unsupported_token_type', 400) {}
export class ServerError extends define('server_error', 500) {}
/** OIDC Core §6.1, §3.1.2.6: request objects (`request`) are not supported. */
export class RequestNotSupported extends define('request_not_supported', 400) {}
/** OIDC Core §6.2, §3.1.2.6: `request_uri` (and so RFC 9126 pushed requests) is not supported. */
export class RequestUriNotSupported extends define('request_uri_not_supported', 400) {}
/** RFC 9449 §5, §7.1: the DPoP proof is missing a part, malformed, or does not fit the request. */
export class InvalidDpopProof extends define('invalid_dpop_proof', 400) {}
/** RFC 9449 §8, §9: the proof must carry the server's current nonce, sent back in `DPoP-Nonce`. */
export class UseDpopNonce extends OAuthError {
  readonly nonce: string
  constructor(description: string, nonce: string) {
    super('use_dpop_nonce', description, 400)
    this.nonce = nonce
  }
}
