/**
 * The sample's static server (node:http): bundles the pages' scripts on start, then serves
 *
 *   /, /callback     page 1, on @latchkey/client (its callback is /callback)
 *   /auth0.html      page 2, the same app on @auth0/auth0-spa-js (its callback is itself)
 *   /config.json     the issuer, client id, audience, scope and API URL the pages use
 *   /assets/*        the bundles, their source maps and the style sheet
 *
 * with a Content Security Policy that lets the pages talk only to this server, Latchkey and the API.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bundleAssets, type Asset } from './bundle.js'
import { AUTH0_PAGE, LATCHKEY_PAGE } from './pages.js'
import { DEFAULT_SETTINGS, type AppSettings } from './settings.js'

export interface SpaServerOptions extends Partial<AppSettings> {
  /** Default 8080; 0 picks a free port. */
  readonly port?: number
  /** Default: every interface. */
  readonly host?: string
}

export interface RunningSpa {
  /** `http://localhost:PORT` (the origin the apps' callbacks are registered with). */
  readonly url: string
  readonly port: number
  readonly settings: AppSettings
  close(): Promise<void>
}

function contentSecurityPolicy(settings: AppSettings): string {
  const connect = new Set(["'self'", new URL(settings.issuer).origin, new URL(settings.apiUrl).origin])
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    'img-src data:',
    `connect-src ${[...connect].join(' ')}`,
    // @auth0/auth0-spa-js refreshes tokens in a Web Worker it starts from a blob: URL.
    'worker-src blob:',
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

type Route = { body: string | Uint8Array; contentType: string; cache: string }

function routes(settings: AppSettings, assets: Map<string, Asset>): Map<string, Route> {
  const html = (body: string): Route => ({ body, contentType: 'text/html; charset=utf-8', cache: 'no-store' })
  const table = new Map<string, Route>([
    ['/', html(LATCHKEY_PAGE)],
    ['/callback', html(LATCHKEY_PAGE)],
    ['/auth0.html', html(AUTH0_PAGE)],
    ['/config.json', { body: JSON.stringify(settings), contentType: 'application/json; charset=utf-8', cache: 'no-store' }],
  ])
  for (const [path, asset] of assets) table.set(path, { body: asset.body, contentType: asset.contentType, cache: 'no-cache' })
  return table
}

function handler(settings: AppSettings, table: Map<string, Route>) {
  const csp = contentSecurityPolicy(settings)
  return function serveSpa(req: IncomingMessage, res: ServerResponse) {
    res.setHeader('Content-Security-Policy', csp)
    // The callback URL carries the authorization code: never send it on as a Referer.
    res.setHeader('Referrer-Policy', 'no-referrer')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    const send = (status: number, body: string | Uint8Array, contentType: string, cache = 'no-store') => {
      res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': cache })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      send(405, 'Method not allowed\n', 'text/plain; charset=utf-8')
      return
    }
    let path: string
    try {
      path = new URL(req.url ?? '/', 'http://spa.invalid').pathname
    } catch {
      send(400, 'Bad request\n', 'text/plain; charset=utf-8')
      return
    }
    const route = table.get(path)
    if (!route) {
      send(404, 'Not found\n', 'text/plain; charset=utf-8')
      return
    }
    send(200, route.body, route.contentType, route.cache)
  }
}

/** Bundles the pages and starts serving them; resolves once the port is open. */
export async function startSpaServer(options: SpaServerOptions = {}): Promise<RunningSpa> {
  const settings: AppSettings = {
    issuer: options.issuer ?? DEFAULT_SETTINGS.issuer,
    clientId: options.clientId ?? DEFAULT_SETTINGS.clientId,
    audience: options.audience ?? DEFAULT_SETTINGS.audience,
    scope: options.scope ?? DEFAULT_SETTINGS.scope,
    apiUrl: (options.apiUrl ?? DEFAULT_SETTINGS.apiUrl).replace(/\/+$/, ''),
  }
  const table = routes(settings, await bundleAssets())
  const server = createServer(handler(settings, table))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 8080, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://localhost:${port}`,
    port,
    settings,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
      }),
  }
}
