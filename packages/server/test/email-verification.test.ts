/**
 * Email verification, end to end against a real SMTP server in the test process:
 *
 * - sign-up on the page (/u/signup) and through Auth0's `POST /dbconnections/signup` (its request and
 *   answer shapes, its errors) sends the verification email; its single-use link sets
 *   `email_verified`, which the next ID token says;
 * - a spent or forged link is a 4xx page and changes nothing;
 * - Auth0's ManagementClient: `tickets.verifyEmail` / `tickets.changePassword` answer a link,
 *   `jobs.verifyEmail` and `users.create` (verify_email by default) send the email.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, createClientGrant } from '@latchkey/core'
import { AuthenticationClient, ManagementClient } from 'auth0'
import { managementScopes } from '../src/management/system-api.js'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, loginThrough, pkce } from './support/browser.js'
import { addApp, startTestServer, type TestServer } from './support/harness.js'
import { linkIn, TestSmtpServer } from './support/smtp.js'
import { claims, tokenRequest } from './support/oauth.js'
import { proxyGlobalFetch } from './support/tls-proxy.js'

const PASSWORD = 'a long enough password'

describe('email verification', () => {
  let mailbox: TestSmtpServer
  let server: TestServer
  let app: ApplicationRecord

  before(async () => {
    mailbox = await TestSmtpServer.start()
    server = await startTestServer({ env: { LATCHKEY_SMTP_URL: mailbox.url, LATCHKEY_SIGNUP: 'on' } })
    ;({ app } = await addApp(server.store, { name: 'Verify SPA' }))
  })
  after(async () => {
    await server.close()
    await mailbox.stop()
  })

  async function idTokenOf(email: string): Promise<Record<string, unknown>> {
    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    const res = await loginThrough(browser, authorizeUrl(server.issuer, { clientId: app.clientId, challenge }), email, PASSWORD)
    const code = callbackParams(res).get('code') as string
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    return claims(tokens.json.id_token)
  }

  it('sign-up on the page sends the verification email; its link verifies the address, once', async () => {
    const browser = new Browser(server.url)
    const { challenge } = pkce()
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { screen_hint: 'signup' } })))
    const html = await page.text()
    const done = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email: 'new@example.com', password: PASSWORD })
    assert.ok(callbackParams(await browser.follow(done)).get('code'), 'signed up and logged in')
    assert.equal((await idTokenOf('new@example.com')).email_verified, false)

    const mail = await mailbox.next('new@example.com')
    assert.match(mail.subject, /verify/i)
    const link = linkIn(mail, `${server.issuer}u/email-verification?ticket=`)
    const verified = await fetch(link)
    assert.equal(verified.status, 200)
    assert.match(await verified.text(), /is now verified/)
    assert.equal((await idTokenOf('new@example.com')).email_verified, true)
    assert.equal((await fetch(link)).status, 400, 'the link works once')
    const events = await server.store.logs.list({ type: ['svr', 'sv'] })
    assert.deepEqual(new Set(events.map((e) => e.type)), new Set(['svr', 'sv']))
  })

  it('a forged or malformed link is a 4xx page', async () => {
    for (const ticket of ['A'.repeat(43), 'x', '']) assert.equal((await fetch(`${server.issuer}u/email-verification?ticket=${ticket}`)).status, 400)
  })

  describe("Auth0's POST /dbconnections/signup", () => {
    const signup = (body: Record<string, unknown>) =>
      fetch(`${server.url}dbconnections/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const base = () => ({ client_id: app.clientId, connection: 'Username-Password-Authentication', password: PASSWORD })

    it('creates the user, answers its shape, and sends the verification email', async () => {
      const res = await signup({ ...base(), email: 'Api.Signup@Example.com', given_name: 'Ada', user_metadata: { plan: 'free' } })
      assert.equal(res.status, 200)
      const body = await res.json()
      assert.equal(body.email, 'api.signup@example.com')
      assert.equal(body.email_verified, false)
      assert.equal(body.given_name, 'Ada')
      assert.deepEqual(body.user_metadata, { plan: 'free' })
      assert.match(body._id, /^[0-9a-f]{24}$/)
      assert.ok(await server.store.users.get(`auth0|${body._id}`))
      const link = linkIn(await mailbox.next('api.signup@example.com'), `${server.issuer}u/email-verification?ticket=`)
      assert.equal((await fetch(link)).status, 200)
      assert.equal((await server.store.users.get(`auth0|${body._id}`))?.emailVerified, true)
    })

    it("answers Auth0's errors: a taken address, a weak password, a wrong connection, a malformed body", async () => {
      const taken = await signup({ ...base(), email: 'api.signup@example.com' })
      assert.equal(taken.status, 400)
      assert.deepEqual(await taken.json(), { name: 'BadRequestError', code: 'invalid_signup', description: 'Invalid sign up', statusCode: 400 })
      const weak = await signup({ ...base(), email: 'weak@example.com', password: 'short' })
      assert.equal(weak.status, 400)
      const weakBody = await weak.json()
      assert.equal(weakBody.name, 'PasswordStrengthError')
      assert.equal(weakBody.code, 'invalid_password')
      assert.equal(weakBody.description.rules[0].code, 'lengthAtLeast')
      const wrong = await signup({ ...base(), email: 'w@example.com', connection: 'github' })
      assert.equal((await wrong.json()).code, 'connection_not_found')
      const metadata = await signup({ ...base(), email: 'm@example.com', user_metadata: { nested: { no: 1 } } })
      assert.equal(metadata.status, 400)
      const broken = await fetch(`${server.url}dbconnections/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2' })
      assert.equal(broken.status, 400)
      assert.equal(await server.store.users.findByEmail('weak@example.com'), null)
    })

    it('is refused when sign-up is off', async () => {
      const closed = await startTestServer()
      try {
        const { app: other } = await addApp(closed.store)
        const res = await fetch(`${closed.url}dbconnections/signup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_id: other.clientId, connection: 'Username-Password-Authentication', email: 'x@example.com', password: PASSWORD }),
        })
        assert.equal(res.status, 403)
        assert.equal((await res.json()).code, 'operation_not_allowed')
      } finally {
        await closed.close()
      }
    })
  })
})

describe("tickets and the verification job through Auth0's ManagementClient", () => {
  const DOMAIN = 'latchkey.test'
  const ISSUER = `https://${DOMAIN}/`
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-tickets-'))
  let mailbox: TestSmtpServer
  let server: TestServer
  let management: ManagementClient
  let restoreFetch: () => void

  before(async () => {
    mailbox = await TestSmtpServer.start()
    server = await startTestServer({ issuer: ISSUER, db: `sqlite:${join(dir, 'latchkey.db')}`, env: { LATCHKEY_SMTP_URL: mailbox.url, LATCHKEY_SIGNUP: 'on' } })
    const audience = `${ISSUER}api/v2/`
    const { app, secret } = await addApp(server.store, { name: 'Automation', type: 'm2m', grants: ['client_credentials'] })
    const api = await server.store.apis.findByIdentifier(audience)
    await server.store.clientGrants.insert(createClientGrant({ clientId: app.clientId, audience, scope: managementScopes().map((s) => s.value) }, { application: app, api }, Date.now()))
    restoreFetch = proxyGlobalFetch(ISSUER, server.url)
    management = new ManagementClient({ domain: DOMAIN, clientId: app.clientId, clientSecret: secret as string })
  })
  after(async () => {
    restoreFetch()
    await server.close()
    await mailbox.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('users.create sends the verification email by default; verify_email: false sends none', async () => {
    const quiet = await management.users.create({ connection: 'Username-Password-Authentication', email: 'quiet@example.com', password: PASSWORD, verify_email: false })
    const user = await management.users.create({ connection: 'Username-Password-Authentication', email: 'managed@example.com', password: PASSWORD })
    const link = linkIn(await mailbox.next('managed@example.com'), `${ISSUER}u/email-verification?ticket=`)
    assert.equal((await fetch(link)).status, 200)
    assert.equal((await management.users.get(user.user_id as string)).email_verified, true)
    assert.equal(mailbox.sentTo('quiet@example.com'), false)
    assert.equal((await management.users.get(quiet.user_id as string)).email_verified, false)
  })

  it("Auth0's AuthenticationClient: database.signUp and database.changePassword, unchanged", async () => {
    const { app: spaApp } = await addApp(server.store, { name: 'SDK SPA' })
    const auth = new AuthenticationClient({ domain: DOMAIN, clientId: spaApp.clientId })
    const created = await auth.database.signUp({ email: 'sdk@example.com', password: PASSWORD, connection: 'Username-Password-Authentication' })
    assert.equal(created.data.email, 'sdk@example.com')
    assert.equal(created.data.email_verified, false)
    assert.ok(linkIn(await mailbox.next('sdk@example.com'), `${ISSUER}u/email-verification?ticket=`))
    const asked = await auth.database.changePassword({ email: 'sdk@example.com', connection: 'Username-Password-Authentication' })
    assert.equal(asked.data, "We've just sent you an email to reset your password.")
    const reset = await mailbox.next('sdk@example.com', (m) => /password/i.test(m.subject))
    assert.equal((await fetch(linkIn(reset, `${ISSUER}u/reset-password?ticket=`))).status, 200)
  })

  it('organizations.invitations.create emails the invitation by default (user_invitation), not with send_invitation_email: false', async () => {
    const { app: teamApp } = await addApp(server.store, { name: 'Team SPA', organizationUsage: 'allow' })
    const org = await management.organizations.create({ name: 'acme-team', display_name: 'Acme Team' })
    const invitation = await management.organizations.invitations.create(org.id as string, { inviter: { name: 'Ada Admin' }, invitee: { email: 'joiner@example.com' }, client_id: teamApp.clientId })
    const mail = await mailbox.next('joiner@example.com')
    assert.match(mail.text, /Ada Admin/)
    assert.match(mail.text, /Acme Team/)
    assert.ok(mail.text.includes(invitation.invitation_url as string), 'the email carries the invitation link')
    await management.organizations.invitations.create(org.id as string, { inviter: { name: 'Ada Admin' }, invitee: { email: 'silent@example.com' }, client_id: teamApp.clientId, send_invitation_email: false })
    await management.organizations.invitations.create(org.id as string, { inviter: { name: 'Ada Admin' }, invitee: { email: 'loud@example.com' }, client_id: teamApp.clientId })
    await mailbox.next('loud@example.com')
    assert.equal(mailbox.sentTo('silent@example.com'), false)
  })

  it('tickets.verifyEmail and tickets.changePassword answer single-use links; jobs.verifyEmail sends the email', async () => {
    const user = await management.users.create({ connection: 'Username-Password-Authentication', email: 'ticketed@example.com', password: PASSWORD, verify_email: false })
    const verify = await management.tickets.verifyEmail({ user_id: user.user_id as string, result_url: 'https://app.example.com/welcome' })
    assert.match(verify.ticket as string, /^https:\/\/latchkey\.test\/u\/email-verification\?ticket=[A-Za-z0-9_-]{43}$/)
    const page = await fetch(verify.ticket as string)
    assert.equal(page.status, 200)
    assert.match(await page.text(), /href="https:\/\/app\.example\.com\/welcome"/)

    const change = await management.tickets.changePassword({ user_id: user.user_id as string })
    const form = await fetch(change.ticket as string)
    assert.equal(form.status, 200)
    assert.match(await form.text(), /Choose a new password/)

    await management.users.update(user.user_id as string, { email: 'ticketed2@example.com', verify_email: true })
    assert.ok(linkIn(await mailbox.next('ticketed2@example.com'), `${ISSUER}u/email-verification?ticket=`))
    const job = await management.jobs.verificationEmail.create({ user_id: user.user_id as string })
    assert.equal(job.type, 'verification_email')
    assert.match(job.id as string, /^job_/)
    assert.ok(linkIn(await mailbox.next('ticketed2@example.com'), `${ISSUER}u/email-verification?ticket=`))
  })
})

describe('LATCHKEY_EMAIL_VERIFICATION=required and LATCHKEY_WELCOME_EMAIL=on', () => {
  let mailbox: TestSmtpServer
  let server: TestServer
  let app: ApplicationRecord

  before(async () => {
    mailbox = await TestSmtpServer.start()
    server = await startTestServer({ env: { LATCHKEY_SMTP_URL: mailbox.url, LATCHKEY_SIGNUP: 'on', LATCHKEY_EMAIL_VERIFICATION: 'required', LATCHKEY_WELCOME_EMAIL: 'on' } })
    ;({ app } = await addApp(server.store, { name: 'Strict SPA' }))
  })
  after(async () => {
    await server.close()
    await mailbox.stop()
  })

  async function login(email: string) {
    const { challenge } = pkce()
    return callbackParams(await loginThrough(new Browser(server.url), authorizeUrl(server.issuer, { clientId: app.clientId, challenge }), email, PASSWORD))
  }

  it('a sign-up is welcomed and sent the verification link, but gets no code until the address is verified', async () => {
    const browser = new Browser(server.url)
    const { challenge } = pkce()
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { screen_hint: 'signup' } })))
    const html = await page.text()
    const signedUp = callbackParams(await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email: 'strict@example.com', password: PASSWORD })))
    assert.equal(signedUp.get('code'), null)
    assert.equal(signedUp.get('error'), 'access_denied')
    assert.match(signedUp.get('error_description') ?? '', /verify your email/)
    assert.match((await mailbox.next('strict@example.com', (m) => /welcome/i.test(m.subject))).text, /Strict SPA/)

    const link = linkIn(await mailbox.next('strict@example.com', (m) => /verify/i.test(m.subject)), `${server.issuer}u/email-verification?ticket=`)
    const beforeVerifying = await login('strict@example.com')
    assert.equal(beforeVerifying.get('error'), 'access_denied', 'a password login is refused too, and sends a new link')
    assert.ok(linkIn(await mailbox.next('strict@example.com', (m) => /verify/i.test(m.subject)), `${server.issuer}u/email-verification?ticket=`))

    assert.equal((await fetch(link)).status, 200)
    assert.ok((await login('strict@example.com')).get('code'), 'verified: the login completes')
  })
})
