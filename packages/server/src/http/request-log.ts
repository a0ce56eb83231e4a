/**
 * One log line per request: method, path (never the query string: it may hold a code), status, time.
 * These four fields are the whole line and none can hold a secret, so it skips the logger's
 * redaction, which walks every line for secret field names and would cost more than the line.
 */
import type { MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Logger } from '../logger.js'

export function requestLog(log: Logger): MiddlewareHandler {
  const lines = log.child({}, { redact: { paths: [] } })
  return createMiddleware(async function requestLog(c, next) {
    const started = performance.now()
    await next()
    lines.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, 'request')
  })
}
