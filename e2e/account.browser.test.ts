/**
 * The account page in a real browser (issue 15): Chromium with its virtual authenticator (as in
 * webauthn.browser.test.ts), against a Latchkey at `http://localhost:PORT/` under LATCHKEY_MFA=optional.
 * A password user, just logged in, creates a passkey on /u/account; then "Sign in with a passkey" on
 * the login page works alone: the ID token says a verified passkey (multi-factor), no password asked.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { addUser, PASSWORD, type TestServer } from '../packages/server/test/support/harness.js'
import { skipWithoutChromium } from './support/chromium.js'
import { type LoginRig, startLoginRig } from './support/login-rig.js'

describe('the account page in a real browser', { skip: skipWithoutChromium }, () => {
  let rig: LoginRig
  let server: TestServer
  let browser: Browser

  before(async () => {
    rig = await startLoginRig({ mfa: 'optional', appName: 'Account SPA' })
    ;({ server, browser } = rig)
  })
  after(() => rig?.close())

  const start = (page: Page) => rig.start(page)
  const landed = (page: Page, verifier: string) => rig.landed(page, verifier)

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
