/**
 * The demo playground over HTTP: served only with the demo on, under a CSP that allows its own
 * script and no inline one, with the demo client's settings handed to the script in data attributes.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../src/config.js'
import { playgroundCsp } from '../src/routes/playground.js'
import { startTestServer, type TestServer } from './support/harness.js'

describe('the playground settings', () => {
  it('is off unless the demo is asked for', () => {
    assert.equal(loadConfig({}, {}).demo, false)
    assert.equal(loadConfig({ demo: true }, {}).demo, true)
  })

  it("lets the page call any port on loopback and on the issuer's own host, nothing else", () => {
    assert.match(playgroundCsp('http://localhost:3000/'), /; connect-src 'self' http:\/\/localhost:\* http:\/\/127\.0\.0\.1:\*;/)
    assert.match(playgroundCsp('https://demo.example.com/'), /; connect-src 'self' http:\/\/localhost:\* http:\/\/127\.0\.0\.1:\* https:\/\/demo\.example\.com:\*;/)
  })
})

describe('/playground without the demo', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  it('does not exist: the page, its callback and its assets are 404', async () => {
    for (const path of ['playground', 'playground/callback', 'playground/assets/playground.js', 'playground/assets/playground.css']) {
      const res = await fetch(`${server.url}${path}`)
      assert.equal(res.status, 404, path)
      await res.body?.cancel()
    }
  })

  it('is not linked from the home page', async () => {
    assert.doesNotMatch(await (await fetch(server.url)).text(), /\/playground/)
  })
})

describe('/playground with the demo', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ demo: true })
  })
  after(() => server.close())

  it('serves the page and its callback, not cached, under a CSP that allows its own script only', async () => {
    for (const path of ['playground', 'playground/callback?code=abc&state=xyz']) {
      const res = await fetch(`${server.url}${path}`)
      assert.equal(res.status, 200, path)
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
      assert.equal(res.headers.get('cache-control'), 'no-store')
      assert.equal(res.headers.get('x-frame-options'), 'DENY')
      const csp = Object.fromEntries(
        (res.headers.get('content-security-policy') ?? '').split(';').map((d) => {
          const [name, ...values] = d.trim().split(/\s+/)
          return [name, values.join(' ')]
        }),
      )
      assert.equal(csp['default-src'], "'none'")
      assert.equal(csp['script-src'], "'self'", 'no inline script, no eval')
      assert.equal(csp['style-src'], "'self'")
      assert.equal(csp['connect-src'], "'self' http://localhost:* http://127.0.0.1:*", 'Latchkey and loopback APIs only')
      assert.equal(csp['frame-ancestors'], "'none'")
      assert.equal(csp['base-uri'], "'none'")
      await res.body?.cancel()
    }
  })

  it('has no inline script or event handler: one module script, from Latchkey', async () => {
    const html = await (await fetch(`${server.url}playground`)).text()
    const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)]
    assert.equal(scripts.length, 1)
    assert.match(scripts[0]?.[0] ?? '', /^<script type="module" src="\/playground\/assets\/playground\.js"><\/script>$/)
    assert.equal(scripts[0]?.[1], '', 'the script element has no body')
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no on* attributes')
    assert.doesNotMatch(html, /javascript:/i)
  })

  it('hands the demo client, its callback, the API audience and the scope to the script', async () => {
    const html = await (await fetch(`${server.url}playground`)).text()
    assert.match(html, /data-client-id="latchkey-playground"/)
    assert.match(html, new RegExp(`data-issuer="${server.issuer}"`))
    assert.match(html, new RegExp(`data-redirect-uri="${server.issuer}playground/callback"`))
    assert.match(html, /data-audience="https:\/\/api\.example\.com\/appointments"/)
    assert.match(html, /data-scope="openid profile email offline_access read:appointments"/)
    assert.match(html, /id="api-url" value="http:\/\/localhost:4000\/api\/appointments"/)
    assert.match(html, /Decoding is not verifying/)
    assert.match(html, /npm run example:api/)
  })

  it('serves the script as JavaScript and the stylesheet as CSS', async () => {
    const script = await fetch(`${server.url}playground/assets/playground.js`)
    assert.equal(script.status, 200)
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8')
    assert.equal(script.headers.get('x-content-type-options'), 'nosniff')
    const source = await script.text()
    assert.match(source, /crypto\.getRandomValues/)
    assert.doesNotMatch(source, /\beval\(|new Function\(|innerHTML|localStorage/)
    const css = await fetch(`${server.url}playground/assets/playground.css`)
    assert.equal(css.status, 200)
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8')
    await css.body?.cancel()
  })

  it('is linked from the home page', async () => {
    assert.match(await (await fetch(server.url)).text(), /href="\/playground"/)
  })
})
