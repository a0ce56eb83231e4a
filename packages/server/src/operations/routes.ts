/**
 * The operations endpoints on the main port:
 * - `GET /healthz` (and `/health`, its older name): liveness. The process answers; the store is
 *   not asked, so a slow database never gets a healthy node restarted.
 * - `GET /readyz`: readiness (operations/readiness.ts): 200, or 503 with the reason in JSON, so a
 *   load balancer sends traffic only to nodes that can serve it, and none to a draining node.
 * - `GET /metrics`: only with `LATCHKEY_METRICS_TOKEN` and no metrics port of its own; else 404.
 */
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { metricsEndpoint } from './metrics-endpoint.js'

const NO_STORE = { 'Cache-Control': 'no-store' }

export function operationsRoutes(app: Hono, deps: Deps): void {
  for (const path of ['/healthz', '/health']) app.get(path, (c) => c.json({ status: 'ok' }, 200, NO_STORE))

  app.get('/readyz', async (c) => {
    const result = await deps.readiness.check()
    if (result.ready) return c.json({ status: 'ready' }, 200, NO_STORE)
    return c.json({ status: 'not_ready', reason: result.reason, ...(result.pending ? { pending: result.pending } : {}) }, 503, NO_STORE)
  })

  const { metrics } = deps
  const { port, token } = deps.config.metrics
  if (metrics !== null && port === null && token !== null) app.get('/metrics', metricsEndpoint(metrics, token))
}
