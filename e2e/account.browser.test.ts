/**
 * The account page in a real browser (issue 15): Chromium with its virtual authenticator (as in
 * webauthn.browser.test.ts), against a Latchkey at `http://localhost:PORT/` under LATCHKEY_MFA=optional.
 * A password user, just logged in, creates a passkey on /u/account; then "Sign in with a passkey" on
 * the login page works alone: the ID token says a verified passkey (multi-factor), no password asked.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord } from '@latchkey/core'
import type { Browser, Page } from 'playwright-core'
import { authorizeUrl, pkce } from '../packages/server/test/support/browser.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { claims, tokenRequest } from '../packages/server/test/support/oauth.js'
import { type RunningApp, startCallbackApp } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

describe('the account page in a real browser', { skip: skipWithoutChromium }, () => {
  let server: TestServer
  let browser: Browser
  let appServer: RunningApp
  let app: ApplicationRecord
  let callback = ''

  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_MFA: 'optional' } })
    assert.match(server.issuer, /^http:\/\/localhost:\d+\/$/, 'the RP ID is a host name')
    appServer = await startCallbackApp()
    callback = `${appServer.origin}/callback`
    ;({ app } = await addApp(server.store, { name: 'Account SPA', callbacks: [callback], webOrigins: [appServer.origin] }))
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await appServer?.close()
    await server?.close()
  })

  async function start(page: Page) {
    const { verifier, challenge } = pkce()
    await page.goto(authorizeUrl(server.issuer, { clientId: app.clientId, redirectUri: callback, challenge, scope: 'openid' }))
    await page.waitForURL(/\/u\/login\?state=/)
    return verifier
  }

  async function landed(page: Page, verifier: string) {
    await page.waitForURL(new RegExp(`^${callback}\\?`), { timeout: 15_000 })
    const code = new URL(page.url()).searchParams.get('code')
    assert.ok(code, page.url())
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: callback })
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json))
    return claims(tokens.json.id_token)
  }

  it('creates a passkey on /u/account; "Sign in with a passkey" then works alone', async () => {
    const user = await addUser(server.store)
    const context = await browser.newContext()
    // No autofill (conditional UI): the buttons are what is tested.
    await context.addInitScript("Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', { value: async () => false })")
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable')
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    })

    // A password login: no factor yet, so none is asked under `optional`.
    let verifier = await start(page)
    await page.getByLabel('Email address').fill(user.email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Continue' }).click()
    assert.deepEqual((await landed(page, verifier)).amr, ['pwd'])

    await page.goto(new URL('/u/account', server.issuer).toString())
    await page.getByText('You sign in with your password only.').waitFor()
    await page.getByRole('button', { name: 'Create a passkey' }).click()
    await page.getByRole('heading', { name: 'Passkey added' }).waitFor({ timeout: 15_000 })
    assert.equal(await page.locator('ul.codes li').count(), 10, 'the first factor comes with recovery codes')
    const passkeys = (await server.store.authenticators.listForUser(user.id)).filter((a) => a.type === 'passkey' && a.confirmed)
    assert.equal(passkeys.length, 1)
    await page.getByRole('link', { name: 'Back to your sign-in methods' }).click()
    await page.getByText('Passkey', { exact: true }).waitFor()

    // A new login in this browser, with no SSO session: the passkey alone.
    await context.clearCookies()
    const seen: string[] = []
    page.on('framenavigated', (frame) => frame === page.mainFrame() && seen.push(frame.url()))
    verifier = await start(page)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    assert.deepEqual((await landed(page, verifier)).amr, ['hwk', 'user', 'mfa'], 'a verified passkey: multi-factor by itself, no password')
    assert.ok(!seen.some((u) => u.includes('/u/mfa')), `no second factor was asked: ${seen.join(' ')}`)
    await context.close()
  })
})
