/**
 * Logging in through an upstream OpenID provider in a real browser (Debian's Chromium, driven by
 * playwright-core): Latchkey with a real oidc-provider as its upstream. The user clicks "Continue
 * with …" on Latchkey's login page (or the app sends `connection=`), logs in on the provider's page,
 * and the app's callback receives a code that exchanges for tokens whose `sub` is `oidc|…`.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord } from '@latchkey/core'
import type { Browser, Page } from 'playwright-core'
import { authorizeUrl, pkce } from '../packages/server/test/support/browser.js'
import { addConnection, oidcOptions } from '../packages/server/test/support/connections.js'
import { addApp, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { claims, tokenRequest } from '../packages/server/test/support/oauth.js'
import { ALICE, BASIC_CLIENT, type OidcUpstream, startOidcUpstream } from '../packages/server/test/support/upstreams/oidc-provider.js'
import { type RunningApp, startCallbackApp } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

describe('upstream login in a real browser', { skip: skipWithoutChromium, timeout: 60_000 }, () => {
  let server: TestServer
  let upstream: OidcUpstream
  let browser: Browser
  let appServer: RunningApp
  let callback = ''
  let app: ApplicationRecord

  before(async () => {
    server = await startTestServer()
    upstream = await startOidcUpstream([ALICE], `${server.issuer}login/callback`)
    appServer = await startCallbackApp()
    callback = `${appServer.origin}/callback`
    ;({ app } = await addApp(server.store, { name: 'SSO SPA', callbacks: [callback] }))
    await addConnection(server, { name: 'acme-oidc', displayName: 'Acme SSO', strategy: 'oidc', options: oidcOptions(upstream.issuer, BASIC_CLIENT), enabledClients: [app.clientId] })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await appServer?.close()
    await upstream?.close()
    await server?.close()
  })

  /** On the provider's login page: the account logs in; back at the app's callback, the code is exchanged. */
  async function loginAtProviderAndExchange(page: Page, verifier: string, state: string) {
    await page.waitForURL((url) => url.origin === upstream.issuer && url.pathname.startsWith('/interaction/'), { waitUntil: 'domcontentloaded' })
    await page.locator('input[name="account"]').fill(ALICE.sub)
    await page.getByRole('button', { name: 'Log in' }).click()
    await page.waitForURL((url) => url.href.startsWith(`${callback}?`), { waitUntil: 'commit' })
    const params = new URL(page.url()).searchParams
    assert.equal(params.get('state'), state)
    assert.equal(params.get('iss'), server.issuer)
    const code = params.get('code')
    assert.match(code ?? '', /^[A-Za-z0-9_-]{43}$/, page.url())
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code: code as string, code_verifier: verifier, redirect_uri: callback })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    const id = claims(r.json.id_token)
    assert.equal(id.sub, `oidc|acme-oidc|${ALICE.sub}`)
    assert.equal(claims(r.json.access_token).sub, id.sub)
    assert.equal(id.email, ALICE.claims.email)
    return id
  }

  it('"Continue with Acme SSO" on the login page → the provider\'s page → the app gets a code for oidc|… tokens', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const { verifier, challenge } = pkce()
    await page.goto(authorizeUrl(server.issuer, { clientId: app.clientId, redirectUri: callback, challenge, state: 'button-state' }))
    assert.match(page.url(), /\/u\/login\?state=/)
    await page.getByRole('button', { name: 'Continue with Acme SSO' }).click()
    await loginAtProviderAndExchange(page, verifier, 'button-state')
    await context.close()
  })

  it('connection=acme-oidc goes straight to the provider, and back to the app with a code', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const { verifier, challenge } = pkce()
    await page.goto(authorizeUrl(server.issuer, { clientId: app.clientId, redirectUri: callback, challenge, state: 'param-state', extra: { connection: 'acme-oidc' } }))
    assert.equal(new URL(page.url()).origin, upstream.issuer, 'no Latchkey page on the way')
    await loginAtProviderAndExchange(page, verifier, 'param-state')
    await context.close()
  })
})
