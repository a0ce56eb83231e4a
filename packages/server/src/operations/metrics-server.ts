/**
 * `/metrics` on a port of its own (`LATCHKEY_METRICS_PORT`, bound to `LATCHKEY_METRICS_HOST`):
 * nothing else is served there, so the port can be opened to the monitoring network alone.
 */
import { serve, type ServerType } from '@hono/node-server'
import { Hono } from 'hono'
import type { AddressInfo } from 'node:net'
import type { MetricsConfig } from './metrics-config.js'
import { metricsEndpoint } from './metrics-endpoint.js'
import type { Metrics } from './metrics.js'

export interface MetricsServer {
  /** `http://HOST:PORT/metrics` */
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

export async function startMetricsServer(config: MetricsConfig & { readonly port: number }, metrics: Metrics): Promise<MetricsServer> {
  const app = new Hono()
  app.get('/metrics', metricsEndpoint(metrics, config.token))
  app.notFound((c) => c.text('Not found. Metrics are at /metrics.', 404))
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => {
      s.off('error', reject)
      resolve(s)
    })
    s.once('error', reject)
  })
  const port = (server.address() as AddressInfo).port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  return {
    url: `http://${host}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        if ('closeIdleConnections' in server) server.closeIdleConnections()
      }),
  }
}
