/**
 * Security keys and passkeys in a real browser (issue 15): Debian's Chromium with its virtual
 * authenticator (the DevTools protocol's WebAuthn domain, through playwright-core), against a
 * Latchkey whose issuer is `http://localhost:PORT/` (browsers refuse IP addresses as RP IDs).
 *
 * - LATCHKEY_MFA=always: a password user enrols a security key at the first login, and the next
 *   login passes the second factor with it (the ID token's amr: pwd, hwk, mfa);
 * - a passkey created at enrolment, then "Sign in with a passkey" without a password: a code reaches
 *   the app, the amr says a verified passkey (multi-factor), and no second factor is asked;
 * - an assertion of a credential Latchkey does not know is refused: a 400 page, no code.
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { addUser, PASSWORD, type TestServer } from '../packages/server/test/support/harness.js'
import { skipWithoutChromium } from './support/chromium.js'
import { type LoginRig, startLoginRig } from './support/login-rig.js'

describe('security keys and passkeys in a real browser', { skip: skipWithoutChromium }, () => {
  let rig: LoginRig
  let server: TestServer
  let browser: Browser
  let callback = ''

  before(async () => {
    rig = await startLoginRig({ mfa: 'always', appName: 'Keys SPA' })
    ;({ server, browser, callback } = rig)
  })
  after(() => rig?.close())

  /**
   * A page with a virtual authenticator: `internal` is this device's (a platform authenticator), `usb`
   * a security key. The virtual authenticator answers an autofill request (conditional UI) at once, as
   * if the user had picked the passkey: unless the test is about autofill, the browser says it has none,
   * so that the buttons are what is tested.
   */
  async function withAuthenticator(transport: 'usb' | 'internal', autofill = false) {
    const context = await browser.newContext()
    // A string: tsx would wrap a function's inner functions in a helper the page does not have.
    if (!autofill) await context.addInitScript("Object.defineProperty(PublicKeyCredential, 'isConditionalMediationAvailable', { value: async () => false })")
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('WebAuthn.enable')
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport, hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    })
    return { context, page, cdp, authenticatorId }
  }

  /** Every URL the page's main frame went to. */
  function visits(page: Page): string[] {
    const seen: string[] = []
    page.on('framenavigated', (frame) => frame === page.mainFrame() && seen.push(frame.url()))
    return seen
  }

  const start = (page: Page) => rig.start(page)
  async function password(page: Page, email: string) {
    await page.getByLabel('Email address').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Continue' }).click()
  }

  const landed = (page: Page, verifier: string) => rig.landed(page, verifier)

  /** The enrolment step: a WebAuthn button, then the recovery codes, then on to the app. */
  async function enrolWith(page: Page, button: string) {
    await page.waitForURL(/\/u\/mfa\/enroll\?state=/)
    await page.getByRole('button', { name: button }).click()
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor({ timeout: 15_000 })
    assert.equal(await page.locator('ul.codes li').count(), 10)
    await page.getByRole('button', { name: 'I have saved them: continue' }).click()
  }

  it('enrols a security key at the first login, then passes the second factor with it', async () => {
    const user = await addUser(server.store)
    const { context, page } = await withAuthenticator('usb')
    let verifier = await start(page)
    await password(page, user.email)
    await enrolWith(page, 'Use a security key or this device')
    const first = await landed(page, verifier)
    assert.deepEqual(first.amr, ['pwd', 'hwk', 'mfa'])
    const [key] = (await server.store.authenticators.listForUser(user.id)).filter((a) => a.type !== 'totp')
    assert.equal(key?.type, 'webauthn-roaming')
    assert.equal(key?.confirmed, true)
    assert.ok(key?.credential?.credentialId)

    // A new login in this browser (no SSO session): the password, then the key.
    await context.clearCookies()
    verifier = await start(page)
    await password(page, user.email)
    await page.waitForURL(/\/u\/mfa\?state=/)
    assert.equal(await page.getByLabel('Code from your authenticator app').count(), 0, 'no TOTP app: only the key is offered')
    await page.getByRole('button', { name: 'Use your security key' }).click()
    const second = await landed(page, verifier)
    assert.deepEqual(second.amr, ['pwd', 'hwk', 'mfa'])
    const after = await server.store.authenticators.get(key.id)
    assert.ok(after?.lastUsedAt, 'the assertion was recorded')
    assert.ok((after?.credential?.counter ?? 0) >= (key.credential?.counter ?? 0))
    await context.close()
  })

  it('creates a passkey at enrolment, then signs in with it alone: multi-factor, no second factor asked', async () => {
    const user = await addUser(server.store)
    const { context, page, cdp, authenticatorId } = await withAuthenticator('internal')
    let verifier = await start(page)
    await password(page, user.email)
    await enrolWith(page, 'Create a passkey')
    const first = await landed(page, verifier)
    assert.deepEqual(first.amr, ['pwd', 'hwk', 'mfa'], 'creating a passkey at enrolment is the second factor')
    const passkeys = (await server.store.authenticators.listForUser(user.id)).filter((a) => a.type === 'passkey')
    assert.equal(passkeys.length, 1)

    await context.clearCookies()
    const seen = visits(page)
    verifier = await start(page)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    const second = await landed(page, verifier)
    assert.deepEqual(second.amr, ['hwk', 'user', 'mfa'], 'a verified passkey: multi-factor by itself, no password')
    assert.ok(!seen.some((u) => u.includes('/u/mfa')), `no second factor was asked: ${seen.join(' ')}`)

    // The same passkey in another browser, offered by the email field's autofill (conditional UI).
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
    await context.close()
    const other = await withAuthenticator('internal', true)
    for (const credential of credentials) await other.cdp.send('WebAuthn.addCredential', { authenticatorId: other.authenticatorId, credential })
    verifier = await start(other.page)
    const third = await landed(other.page, verifier)
    assert.deepEqual(third.amr, ['hwk', 'user', 'mfa'])
    await other.context.close()
  })

  it('refuses an assertion of a credential it does not know: a 400 page, no code', async () => {
    const { context, page, cdp, authenticatorId } = await withAuthenticator('internal', true)
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId,
      credential: {
        credentialId: randomBytes(16).toString('base64'),
        isResidentCredential: true,
        rpId: new URL(server.issuer).hostname,
        privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
        userHandle: randomBytes(32).toString('base64'),
        signCount: 1,
      },
    })
    const seen = visits(page)
    const answers: number[] = []
    page.on('response', (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/u/login/passkey' && answers.push(r.status()))
    // Offered through autofill (the virtual authenticator picks it at once), then with the button.
    await start(page)
    await page.getByRole('alert').waitFor()
    assert.match((await page.getByRole('alert').textContent()) ?? '', /passkey did not work/)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.waitForFunction(() => document.querySelector('[role=alert]') && document.querySelector('button.secondary:not([disabled])'))
    await page.waitForTimeout(300)
    assert.deepEqual(answers, [400, 400], 'refused twice, and a refusal does not start the autofill again')
    assert.ok(!seen.some((u) => u.startsWith(callback)), 'no code reached the app')
    await context.close()
  })
})
