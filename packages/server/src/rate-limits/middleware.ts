/**
 * Hono middleware for the per-IP limits of the browser-facing endpoints (/authorize, the login
 * form): one point per request, taken before the handler runs; over the limit, a 429 page with
 * Retry-After and X-RateLimit-* instead of the handler.
 */
import type { MiddlewareHandler } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { Deps } from '../deps.js'
import { clientIp } from '../http/client-ip.js'
import type { PerIpLimit } from './limits.js'
import { RateLimited, tooManyRequestsPage } from './too-many-requests.js'

export function limitPerIp(deps: Deps, name: PerIpLimit): MiddlewareHandler {
  return createMiddleware(async function limitPerIp(c, next) {
    if (!deps.limits.enabled) return next()
    try {
      await deps.limits.perIp(name, clientIp(c, deps.config.trustProxy))
    } catch (err) {
      if (err instanceof RateLimited) return tooManyRequestsPage(c, err)
      throw err
    }
    return next()
  })
}
