/**
 * Auth0's own SPA SDK (@auth0/auth0-spa-js), unchanged, pointed at Latchkey in a real browser:
 * loginWithRedirect → Latchkey's login page → handleRedirectCallback (token request from the app's
 * origin, with CORS and the Auth0-Client header) → getUser → a refresh through the SDK's worker
 * (rotation, ID token on refresh) → silent authentication in an iframe (redirect_uri = the app's web
 * origin, response_mode=web_message) → logout.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { type RunningApp, spaJsPage, startSpaJsApp } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

function appPage(config: Record<string, unknown>): string {
  return spaJsPage(
    config,
    `      const mode = new URLSearchParams(location.search).get('mode')
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
      }`,
  )
}

describe('Auth0 SPA SDK against Latchkey', { skip: skipWithoutChromium }, () => {
  let server: TestServer
  let browser: Browser
  let appServer: RunningApp
  let appOrigin = ''
  let page = ''

  before(async () => {
    server = await startTestServer()
    appServer = await startSpaJsApp(() => page)
    appOrigin = appServer.origin
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await appServer?.close()
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
