/**
 * The sample's static server and its settings: what each path serves, with which headers, and the
 * documented command (`npm run example:spa`). The pages themselves run in Chromium in
 * `e2e/spa-sample.browser.test.ts`.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../src/config.js'
import { startSpaServer, type RunningSpa } from '../src/server.js'
import { DEFAULT_SETTINGS } from '../src/settings.js'

const ISSUER = 'http://localhost:3999/'
const API = 'http://127.0.0.1:4999'

describe('the SPA server', () => {
  let spa: RunningSpa
  before(async () => {
    spa = await startSpaServer({ port: 0, host: '127.0.0.1', issuer: ISSUER, apiUrl: `${API}/`, clientId: 'my-spa' })
  })
  after(() => spa.close())

  const get = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${spa.port}${path}`, init)

  it('serves page 1 at / and at its callback, and page 2 at /auth0.html, never cached', async () => {
    for (const [path, script] of [['/', '/assets/latchkey.js'], ['/callback?code=abc&state=xyz', '/assets/latchkey.js'], ['/auth0.html', '/assets/auth0.js']] as const) {
      const res = await get(path)
      assert.equal(res.status, 200, path)
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
      assert.equal(res.headers.get('cache-control'), 'no-store')
      const html = await res.text()
      assert.ok(html.includes(`<script type="module" src="${script}"></script>`), path)
      for (const id of ['app', 'error', 'login', 'resume', 'user-email', 'token', 'refresh', 'appointments', 'book', 'logout']) assert.ok(html.includes(`id="${id}"`), `${path} has #${id}`)
    }
    assert.ok((await (await get('/')).text()).includes('id="logout-v2"'), 'page 1 also offers /v2/logout')
    assert.ok(!(await (await get('/auth0.html')).text()).includes('id="logout-v2"'), 'page 2 logs out through /v2/logout already')
  })

  it('sends a CSP that allows only this server, Latchkey and the API, and never the callback URL as a Referer', async () => {
    const res = await get('/callback?code=secret')
    const csp = res.headers.get('content-security-policy') ?? ''
    assert.match(csp, /default-src 'none'/)
    assert.match(csp, /script-src 'self'(;|$)/)
    assert.match(csp, /connect-src 'self' http:\/\/localhost:3999 http:\/\/127\.0\.0\.1:4999(;|$)/)
    assert.match(csp, /worker-src blob:/)
    assert.match(csp, /frame-ancestors 'none'/)
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer')
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
  })

  it('publishes the settings at /config.json', async () => {
    const res = await get('/config.json')
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8')
    assert.deepEqual(await res.json(), {
      issuer: ISSUER,
      clientId: 'my-spa',
      audience: 'https://api.example.com/appointments',
      scope: 'openid profile email offline_access read:appointments write:appointments',
      apiUrl: API,
    })
  })

  it('serves the esbuild bundles with their source maps, and the style sheet', async () => {
    for (const name of ['latchkey', 'auth0']) {
      const js = await get(`/assets/${name}.js`)
      assert.equal(js.status, 200)
      assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8')
      assert.match(await js.text(), new RegExp(`//# sourceMappingURL=${name}\\.js\\.map\\s*$`))
      const map = (await (await get(`/assets/${name}.js.map`)).json()) as { sources: string[] }
      assert.ok(map.sources.some((s) => s.endsWith(`src/browser/${name}-page.ts`)), map.sources.join(', '))
    }
    const auth0Sources = ((await (await get('/assets/auth0.js.map')).json()) as { sources: string[] }).sources
    assert.ok(auth0Sources.some((s) => s.includes('@auth0/auth0-spa-js')), 'page 2 bundles the Auth0 SDK')
    const latchkeySources = ((await (await get('/assets/latchkey.js.map')).json()) as { sources: string[] }).sources
    assert.ok(latchkeySources.some((s) => s.includes('packages/client/src/')), 'page 1 bundles @latchkey/client')
    assert.ok(!latchkeySources.some((s) => s.includes('auth0')), 'and not the Auth0 SDK')
    assert.equal((await get('/assets/style.css')).headers.get('content-type'), 'text/css; charset=utf-8')
  })

  it('answers 404 for anything else (no files outside the bundle), 405 for other methods, and HEAD without a body', async () => {
    for (const path of ['/nope', '/assets/../server.ts', '/%2e%2e/package.json', '/src/server.ts', '/dist/assets/latchkey.js', '/index.html']) {
      const res = await get(path)
      assert.equal(res.status, 404, path)
      await res.body?.cancel()
    }
    const post = await get('/', { method: 'POST', body: 'x' })
    assert.equal(post.status, 405)
    assert.equal(post.headers.get('allow'), 'GET, HEAD')
    const head = await get('/config.json', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(await head.text(), '')
  })
})

describe('the settings (environment)', () => {
  it("default to npm start's demo", () => {
    const c = loadConfig({})
    assert.equal(c.port, 8080)
    assert.deepEqual({ ...c, port: undefined, host: undefined }, { ...DEFAULT_SETTINGS, port: undefined, host: undefined })
    assert.equal(DEFAULT_SETTINGS.issuer, 'http://localhost:3000/')
    assert.equal(DEFAULT_SETTINGS.clientId, 'latchkey-demo-spa')
    assert.equal(DEFAULT_SETTINGS.apiUrl, 'http://localhost:4000')
  })

  it("add the issuer's trailing slash, drop the API URL's, and refuse what is not an http(s) URL", () => {
    const c = loadConfig({ LATCHKEY_ISSUER: 'https://login.example.com', API_URL: 'https://api.example.com/', CLIENT_ID: 'abc', PORT: '9000' })
    assert.equal(c.issuer, 'https://login.example.com/')
    assert.equal(c.apiUrl, 'https://api.example.com')
    assert.equal(c.clientId, 'abc')
    assert.equal(c.port, 9000)
    assert.throws(() => loadConfig({ API_URL: 'ftp://example.com' }), /API_URL/)
    assert.throws(() => loadConfig({ LATCHKEY_ISSUER: 'not a url' }), /LATCHKEY_ISSUER/)
    assert.throws(() => loadConfig({ PORT: '70000' }), /PORT/)
  })
})

describe('npm run example:spa', () => {
  it('bundles, listens, and prints both pages', async () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url))
    const child = spawn('npm', ['run', '--silent', 'example:spa'], {
      cwd: root,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LATCHKEY_ISSUER: ISSUER, API_URL: API },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let output = ''
    child.stdout.on('data', (d) => {
      output += String(d)
    })
    child.stderr.on('data', (d) => {
      output += String(d)
    })
    try {
      const deadline = Date.now() + 30_000
      while (!output.includes('API ') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100))
      const url = /Appointments SPA on (http:\/\/localhost:\d+)\//.exec(output)?.[1]
      assert.ok(url, output)
      assert.match(output, /\/auth0\.html +with @auth0\/auth0-spa-js/)
      const res = await fetch(`${url.replace('localhost', '127.0.0.1')}/config.json`)
      assert.equal(((await res.json()) as { issuer: string }).issuer, ISSUER)
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM')
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)))
    }
  })
})
