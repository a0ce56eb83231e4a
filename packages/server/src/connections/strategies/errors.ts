/**
 * What can go wrong with an upstream identity provider, in the three answers the login routes give
 * (issue 13), plus the refusal of a connection's options:
 *
 * - `UpstreamDenied`: the provider answered the authorization request with an OAuth error
 *   (`access_denied` when the user said no). Redirect to the app with `access_denied`.
 * - `UpstreamCheckFailed`: the callback or what followed it failed one of our checks (state, `iss`,
 *   the ID token, the code, the userinfo `sub`). A 4xx page, no code; possibly an attack.
 * - `UpstreamUnavailable`: the provider is down, slow, answered 5xx or something malformed, or refused
 *   our client (a configuration problem). Redirect to the app with `temporarily_unavailable`, or a 4xx page.
 * - `ConnectionOptionsError`: a connection's options are not usable (Management API/CLI: a 400 with
 *   the message; at login time: a configuration problem, answered like `UpstreamUnavailable`).
 *
 * Every text that came from the provider is reduced to printable ASCII and a bounded length here, so a
 * page or a log line can show it (escaped, as always) without carrying the provider's markup or
 * control characters. Errors never carry the provider's response bodies or tokens.
 */

const MAX_DESCRIPTION = 200
const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/

/** Printable ASCII only (anything else becomes `?`), whitespace runs as one space, at most `max` characters. */
export function printable(text: string, max = MAX_DESCRIPTION): string {
  const ascii = text.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?').trim()
  return ascii.length > max ? `${ascii.slice(0, max - 3)}...` : ascii
}

/** An OAuth error code as the provider sent it when it has the usual shape, else `invalid_response`. */
export function errorCode(code: unknown): string {
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : 'invalid_response'
}

/** What every upstream error has: a stable `code` to switch on, and the connection it concerns. */
export abstract class UpstreamError extends Error {
  abstract readonly code: 'upstream_denied' | 'upstream_check_failed' | 'upstream_unavailable'
  constructor(
    readonly connection: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(printable(message, 300), options)
  }
}

/** The provider answered the authorization request with an error (the user denied, or it refused the request). */
export class UpstreamDenied extends UpstreamError {
  readonly code = 'upstream_denied'
  override readonly name = 'UpstreamDenied'
  /** The provider's `error`, e.g. `access_denied`; `invalid_response` when it was not a plain code. */
  readonly error: string
  /** The provider's `error_description`, printable ASCII, at most 200 characters; null when absent. */
  readonly description: string | null
  constructor(connection: string, error: unknown, description: unknown) {
    const code = errorCode(error)
    const text = typeof description === 'string' && description.trim() !== '' ? printable(description) : null
    super(connection, `the provider answered ${code}${text ? `: ${text}` : ''}`)
    this.error = code
    this.description = text
  }
}

/** Which check failed; for logs and the audit (never shown as the only explanation to a user). */
export type UpstreamCheck =
  /** `state` missing or not the one this transaction sent. */
  | 'state'
  /** RFC 9207 `iss` at the callback missing (when advertised) or not the provider's. */
  | 'iss'
  /** The callback had no code, repeated parameters, or an implicit/hybrid response. */
  | 'response'
  /** The provider refused the code at its token endpoint (`invalid_grant`: replayed, expired, PKCE mismatch). */
  | 'code'
  /** The ID token: missing, bad signature, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`, `auth_time`. */
  | 'id_token'
  /** The userinfo `sub` is not the ID token's. */
  | 'userinfo'
  /** The pending transaction belongs to another connection or strategy. */
  | 'connection'

/** A check on what came back from the provider failed: a 4xx page, no code. */
export class UpstreamCheckFailed extends UpstreamError {
  readonly code = 'upstream_check_failed'
  override readonly name = 'UpstreamCheckFailed'
  constructor(
    connection: string,
    readonly check: UpstreamCheck,
    detail: string,
  ) {
    super(connection, `${check} check failed: ${detail}`)
  }
}

export type UnavailableReason =
  /** Connection refused, reset, DNS failure. */
  | 'network'
  /** No answer within the time limit. */
  | 'timeout'
  /** An unexpected HTTP status (5xx, a redirect, 4xx without an OAuth error). */
  | 'status'
  /** A body that is not the JSON expected, is too large, or misses what it must have. */
  | 'malformed'
  /** The provider refused our client (invalid_client, unauthorized_client, a redirect_uri mismatch): configuration. */
  | 'refused'
  /** The connection's options or secret are not usable. */
  | 'configuration'

/** The provider could not be used right now (or is misconfigured): redirect with `temporarily_unavailable`, or a 4xx page. */
export class UpstreamUnavailable extends UpstreamError {
  readonly code = 'upstream_unavailable'
  override readonly name = 'UpstreamUnavailable'
  constructor(
    connection: string,
    readonly reason: UnavailableReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(connection, `${reason}: ${detail}`, options)
  }
}

/** A connection's options were refused; `issues` name each problem (`options.discovery_url: must use https ...`). */
export class ConnectionOptionsError extends Error {
  override readonly name = 'ConnectionOptionsError'
  readonly code = 'invalid_connection_options'
  constructor(
    readonly strategy: string,
    readonly issues: readonly string[],
  ) {
    super(`invalid ${strategy} connection options: ${issues.join('; ')}`)
  }
}
