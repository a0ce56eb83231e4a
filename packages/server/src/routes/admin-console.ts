/**
 * The admin console at /admin: the single-page app built into packages/admin-console/dist, read once
 * at start. `/admin/assets/*` serves its hashed script and stylesheet (immutable), `/admin/config.json`
 * tells it the issuer and its client_id, and every other path below /admin (client-side routes,
 * /admin/callback) answers the index page. Without a build, /admin answers 503 saying to run it.
 *
 * CSP: the console's own script and stylesheet only (no inline script or style), fetches to this
 * origin only (the Management API and the token endpoint are here), forms posting here only.
 * Registered by `createApp` unless the console is switched off (LATCHKEY_ADMIN_CONSOLE=off), when
 * every path below /admin is the ordinary 404.
 */
import type { Context, Hono } from 'hono'
import { html } from 'hono/html'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Deps } from '../deps.js'
import { pageResponse } from '../http/page-headers.js'
import { errorPage } from '../views/message.js'

export const ADMIN_CONSOLE_CLIENT_ID = 'latchkey-admin-console'
export const ADMIN_CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/**
 * The console's CSP: the strict one, and when the console has its own origin
 * (LATCHKEY_ADMIN_CONSOLE_ORIGIN), fetches to the issuer's origin too, where the token endpoint and
 * the Management API are.
 */
export function adminConsoleCsp(issuer: string, consoleBaseUrl: string): string {
  const issuerOrigin = new URL(issuer).origin
  if (new URL(consoleBaseUrl).origin === issuerOrigin) return ADMIN_CONSOLE_CSP
  return ADMIN_CONSOLE_CSP.replace("connect-src 'self'", `connect-src 'self' ${issuerOrigin}`)
}

/** packages/admin-console/dist, from this file in packages/server/src/routes or packages/server/dist/routes. */
export const ADMIN_CONSOLE_DIST = fileURLToPath(new URL('../../../admin-console/dist/', import.meta.url))

interface Asset {
  readonly body: Uint8Array
  readonly type: string
}

export interface AdminConsoleBundle {
  readonly script: string
  readonly stylesheet: string
  readonly assets: ReadonlyMap<string, Asset>
}

const TYPES: Readonly<Record<string, string>> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' }

/** The built console, or null when `npm run build` has not made it (or made it partly). */
export function loadAdminConsole(dir = ADMIN_CONSOLE_DIST): AdminConsoleBundle | null {
  const manifestPath = `${dir}/manifest.json`
  if (!existsSync(manifestPath)) return null
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { script?: unknown; stylesheet?: unknown }
  const names = [manifest.script, manifest.stylesheet]
  const assets = new Map<string, Asset>()
  for (const name of names) {
    if (typeof name !== 'string' || !/^[\w-]+\.(js|css)$/.test(name) || !existsSync(`${dir}/assets/${name}`)) return null
    assets.set(name, { body: readFileSync(`${dir}/assets/${name}`), type: TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream' })
  }
  return { script: manifest.script as string, stylesheet: manifest.stylesheet as string, assets }
}

function indexPage(base: string, bundle: AdminConsoleBundle): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Admin console · Latchkey</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}assets/${bundle.stylesheet}">
<script type="module" src="${base}assets/${bundle.script}"></script>
</head>
<body>
<div id="console"><main><p>Loading the admin console…</p><noscript><p>The admin console needs JavaScript.</p></noscript></main></div>
</body>
</html>
`.toString()
}

const MISSING = errorPage(
  'temporarily_unavailable',
  'The admin console has not been built: run npm run build (or npm run build -w @latchkey/admin-console) and restart Latchkey.',
)

export function adminConsoleRoutes(app: Hono, deps: Pick<Deps, 'config'>, bundle: AdminConsoleBundle | null = loadAdminConsole()): void {
  const issuer = deps.config.issuer
  // The console's base URL is `{origin}/admin/` (admin-console-app.ts): the path is the same everywhere.
  const base = new URL(deps.config.adminConsole.baseUrl).pathname
  const csp = adminConsoleCsp(issuer, deps.config.adminConsole.baseUrl)
  const origin = new URL(deps.config.adminConsole.baseUrl).origin
  const config = JSON.stringify({ issuer, clientId: ADMIN_CONSOLE_CLIENT_ID, audience: `${issuer}api/v2/`, base, origin })
  const index = bundle === null ? null : indexPage(base, bundle)

  app.get('/admin/config.json', (c) => c.body(config, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }))
  app.get('/admin/assets/:name', (c) => {
    const asset = bundle?.assets.get(c.req.param('name'))
    if (asset === undefined) return pageResponse(c, errorPage('not_found', 'There is nothing at this address.'), 404, csp)
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': asset.type, 'Cache-Control': 'public, max-age=31536000, immutable' })
  })
  const page = (c: Context) => {
    if (index === null) return pageResponse(c, MISSING, 503, csp)
    c.header('Content-Security-Policy', csp)
    c.header('Cache-Control', 'no-cache')
    return c.html(index)
  }
  app.get('/admin', page)
  app.get('/admin/*', page)
}
