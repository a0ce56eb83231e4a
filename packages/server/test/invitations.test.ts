/**
 * Invitations to organizations, through the real pages: the link the app receives, /authorize with
 * `invitation` and `organization`, an existing user logging in to accept, a new user signing up to
 * accept (sign-up being off for everyone else), the membership with the invitation's roles, and the
 * ticket spent once: used, expired, revoked or foreign tickets get a page, never a redirect, and
 * parallel acceptances let exactly one through.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, OrganizationRecord, UserRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'
import { sweep } from '../src/sweeper.js'
import { addOrganization, invite } from './support/organizations.js'

const NEW_PASSWORD = 'a brand new passphrase'

describe('invitations', () => {
  let server: TestServer
  let app: ApplicationRecord
  let org: OrganizationRecord

  before(async () => {
    server = await startTestServer()
    ;({ app } = await addApp(server.store, { name: 'Team App', organizationUsage: 'require' }))
    org = await addOrganization(server.store, { name: 'globex', displayName: 'Globex' })
  })
  after(() => server.close())

  /** What the app does with the link: reads `invitation` and `organization` and starts a login with them. */
  function startFromLink(link: string, browser = new Browser(server.url)) {
    const url = new URL(link)
    const { verifier, challenge } = pkce()
    const extra = { invitation: url.searchParams.get('invitation') as string, organization: url.searchParams.get('organization') as string }
    return { browser, verifier, open: async () => browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra }))) }
  }

  async function redeem(res: Response, verifier: string) {
    const code = callbackParams(res).get('code')
    assert.ok(code, `expected a code, got ${res.status} ${res.headers.get('location')}`)
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    return r.json
  }

  async function assertPage(res: Response, status: number, text: RegExp) {
    assert.equal(res.status, status)
    assert.equal(res.headers.get('location'), null, 'a page, not a redirect')
    assert.match(await res.text(), text)
  }

  it('the invitation link is the app\'s login URI (its first callback\'s origin) with invitation, organization and organization_name', async () => {
    const { url, ticket } = await invite(server.store, org, app, { email: 'link@example.com' })
    const link = new URL(url)
    assert.equal(`${link.origin}${link.pathname}`, 'http://localhost:8080/')
    assert.equal(link.searchParams.get('invitation'), ticket)
    assert.equal(link.searchParams.get('organization'), org.id)
    assert.equal(link.searchParams.get('organization_name'), 'globex')
  })

  it('an existing user accepts: the login page names the organization and the inviter, the email is fixed, and they become a member with the roles', async () => {
    const user = await addUser(server.store)
    const { url, id } = await invite(server.store, org, app, { email: user.email.toUpperCase(), roles: ['editor', 'viewer'] })
    const { browser, verifier, open } = startFromLink(url)
    const res = await open()
    assert.equal(new URL(res.url).pathname, '/u/login')
    const html = await res.text()
    assert.match(html, /<h1>Accept your invitation<\/h1>/)
    assert.match(html, /<strong>Ada Admin<\/strong> invited you to join <strong>Globex<\/strong>/)
    assert.match(html, new RegExp(`value="${user.email.replace(/[.+]/g, '\\$&')}" readonly`))
    // The login in progress keeps the invitation's id, never its ticket.
    const pending = await server.store.interactions.get(new URL(res.url).searchParams.get('state') as string, Date.now())
    assert.equal(pending?.request.invitation, id)
    assert.equal(JSON.stringify(pending).includes(new URL(url).searchParams.get('invitation') as string), false)

    const tokens = await redeem(await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD })), verifier)
    assert.equal(claims(tokens.id_token).org_id, org.id)
    assert.equal(claims(tokens.access_token).org_name, 'globex')
    assert.deepEqual((await server.store.organizations.getMember(org.id, user.id))?.roles, ['editor', 'viewer'])
    assert.notEqual((await server.store.invitations.get(id))?.consumedAt, null)
    const [accepted] = await server.store.logs.list({ type: 'invitation_accepted', userId: user.id })
    assert.equal(accepted?.details.invitation_id, id)
    assert.equal((await server.store.logs.count({ type: 'organization_member_added', userId: user.id })), 1)
  })

  it('only the invitee may accept: another account\'s credentials are refused and the ticket stays unused', async () => {
    const invitee = await addUser(server.store)
    const other = await addUser(server.store)
    const { url, id } = await invite(server.store, org, app, { email: invitee.email })
    const { browser, open } = startFromLink(url)
    const html = await (await open()).text()
    const res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: other.email, password: PASSWORD })
    assert.equal(res.status, 400)
    assert.match(await res.text(), new RegExp(`This invitation is for ${invitee.email.replace(/[.+]/g, '\\$&')}`))
    assert.equal((await server.store.invitations.get(id))?.consumedAt, null)
    assert.equal(await server.store.organizations.isMember(org.id, other.id), false)
  })

  it('a login through a connection the organization does not use is refused and leaves the invitation unspent', async () => {
    const invitee = await addUser(server.store)
    const closed = await addOrganization(server.store, { name: 'initech', displayName: 'Initech' })
    const { url, id } = await invite(server.store, closed, app, { email: invitee.email })
    const { browser, open } = startFromLink(url)
    const html = await (await open()).text()
    // The organization stops using the user database after the invitation was sent.
    const database = await server.store.connections.findByName('Username-Password-Authentication')
    await server.store.organizations.disableConnection(closed.id, database?.id as string)
    const res = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: invitee.email, password: PASSWORD }))
    assert.equal(res.status, 400)
    assert.equal((res.headers.get('location') ?? '').includes('code='), false, 'no code')
    assert.equal((await server.store.invitations.get(id))?.consumedAt, null)
    assert.equal(await server.store.organizations.isMember(closed.id, invitee.id), false)
  })

  it('a new user signs up through the invitation (sign-up being off otherwise) and lands in the organization', async () => {
    assert.equal(server.running.deps.config.signup, false)
    const email = `new-${Date.now()}@example.com`
    const { url, id } = await invite(server.store, org, app, { email, roles: ['viewer'] })
    const { browser, verifier, open } = startFromLink(url)
    let res = await open()
    assert.equal(new URL(res.url).pathname, '/u/signup')
    let html = await res.text()
    assert.match(html, /Create your account to accept/)
    assert.match(html, new RegExp(`value="${email}" readonly`))

    // The password policy applies, and a refused attempt spends nothing.
    res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email, password: 'short' })
    assert.equal(res.status, 400)
    html = await res.text()
    assert.match(html, /Password must be at least 8 characters/)
    assert.equal((await server.store.invitations.get(id))?.consumedAt, null)
    assert.equal(await server.store.users.findByEmail(email), null)

    // The address is the invitee's, whatever the form says.
    res = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email: 'someone-else@example.com', password: NEW_PASSWORD }))
    const tokens = await redeem(res, verifier)
    const user = (await server.store.users.findByEmail(email)) as UserRecord
    assert.ok(user, 'the account was created for the invitee')
    assert.equal(await server.store.users.findByEmail('someone-else@example.com'), null)
    assert.equal(claims(tokens.id_token).sub, user.id)
    assert.equal(claims(tokens.id_token).org_id, org.id)
    assert.deepEqual((await server.store.organizations.getMember(org.id, user.id))?.roles, ['viewer'])
    assert.equal(await server.store.logs.count({ type: 'ss', userId: user.id }), 1)
    assert.equal(await server.store.logs.count({ type: 'invitation_accepted', userId: user.id }), 1)
  })

  describe('tickets that cannot be used get a clear page, not a redirect', () => {
    it('a used ticket', async () => {
      const user = await addUser(server.store)
      const { url } = await invite(server.store, org, app, { email: user.email })
      const first = startFromLink(url)
      const html = await (await first.open()).text()
      await redeem(await first.browser.follow(await first.browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD })), first.verifier)
      await assertPage(await startFromLink(url).open(), 400, /This invitation has already been accepted\. Log in to Globex from the application instead\./)
    })

    it('an expired ticket', async () => {
      const { url } = await invite(server.store, org, app, { email: 'late@example.com', ttlSeconds: 60 }, Date.now() - 120_000)
      await assertPage(await startFromLink(url).open(), 400, /This invitation has expired\. Ask Ada Admin for a new one\./)
    })

    it('a ticket of another organization, of another app, or one that does not exist', async () => {
      const other = await addOrganization(server.store)
      const { app: otherApp } = await addApp(server.store, { organizationUsage: 'allow' })
      const { ticket } = await invite(server.store, org, app, { email: 'wrong@example.com' })
      const { ticket: otherAppTicket } = await invite(server.store, org, otherApp, { email: 'wrong@example.com' })
      const links = [
        `http://localhost:8080/?invitation=${ticket}&organization=${other.id}`,
        `http://localhost:8080/?invitation=${otherAppTicket}&organization=${org.id}`,
        `http://localhost:8080/?invitation=${'A'.repeat(32)}&organization=${org.id}`,
        `http://localhost:8080/?invitation=%3Cscript%3E&organization=${org.id}`,
      ]
      for (const link of links) await assertPage(await startFromLink(link).open(), 400, /This invitation link is not valid\. Ask the person who invited you for a new one\./)
    })

    it('a ticket revoked while the invitee was on the login page', async () => {
      const user = await addUser(server.store)
      const { url, id } = await invite(server.store, org, app, { email: user.email })
      const { browser, open } = startFromLink(url)
      const html = await (await open()).text()
      await server.store.invitations.delete(id)
      await assertPage(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }), 400, /already been accepted, has expired or was revoked/)
      assert.equal(await server.store.organizations.isMember(org.id, user.id), false)
    })
  })

  describe('a ticket is spent once, under parallel acceptance', () => {
    it('an existing user: of five browsers accepting at once, one gets a code and four a page', async () => {
      const user = await addUser(server.store)
      const { url } = await invite(server.store, org, app, { email: user.email, roles: ['r'] })
      const tabs = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const start = startFromLink(url)
          return { ...start, html: await (await start.open()).text() }
        }),
      )
      const answers = await Promise.all(tabs.map((t) => t.browser.post(formAction(t.html), { csrf: hiddenField(t.html, 'csrf'), username: user.email, password: PASSWORD })))
      const codes = answers.filter((r) => r.status === 303 && new URL(r.headers.get('location') as string, server.url).origin === 'http://localhost:8080')
      assert.equal(codes.length, 1, answers.map((r) => `${r.status} ${r.headers.get('location')}`).join('\n'))
      assert.equal(answers.filter((r) => r.status === 400).length, 4)
      assert.equal(await server.store.logs.count({ type: 'invitation_accepted', userId: user.id }), 1)
    })

    it('a new user: of five browsers signing up at once, one account is created and joins', async () => {
      const email = `parallel-${Date.now()}@example.com`
      const { url } = await invite(server.store, org, app, { email })
      const tabs = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const start = startFromLink(url)
          return { ...start, html: await (await start.open()).text() }
        }),
      )
      const answers = await Promise.all(tabs.map((t) => t.browser.post(formAction(t.html), { csrf: hiddenField(t.html, 'csrf'), email, password: NEW_PASSWORD })))
      assert.equal(answers.filter((r) => r.status === 303).length, 1, answers.map((r) => `${r.status}`).join(','))
      assert.equal(answers.filter((r) => r.status === 400).length, 4)
      const user = await server.store.users.findByEmail(email)
      assert.ok(user)
      assert.equal(await server.store.organizations.isMember(org.id, user.id), true)
    })
  })

  it('the sweeper removes invitations 30 days after they were used or expired, and keeps pending ones', async () => {
    const now = Date.now()
    const expired = await invite(server.store, org, app, { email: 'sweep-expired@example.com', ttlSeconds: 60 }, now - 31 * 86_400_000)
    const used = await invite(server.store, org, app, { email: 'sweep-used@example.com' }, now - 32 * 86_400_000)
    await server.store.invitations.consume(used.id, now - 31 * 86_400_000)
    const pending = await invite(server.store, org, app, { email: 'sweep-pending@example.com' })
    const recent = await invite(server.store, org, app, { email: 'sweep-recent@example.com', ttlSeconds: 60 }, now - 86_400_000)
    assert.ok((await sweep(server.store, now)).invitations >= 2)
    assert.equal(await server.store.invitations.get(expired.id), null)
    assert.equal(await server.store.invitations.get(used.id), null)
    assert.notEqual(await server.store.invitations.get(pending.id), null)
    assert.notEqual(await server.store.invitations.get(recent.id), null, 'expired a day ago: its link still says so')
  })

  it('an invitee with an SSO session still confirms with a password before the invitation is accepted', async () => {
    const user = await addUser(server.store)
    const other = await addOrganization(server.store)
    await server.store.organizations.addMember(other.id, user.id, [], Date.now())
    const { browser } = startFromLink(`http://localhost:8080/?invitation=x&organization=${other.id}`)
    let res = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge, extra: { organization: other.id } })))
    let html = await res.text()
    res = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }))
    assert.ok(callbackParams(res).get('code'), 'logged in, with a session')
    const { url } = await invite(server.store, org, app, { email: user.email })
    res = await startFromLink(url, browser).open()
    assert.equal(new URL(res.url).pathname, '/u/login')
    html = await res.text()
    assert.match(html, /Accept your invitation/)
  })
})
