/**
 * A real browser (Debian's Chromium, driven by playwright-core) through Latchkey's pages: the login
 * form, the consent form, the redirect to the app, and Auth0-style silent authentication in a hidden
 * iframe (`prompt=none&response_mode=web_message`) answered by postMessage.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { authorizeUrl, pkce } from '../packages/server/test/support/browser.js'
import { type RunningApp, startApp } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

describe('in a real browser', { skip: skipWithoutChromium }, () => {
  let server: TestServer
  let browser: Browser
  let appServer: RunningApp
  let appOrigin = ''

  before(async () => {
    server = await startTestServer()
    // The "app": a callback page, and a page that runs silent authentication in an iframe.
    appServer = await startApp((req, res) => {
      const url = new URL(req.url ?? '/', appOrigin)
      if (url.pathname === '/silent') {
        res.setHeader('content-type', 'text/html')
        res.end(`<!doctype html><title>silent</title><pre id="out">waiting</pre><script>
          window.addEventListener('message', (e) => {
            if (e.origin !== ${JSON.stringify(new URL(server.issuer).origin)} || !e.data || e.data.type !== 'authorization_response') return;
            document.getElementById('out').textContent = JSON.stringify(e.data.response);
          });
          const f = document.createElement('iframe'); f.style.display = 'none';
          f.src = ${JSON.stringify('__AUTHORIZE__')}.replace('__AUTHORIZE__', decodeURIComponent(location.hash.slice(1)));
          document.body.appendChild(f);
        </script>`)
        return
      }
      res.setHeader('content-type', 'text/html')
      res.end('<!doctype html><title>callback</title><p>back in the app</p>')
    })
    appOrigin = appServer.origin
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await appServer?.close()
    await server?.close()
  })

  it('logs in through the form, consents, lands on the callback with a code, and silent auth then succeeds in an iframe', async () => {
    const callback = `${appOrigin}/callback`
    const { app } = await addApp(server.store, { callbacks: [callback], webOrigins: [appOrigin], firstParty: false })
    const api = await addApi(server.store, { identifier: `https://browser-${Date.now()}.example.com/` })
    const user = await addUser(server.store)
    const context = await browser.newContext()
    const page = await context.newPage()

    await page.goto(authorizeUrl(server.issuer, { clientId: app.clientId, redirectUri: callback, audience: api.identifier, scope: 'openid profile read:appointments', challenge: pkce().challenge, state: 'abc+/=' }))
    assert.match(page.url(), /\/u\/login\?state=/)
    await page.getByLabel('Email address').fill(user.email)
    await page.getByLabel('Password').fill('wrong password')
    await page.getByRole('button', { name: 'Continue' }).click()
    assert.equal(await page.getByRole('alert').textContent(), 'Wrong email or password.')
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Continue' }).click()

    await page.waitForURL(/\/u\/consent\?state=/)
    assert.match(await page.textContent('body') ?? '', /read:appointments/)
    await page.getByRole('button', { name: 'Accept' }).click()

    await page.waitForURL(new RegExp(`^${callback}\\?`))
    const params = new URL(page.url()).searchParams
    assert.match(params.get('code') ?? '', /^[A-Za-z0-9_-]{43}$/)
    assert.equal(params.get('state'), 'abc+/=')
    assert.equal(params.get('iss'), server.issuer)

    const silent = authorizeUrl(server.issuer, {
      clientId: app.clientId, redirectUri: appOrigin, audience: api.identifier, scope: 'openid profile read:appointments',
      challenge: pkce().challenge, state: 'silent-state', extra: { prompt: 'none', response_mode: 'web_message' },
    })
    // web_message uses the app's origin as redirect_uri (spa-js does); register it as a callback too.
    await server.store.applications.update(app.clientId, { callbacks: [callback, appOrigin] })
    await page.goto(`${appOrigin}/silent#${encodeURIComponent(silent)}`)
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'waiting', undefined, { timeout: 10_000 })
    const response = JSON.parse((await page.textContent('#out')) ?? '{}') as Record<string, string>
    assert.equal(response.state, 'silent-state')
    assert.match(response.code ?? '', /^[A-Za-z0-9_-]{43}$/, JSON.stringify(response))
    await context.close()
  })

  it('gives a page on a foreign origin no CORS access and does not let it frame the silent-auth page', async () => {
    const { app } = await addApp(server.store, { callbacks: [`${appOrigin}/callback`], webOrigins: [appOrigin] })
    const foreignOrigin = appOrigin.replace('localhost', '127.0.0.1')
    const context = await browser.newContext()
    const page = await context.newPage()
    const tryToken = (origin: string) =>
      page.goto(`${origin}/callback`).then(() =>
        page.evaluate(async (tokenUrl) => {
          try {
            const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'auth0-client': 'e30=' }, body: 'grant_type=refresh_token&client_id=x&refresh_token=y' })
            return `answered ${res.status}`
          } catch (error) {
            return `blocked: ${(error as Error).name}`
          }
        }, `${server.url}oauth/token`),
      )
    assert.match(await tryToken(appOrigin), /^answered 4\d\d$/, 'the registered web origin reads the error')
    assert.equal(await tryToken(foreignOrigin), 'blocked: TypeError', 'a foreign origin cannot read the answer')

    const silent = authorizeUrl(server.issuer, {
      clientId: app.clientId, redirectUri: appOrigin, challenge: pkce().challenge, state: 'foreign', extra: { prompt: 'none', response_mode: 'web_message' },
    })
    await page.goto(`${foreignOrigin}/silent#${encodeURIComponent(silent)}`)
    await page.waitForTimeout(1500)
    assert.equal(await page.textContent('#out'), 'waiting', 'no authorization response reached the foreign page')
    const framed = page.frames().find((f) => f !== page.mainFrame())
    assert.ok(framed, 'the iframe exists')
    assert.match(framed.url(), /^chrome-error:/, `frame-ancestors refused the silent-auth page (${framed.url()})`)
    await context.close()
  })
})
