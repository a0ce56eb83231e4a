/**
 * Organizations at /authorize (Auth0's Organizations): `organization` by id or name, only members
 * log in, `org_id` and `org_name` (lower-cased) in the ID token and the access token and kept after
 * refresh, the app's organization usage (deny, allow, require with no_prompt or pre_login_prompt),
 * SSO sessions and prompt=none, and what happens to tokens when a member is removed.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, ApplicationRecord, OrganizationRecord, UserRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { assertOAuthError, claims, LoggedInBrowser, tokenRequest } from './support/oauth.js'
import { addMember, addOrganization } from './support/organizations.js'

const SCOPE = 'openid profile email offline_access read:appointments'

describe('organizations at /authorize', () => {
  let server: TestServer
  let api: ApiRecord
  let allow: ApplicationRecord
  let deny: ApplicationRecord
  let org: OrganizationRecord
  let member: UserRecord
  let outsider: UserRecord

  before(async () => {
    server = await startTestServer()
    api = await addApi(server.store)
    ;({ app: allow } = await addApp(server.store, { name: 'Org SPA', organizationUsage: 'allow' }))
    ;({ app: deny } = await addApp(server.store, { name: 'Personal SPA' }))
    org = await addOrganization(server.store, { name: 'acme-corp', displayName: 'Acme Corporation' })
    member = await addUser(server.store)
    outsider = await addUser(server.store)
    await addMember(server.store, org, member.id, ['admin'])
  })
  after(() => server.close())

  const refresh = (app: ApplicationRecord, token: unknown) =>
    tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: token as string })

  function assertOrgClaims(tokens: Record<string, unknown>, expected: OrganizationRecord) {
    for (const [name, token] of [['ID token', tokens.id_token], ['access token', tokens.access_token]] as const) {
      const c = claims(token)
      assert.equal(c.org_id, expected.id, `${name} org_id`)
      assert.equal(c.org_name, expected.name, `${name} org_name`)
    }
  }

  /** The error an /authorize request sends back to the app. */
  async function authorizeError(app: ApplicationRecord, extra: Record<string, string>, browser = new Browser(server.url)) {
    const res = await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge, extra }))
    assert.equal(res.status, 302)
    const params = callbackParams(res)
    assert.equal(params.get('state'), 'state-123')
    return { error: params.get('error'), description: params.get('error_description') }
  }

  it('a member logging in to the organization by id gets org_id and org_name in the ID and access tokens, and keeps them after refresh', async () => {
    const tokens = await new LoggedInBrowser(server, member).tokens(allow, { scope: SCOPE, audience: api.identifier, extra: { organization: org.id } })
    assertOrgClaims(tokens, org)
    assert.equal(typeof tokens.refresh_token, 'string')
    const first = await refresh(allow, tokens.refresh_token)
    assert.equal(first.status, 200, JSON.stringify(first.json))
    assertOrgClaims(first.json, org)
    const second = await refresh(allow, first.json.refresh_token)
    assert.equal(second.status, 200, JSON.stringify(second.json))
    assertOrgClaims(second.json, org)
  })

  it('takes the organization by name, case-insensitively, and org_name is the lower-cased name', async () => {
    const tokens = await new LoggedInBrowser(server, member).tokens(allow, { scope: 'openid', extra: { organization: 'ACME-Corp' } })
    assertOrgClaims(tokens, org)
    assert.equal(claims(tokens.id_token).org_name, 'acme-corp')
  })

  it('shows the organization being logged in to on the login page', async () => {
    const browser = new Browser(server.url)
    const res = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: allow.clientId, challenge: pkce().challenge, extra: { organization: org.id } })))
    assert.equal(new URL(res.url).pathname, '/u/login')
    const html = await res.text()
    assert.match(html, /<h1>Log in to Acme Corporation<\/h1>/)
  })

  it('refuses a user who is not a member with access_denied in Auth0\'s words, and logs the failure', async () => {
    const res = await new LoggedInBrowser(server, outsider).authorize({ clientId: allow.clientId, challenge: pkce().challenge, extra: { organization: org.id } })
    const params = callbackParams(res)
    assert.equal(params.get('error'), 'access_denied')
    assert.equal(params.get('error_description'), `user ${outsider.id} is not part of the ${org.id} organization`)
    assert.equal(params.get('code'), null)
    const [event] = await server.store.logs.list({ type: 'f', userId: outsider.id })
    assert.equal(event?.details.org_id, org.id)
  })

  it('the database connection with assign_membership_on_login: a password login makes the outsider a member; an SSO session of a connection the organization does not use counts as none', async () => {
    const open = await addOrganization(server.store, { displayName: 'Open House' })
    const database = await server.store.connections.findByName('Username-Password-Authentication')
    assert.ok(database)
    await server.store.organizations.updateConnection(open.id, database.id, { assignMembershipOnLogin: true })
    const newcomer = await addUser(server.store)
    const browser = new LoggedInBrowser(server, newcomer)
    const tokens = await browser.tokens(allow, { scope: 'openid', extra: { organization: open.id } })
    assertOrgClaims(tokens, open)
    assert.equal(await server.store.organizations.isMember(open.id, newcomer.id), true)
    const [joined] = await server.store.logs.list({ type: 'organization_member_added', userId: newcomer.id })
    assert.equal(joined?.details.via, 'login')

    // An organization without the database connection: the password session does not lead into it (prompt=none: login_required; else the login page).
    const ssoOnly = await addOrganization(server.store, { displayName: 'SSO Only' })
    await server.store.organizations.disableConnection(ssoOnly.id, database.id)
    await addMember(server.store, ssoOnly, newcomer.id)
    assert.deepEqual(await authorizeError(allow, { organization: ssoOnly.id, prompt: 'none' }, browser.browser), { error: 'login_required', description: 'Login required' })
    const page = await browser.browser.follow(await browser.browser.get(authorizeUrl(server.issuer, { clientId: allow.clientId, challenge: pkce().challenge, extra: { organization: ssoOnly.id } })))
    assert.equal(new URL(page.url).pathname, '/u/login')
  })

  it('sends an unknown organization back to the app as invalid_request "no organization found"', async () => {
    for (const organization of ['org_doesnotexist0000', 'no-such-org', 'Not a name!']) {
      assert.deepEqual(await authorizeError(allow, { organization }), { error: 'invalid_request', description: 'no organization found' }, organization)
    }
  })

  it('refuses an organization for an app that does not use organizations (organization_usage deny)', async () => {
    assert.deepEqual(await authorizeError(deny, { organization: org.id }), { error: 'invalid_request', description: 'client is not configured to use organizations' })
  })

  it('refuses an invitation without an organization', async () => {
    assert.deepEqual(await authorizeError(allow, { invitation: 'x'.repeat(32) }), { error: 'invalid_request', description: 'parameter organization is required with invitation' })
  })

  it('logs in without an organization when the app allows but does not require one: no org claims', async () => {
    const tokens = await new LoggedInBrowser(server, outsider).tokens(allow, { scope: 'openid' })
    assert.equal(claims(tokens.id_token).org_id, undefined)
    assert.equal(claims(tokens.access_token).org_name, undefined)
  })

  describe('organization_usage require', () => {
    it('with no_prompt, an /authorize without organization is invalid_request "parameter organization is required for this client"', async () => {
      const { app } = await addApp(server.store, { organizationUsage: 'require' })
      assert.deepEqual(await authorizeError(app, {}), { error: 'invalid_request', description: 'parameter organization is required for this client' })
      const tokens = await new LoggedInBrowser(server, member).tokens(app, { scope: 'openid', extra: { organization: org.name } })
      assertOrgClaims(tokens, org)
    })

    it('with pre_login_prompt, asks for the organization\'s name, then logs the member in to it', async () => {
      const { app } = await addApp(server.store, { organizationUsage: 'require', organizationRequireBehavior: 'pre_login_prompt' })
      const browser = new Browser(server.url)
      const { verifier, challenge } = pkce()
      let res = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge })))
      assert.equal(new URL(res.url).pathname, '/u/organization')
      let html = await res.text()
      assert.match(html, /<label for="organization">Organization name<\/label>/)

      res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), organization: 'unknown-org' })
      assert.equal(res.status, 400)
      html = await res.text()
      assert.match(html, /We could not find an organization with that name/)

      res = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), organization: ' Acme-Corp ' }))
      assert.equal(new URL(res.url).pathname, '/u/login')
      html = await res.text()
      assert.match(html, /Log in to Acme Corporation/)
      res = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: member.email, password: PASSWORD }))
      const code = callbackParams(res).get('code')
      assert.ok(code, res.headers.get('location') ?? '')
      const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assertOrgClaims(r.json, org)
    })

    it('with pre_login_prompt and prompt=none, answers interaction_required', async () => {
      const { app } = await addApp(server.store, { organizationUsage: 'require', organizationRequireBehavior: 'pre_login_prompt' })
      assert.deepEqual(await authorizeError(app, { prompt: 'none' }), { error: 'interaction_required', description: 'parameter organization is required for this client' })
    })
  })

  describe('SSO sessions and prompt=none', () => {
    it('a member\'s session logs in to the organization silently (prompt=none) with the org claims', async () => {
      const session = new LoggedInBrowser(server, member)
      await session.tokens(allow, { scope: 'openid' })
      const { verifier, challenge } = pkce()
      const res = await session.browser.get(authorizeUrl(server.issuer, { clientId: allow.clientId, challenge, extra: { organization: org.id, prompt: 'none' } }))
      const code = callbackParams(res).get('code')
      assert.ok(code, res.headers.get('location') ?? '')
      const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: allow.clientId, code, code_verifier: verifier, redirect_uri: allow.callbacks[0] as string })
      assertOrgClaims(r.json, org)
    })

    it('a non-member\'s session does not pass: prompt=none answers login_required, otherwise the login form is shown', async () => {
      const session = new LoggedInBrowser(server, outsider)
      await session.tokens(allow, { scope: 'openid' })
      assert.deepEqual(await authorizeError(allow, { organization: org.id, prompt: 'none' }, session.browser), { error: 'login_required', description: 'Login required' })
      const res = await session.browser.follow(await session.browser.get(authorizeUrl(server.issuer, { clientId: allow.clientId, challenge: pkce().challenge, extra: { organization: org.id } })))
      assert.equal(new URL(res.url).pathname, '/u/login')
    })

    it('the non-member can switch accounts: logging in as a member in the same browser gets the organization', async () => {
      const browser = new LoggedInBrowser(server, outsider)
      await browser.tokens(allow, { scope: 'openid' })
      const asMember = new LoggedInBrowser(server, member)
      for (const [k, v] of browser.browser.cookies) asMember.browser.cookies.set(k, v)
      const tokens = await asMember.tokens(allow, { scope: 'openid', extra: { organization: org.id } })
      assert.equal(claims(tokens.id_token).sub, member.id)
      assertOrgClaims(tokens, org)
    })
  })

  describe('membership changes after login', () => {
    it('removing the member stops their refresh tokens for the organization and revokes the grant', async () => {
      const person = await addUser(server.store)
      await addMember(server.store, org, person.id)
      const tokens = await new LoggedInBrowser(server, person).tokens(allow, { scope: SCOPE, audience: api.identifier, extra: { organization: org.id } })
      await server.store.organizations.removeMember(org.id, person.id)
      assertOAuthError(await refresh(allow, tokens.refresh_token), 403, 'invalid_grant', `user ${person.id} is not part of the ${org.id} organization`)
      await addMember(server.store, org, person.id)
      assertOAuthError(await refresh(allow, tokens.refresh_token), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    })

    it('deleting the organization deletes the refresh tokens issued for it', async () => {
      const doomed = await addOrganization(server.store)
      await addMember(server.store, doomed, member.id)
      const tokens = await new LoggedInBrowser(server, member).tokens(allow, { scope: SCOPE, audience: api.identifier, extra: { organization: doomed.id } })
      assert.equal(await server.store.organizations.delete(doomed.id), true)
      assertOAuthError(await refresh(allow, tokens.refresh_token), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    })

    it('a renamed organization\'s new name appears in refreshed tokens', async () => {
      const renamed = await addOrganization(server.store, { name: 'before-rename' })
      await addMember(server.store, renamed, member.id)
      const tokens = await new LoggedInBrowser(server, member).tokens(allow, { scope: SCOPE, audience: api.identifier, extra: { organization: renamed.id } })
      await server.store.organizations.update(renamed.id, { name: 'after-rename' })
      const r = await refresh(allow, tokens.refresh_token)
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.equal(claims(r.json.id_token).org_name, 'after-rename')
      assert.equal(claims(r.json.access_token).org_id, renamed.id)
    })
  })
})
