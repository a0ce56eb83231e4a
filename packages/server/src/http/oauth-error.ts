/**
 * One place where errors of the JSON endpoints become responses (RFC 6749 §5.2): `{error,
 * error_description}`, the error's status, `Cache-Control: no-store`, and never a stack or a 5xx body
 * that leaks internals.
 */
import { OAuthError } from '@latchkey/core'
import type { Context } from 'hono'
import type { Logger } from '../logger.js'

export function oauthErrorResponse(c: Context, err: OAuthError, extraHeaders: Record<string, string> = {}): Response {
  const status = err.status as 400 | 401 | 403 | 429 | 500 | 503
  return c.json({ error: err.error, error_description: sanitizeDescription(err.description) }, status, {
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
    ...extraHeaders,
  })
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
