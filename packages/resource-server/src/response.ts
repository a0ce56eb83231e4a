/**
 * What every adapter answers for a failed request: JSON `{ error, error_description }`, the status,
 * `WWW-Authenticate` (RFC 6750 §3) and `Cache-Control: no-store`. An `IssuerError` becomes 503
 * without details (they go to the server's log, not to the client); other errors are not answered here.
 */
import { BearerError, IssuerError } from './errors.js'

export interface ErrorResponse {
  readonly status: 400 | 401 | 403 | 503
  readonly headers: Record<string, string>
  readonly body: { readonly error: string; readonly error_description: string }
}

/** The response for a `BearerError` or an `IssuerError`; `undefined` for anything else. */
export function errorResponse(err: unknown): ErrorResponse | undefined {
  if (err instanceof BearerError) {
    return {
      status: err.status,
      headers: { 'WWW-Authenticate': err.wwwAuthenticate, 'Cache-Control': 'no-store' },
      body: err.toJSON(),
    }
  }
  if (err instanceof IssuerError) {
    return {
      status: 503,
      headers: { 'Cache-Control': 'no-store', 'Retry-After': '1' },
      body: { error: 'temporarily_unavailable', error_description: 'The access token cannot be verified right now.' },
    }
  }
  return undefined
}
