/**
 * Answers of the JSON endpoints (the token endpoint, revocation, /userinfo, and every JSON error
 * of the app) as plain values: a status, headers and a body. The endpoint logic builds them without
 * knowing the HTTP layer; `send` hands one to Hono, and the hot-path server writes one straight to
 * Node's response (http/hot-path.ts).
 *
 * `errorAnswer` is the one place where an error becomes a response (RFC 6749 §5.2): the body
 * `{error, error_description}` (never a stack: anything not an OAuthError is logged and answered as
 * `server_error`), `Cache-Control: no-store`, and the headers each kind of error requires:
 * `WWW-Authenticate` for failed HTTP Basic client authentication (§5.2) and for every refusal at a
 * resource (RFC 6750 §3, RFC 9449 §7.1, with 401 for DPoP proof errors there), `DPoP-Nonce` with
 * `use_dpop_nonce` (RFC 9449 §8), `Retry-After` and `X-RateLimit-*` over a limit. CORS headers are
 * the same for answers and errors, and are added around them (http/cors.ts).
 */
import { OAuthError, UseDpopNonce } from '@latchkey/core'
import type { Context } from 'hono'
import { challengeFor, resourceStatus, type Scheme } from '../dpop/presented-token.js'
import type { Logger } from '../logger.js'
import { RateLimited } from '../rate-limits/too-many-requests.js'
import { InvalidBasicClient } from './client-auth.js'

export interface JsonAnswer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** JSON text; null for an empty body. */
  readonly body: string | null
  /**
   * Facts for the request's one log line (http/request-log.ts, the hot path): fixed names, ids and
   * codes only, never a value a client chose freely or a secret.
   */
  readonly logFields?: Readonly<Record<string, string | number | boolean>>
}

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const

/** Where `send` leaves an answer's log facts on Hono's context, for the request log. */
export const LOG_FIELDS = 'latchkeyLogFields'

/** A 200 (or `status`) with a JSON body that must not be cached (RFC 6749 §5.1). */
export function jsonAnswer(value: unknown, headers: Readonly<Record<string, string>> = {}, status = 200): JsonAnswer {
  return { status, headers: { 'Content-Type': 'application/json', ...NO_STORE, ...headers }, body: JSON.stringify(value) }
}

export interface ErrorAnswerOptions {
  readonly log: Logger
  /** Where the error happened (`token`, `userinfo`, a path), for the log of unexpected errors. */
  readonly where: string
  /** At a resource (/userinfo): the realm and the scheme the request used, for the challenge. */
  readonly resource?: { readonly realm: string; readonly scheme: Scheme }
  /** Headers of the endpoint's every answer (X-RateLimit-*). */
  readonly headers?: Readonly<Record<string, string>>
}

/** RFC 6749 §5.2: error_description uses %x20-21 / %x23-5B / %x5D-7E only. */
export function sanitizeDescription(description: string): string {
  return description.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, "'").slice(0, 500)
}

/** Maps any error to an OAuth error, logging the unexpected ones (without request secrets). */
export function toOAuthError(err: unknown, log: Logger, where: string): OAuthError {
  if (err instanceof OAuthError) return err
  log.error({ err: errorSummary(err), where }, 'unexpected error')
  return new OAuthError('server_error', 'The server could not complete the request.', 500)
}

export function errorSummary(err: unknown): { name: string; message: string; stack?: string } {
  if (err instanceof Error) return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) }
  return { name: 'Unknown', message: String(err) }
}

/** The headers an error itself requires, whatever the endpoint. */
function headersOf(err: unknown, error: OAuthError, resource: ErrorAnswerOptions['resource']): Record<string, string> {
  const headers: Record<string, string> = {}
  if (err instanceof RateLimited) Object.assign(headers, err.headers)
  if (err instanceof UseDpopNonce) headers['DPoP-Nonce'] = err.nonce
  if (resource) headers['WWW-Authenticate'] = challengeFor(resource.realm, error, resource.scheme)
  else if (err instanceof InvalidBasicClient) headers['WWW-Authenticate'] = 'Basic realm="latchkey"'
  return headers
}

/** The answer for any error, and the OAuth error it became (for limits, audit and logs). */
export function errorAnswer(err: unknown, options: ErrorAnswerOptions): { readonly error: OAuthError; readonly answer: JsonAnswer } {
  const error = toOAuthError(err, options.log, options.where)
  const status = options.resource ? resourceStatus(error) : error.status
  const body = { error: error.error, error_description: sanitizeDescription(error.description) }
  return { error, answer: jsonAnswer(body, { ...options.headers, ...headersOf(err, error, options.resource) }, status) }
}

/** An answer with facts for its request's log line. */
export function withLogFields(answer: JsonAnswer, logFields: Readonly<Record<string, string | number | boolean>>): JsonAnswer {
  return { ...answer, logFields }
}

/** Hands an answer to Hono (its log facts to the request log). */
export function send(c: Context, answer: JsonAnswer): Response {
  if (answer.logFields) c.set(LOG_FIELDS as never, answer.logFields as never)
  return answer.body === null ? c.body(null, answer.status as 200, answer.headers) : c.body(answer.body, answer.status as 200, answer.headers)
}
