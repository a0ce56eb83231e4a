/**
 * Logging in through an upstream connection, end to end: a real OpenID provider (oidc-provider) as
 * the upstream of a real Latchkey, driven like a browser. `connection=` at /authorize and the login
 * page's button; the same upstream account is always the same user; the upstream step of the login
 * state machine (a callback answers once, only in the browser that started it); each failure ends
 * safely (denial → access_denied to the app; a failed check → a 4xx page, no code).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, type ConnectionRecord, createConnection } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addConnection, oidcOptions } from './support/connections.js'
import { addApp, startTestServer, type TestServer } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'
import { addOrganization, invite } from './support/organizations.js'
import { ALICE, BASIC_CLIENT, type OidcUpstream, startOidcUpstream } from './support/upstreams/oidc-provider.js'

describe('login through an upstream OpenID provider', () => {
  let server: TestServer
  let upstream: OidcUpstream
  let app: ApplicationRecord
  let connection: ConnectionRecord

  before(async () => {
    server = await startTestServer()
    upstream = await startOidcUpstream([ALICE], `${server.issuer}login/callback`)
    ;({ app } = await addApp(server.store, { name: 'SSO SPA' }))
    connection = await addConnection(server, { name: 'acme-oidc', displayName: 'Acme SSO', strategy: 'oidc', options: oidcOptions(upstream.issuer, BASIC_CLIENT), enabledClients: [app.clientId] })
  })
  after(async () => {
    await server.close()
    await upstream.close()
  })

  /** Through /authorize to the provider's authorization URL. */
  async function toProvider(browser: Browser, extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkce()
    let res = await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra }))
    for (let i = 0; i < 5 && res.status >= 300 && res.status < 400; i++) {
      const location = new URL(res.headers.get('location') as string, server.url)
      if (location.origin === upstream.issuer) return { verifier, providerUrl: location.href }
      res = await browser.get(location.href)
    }
    throw new Error(`did not reach the provider: ${res.status} ${res.url}`)
  }

  async function enableForOrg(orgId: string, connectionId: string, assignMembershipOnLogin = false, showAsButton = true) {
    assert.equal(await server.store.organizations.enableConnection(orgId, { connectionId, assignMembershipOnLogin, showAsButton }, Date.now()), true)
  }

  /** An app that uses organizations, with the OIDC connection (and the database connection) enabled. */
  async function orgApp(name: string) {
    const { app: client } = await addApp(server.store, { name, organizationUsage: 'allow' })
    await server.store.connections.setEnabled(connection.id, client.clientId, true)
    return client
  }

  /** Alice through the provider to the end of the login, in a new browser, to `organization` of `client`. */
  async function aliceTo(client: ApplicationRecord, organization: string) {
    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    let res = await browser.get(authorizeUrl(server.issuer, { clientId: client.clientId, challenge, extra: { organization, connection: 'acme-oidc' } }))
    for (let i = 0; i < 5 && !res.headers.get('location')?.startsWith(upstream.issuer); i++) res = await browser.get(res.headers.get('location') as string)
    const back = await upstream.loginThrough(res.headers.get('location') as string, ALICE)
    return { res: await browser.get(back.href), verifier }
  }

  async function exchange(res: Response, verifier: string) {
    const code = callbackParams(res).get('code')
    assert.ok(code, `no code: ${res.headers.get('location')}`)
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    return r.json
  }

  it('connection= goes straight to the provider; the callback logs the user in with Auth0\'s id shape and profile', async () => {
    const browser = new Browser(server.url)
    const { verifier, providerUrl } = await toProvider(browser, { connection: 'acme-oidc' })
    const back = await upstream.loginThrough(providerUrl, ALICE)
    assert.equal(back.origin + back.pathname, `${server.issuer}login/callback`)
    const res = await browser.get(back.href)
    const tokens = await exchange(res, verifier)
    const id = claims(tokens.id_token)
    assert.equal(id.sub, `oidc|acme-oidc|${ALICE.sub}`)
    assert.equal(id.email, ALICE.claims.email)
    assert.equal(id.name, ALICE.claims.name)
    const user = await server.store.users.get(id.sub as string)
    assert.equal(user?.connection, 'acme-oidc')
    assert.equal(user?.passwordHash, null)
    const identities = await server.store.identities.listForUser(id.sub as string)
    assert.deepEqual(identities.map((i) => [i.provider, i.connectionId, i.isSocial]), [['oidc', connection.id, false]])
  })

  it("the login page's button does the same, and the same upstream account is the same user", async () => {
    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge })))
    const html = await page.text()
    assert.match(html, /Continue with Acme SSO/)
    const toUpstream = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), connection: 'acme-oidc' })
    assert.equal(toUpstream.status, 303)
    const back = await upstream.loginThrough(toUpstream.headers.get('location') as string, ALICE)
    const tokens = await exchange(await browser.get(back.href), verifier)
    assert.equal(claims(tokens.access_token).sub, `oidc|acme-oidc|${ALICE.sub}`)
  })

  it('a callback answers once: replayed, it finds no login (a page, no code)', async () => {
    const browser = new Browser(server.url)
    const { providerUrl } = await toProvider(browser, { connection: 'acme-oidc' })
    const back = await upstream.loginThrough(providerUrl, ALICE)
    assert.equal((await browser.get(back.href)).status, 303)
    const again = await browser.get(back.href)
    assert.equal(again.status, 400)
    assert.equal(again.headers.get('location'), null)
  })

  it("another browser cannot finish someone's upstream login (login CSRF)", async () => {
    const victim = new Browser(server.url)
    const { providerUrl } = await toProvider(victim, { connection: 'acme-oidc' })
    const back = await upstream.loginThrough(providerUrl, ALICE)
    const attacker = new Browser(server.url)
    const res = await attacker.get(back.href)
    assert.equal(res.status, 400)
    assert.equal(res.headers.get('location'), null)
    // The owner still can: the attacker's attempt did not use the login up.
    assert.equal((await victim.get(back.href)).status, 303)
  })

  it('a wrong or missing state is a page, never a code', async () => {
    const browser = new Browser(server.url)
    await toProvider(browser, { connection: 'acme-oidc' })
    for (const query of ['state=not-the-state&code=x', 'code=x', 'state=a&state=b&code=x', `state=${'x'.repeat(2000)}`]) {
      const res = await browser.get(`/login/callback?${query}`)
      assert.equal(res.status, 400, query)
    }
  })

  it('the user denying at the provider goes back to the app with access_denied and the state', async () => {
    const browser = new Browser(server.url)
    const { providerUrl } = await toProvider(browser, { connection: 'acme-oidc' })
    const back = await upstream.loginThrough(providerUrl, 'deny')
    const res = await browser.get(back.href)
    assert.equal(res.status, 302)
    const params = callbackParams(res)
    assert.equal(params.get('error'), 'access_denied')
    assert.equal(params.get('state'), 'state-123')
    assert.equal(params.get('code'), null)
  })

  it('an unknown connection, or one not enabled for the app, is invalid_request back at the app', async () => {
    const { app: other } = await addApp(server.store, { name: 'Other SPA' })
    for (const [client, name] of [[app, 'no-such-connection'], [other, 'acme-oidc']] as const) {
      const res = await new Browser(server.url).get(authorizeUrl(server.issuer, { clientId: client.clientId, challenge: pkce().challenge, extra: { connection: name } }))
      assert.equal(res.status, 302)
      assert.equal(callbackParams(res).get('error'), 'invalid_request')
    }
  })

  it("home-realm discovery: an address of a domain the connection claims goes to its provider, with the address as login_hint", async () => {
    await server.store.connections.update(connection.id, { options: { ...connection.options, domain_aliases: ['wonderland.example'] } })
    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge })))
    const html = await page.text()
    assert.equal(page.status, 200, html.slice(0, 500))
    const state = new URL(page.url).searchParams.get('state') as string
    const res = await browser.post(`/u/login?state=${state}`, { csrf: hiddenField(html, 'csrf'), username: 'Alice@Wonderland.example', password: '' })
    assert.equal(res.status, 303)
    const providerUrl = new URL(res.headers.get('location') as string)
    assert.equal(providerUrl.origin, upstream.issuer)
    assert.equal(providerUrl.searchParams.get('login_hint'), 'alice@wonderland.example')
    const back = await upstream.loginThrough(providerUrl.href, ALICE)
    const tokens = await exchange(await browser.get(back.href), verifier)
    assert.equal(claims(tokens.id_token).sub, `oidc|acme-oidc|${ALICE.sub}`)
    // Another domain still gets the password form's answer.
    const fresh = new Browser(server.url)
    const other = await fresh.follow(await fresh.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge })))
    const otherHtml = await other.text()
    const wrong = await fresh.post(`/u/login?state=${new URL(other.url).searchParams.get('state')}`, { csrf: hiddenField(otherHtml, 'csrf'), username: 'bob@elsewhere.example', password: 'not a password' })
    assert.equal(wrong.status, 400)
    assert.match(await wrong.text(), /Wrong email or password/)
  })

  it('organizations: a member through a connection gets org_id; an invitation is accepted through a connection by its invitee', async () => {
    const { app: orgApp } = await addApp(server.store, { name: 'Org SSO SPA', organizationUsage: 'allow', initiateLoginUri: 'https://app.example.com/login' })
    await server.store.connections.setEnabled(connection.id, orgApp.clientId, true)
    const org = await addOrganization(server.store, { displayName: 'Wonderland' })
    await enableForOrg(org.id, connection.id)
    const { ticket } = await invite(server.store, org, orgApp, { email: ALICE.claims.email as string })
    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    let res = await browser.get(authorizeUrl(server.issuer, { clientId: orgApp.clientId, challenge, extra: { organization: org.id, invitation: ticket, connection: 'acme-oidc' } }))
    for (let i = 0; i < 5 && !res.headers.get('location')?.startsWith(upstream.issuer); i++) res = await browser.get(res.headers.get('location') as string)
    const back = await upstream.loginThrough(res.headers.get('location') as string, ALICE)
    const done = await browser.get(back.href)
    const code = callbackParams(done).get('code')
    assert.ok(code, done.headers.get('location') ?? String(done.status))
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: orgApp.clientId, code, code_verifier: verifier, redirect_uri: orgApp.callbacks[0] as string })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    assert.equal(claims(r.json.access_token).org_id, org.id)
    assert.equal(await server.store.organizations.isMember(org.id, `oidc|acme-oidc|${ALICE.sub}`), true)

    // A connection user who is not a member of another organization is refused there.
    const other = await addOrganization(server.store, { displayName: 'Elsewhere' })
    await enableForOrg(other.id, connection.id)
    const second = new Browser(server.url)
    let res2 = await second.get(authorizeUrl(server.issuer, { clientId: orgApp.clientId, challenge, extra: { organization: other.id, connection: 'acme-oidc' } }))
    for (let i = 0; i < 5 && !res2.headers.get('location')?.startsWith(upstream.issuer); i++) res2 = await second.get(res2.headers.get('location') as string)
    const back2 = await upstream.loginThrough(res2.headers.get('location') as string, ALICE)
    const refused = await second.get(back2.href)
    assert.equal(callbackParams(refused).get('error'), 'access_denied')
  })

  it('a connection whose sealed secret does not open (another key-encryption key) is temporarily_unavailable at the app, not a 5xx', async () => {
    const { record } = createConnection({ name: 'broken-oidc', strategy: 'oidc', options: { issuer: upstream.issuer, client_id: BASIC_CLIENT.clientId }, enabledClients: [app.clientId] }, Date.now())
    await server.store.connections.insert({ ...record, sealedClientSecret: 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoib3RoZXIifQ..aXY.Y2lwaGVy.dGFn' })
    const browser = new Browser(server.url)
    const res = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge, extra: { connection: 'broken-oidc' } })))
    assert.equal(res.status, 302)
    const params = callbackParams(res)
    assert.equal(params.get('error'), 'temporarily_unavailable')
    assert.equal(params.get('state'), 'state-123')
    assert.ok(server.logs.some((l) => l.includes('does not open with the configured key-encryption keys')))
  })

  it('an app that only uses SSO has no password form, and a posted password is refused', async () => {
    const { app: ssoOnly } = await addApp(server.store, { name: 'SSO only' })
    await server.store.connections.setEnabled(connection.id, ssoOnly.clientId, true)
    const database = (await server.store.connections.enabledFor(ssoOnly.clientId)).find((c) => c.strategy === 'auth0')
    assert.ok(database)
    await server.store.connections.setEnabled(database.id, ssoOnly.clientId, false)
    const browser = new Browser(server.url)
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: ssoOnly.clientId, challenge: pkce().challenge })))
    const html = await page.text()
    assert.match(html, /Continue with Acme SSO/)
    assert.doesNotMatch(html, /type="password"/)
    const state = new URL(page.url).searchParams.get('state') as string
    const res = await browser.post(`/u/login?state=${state}`, { csrf: hiddenField(html, 'csrf'), username: 'someone@example.com', password: 'whatever password' })
    assert.equal(res.status, 400)
  })

  it("an organization with only the OIDC connection: the login page offers only its button; a posted password, sign-up and connection= of another are refused", async () => {
    const client = await orgApp('Org SSO only')
    const org = await addOrganization(server.store, { displayName: 'SSO Corp' })
    await server.store.organizations.disableConnection(org.id, (await server.store.connections.findByName('Username-Password-Authentication'))?.id as string)
    await enableForOrg(org.id, connection.id)
    const browser = new Browser(server.url)
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: client.clientId, challenge: pkce().challenge, extra: { organization: org.id } })))
    const html = await page.text()
    assert.match(html, /Continue with Acme SSO/)
    assert.doesNotMatch(html, /type="password"/)
    const state = new URL(page.url).searchParams.get('state') as string
    const posted = await browser.post(`/u/login?state=${state}`, { csrf: hiddenField(html, 'csrf'), username: 'someone@example.com', password: 'whatever password' })
    assert.equal(posted.status, 400)
    assert.match(await posted.text(), /does not use passwords/)
    assert.equal((await browser.get(`/u/signup?state=${state}`)).status, 404)

    // The database connection asked for by name at /authorize: refused there.
    const named = await browser.get(authorizeUrl(server.issuer, { clientId: client.clientId, challenge: pkce().challenge, extra: { organization: org.id, connection: 'Username-Password-Authentication' } }))
    assert.equal(callbackParams(named).get('error'), 'invalid_request')
    assert.match(callbackParams(named).get('error_description') ?? '', /not enabled for this organization/)
  })

  it('an organization without the OIDC connection: no button, its button posted is refused, and a login through it is refused at the end (access_denied, no session)', async () => {
    const client = await orgApp('Org password only')
    const org = await addOrganization(server.store, { displayName: 'Password Corp' })
    const browser = new Browser(server.url)
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: client.clientId, challenge: pkce().challenge, extra: { organization: org.id } })))
    const html = await page.text()
    assert.doesNotMatch(html, /Continue with Acme SSO/)
    assert.match(html, /type="password"/)
    const button = await browser.post(formAction(html).replace('/u/login', '/u/login/connection'), { csrf: hiddenField(html, 'csrf'), connection: 'acme-oidc' })
    assert.equal(button.status, 400)

    // A login through it that got under way before the organization dropped the connection ends refused.
    await enableForOrg(org.id, connection.id, true)
    const browser2 = new Browser(server.url)
    const { challenge } = pkce()
    let res = await browser2.get(authorizeUrl(server.issuer, { clientId: client.clientId, challenge, extra: { organization: org.id, connection: 'acme-oidc' } }))
    for (let i = 0; i < 5 && !res.headers.get('location')?.startsWith(upstream.issuer); i++) res = await browser2.get(res.headers.get('location') as string)
    await server.store.organizations.disableConnection(org.id, connection.id)
    const back = await upstream.loginThrough(res.headers.get('location') as string, ALICE)
    const refused = await browser2.get(back.href)
    assert.equal(callbackParams(refused).get('error'), 'access_denied')
    assert.match(callbackParams(refused).get('error_description') ?? '', /does not allow logging in this way/)
    assert.equal(await server.store.organizations.isMember(org.id, `oidc|acme-oidc|${ALICE.sub}`), false)
  })

  it('show_as_button false: no button for the organization, but home-realm discovery still reaches the connection', async () => {
    const client = await orgApp('Org hidden button')
    const org = await addOrganization(server.store, { displayName: 'Hidden Corp' })
    await enableForOrg(org.id, connection.id, false, false)
    await server.store.connections.update(connection.id, { options: { ...connection.options, domain_aliases: ['wonderland.example'] } })
    const browser = new Browser(server.url)
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: client.clientId, challenge: pkce().challenge, extra: { organization: org.id } })))
    const html = await page.text()
    assert.doesNotMatch(html, /Continue with Acme SSO/)
    const state = new URL(page.url).searchParams.get('state') as string
    const discovered = await browser.post(`/u/login?state=${state}`, { csrf: hiddenField(html, 'csrf'), username: 'someone@wonderland.example', password: '' })
    assert.equal(new URL(discovered.headers.get('location') as string, server.url).origin, upstream.issuer)
  })

  it('assign_membership_on_login makes a user who is not a member one at login (audited); without it they are refused', async () => {
    const client = await orgApp('Org auto-membership')
    const joins = await addOrganization(server.store, { displayName: 'Open Corp' })
    await enableForOrg(joins.id, connection.id, true)
    const closed = await addOrganization(server.store, { displayName: 'Closed Corp' })
    await enableForOrg(closed.id, connection.id, false)
    const userId = `oidc|acme-oidc|${ALICE.sub}`

    const refused = await aliceTo(client, closed.id)
    assert.equal(callbackParams(refused.res).get('error'), 'access_denied')
    assert.equal(await server.store.organizations.isMember(closed.id, userId), false)

    const { res, verifier } = await aliceTo(client, joins.id)
    const code = callbackParams(res).get('code')
    assert.ok(code, res.headers.get('location') ?? String(res.status))
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: client.clientId, code, code_verifier: verifier, redirect_uri: client.callbacks[0] as string })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    assert.equal(claims(r.json.access_token).org_id, joins.id)
    assert.deepEqual((await server.store.organizations.getMember(joins.id, userId))?.roles, [])
    const events = await server.store.logs.list({ type: 'organization_member_added' })
    assert.ok(events.some((e) => e.userId === userId && e.details.org_id === joins.id && e.details.via === 'login' && e.details.connection === 'acme-oidc'))
  })
})
