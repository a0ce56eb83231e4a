/**
 * Counts and times every HTTP request by method, route *pattern* (Hono's `routePath`: `/authorize`,
 * `/u/login`, never the URL that was asked for) and status class. A request no route answered is
 * `unmatched`, and methods outside the usual few are `OTHER`, so random URLs and verbs add no series.
 */
import type { Context, MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import { routePath } from 'hono/route'
import type { Metrics } from './metrics.js'

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

/**
 * The pattern of the deepest handler that ran. When only wildcard middleware matched (no route),
 * a 404 is `unmatched`; other answers from such middleware (a CSRF refusal on `/u/*`, say) keep
 * the middleware's pattern, which is just as bounded.
 */
export function routeLabel(c: Context, status: number): string {
  const pattern = routePath(c)
  if (pattern === '' || (status === 404 && pattern.includes('*'))) return 'unmatched'
  return pattern
}

export function requestMetrics(metrics: Metrics): MiddlewareHandler {
  return createMiddleware(async function requestMetrics(c, next) {
    const started = performance.now()
    try {
      await next()
    } finally {
      const status = c.res.status
      const labels = {
        method: METHODS.has(c.req.method) ? c.req.method : 'OTHER',
        route: routeLabel(c, status),
        status_class: `${Math.floor(status / 100)}xx`,
      }
      metrics.httpRequests.inc(labels)
      metrics.httpDuration.observe(labels, (performance.now() - started) / 1000)
    }
  })
}
