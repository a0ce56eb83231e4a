/**
 * Every error the SDK throws on purpose is a `LatchkeyClientError` with a stable `code` (jose style):
 * branch on `err.code` or `instanceof`, never on the message, which may change.
 */

export type LatchkeyErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_DISCOVERY'
  | 'ERR_INVALID_STATE'
  | 'ERR_AUTHORIZATION'
  | 'ERR_LOGIN_REQUIRED'
  | 'ERR_CONSENT_REQUIRED'
  | 'ERR_INTERACTION_REQUIRED'
  | 'ERR_ACCESS_DENIED'
  | 'ERR_TOKEN_ENDPOINT'
  | 'ERR_RESPONSE_VALIDATION'
  | 'ERR_LOOPBACK_TIMEOUT'

export class LatchkeyClientError extends Error {
  static readonly code: LatchkeyErrorCode = 'ERR_INVALID_ARGUMENT'
  readonly code: LatchkeyErrorCode = 'ERR_INVALID_ARGUMENT'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A bad option or argument given to the SDK (never the server's fault). */
export class InvalidArgumentError extends LatchkeyClientError {
  static override readonly code = 'ERR_INVALID_ARGUMENT'
  override readonly code = 'ERR_INVALID_ARGUMENT'
}

/** The issuer's discovery document could not be fetched or is not valid for this issuer. */
export class DiscoveryError extends LatchkeyClientError {
  static override readonly code = 'ERR_DISCOVERY'
  override readonly code = 'ERR_DISCOVERY'
}

/** The callback's `state` matches no login this client started (unknown, already used or expired). */
export class InvalidStateError extends LatchkeyClientError {
  static override readonly code = 'ERR_INVALID_STATE'
  override readonly code = 'ERR_INVALID_STATE'
}

type AuthorizationErrorCode = 'ERR_AUTHORIZATION' | 'ERR_LOGIN_REQUIRED' | 'ERR_CONSENT_REQUIRED' | 'ERR_INTERACTION_REQUIRED' | 'ERR_ACCESS_DENIED'

/**
 * The authorization server answered the authorization request with an error (RFC 6749 §4.1.2.1).
 * `error` and `error_description` are the server's; `state` is the transaction's.
 */
export class AuthorizationError extends LatchkeyClientError {
  static override readonly code: AuthorizationErrorCode = 'ERR_AUTHORIZATION'
  override readonly code: AuthorizationErrorCode = 'ERR_AUTHORIZATION'
  readonly error: string
  readonly error_description: string | undefined
  readonly state: string | undefined
  constructor(error: string, description?: string, options?: { cause?: unknown; state?: string }) {
    super(description ? `${error}: ${description}` : error, options)
    this.error = error
    this.error_description = description
    this.state = options?.state
  }
}

/**
 * The user must log in (again): `login_required` from the server, no session or no refresh token for
 * the audience, or a refresh token the server refused (`invalid_grant`; the session was cleared).
 */
export class LoginRequiredError extends AuthorizationError {
  static override readonly code = 'ERR_LOGIN_REQUIRED'
  override readonly code = 'ERR_LOGIN_REQUIRED'
}

/** `consent_required`: the user must grant the scopes interactively (after `prompt=none`). */
export class ConsentRequiredError extends AuthorizationError {
  static override readonly code = 'ERR_CONSENT_REQUIRED'
  override readonly code = 'ERR_CONSENT_REQUIRED'
}

/** `interaction_required`: the server needs the user (after `prompt=none`). */
export class InteractionRequiredError extends AuthorizationError {
  static override readonly code = 'ERR_INTERACTION_REQUIRED'
  override readonly code = 'ERR_INTERACTION_REQUIRED'
}

/** `access_denied`: the user (or a policy) refused the request, for example on the consent page. */
export class AccessDeniedError extends AuthorizationError {
  static override readonly code = 'ERR_ACCESS_DENIED'
  override readonly code = 'ERR_ACCESS_DENIED'
}

/** The token endpoint answered with an OAuth error other than the ones mapped to `LoginRequiredError`. */
export class TokenEndpointError extends LatchkeyClientError {
  static override readonly code = 'ERR_TOKEN_ENDPOINT'
  override readonly code = 'ERR_TOKEN_ENDPOINT'
  readonly error: string
  readonly error_description: string | undefined
  readonly status: number
  constructor(error: string, description: string | undefined, status: number, options?: { cause?: unknown }) {
    super(description ? `${error}: ${description}` : error, options)
    this.error = error
    this.error_description = description
    this.status = status
  }
}

/**
 * A response failed validation (wrong `iss`, `state`, `nonce`, `aud`, an expired ID token, a
 * malformed body, ...). `reason` is oauth4webapi's code, such as `OAUTH_JWT_CLAIM_COMPARISON_FAILED`.
 */
export class ResponseValidationError extends LatchkeyClientError {
  static override readonly code = 'ERR_RESPONSE_VALIDATION'
  override readonly code = 'ERR_RESPONSE_VALIDATION'
  readonly reason: string | undefined
  constructor(message: string, options?: { cause?: unknown; reason?: string }) {
    super(message, options)
    this.reason = options?.reason
  }
}

/** The loopback login (`@latchkey/client/node`) saw no callback before `timeoutMs`. */
export class LoopbackTimeoutError extends LatchkeyClientError {
  static override readonly code = 'ERR_LOOPBACK_TIMEOUT'
  override readonly code = 'ERR_LOOPBACK_TIMEOUT'
}
