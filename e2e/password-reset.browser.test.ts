/**
 * Password reset in a real browser (Debian's Chromium, driven by playwright-core), as a person does it:
 *
 * - with a real SMTP server in the test process: a user who logged in once (and whose app holds a
 *   refresh token) clicks "Forgot your password?" on the login page, gets the email, opens its link,
 *   chooses a new password; then the old password fails on the login page, the new one brings a code
 *   to the app's callback, and the refresh token from before is refused;
 * - the `npm start` path (the demo, no SMTP, the development outbox): the demo user asks for the
 *   reset, reads the email at /dev/outbox in the same browser, follows its link, sets a new password
 *   and logs in to the demo SPA with it.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord } from '@latchkey/core'
import type { Browser, Page } from 'playwright-core'
import { DEMO, demoInstructions, seedDemo } from '../packages/server/src/demo.js'
import { authorizeUrl, pkce } from '../packages/server/test/support/browser.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { tokenRequest } from '../packages/server/test/support/oauth.js'
import { linkIn, TestSmtpServer } from '../packages/server/test/support/smtp.js'
import { type RunningApp, startCallbackApp } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

const NEW_PASSWORD = 'a brand new passphrase'

/** On the login page: types the address and password and presses Continue. */
async function submitLogin(page: Page, email: string, password: string) {
  await page.getByLabel('Email address').fill(email)
  await page.getByLabel('Password', { exact: true }).fill(password)
  await page.getByRole('button', { name: 'Continue' }).click()
}

/** On the login page: "Forgot your password?" → the address → "Check your email". */
async function askForReset(page: Page, email: string) {
  await page.getByRole('link', { name: 'Forgot your password?' }).click()
  await page.waitForURL(/\/u\/reset-password\/request\?state=/)
  await page.getByLabel('Email address').fill(email)
  await page.getByRole('button', { name: 'Send the link' }).click()
  await page.getByRole('heading', { name: 'Check your email' }).waitFor()
}

/** On the reset link's page: the new password twice → "Your password has been changed". */
async function chooseNewPassword(page: Page, email: string, password: string) {
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
  assert.match((await page.textContent('body')) ?? '', new RegExp(email.replace(/[.]/g, '\\.')))
  await page.locator('#password').fill(password)
  await page.locator('#password_confirm').fill(password)
  await page.getByRole('button', { name: 'Change my password' }).click()
  await page.getByRole('heading', { name: 'Your password has been changed' }).waitFor()
}

describe('password reset in a real browser', { skip: skipWithoutChromium, timeout: 60_000 }, () => {
  let browser: Browser

  before(async () => {
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
  })

  describe('with a real SMTP server', () => {
    let mailbox: TestSmtpServer
    let server: TestServer
    let appServer: RunningApp
    let callback = ''
    let app: ApplicationRecord

    before(async () => {
      mailbox = await TestSmtpServer.start()
      server = await startTestServer({ env: { LATCHKEY_SMTP_URL: mailbox.url } })
      appServer = await startCallbackApp()
      callback = `${appServer.origin}/callback`
      ;({ app } = await addApp(server.store, { name: 'Reset SPA', callbacks: [callback], grants: ['authorization_code', 'refresh_token'] }))
    })
    after(async () => {
      await appServer?.close()
      await server?.close()
      await mailbox?.stop()
    })

    /** Opens the app's login in `page`; returns the PKCE verifier and the state. */
    async function startLogin(page: Page, state: string) {
      const { verifier, challenge } = pkce()
      await page.goto(authorizeUrl(server.issuer, { clientId: app.clientId, redirectUri: callback, scope: 'openid offline_access', challenge, state }))
      return verifier
    }

    /** Waits for the app's callback; returns the tokens its code exchanges for. */
    async function codeAtCallback(page: Page, verifier: string, state: string) {
      await page.waitForURL((url) => url.href.startsWith(`${callback}?`), { waitUntil: 'commit' })
      const params = new URL(page.url()).searchParams
      assert.equal(params.get('state'), state)
      const code = params.get('code')
      assert.match(code ?? '', /^[A-Za-z0-9_-]{43}$/, page.url())
      const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code: code as string, code_verifier: verifier, redirect_uri: callback })
      assert.equal(tokens.status, 200, JSON.stringify(tokens.json))
      return tokens.json
    }

    it('"Forgot your password?" → the email\'s link → a new password: the old one fails, the new one logs in, the old refresh token is refused', async () => {
      const user = await addUser(server.store)

      // Before: a login through the browser, and a refresh token in the app's hands.
      const before = await browser.newContext()
      const first = await before.newPage()
      const firstVerifier = await startLogin(first, 'first')
      assert.match(first.url(), /\/u\/login\?state=/)
      await submitLogin(first, user.email, PASSWORD)
      const tokens = await codeAtCallback(first, firstVerifier, 'first')
      const refreshToken = tokens.refresh_token as string
      assert.ok(refreshToken, `a refresh token (${Object.keys(tokens).join(', ')})`)

      // The user forgot the password: a fresh browser, the login page, "Forgot your password?".
      const context = await browser.newContext()
      const page = await context.newPage()
      const verifier = await startLogin(page, 'after-reset')
      assert.match(page.url(), /\/u\/login\?state=/)
      await askForReset(page, user.email)
      assert.equal(await page.getByRole('link', { name: '/dev/outbox' }).count(), 0, 'no development outbox without it')

      const email = await mailbox.next(user.email)
      assert.match(email.subject, /password/i)
      const link = linkIn(email, `${server.issuer}u/reset-password?ticket=`)

      // The link opens in another tab of the same browser, as from a mail client.
      const tab = await context.newPage()
      await tab.goto(link)
      await chooseNewPassword(tab, user.email, NEW_PASSWORD)
      await tab.close()

      // Back on the first tab: "Back to log in" returns to the same login.
      await page.getByRole('link', { name: 'Back to log in' }).click()
      await page.waitForURL(/\/u\/login\?state=/)
      await submitLogin(page, user.email, PASSWORD)
      await page.getByRole('alert').waitFor()
      assert.equal(await page.getByRole('alert').textContent(), 'Wrong email or password.', 'the old password is refused on the login page')
      assert.match(page.url(), /\/u\/login\?state=/)
      await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD)
      await page.getByRole('button', { name: 'Continue' }).click()
      await codeAtCallback(page, verifier, 'after-reset')

      const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken })
      assert.ok([400, 403].includes(refreshed.status), `${refreshed.status} ${JSON.stringify(refreshed.json)}`)
      assert.equal(refreshed.json.error, 'invalid_grant')

      // The session of the first browser ended too: its next login asks for the password again.
      const again = await before.newPage()
      await startLogin(again, 'first-again')
      assert.match(again.url(), /\/u\/login\?state=/, 'no silent login with the session from before the reset')
      await before.close()

      const notice = await mailbox.next(user.email)
      assert.match(notice.subject, /changed/i)
      await context.close()
    })
  })

  describe('the npm start demo, with the development outbox', () => {
    let server: TestServer

    before(async () => {
      server = await startTestServer({ demo: true })
      await seedDemo(server.store, server.clock, server.issuer)
    })
    after(async () => {
      await server?.close()
    })

    it('the demo user asks for a reset, reads the email at /dev/outbox, follows its link, and logs in with the new password', async () => {
      assert.equal(server.running.deps.config.email.devOutbox, true, 'the demo on a localhost issuer has the development outbox')
      assert.equal(server.running.deps.config.email.smtpUrl, null)
      assert.match(demoInstructions(server.issuer, { devOutbox: true }), new RegExp(`emails +${server.issuer}dev/outbox `), 'the npm start banner says where to read them')
      const context = await browser.newContext()
      // Nothing serves the demo SPA (http://localhost:8080) here: the browser answers its callback itself.
      await context.route(`${DEMO.origin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Demo SPA</title><p>back in the demo SPA</p>' }))
      const page = await context.newPage()
      const login = (state: string) => {
        const { verifier, challenge } = pkce()
        return page.goto(authorizeUrl(server.issuer, { clientId: DEMO.clientId, redirectUri: DEMO.callback, scope: 'openid profile email', challenge, state })).then(() => verifier)
      }

      await login('demo-reset')
      assert.match(page.url(), /\/u\/login\?state=/)
      await askForReset(page, DEMO.email)

      // The answer says where a development server's emails are: the outbox, in the same browser.
      await page.getByRole('link', { name: '/dev/outbox' }).click()
      await page.waitForURL(`${server.issuer}dev/outbox`)
      await page.getByRole('heading', { name: 'Outbox' }).waitFor()
      const newest = page.locator('tbody tr').first()
      assert.match((await newest.textContent()) ?? '', new RegExp(DEMO.email.replace(/[.]/g, '\\.')))
      await newest.getByRole('link').click()
      await page.waitForURL(/\/dev\/outbox\/em_/)
      const resetLink = page.getByRole('link', { name: /\/u\/reset-password\?ticket=/ })
      assert.equal(new URL((await resetLink.getAttribute('href')) ?? '').origin, new URL(server.issuer).origin)
      await resetLink.click()
      await page.waitForURL(/\/u\/reset-password\?ticket=/)
      await chooseNewPassword(page, DEMO.email, NEW_PASSWORD)

      const verifier = await login('demo-login')
      assert.match(page.url(), /\/u\/login\?state=/)
      await submitLogin(page, DEMO.email, DEMO.password)
      await page.getByRole('alert').waitFor()
      assert.equal(await page.getByRole('alert').textContent(), 'Wrong email or password.', 'the published demo password no longer works')
      await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD)
      await page.getByRole('button', { name: 'Continue' }).click()
      await page.waitForURL((url) => url.href.startsWith(`${DEMO.callback}?`), { waitUntil: 'commit' })
      const params = new URL(page.url()).searchParams
      assert.equal(params.get('state'), 'demo-login')
      const code = params.get('code')
      assert.match(code ?? '', /^[A-Za-z0-9_-]{43}$/, page.url())
      const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: DEMO.clientId, code: code as string, code_verifier: verifier, redirect_uri: DEMO.callback })
      assert.equal(tokens.status, 200, JSON.stringify(tokens.json))
      await context.close()
    })
  })
})
