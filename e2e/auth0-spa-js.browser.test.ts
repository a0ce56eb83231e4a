/**
 * Auth0's own SPA SDK (@auth0/auth0-spa-js), unchanged, pointed at Latchkey in a real browser:
 * loginWithRedirect → Latchkey's login page → handleRedirectCallback (token request from the app's
 * origin, with CORS and the Auth0-Client header) → getUser → a refresh through the SDK's worker
 * (rotation, ID token on refresh) → silent authentication in an iframe (redirect_uri = the app's web
 * origin, response_mode=web_message) → logout.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

const SDK = readFileSync(createRequire(import.meta.url).resolve('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js'), 'utf8')

function appPage(config: Record<string, unknown>): string {
  return `<!doctype html><meta charset="utf-8"><title>spa</title><pre id="out">starting</pre>
<script src="/auth0-spa-js.js"></script>
<script>
  const out = (value) => { document.getElementById('out').textContent = JSON.stringify(value) }
  const config = ${JSON.stringify(config)};
  (async () => {
    try {
      const client = await auth0.createAuth0Client(config)
      const mode = new URLSearchParams(location.search).get('mode')
      if (mode === 'login') return client.loginWithRedirect()
      if (new URLSearchParams(location.search).has('code')) {
        await client.handleRedirectCallback()
        const first = await client.getTokenSilently({ detailedResponse: true })
        const user = await client.getUser()
        const refreshed = await client.getTokenSilently({ cacheMode: 'off', detailedResponse: true })
        // Without refresh tokens the SDK authenticates silently in a hidden iframe (prompt=none, web_message).
        const iframeClient = await auth0.createAuth0Client({ ...config, useRefreshTokens: false })
        const silent = await iframeClient.getTokenSilently({ cacheMode: 'off' })
        out({ first, user, refreshed, silentIsString: typeof silent === 'string' })
        return
      }
      out({ idle: true })
    } catch (e) {
      out({ error: e.error || e.message, description: e.error_description || String(e) })
    }
  })()
</script>`
}

describe('Auth0 SPA SDK against Latchkey', { skip: skipWithoutChromium }, () => {
  let server: TestServer
  let browser: Browser
  let appServer: Server
  let appOrigin = ''
  let page = ''

  before(async () => {
    server = await startTestServer()
    appServer = createServer((req, res) => {
      if (req.url === '/auth0-spa-js.js') {
        res.setHeader('content-type', 'text/javascript')
        res.end(SDK)
        return
      }
      res.setHeader('content-type', 'text/html')
      res.end(page)
    })
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve))
    appOrigin = `http://localhost:${(appServer.address() as AddressInfo).port}`
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await new Promise((resolve) => appServer?.close(resolve))
    await server?.close()
  })

  it('logs in, gets tokens and the user, refreshes through rotation, authenticates silently, and logs out', async () => {
    const { app } = await addApp(server.store, { callbacks: [`${appOrigin}/`], webOrigins: [appOrigin], logoutUrls: [`${appOrigin}/`] })
    const api = await addApi(server.store, { identifier: `https://spa-js-${Date.now()}.example.com/` })
    const user = await addUser(server.store)
    page = appPage({
      domain: server.issuer.replace(/\/$/, ''),
      clientId: app.clientId,
      useRefreshTokens: true,
      useRefreshTokensFallback: false,
      authorizationParams: { redirect_uri: `${appOrigin}/`, audience: api.identifier, scope: 'openid profile email read:appointments' },
    })
    const context = await browser.newContext()
    const tab = await context.newPage()
    await tab.goto(`${appOrigin}/?mode=login`)
    await tab.waitForURL(/\/u\/login\?state=/)
    await tab.getByLabel('Email address').fill(user.email)
    await tab.getByLabel('Password').fill(PASSWORD)
    await tab.getByRole('button', { name: 'Continue' }).click()
    await tab.waitForFunction(() => !['starting', ''].includes(document.getElementById('out')?.textContent ?? ''), undefined, { timeout: 20_000 })
    const result = JSON.parse((await tab.textContent('#out')) ?? '{}')
    assert.equal(result.error, undefined, JSON.stringify(result))
    assert.equal(typeof result.first.access_token, 'string')
    assert.equal(result.first.expires_in, 86400)
    assert.equal(result.user.email, user.email)
    assert.equal(result.user.sub, user.id)
    assert.notEqual(result.refreshed.access_token, result.first.access_token, 'a fresh token through the refresh grant')
    assert.equal(result.silentIsString, true)

    await tab.evaluate(async (origin) => {
      const client = await (window as unknown as { auth0: { createAuth0Client(c: unknown): Promise<{ logout(o: unknown): Promise<void> }> } }).auth0.createAuth0Client(
        JSON.parse(document.querySelector('script:last-of-type')?.textContent?.match(/const config = (.*);/)?.[1] ?? '{}'),
      )
      await client.logout({ logoutParams: { returnTo: `${origin}/` } })
    }, appOrigin)
    await tab.waitForURL(`${appOrigin}/`)
    await context.close()
  })
})
