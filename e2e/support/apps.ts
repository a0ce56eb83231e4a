/**
 * The apps the browser tests log in to, in-process on ephemeral ports: a bare HTTP app (a callback
 * page, or a page of the test's own), a page on Auth0's own SPA SDK, and the sample Appointments API
 * (examples/api), whose users need a role of the demo's (`demoRole`).
 */
import { serve } from '@hono/node-server'
import { readFileSync } from 'node:fs'
import { createServer, type RequestListener } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import type { Store } from '@latchkey/storage'
import { createApi } from '../../examples/api/src/app.js'
import type { DemoRoleName } from '../../packages/server/src/demo.js'

export interface RunningApp {
  /** `http://localhost:PORT` */
  readonly origin: string
  close(): Promise<void>
}

/** `handler` on 127.0.0.1, on a port of its own; its origin is on `localhost`. */
export async function startApp(handler: RequestListener): Promise<RunningApp> {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** An app that is only its callback: every path answers a page that says the browser is back in the app. */
export function startCallbackApp(): Promise<RunningApp> {
  return startApp((_req, res) => {
    res.setHeader('content-type', 'text/html')
    res.end('<!doctype html><title>callback</title><p>back in the app</p>')
  })
}

const SPA_JS = readFileSync(createRequire(import.meta.url).resolve('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'), 'utf8')

/** An app of one page on @auth0/auth0-spa-js, unchanged (served at /auth0-spa-js.js): `page()` at every other path. */
export function startSpaJsApp(page: () => string): Promise<RunningApp> {
  return startApp((req, res) => {
    if (req.url === '/auth0-spa-js.js') {
      res.setHeader('content-type', 'text/javascript')
      res.end(SPA_JS)
      return
    }
    res.setHeader('content-type', 'text/html')
    res.end(page())
  })
}

/**
 * A page of startSpaJsApp: it creates the SDK's client from `config`, then runs `script` (in scope:
 * `client`, `config`, and `out(value)`, which shows `value` as JSON in `#out`; `#out` says `starting`
 * until then). Without an `out`, the page shows `{ idle: true }`; an error thrown shows as
 * `{ error, description }`.
 */
export function spaJsPage(config: Record<string, unknown>, script: string): string {
  return `<!doctype html><meta charset="utf-8"><title>spa</title><pre id="out">starting</pre>
<script src="/auth0-spa-js.js"></script>
<script>
  const out = (value) => { document.getElementById('out').textContent = JSON.stringify(value) }
  const config = ${JSON.stringify(config)};
  (async () => {
    try {
      const client = await auth0.createAuth0Client(config)
${script}
      out({ idle: true })
    } catch (e) {
      out({ error: e.error || e.message, description: e.error_description || String(e) })
    }
  })()
</script>`
}

/**
 * The id of one of the roles `seedDemo` registers; given to users (`store.roles.assign`) or organization
 * members (`roles: [id]`), it lets them read (`patient`) or read and book (`receptionist`) with the
 * sample API: the demo's API has RBAC, and the sample checks the token's permissions.
 */
export async function demoRole(store: Store, name: DemoRoleName): Promise<string> {
  const role = await store.roles.findByName(name)
  if (!role) throw new Error(`no ${name} role: call seedDemo first`)
  return role.id
}

/** Gives users one of the demo's roles. */
export async function giveDemoRole(store: Store, userIds: readonly string[], name: DemoRoleName): Promise<void> {
  await store.roles.assign(userIds, [await demoRole(store, name)], Date.now())
}

/** The sample Appointments API for access tokens of `issuer` for `audience`, allowing `corsOrigins`; what it logs as errors goes to `errors`. */
export async function startSampleApi(issuer: string, audience: string, corsOrigins: string[], errors: unknown[]): Promise<{ url: string; close(): Promise<void> }> {
  const { app } = createApi({ issuer, audience, corsOrigins, logError: (e) => errors.push(e) })
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
