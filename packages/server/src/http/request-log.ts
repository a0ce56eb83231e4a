/**
 * One log line per request: method, path (never the query string: it may hold a code), status, time,
 * and what the endpoint said about it (the token endpoint: client, grant type, error; see
 * json-answer.ts `logFields`). None of these can hold a secret, so the line skips the logger's
 * redaction, which walks every line for secret field names and would cost more than the line.
 */
import type { MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Logger } from '../logger.js'
import { LOG_FIELDS } from './json-answer.js'

export function requestLog(log: Logger): MiddlewareHandler {
  const lines = log.child({}, { redact: { paths: [] } })
  return createMiddleware(async function requestLog(c, next) {
    const started = performance.now()
    await next()
    const facts = c.get(LOG_FIELDS as never) as Record<string, unknown> | undefined
    lines.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), ...facts }, 'request')
  })
}
