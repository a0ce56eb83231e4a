/**
 * GET /playground and /playground/callback (demo only, `serve --demo`): a page that walks through the
 * Authorization Code Flow with PKCE as the demo client `latchkey-playground`, with its static script
 * and stylesheet. Registered by `createApp` only when `config.demo` is on.
 *
 * The page's CSP is the strict page policy plus `script-src 'self'` (its own module, no inline
 * script, no eval) and a `connect-src` wide enough for its step 5 and no wider: Latchkey itself, and
 * any port on loopback (`localhost`, `127.0.0.1`) or on the issuer's host, where the sample API runs
 * (`npm run example:api`, :4000 by default). The API URL is an input on the page, so one fixed origin
 * would break as soon as someone moves the API to another port; `connect-src *` would let a mistyped
 * or pasted URL send the user's access token to any host on the Internet.
 */
import type { Hono } from 'hono'
import { readFileSync } from 'node:fs'
import { DEMO } from '../demo.js'
import type { Deps } from '../deps.js'
import { PAGE_CSP, pageResponse } from '../http/page-headers.js'
import { playgroundPage, type PlaygroundSettings } from '../views/playground.js'

const SCRIPT = readFileSync(new URL('../assets/playground.js', import.meta.url), 'utf8')
const STYLESHEET = readFileSync(new URL('../assets/playground.css', import.meta.url), 'utf8')

export const PLAYGROUND_SCOPE = 'openid profile email offline_access read:appointments'
export const PLAYGROUND_API_URL = 'http://localhost:4000/api/appointments'

/** The origins (CSP source expressions) the page may call besides its own. */
export function playgroundApiSources(issuer: string): string[] {
  const { protocol, hostname } = new URL(issuer)
  const sources = ['http://localhost:*', 'http://127.0.0.1:*']
  // CSP host sources cannot name IPv6 literals; loopback names are listed already.
  if (!hostname.startsWith('[') && hostname !== 'localhost' && hostname !== '127.0.0.1') sources.push(`${protocol}//${hostname}:*`)
  return sources
}

export function playgroundCsp(issuer: string): string {
  return `${PAGE_CSP}; script-src 'self'; connect-src 'self' ${playgroundApiSources(issuer).join(' ')}; form-action 'none'`
}

export function playgroundRoutes(app: Hono, deps: Deps): void {
  const issuer = deps.config.issuer
  const csp = playgroundCsp(issuer)
  const settings: PlaygroundSettings = {
    issuer,
    clientId: DEMO.playgroundClientId,
    redirectUri: `${issuer}playground/callback`,
    audience: DEMO.audience,
    scope: PLAYGROUND_SCOPE,
    apiUrl: PLAYGROUND_API_URL,
    apiOrigins: `${playgroundApiSources(issuer)
      .map((s) => s.replace(/:\*$/, ' (any port)'))
      .join(', ')}`,
    demoEmail: DEMO.email,
    demoPassword: DEMO.password,
  }

  app.get('/playground', (c) => pageResponse(c, playgroundPage(settings), 200, csp))
  app.get('/playground/callback', (c) => pageResponse(c, playgroundPage(settings), 200, csp))
  app.get('/playground/assets/playground.js', (c) =>
    c.body(SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache' }),
  )
  app.get('/playground/assets/playground.css', (c) =>
    c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-cache' }),
  )
}
