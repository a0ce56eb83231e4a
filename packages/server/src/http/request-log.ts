/** One log line per request: method, path (never the query string: it may hold a code), status, time. */
import type { MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Logger } from '../logger.js'

export function requestLog(log: Logger): MiddlewareHandler {
  return createMiddleware(async function requestLog(c, next) {
    const started = performance.now()
    await next()
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, 'request')
  })
}
