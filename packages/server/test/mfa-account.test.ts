/**
 * The user's own account page, /u/account (issue 15), over HTTP with codes computed in the test:
 *
 * - without a session it shows no factor and says to log in through an application;
 * - under the policy `optional`, a password user adds an authenticator app there (the QR/key page, a
 *   first code, recovery codes shown once), and the next login asks for a code;
 * - with a fresh multi-factor login: new recovery codes (the old ones stop working), and removing the
 *   factor (audited; the next login asks for nothing more);
 * - a change without the form token, from another browser or site, or from a login older than 15
 *   minutes (or not multi-factor while the user has a factor) is refused and changes nothing.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, sha256, totpCode, type UserRecord } from '@latchkey/core'
import { accountToken } from '../src/interaction/csrf.js'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'

const STEP_MS = 30_000

function keyOf(html: string): string {
  const key = /Key: <code>([A-Z2-7 ]+)<\/code>/.exec(html)?.[1]
  assert.ok(key, 'the page shows the key as text')
  return key.replace(/ /g, '')
}

const codesOf = (html: string) => [...html.matchAll(/<li><code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})<\/code><\/li>/g)].map((m) => m[1] as string)

describe('the account page: /u/account', () => {
  let server: TestServer
  let app: ApplicationRecord
  let user: UserRecord
  let key = ''
  let codes: string[] = []

  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_MFA: 'optional' } })
    ;({ app } = await addApp(server.store, { name: 'Account SPA' }))
    user = await addUser(server.store, { email: 'self-service@example.com' })
  })
  after(() => server.close())

  /** /authorize → the login form → the password: where the login went next. */
  async function password(browser: Browser) {
    const { challenge } = pkce()
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, scope: 'openid' })))
    const html = await page.text()
    return browser.follow(await browser.post(formAction(html, '/u/login?'), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }))
  }

  /** A login with the password and a TOTP code (a new step, so the code is not a replay): a fresh multi-factor session. */
  async function mfaLogin(browser: Browser) {
    const next = await password(browser)
    assert.equal(new URL(next.url).pathname, '/u/mfa', 'the login asks for the second factor')
    const html = await next.text()
    server.clock.advance(STEP_MS)
    const done = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), action: 'otp', code: totpCode(key, server.clock.now()) })
    assert.ok(callbackParams(done).get('code'), 'a code reaches the app')
  }

  async function account(browser: Browser) {
    const res = await browser.get('/u/account')
    assert.equal(res.status, 200)
    return res.text()
  }

  const confirmed = async () => (await server.store.authenticators.listForUser(user.id)).filter((a) => a.confirmed)

  it('without a session: no factor shown, a way to log in explained', async () => {
    const html = await account(new Browser(server.url))
    assert.match(html, /not logged in/)
    assert.doesNotMatch(html, /name="csrf"|Remove|Recovery codes left/)
  })

  it('a password user adds an authenticator app; the next login asks for its code', async () => {
    const browser = new Browser(server.url)
    const first = await password(browser)
    assert.ok(callbackParams(first).get('code'), 'no second factor asked before one is added')
    const page = await account(browser)
    assert.match(page, /self-service@example\.com/)
    assert.match(page, /password only/)
    const csrf = hiddenField(page, 'csrf')

    const enrol = await browser.post('/u/account/totp/new', { csrf })
    assert.equal(enrol.status, 200)
    const enrolHtml = await enrol.text()
    key = keyOf(enrolHtml)
    assert.match(enrolHtml, /otpauth:\/\/totp\//)
    const wrongCode = totpCode(key, server.clock.now()) === '000000' ? '111111' : '000000'
    assert.equal((await browser.post('/u/account/totp', { csrf, code: wrongCode })).status, 400)
    assert.equal((await confirmed()).length, 0)
    const done = await browser.post('/u/account/totp', { csrf, code: totpCode(key, server.clock.now()) })
    assert.equal(done.status, 200)
    codes = codesOf(await done.text())
    assert.equal(codes.length, 10, 'the first factor comes with recovery codes, shown once')
    assert.equal((await confirmed()).length, 1)
    assert.ok((await server.store.logs.list({ type: 'gd_enrollment_complete' })).some((e) => e.userId === user.id))

    const after = await account(browser)
    assert.match(after, /Authenticator app/)
    assert.match(after, /Recovery codes left: <strong id="recovery-codes-left">10</)
    // The session was not upgraded: changing more now needs a multi-factor login.
    assert.match(after, /Confirm it is you/)

    // The next login asks for the code: in a new browser, and in this one (its session is not multi-factor).
    assert.equal(new URL((await password(new Browser(server.url))).url).pathname, '/u/mfa')
    const { challenge } = pkce()
    const again = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, scope: 'openid' })))
    assert.equal(new URL(again.url).pathname, '/u/mfa')
  })

  it('new recovery codes replace the old ones', async () => {
    const browser = new Browser(server.url)
    await mfaLogin(browser)
    const page = await account(browser)
    const res = await browser.post('/u/account/recovery-codes', { csrf: hiddenField(page, 'csrf') })
    assert.equal(res.status, 200)
    const fresh = codesOf(await res.text())
    assert.equal(fresh.length, 10)
    assert.ok((await server.store.logs.list({ type: 'mfa_recovery_codes_replaced' })).some((e) => e.userId === user.id))

    const login = new Browser(server.url)
    const next = await password(login)
    const recoveryPage = await (await login.get(`${next.url}&method=recovery`)).text()
    const old = await login.post(formAction(recoveryPage), { csrf: hiddenField(recoveryPage, 'csrf'), action: 'recovery', recovery_code: codes[1] as string })
    assert.equal(old.status, 400, 'an old code no longer works')
    const used = await login.post(formAction(recoveryPage), { csrf: hiddenField(recoveryPage, 'csrf'), action: 'recovery', recovery_code: fresh[0] as string })
    assert.equal(used.status, 200)
    assert.match(await used.text(), /9 recovery codes left/)
    codes = fresh.slice(1)
  })

  it('a change without the token, from another browser or site, or from a stale or password-only login is refused and changes nothing', async () => {
    const browser = new Browser(server.url)
    await mfaLogin(browser)
    const csrf = hiddenField(await account(browser), 'csrf')
    const id = (await confirmed())[0]?.id as string
    const unchanged = async () => {
      assert.deepEqual((await confirmed()).map((a) => a.id), [id])
      assert.equal(await server.store.recoveryCodes.countUnused(user.id), 9)
    }

    assert.equal((await browser.post('/u/account/remove', { id })).status, 403, 'no token')
    assert.equal((await browser.post('/u/account/remove', { id, csrf: 'x'.repeat(64) })).status, 403, 'a wrong token')
    assert.equal((await browser.post('/u/account/recovery-codes', { csrf }, { origin: 'https://attacker.example' })).status, 403, 'another site')
    assert.equal((await new Browser(server.url).post('/u/account/remove', { id, csrf })).status, 401, 'a browser without the session')
    // Another browser of the same user, with its own fresh multi-factor session: this token is not its.
    const other = new Browser(server.url)
    await mfaLogin(other)
    assert.equal((await other.post('/u/account/remove', { id, csrf })).status, 403, "another browser's token")
    // The session cookie alone, in a browser without this binding.
    const stolen = new Browser(server.url)
    for (const [name, value] of browser.cookies) if (name.includes('session')) stolen.cookies.set(name, value)
    assert.equal((await stolen.post('/u/account/remove', { id, csrf })).status, 403, 'the session without its browser binding')
    await unchanged()

    // A password-only login of a user who has a factor cannot change anything.
    const passwordOnly = new Browser(server.url)
    await password(passwordOnly)
    const weak = await account(passwordOnly)
    assert.match(weak, /Confirm it is you/)
    assert.doesNotMatch(weak, />Remove</)
    // The page offers no form; a token made the way the page would is refused all the same.
    const session = await server.store.sessions.findActive(sha256(passwordOnly.cookies.get('latchkey_session') as string), server.clock.now())
    const weakToken = accountToken(passwordOnly.cookies.get('latchkey_browser') as string, session?.sid as string)
    const weakRes = await passwordOnly.post('/u/account/remove', { id, csrf: weakToken })
    assert.equal(weakRes.status, 403)
    assert.match(await weakRes.text(), /with your second factor/)

    // Sixteen minutes later, the multi-factor login is too old.
    server.clock.advance(16 * 60_000)
    assert.match(await account(browser), /Confirm it is you/)
    const stale = await browser.post('/u/account/remove', { id, csrf })
    assert.equal(stale.status, 403)
    assert.match(await stale.text(), /log in again/)
    assert.equal((await browser.post('/u/account/recovery-codes', { csrf })).status, 403)
    assert.equal((await browser.post('/u/account/totp/new', { csrf })).status, 403)
    await unchanged()
  })

  it('with a fresh multi-factor login the factor is removed: audited, and the next login asks for nothing more', async () => {
    const browser = new Browser(server.url)
    await mfaLogin(browser)
    const page = await account(browser)
    const id = (await confirmed())[0]?.id as string
    assert.match(page, />Remove</)
    const res = await browser.post('/u/account/remove', { csrf: hiddenField(page, 'csrf'), id })
    assert.equal(res.status, 200)
    assert.match(await res.text(), /password only/)
    assert.equal((await confirmed()).length, 0)
    assert.equal(await server.store.recoveryCodes.countUnused(user.id), 0, 'the recovery codes went with the last factor')
    const event = (await server.store.logs.list({ type: 'mfa_factor_removed' })).find((e) => e.userId === user.id)
    assert.equal(event?.details.authenticator, id)
    assert.equal(event?.details.factors_left, 0)
    // Removed twice: refused.
    assert.equal((await browser.post('/u/account/remove', { csrf: hiddenField(page, 'csrf'), id })).status, 404)

    const next = await password(new Browser(server.url))
    assert.ok(callbackParams(next).get('code'), 'the next login goes straight to the app')
  })
})
