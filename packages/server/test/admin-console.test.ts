/**
 * The admin console's files at /admin: read once at start from the console's build, the index page
 * for every client-side route under a strict CSP with no inline script, hashed assets cached for
 * good, its settings in /admin/config.json, and a 503 that says to build when there is no build.
 */
import { Hono } from 'hono'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../src/config.js'
import { startTestServer } from './support/harness.js'
import { ADMIN_CONSOLE_CSP, adminConsoleCsp, adminConsoleRoutes, loadAdminConsole } from '../src/routes/admin-console.js'

const config = loadConfig({ issuer: 'https://login.example.com/' }, {})

function appWith(bundleDir: string | null): Hono {
  const app = new Hono()
  adminConsoleRoutes(app, { config }, bundleDir === null ? null : loadAdminConsole(bundleDir))
  return app
}

describe('the admin console, built', () => {
  let dir: string
  let app: Hono
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'latchkey-console-'))
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'assets', 'app-ABC123.js'), 'console.log("console")')
    writeFileSync(join(dir, 'assets', 'style-DEF456.css'), 'body{margin:0}')
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ script: 'app-ABC123.js', stylesheet: 'style-DEF456.css' }))
    app = appWith(dir)
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('answers the index page for /admin, every client-side route and the callback, under the strict CSP', async () => {
    for (const path of ['/admin', '/admin/', '/admin/applications', '/admin/apis/rs_1', '/admin/callback?code=x&state=y']) {
      const res = await app.request(path)
      assert.equal(res.status, 200, path)
      assert.equal(res.headers.get('content-security-policy'), ADMIN_CONSOLE_CSP)
      assert.equal(res.headers.get('cache-control'), 'no-cache')
      const page = await res.text()
      assert.match(page, /<script type="module" src="\/admin\/assets\/app-ABC123\.js"><\/script>/)
      assert.match(page, /<link rel="stylesheet" href="\/admin\/assets\/style-DEF456\.css">/)
      assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son\w+=/, 'no inline script, style or handler')
    }
  })

  it('serves the hashed assets with their types, cached as immutable; any other name is 404', async () => {
    const script = await app.request('/admin/assets/app-ABC123.js')
    assert.equal(script.status, 200)
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8')
    assert.equal(script.headers.get('cache-control'), 'public, max-age=31536000, immutable')
    assert.equal(await script.text(), 'console.log("console")')
    const style = await app.request('/admin/assets/style-DEF456.css')
    assert.equal(style.headers.get('content-type'), 'text/css; charset=utf-8')
    for (const path of ['/admin/assets/app-OTHER.js', '/admin/assets/..%2Fmanifest.json', '/admin/assets/manifest.json']) {
      const res = await app.request(path)
      assert.equal(res.status, 404, path)
    }
  })

  it('hands the app its issuer, client_id, audience, base path and origin in /admin/config.json', async () => {
    const res = await app.request('/admin/config.json')
    assert.equal(res.headers.get('cache-control'), 'no-cache')
    assert.deepEqual(await res.json(), {
      issuer: 'https://login.example.com/',
      clientId: 'latchkey-admin-console',
      audience: 'https://login.example.com/api/v2/',
      base: '/admin/',
      origin: 'https://login.example.com',
    })
  })
})

describe("the admin console's CSP", () => {
  it("lets the console fetch from its own origin only, and the issuer's when it has an origin of its own", () => {
    assert.equal(adminConsoleCsp('https://login.example.com/', 'https://login.example.com/admin/'), ADMIN_CONSOLE_CSP)
    assert.match(adminConsoleCsp('https://login.example.com/', 'https://admin.example.com/admin/'), /; connect-src 'self' https:\/\/login\.example\.com; /)
  })
})

describe('the admin console, not built', () => {
  it('answers 503 saying to run npm run build, from a missing build or a manifest naming a missing file', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'latchkey-console-'))
    writeFileSync(join(empty, 'manifest.json'), JSON.stringify({ script: 'app-GONE.js', stylesheet: 'style-GONE.css' }))
    try {
      assert.equal(loadAdminConsole(join(empty, 'nothing')), null)
      assert.equal(loadAdminConsole(empty), null)
      const res = await appWith(null).request('/admin/applications')
      assert.equal(res.status, 503)
      assert.match(await res.text(), /npm run build/)
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})

describe('the admin console, switched off (LATCHKEY_ADMIN_CONSOLE=off)', () => {
  it('is not there: /admin, its assets, its settings and its callback are 404', async () => {
    const server = await startTestServer({ env: { LATCHKEY_ADMIN_CONSOLE: 'off' } })
    try {
      for (const path of ['admin', 'admin/', 'admin/applications', 'admin/callback', 'admin/config.json', 'admin/assets/app-ABC123.js']) {
        const res = await fetch(`${server.url}${path}`)
        assert.equal(res.status, 404, path)
        await res.body?.cancel()
      }
    } finally {
      await server.close()
    }
  })
})
