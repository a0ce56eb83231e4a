/**
 * Password reset by email, end to end against a real SMTP server in the test process:
 *
 * - from the login page: "Forgot your password?" → the address → the same answer whether or not it
 *   has an account → the email's single-use link → a new password under the policy → the old
 *   password fails, the new one works, the user's refresh tokens and sessions are dead, and a
 *   "password changed" email follows; the link works once;
 * - Auth0's `POST /dbconnections/change_password` (its request shape, its one answer);
 * - a spent, expired or forged link gets a 4xx page and changes nothing;
 * - the request pages belong to the login step of their own transaction.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, loginThrough, pkce } from './support/browser.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { linkIn, TestSmtpServer } from './support/smtp.js'
import { tokenRequest } from './support/oauth.js'

const NEW_PASSWORD = 'a brand new passphrase'

describe('password reset by email', () => {
  let mailbox: TestSmtpServer
  let server: TestServer
  let app: ApplicationRecord

  before(async () => {
    mailbox = await TestSmtpServer.start()
    server = await startTestServer({ env: { LATCHKEY_SMTP_URL: mailbox.url, LATCHKEY_EMAIL_FROM: 'Latchkey <no-reply@latchkey.test>' } })
    ;({ app } = await addApp(server.store, { name: 'Reset SPA', grants: ['authorization_code', 'refresh_token'] }))
  })
  after(async () => {
    await server.close()
    await mailbox.stop()
  })

  /** A login with the password; returns the browser and a refresh token. */
  async function logIn(email: string, password: string) {
    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    const res = await loginThrough(browser, authorizeUrl(server.issuer, { clientId: app.clientId, challenge, scope: 'openid email offline_access' }), email, password)
    const code = res.status >= 300 && res.status < 400 ? callbackParams(res).get('code') : null
    if (!code) return { ok: false as const, browser }
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(tokens.status, 200)
    return { ok: true as const, browser, refreshToken: tokens.json.refresh_token as string }
  }

  /** From a fresh /authorize to the "Forgot your password?" page: its URL and HTML. */
  async function forgotPage(browser = new Browser(server.url)) {
    const { challenge } = pkce()
    const login = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge })))
    const html = await login.text()
    const link = /href="(\/u\/reset-password\/request\?state=[^"]+)"/.exec(html)?.[1]
    assert.ok(link, 'the login page links to "Forgot your password?"')
    const page = await browser.get(link.replace(/&amp;/g, '&'))
    assert.equal(page.status, 200)
    return { browser, url: page.url, html: await page.text() }
  }

  async function askForReset(email: string) {
    const { browser, html } = await forgotPage()
    const res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email })
    assert.equal(res.status, 200)
    return res.text()
  }

  describe('from the login page', () => {
    let user: UserRecord
    let refreshToken: string
    let link: string

    before(async () => {
      user = await addUser(server.store, { email: 'forgetful@example.com' })
      const first = await logIn(user.email, PASSWORD)
      assert.ok(first.ok)
      refreshToken = first.refreshToken
    })

    it('answers the same for an address with and without an account, and emails only the account', async () => {
      const unknown = await askForReset('nobody@example.com')
      const known = await askForReset(user.email)
      const same = (html: string, email: string) => html.replace(email, 'X').replace(/state=[\w-]+/g, 'state=S')
      assert.equal(same(unknown, 'nobody@example.com'), same(known, user.email))
      assert.match(known, /Check your email/)
      const mail = await mailbox.next(user.email)
      // Queued inside the request's transaction, delivered by a round outside it (not refused by the store's transaction guard).
      assert.equal(server.logs.filter((l) => l.includes('outbox round failed')).length, 0)
      assert.match(mail.subject, /password/i)
      assert.match(mail.from, /no-reply@latchkey\.test/)
      link = linkIn(mail, `${server.issuer}u/reset-password?ticket=`)
      assert.match(mail.html, /reset-password\?ticket=/)
      assert.equal(mailbox.sentTo('nobody@example.com'), false)
      const events = await server.store.logs.list({ type: ['scpr', 'fcpr'] })
      assert.ok(events.some((e) => e.type === 'scpr' && e.userId === user.id))
      assert.ok(events.some((e) => e.type === 'fcpr' && e.details.user_name === 'nobody@example.com'))
    })

    it('the link opens the new-password form; mismatched or too short passwords are refused and the link still works', async () => {
      const browser = new Browser(server.url)
      const page = await browser.get(link)
      assert.equal(page.status, 200)
      const html = await page.text()
      assert.match(html, /Choose a new password/)
      const mismatch = await browser.post(formAction(html), { password: NEW_PASSWORD, password_confirm: 'something else entirely' })
      assert.equal(mismatch.status, 400)
      const short = await browser.post(formAction(html), { password: 'short', password_confirm: 'short' })
      assert.equal(short.status, 400)
      assert.match(await short.text(), /at least 8 characters/)
      assert.equal((await browser.get(link)).status, 200, 'the link is still usable')
    })

    it('a new password: the old one fails, the new one works, refresh tokens are dead, and a notice is emailed', async () => {
      const browser = new Browser(server.url)
      const html = await (await browser.get(link)).text()
      const done = await browser.post(formAction(html), { password: NEW_PASSWORD, password_confirm: NEW_PASSWORD })
      assert.equal(done.status, 200)
      const changed = await done.text()
      assert.match(changed, /Your password has been changed/)
      assert.match(changed, /href="\/u\/login\?state=[\w-]+"/, 'on to the login it was asked from')

      assert.equal((await logIn(user.email, PASSWORD)).ok, false, 'the old password no longer works')
      assert.equal((await logIn(user.email, NEW_PASSWORD)).ok, true, 'the new one does')
      const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken })
      assert.ok([400, 403].includes(refreshed.status), String(refreshed.status))
      assert.equal(refreshed.json.error, 'invalid_grant')
      const notice = await mailbox.next(user.email)
      assert.match(notice.subject, /changed/i)
      assert.ok(!/ticket=/.test(notice.text), 'the notice carries no link to act on')
      assert.ok((await server.store.logs.list({ type: 'scp' })).some((e) => e.userId === user.id))
    })

    it('the link works once: afterwards it is a 4xx page and changes nothing', async () => {
      const browser = new Browser(server.url)
      const page = await browser.get(link)
      assert.equal(page.status, 400)
      assert.match(await page.text(), /expired or was already used/)
      const post = await browser.post(link, { password: 'yet another password', password_confirm: 'yet another password' })
      assert.equal(post.status, 400)
      assert.equal((await logIn(user.email, NEW_PASSWORD)).ok, true)
    })
  })

  it('the mail server down when the reset is asked for: the email arrives once it is back, once', async () => {
    const user = await addUser(server.store, { email: 'patient@example.com' })
    await mailbox.stop()
    try {
      await askForReset(user.email)
      await server.running.outbox.runOnce()
      const [queued] = await server.store.outbox.list({ status: 'pending' })
      assert.equal(queued?.to, user.email)
      assert.ok((queued?.attempts ?? 0) >= 1 && queued?.lastError, 'tried, failed, waiting to retry')
    } finally {
      await mailbox.listen()
    }
    server.clock.advance(31 * 60_000)
    try {
      await server.running.outbox.runOnce()
      const mail = await mailbox.next(user.email)
      assert.ok(linkIn(mail, `${server.issuer}u/reset-password?ticket=`))
      server.clock.advance(60 * 60_000)
      await server.running.outbox.runOnce()
      assert.equal(mailbox.received.filter((m) => m.to.includes(user.email)).length, 1, 'once')
    } finally {
      server.clock.advance(-91 * 60_000)
    }
  })

  it('a forged or malformed ticket is a 4xx page; an expired one too', async () => {
    const browser = new Browser(server.url)
    for (const ticket of ['A'.repeat(43), 'not-a-ticket', '', `${'B'.repeat(43)}&ticket=${'C'.repeat(43)}`]) {
      const res = await browser.get(`${server.issuer}u/reset-password?ticket=${ticket}`)
      assert.equal(res.status, 400, ticket)
    }
    const user = await addUser(server.store, { email: 'slow@example.com' })
    await askForReset(user.email)
    const link = linkIn(await mailbox.next(user.email), `${server.issuer}u/reset-password?ticket=`)
    server.clock.advance(25 * 3600_000)
    try {
      assert.equal((await browser.get(link)).status, 400)
      const html = await (await browser.get(link)).text()
      assert.match(html, /expired/)
    } finally {
      server.clock.advance(-25 * 3600_000)
    }
  })

  it('the request page answers only at the login step of its own transaction, with its form token', async () => {
    const { browser, url, html } = await forgotPage()
    assert.equal((await new Browser(server.url).get(url)).status, 400, 'another browser')
    assert.equal((await browser.post(url, { email: 'x@example.com' })).status, 400, 'no form token')
    const bad = await browser.post(url, { csrf: hiddenField(html, 'csrf'), email: 'not an address' })
    assert.equal(bad.status, 400)
  })

  it("Auth0's POST /dbconnections/change_password: one answer, whether or not the address has an account", async () => {
    const user = await addUser(server.store, { email: 'api-reset@example.com' })
    const ask = (body: Record<string, unknown>, type = 'application/json') =>
      fetch(`${server.url}dbconnections/change_password`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: type === 'application/json' ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString(),
      })
    const known = await ask({ client_id: app.clientId, email: user.email, connection: 'Username-Password-Authentication' })
    const unknown = await ask({ client_id: app.clientId, email: 'ghost@example.com', connection: 'Username-Password-Authentication' }, 'application/x-www-form-urlencoded')
    assert.equal(known.status, 200)
    assert.equal(unknown.status, 200)
    assert.equal(await known.text(), "We've just sent you an email to reset your password.")
    assert.equal(await unknown.text(), "We've just sent you an email to reset your password.")
    const mail = await mailbox.next(user.email)
    assert.ok(linkIn(mail, `${server.issuer}u/reset-password?ticket=`))

    const wrongConnection = await ask({ client_id: app.clientId, email: user.email, connection: 'github' })
    assert.equal(wrongConnection.status, 400)
    assert.equal((await wrongConnection.json()).code, 'connection_not_found')
    const unknownClient = await ask({ client_id: 'nope', email: user.email, connection: 'Username-Password-Authentication' })
    assert.equal(unknownClient.status, 400)
    const malformed = await fetch(`${server.url}dbconnections/change_password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' })
    assert.equal(malformed.status, 400)
    const wrongTypes = await ask({ client_id: app.clientId, email: ['a@b.c'], connection: 'Username-Password-Authentication' })
    assert.equal(wrongTypes.status, 400)
  })
})
