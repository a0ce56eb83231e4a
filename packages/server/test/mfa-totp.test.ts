/**
 * Second factors with TOTP and recovery codes, in the login state machine (issue 15), driven like a
 * browser with codes computed in the test (RFC 6238):
 *
 * - `LATCHKEY_MFA=always`: a user without a factor enrols at the next login (QR/key page, a first
 *   code, ten recovery codes shown once) before any code reaches the app; then every login asks for
 *   a code; a wrong code and a replayed one are refused; a recovery code works once and warns;
 * - the ID token says how: `amr` (`pwd`, `otp`, `mfa`), kept by refreshes;
 * - step-up: `acr_values` with Auth0's multi-factor value asks for a second factor even inside an
 *   SSO session, and the tokens then carry `acr`;
 * - an application's own policy wins over the deployment's; `prompt=none` gets interaction_required;
 * - the steps cannot be skipped or answered out of order; repeated wrong codes lock, and while
 *   locked even a right code is refused.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ACR_MULTI_FACTOR, type ApplicationRecord, totpCode, type UserRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'

const STEP_MS = 30_000

/** The key the enrolment page shows, without its spaces. */
function keyOf(html: string): string {
  const key = /Key: <code>([A-Z2-7 ]+)<\/code>/.exec(html)?.[1]
  assert.ok(key, 'the enrolment page shows the key as text')
  return key.replace(/ /g, '')
}

const codesOf = (html: string) => [...html.matchAll(/<li><code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})<\/code><\/li>/g)].map((m) => m[1] as string)

describe('second factors: TOTP and recovery codes', () => {
  let server: TestServer
  let app: ApplicationRecord

  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_MFA: 'always' } })
    ;({ app } = await addApp(server.store, { name: 'MFA SPA', grants: ['authorization_code', 'refresh_token'] }))
  })
  after(() => server.close())

  /** /authorize → the login form → the password: returns where the login went next. */
  async function password(browser: Browser, user: UserRecord, extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkce()
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, scope: 'openid offline_access', extra })))
    const html = await page.text()
    const next = await browser.follow(await browser.post(formAction(html, '/u/login?'), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }))
    return { next, verifier }
  }

  async function exchange(res: Response, verifier: string) {
    const code = callbackParams(res).get('code')
    assert.ok(code, `a code: ${res.status} ${res.headers.get('location')}`)
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(tokens.status, 200)
    return tokens.json
  }

  /** Enrols the user's TOTP on the enrolment page; returns the key, the recovery codes, and the response after "continue". */
  async function enrol(browser: Browser, page: Response) {
    assert.equal(new URL(page.url).pathname, '/u/mfa/enroll')
    const html = await page.text()
    const key = keyOf(html)
    assert.match(html, /otpauth:\/\/totp\//)
    assert.match(html, /<img src="data:image\/svg\+xml;base64,/)
    const wrong = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), code: '000000' === totpCode(key, server.clock.now()) ? '111111' : '000000' })
    assert.equal(wrong.status, 400)
    const done = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), code: totpCode(key, server.clock.now()) })
    assert.equal(done.status, 200)
    const codesPage = await done.text()
    const codes = codesOf(codesPage)
    assert.equal(codes.length, 10)
    const next = await browser.follow(await browser.post(formAction(codesPage), { csrf: hiddenField(codesPage, 'csrf') }))
    return { key, codes, next }
  }

  /** Answers the challenge page with a TOTP code. */
  async function challenge(browser: Browser, page: Response, code: string) {
    assert.equal(new URL(page.url).pathname, '/u/mfa')
    const html = await page.text()
    return browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), action: 'otp', code })
  }

  describe('a user under LATCHKEY_MFA=always', () => {
    let user: UserRecord
    let key = ''
    let codes: string[] = []

    before(async () => {
      user = await addUser(server.store, { email: 'two-step@example.com' })
    })

    it('enrols at the first login before any code is issued, and the ID token says pwd, otp, mfa', async () => {
      const browser = new Browser(server.url)
      const { next, verifier } = await password(browser, user)
      // Before enrolling, "continue" does not get past the step.
      const html = await next.clone().text()
      const skip = await browser.post(next.url.replace('/u/mfa/enroll?', '/u/mfa/continue?'), { csrf: hiddenField(html, 'csrf') })
      assert.equal(skip.status, 400)
      const enrolled = await enrol(browser, next)
      ;({ key, codes } = enrolled)
      const tokens = await exchange(enrolled.next, verifier)
      const id = claims(tokens.id_token)
      assert.deepEqual([...(id.amr as string[])].sort(), ['mfa', 'otp', 'pwd'])
      assert.equal(id.acr, undefined, 'no acr unless acr_values asked')
      // A refresh keeps how the user logged in.
      const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: tokens.refresh_token as string })
      assert.deepEqual(claims(refreshed.json.id_token).amr, id.amr)
    })

    it('then every login asks for a code; a wrong or replayed code is refused, the next one passes', async () => {
      const browser = new Browser(server.url)
      const { next, verifier } = await password(browser, user)
      const wrong = await challenge(browser, next, '123456' === totpCode(key, server.clock.now()) ? '654321' : '123456')
      assert.equal(wrong.status, 400)
      assert.match(await wrong.text(), /not right/)
      // The enrolment spent this step's code: the same code again is a replay.
      const replay = await challenge(browser, await browser.get(next.url), totpCode(key, server.clock.now()))
      assert.equal(replay.status, 400)
      server.clock.advance(STEP_MS)
      const passed = await browser.follow(await challenge(browser, await browser.get(next.url), totpCode(key, server.clock.now())))
      const id = claims((await exchange(passed, verifier)).id_token)
      assert.ok((id.amr as string[]).includes('mfa'))
      const events = await server.store.logs.list({ userId: user.id })
      assert.ok(events.some((e) => e.type === 'gd_auth_failed') && events.some((e) => e.type === 'gd_auth_succeed') && events.some((e) => e.type === 'gd_enrollment_complete'))
    })

    it('a recovery code works once, and warns how many are left', async () => {
      const browser = new Browser(server.url)
      const { next, verifier } = await password(browser, user)
      const page = await browser.get(`${next.url}&method=recovery`)
      const html = await page.text()
      const used = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), action: 'recovery', recovery_code: (codes[0] as string).toLowerCase() })
      assert.equal(used.status, 200)
      const notice = await used.text()
      assert.match(notice, /9 recovery codes left/)
      const onward = await browser.follow(await browser.post(formAction(notice), { csrf: hiddenField(notice, 'csrf') }))
      assert.ok((claims((await exchange(onward, verifier)).id_token).amr as string[]).includes('mfa'))

      const again = new Browser(server.url)
      const second = await password(again, user)
      const page2 = await (await again.get(`${second.next.url}&method=recovery`)).text()
      const refused = await again.post(formAction(page2), { csrf: hiddenField(page2, 'csrf'), action: 'recovery', recovery_code: codes[0] as string })
      assert.equal(refused.status, 400)
      assert.match(await refused.text(), /already used/)
      assert.ok((await server.store.logs.list({ type: 'gd_recovery_succeed' })).some((e) => e.userId === user.id))
    })

    it('the steps answer only in order, in their own transaction, with their own form token', async () => {
      const browser = new Browser(server.url)
      const { next } = await password(browser, user)
      const html = await next.clone().text()
      // The challenge posted with another transaction's state, or no token, or to the enrolment step.
      const other = await password(new Browser(server.url), user)
      const foreign = await browser.post(other.next.url, { csrf: hiddenField(html, 'csrf') as string, action: 'otp', code: totpCode(key, server.clock.now() + STEP_MS) })
      assert.equal(foreign.status, 400)
      assert.equal((await browser.post(next.url, { action: 'otp', code: '123456' })).status, 400)
      const enrolInstead = await browser.post(next.url.replace('/u/mfa?', '/u/mfa/enroll?'), { csrf: hiddenField(html, 'csrf'), code: '123456' })
      assert.equal(enrolInstead.status, 400)
      assert.match(await enrolInstead.text(), /not part of your login at this point/)
      // Consent cannot be reached before the second factor either.
      const consent = await browser.post(next.url.replace('/u/mfa?', '/u/consent?'), { csrf: hiddenField(html, 'csrf'), action: 'accept' })
      assert.equal(consent.status, 400)
    })

    it('prompt=none with a second factor due answers interaction_required', async () => {
      const browser = new Browser(server.url)
      await password(browser, user)
      const { challenge: pkceChallenge } = pkce()
      const silent = callbackParams(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkceChallenge, extra: { prompt: 'none' } })))
      assert.equal(silent.get('error'), 'interaction_required')
    })
  })

  it('repeated wrong codes lock the second factor for a while; even a right code is refused then', async () => {
    const locked = await startTestServer({ env: { LATCHKEY_MFA: 'always', LATCHKEY_RATE_LIMITS: 'on' } })
    try {
      const { app: lockedApp } = await addApp(locked.store)
      const user = await addUser(locked.store, { email: 'locked@example.com' })
      const browser = new Browser(locked.url)
      const { challenge: c } = pkce()
      const login = await browser.follow(await browser.get(authorizeUrl(locked.issuer, { clientId: lockedApp.clientId, challenge: c })))
      const loginHtml = await login.text()
      const enrolPage = await browser.follow(await browser.post(formAction(loginHtml, '/u/login?'), { csrf: hiddenField(loginHtml, 'csrf'), username: user.email, password: PASSWORD }))
      const html = await enrolPage.text()
      const key = keyOf(html)
      const statuses: number[] = []
      for (let i = 0; i < 12; i++) statuses.push((await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), code: totpCode(key, locked.clock.now() - 10 * STEP_MS) })).status)
      assert.ok(statuses.includes(429), `locked after repeated failures: ${statuses.join(',')}`)
      const right = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), code: totpCode(key, locked.clock.now()) })
      assert.equal(right.status, 429)
      assert.match(await right.text(), /try again/i)
    } finally {
      await locked.close()
    }
  })
})

describe('step-up with acr_values, and per-application policy', () => {
  let server: TestServer
  let app: ApplicationRecord
  let strict: ApplicationRecord

  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_MFA: 'optional' } })
    ;({ app } = await addApp(server.store, { name: 'Optional SPA', grants: ['authorization_code', 'refresh_token'] }))
    ;({ app: strict } = await addApp(server.store, { name: 'Strict SPA' }))
    await server.store.applications.update(strict.clientId, { mfaPolicy: 'always' })
  })
  after(() => server.close())

  it('an SSO session without a second factor is asked for one when the app sends acr_values, and the tokens say acr', async () => {
    const user = await addUser(server.store, { email: 'step-up@example.com' })
    const browser = new Browser(server.url)
    let { verifier, challenge } = pkce()
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge })))
    const html = await page.text()
    const plain = await browser.follow(await browser.post(formAction(html, '/u/login?'), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }))
    const code = callbackParams(plain).get('code') as string
    const first = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.deepEqual(claims(first.json.id_token).amr, ['pwd'], 'optional, not enrolled: no second factor')

    ;({ verifier, challenge } = pkce())
    const stepUp = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { acr_values: ACR_MULTI_FACTOR } })))
    assert.equal(new URL(stepUp.url).pathname, '/u/mfa/enroll', 'inside the SSO session: straight to the second factor (enrolment here)')
    const enrolHtml = await stepUp.text()
    const key = keyOf(enrolHtml)
    const codesPage = await (await browser.post(formAction(enrolHtml), { csrf: hiddenField(enrolHtml, 'csrf'), code: totpCode(key, server.clock.now()) })).text()
    const done = await browser.follow(await browser.post(formAction(codesPage), { csrf: hiddenField(codesPage, 'csrf') }))
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code: callbackParams(done).get('code') as string, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    const id = claims(tokens.json.id_token)
    assert.equal(id.acr, ACR_MULTI_FACTOR)
    assert.ok((id.amr as string[]).includes('mfa'))

    // The session is multi-factor now: the next step-up passes without asking.
    ;({ challenge } = pkce())
    const again = await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { acr_values: ACR_MULTI_FACTOR } }))
    assert.ok(callbackParams(again).get('code'))
  })

  it("an application's own policy wins over the deployment's", async () => {
    const user = await addUser(server.store, { email: 'strict-app@example.com' })
    const browser = new Browser(server.url)
    const { challenge } = pkce()
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: strict.clientId, challenge })))
    const html = await page.text()
    const next = await browser.follow(await browser.post(formAction(html, '/u/login?'), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }))
    assert.equal(new URL(next.url).pathname, '/u/mfa/enroll')
    // The same session at the optional app: nothing asked (not enrolled).
    const { challenge: c2 } = pkce()
    assert.ok(callbackParams(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: c2 }))).get('code'))
  })
})
