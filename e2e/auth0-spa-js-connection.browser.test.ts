/**
 * Auth0's own SPA SDK (@auth0/auth0-spa-js), unchanged, logging in through an upstream connection in
 * a real browser (Debian's Chromium, driven by playwright-core): `loginWithRedirect({
 * authorizationParams: { connection: 'acme-oidc' } })` goes through Latchkey straight to a real
 * OpenID provider (oidc-provider), the user logs in on the provider's page, and back at the app
 * handleRedirectCallback exchanges the code; getUser shows the upstream user (`sub`
 * `oidc|acme-oidc|…`, the provider's email), and getTokenSilently refreshes through the SDK's worker
 * with refresh tokens (no iframe fallback). Skipped when Chromium is absent.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, ApplicationRecord } from '@latchkey/core'
import type { Browser } from 'playwright-core'
import { addConnection, oidcOptions } from '../packages/server/test/support/connections.js'
import { addApi, addApp, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { claims } from '../packages/server/test/support/oauth.js'
import { ALICE, BASIC_CLIENT, type OidcUpstream, startOidcUpstream } from '../packages/server/test/support/upstreams/oidc-provider.js'
import { type RunningApp, spaJsPage, startSpaJsApp } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

function appPage(config: Record<string, unknown>): string {
  return spaJsPage(
    config,
    `      if (new URLSearchParams(location.search).get('mode') === 'login') return client.loginWithRedirect({ authorizationParams: { connection: 'acme-oidc' } })
      if (new URLSearchParams(location.search).has('code')) {
        await client.handleRedirectCallback()
        const first = await client.getTokenSilently({ detailedResponse: true })
        const user = await client.getUser()
        const idClaims = await client.getIdTokenClaims()
        const refreshed = await client.getTokenSilently({ cacheMode: 'off', detailedResponse: true })
        out({ first, user, idClaims, refreshed })
        return
      }`,
  )
}

describe('Auth0 SPA SDK logging in through an upstream connection', { skip: skipWithoutChromium, timeout: 60_000 }, () => {
  let server: TestServer
  let upstream: OidcUpstream
  let browser: Browser
  let appServer: RunningApp
  let appOrigin = ''
  let app: ApplicationRecord
  let api: ApiRecord

  before(async () => {
    server = await startTestServer()
    upstream = await startOidcUpstream([ALICE], `${server.issuer}login/callback`)
    appServer = await startSpaJsApp(() =>
      appPage({
        domain: server.issuer.replace(/\/$/, ''),
        clientId: app.clientId,
        useRefreshTokens: true,
        useRefreshTokensFallback: false,
        authorizationParams: { redirect_uri: `${appOrigin}/`, audience: api.identifier, scope: 'openid profile email read:appointments' },
      }),
    )
    appOrigin = appServer.origin
    ;({ app } = await addApp(server.store, { name: 'SSO SPA', callbacks: [`${appOrigin}/`], webOrigins: [appOrigin], logoutUrls: [`${appOrigin}/`] }))
    api = await addApi(server.store, { identifier: `https://spa-js-connection-${Date.now()}.example.com/` })
    await addConnection(server, { name: 'acme-oidc', displayName: 'Acme SSO', strategy: 'oidc', options: oidcOptions(upstream.issuer, BASIC_CLIENT), enabledClients: [app.clientId] })
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await appServer?.close()
    await upstream?.close()
    await server?.close()
  })

  it("loginWithRedirect with connection=acme-oidc → the provider's page → handleRedirectCallback; getUser is the upstream user; getTokenSilently refreshes", async () => {
    const context = await browser.newContext()
    const tab = await context.newPage()
    const pages: string[] = []
    tab.on('framenavigated', (frame) => {
      if (frame === tab.mainFrame()) pages.push(frame.url())
    })
    await tab.goto(`${appOrigin}/?mode=login`)
    await tab.waitForURL((url) => url.origin === upstream.issuer && url.pathname.startsWith('/interaction/'), { waitUntil: 'domcontentloaded' })
    await tab.locator('input[name="account"]').fill(ALICE.sub)
    await tab.getByRole('button', { name: 'Log in' }).click()
    await tab.waitForURL((url) => url.origin === appOrigin && url.searchParams.has('code'), { waitUntil: 'commit' })
    await tab.waitForFunction(() => !['starting', ''].includes(document.getElementById('out')?.textContent ?? ''), undefined, { timeout: 20_000 })
    const result = JSON.parse((await tab.textContent('#out')) ?? '{}')
    assert.equal(result.error, undefined, JSON.stringify(result))
    // Straight to the provider and back: no Latchkey page on the way.
    assert.deepEqual(
      pages.map((url) => new URL(url).origin),
      [appOrigin, upstream.issuer, appOrigin],
      pages.join('\n'),
    )

    const sub = `oidc|acme-oidc|${ALICE.sub}`
    assert.equal(result.user.sub, sub)
    assert.equal(result.user.email, ALICE.claims.email)
    assert.equal(result.user.email_verified, true)
    assert.equal(result.user.name, ALICE.claims.name)
    assert.equal(result.idClaims.iss, server.issuer)
    assert.equal(result.idClaims.aud, app.clientId)
    assert.equal(claims(result.first.access_token).sub, sub)
    assert.match(String(claims(result.first.access_token).scope), /\boffline_access\b/, 'the SDK asked for a refresh token')

    // The refresh went through the refresh-token grant (useRefreshTokensFallback: false: no iframe).
    assert.notEqual(result.refreshed.access_token, result.first.access_token)
    assert.equal(claims(result.refreshed.access_token).sub, sub)
    assert.equal(claims(result.refreshed.id_token).sub, sub)
    await context.close()
  })
})
