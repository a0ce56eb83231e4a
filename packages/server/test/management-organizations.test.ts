/**
 * The Management API's organization resources: organizations, members and their roles, invitations
 * and enabled connections, driven by Auth0's own Node ManagementClient (which insists on https: the
 * test rewrites its https://latchkey.test base to the test server) and by plain HTTP for the details
 * (Auth0's error shape, paging, scopes, audit events). The invitation link it returns is accepted
 * through the real pages.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord } from '@latchkey/core'
import { ManagementClient } from 'auth0'
import { managementScopes } from '../src/management/system-api.js'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { m2m } from './support/management.js'
import { claims, tokenRequest } from './support/oauth.js'

const DOMAIN = 'latchkey.test'

describe('Management API: organizations', () => {
  let server: TestServer
  let spa: ApplicationRecord
  let robot: { app: ApplicationRecord; secret: string }
  let token: string
  const realFetch = globalThis.fetch

  /** A client_credentials token for the Management API with these scopes (support/management.ts). */
  const managementToken = (scope: string[]) => m2m(server, scope)

  const call = (method: string, path: string, body?: unknown, bearer = token) =>
    realFetch(`${server.url}api/v2/${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
  const json = async (res: Response) => (await res.json()) as Record<string, unknown>
  /** The database connection's id, as GET /api/v2/connections?name=Username-Password-Authentication answers it. */
  const databaseConnectionId = async (): Promise<string> => {
    const found = (await json(await call('GET', 'connections?name=Username-Password-Authentication'))) as unknown as { id: string }[]
    assert.equal(found.length, 1)
    return (found[0] as { id: string }).id
  }

  before(async () => {
    server = await startTestServer()
    ;({ app: spa } = await addApp(server.store, { name: 'Team SPA', organizationUsage: 'allow' }))
    const granted = await managementToken(managementScopes().map((s) => s.value))
    robot = { app: granted.app, secret: granted.secret }
    token = granted.token
    // Auth0's SDK builds https://{domain}/…: send those requests to the test server instead.
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      return realFetch(url.startsWith(`https://${DOMAIN}/`) ? url.replace(`https://${DOMAIN}/`, server.url) : input, init)
    }) as typeof fetch
  })
  after(async () => {
    globalThis.fetch = realFetch
    await server.close()
  })

  it('Auth0\'s ManagementClient creates an organization, adds a member, invites someone, and the invitee joins through the link', async () => {
    const management = new ManagementClient({ domain: DOMAIN, clientId: robot.app.clientId, clientSecret: robot.secret, audience: `${server.issuer}api/v2/` })
    const org = await management.organizations.create({ name: 'initech', display_name: 'Initech', branding: { colors: { primary: '#112233', page_background: '#ffffff' } }, metadata: { plan: 'gold' } })
    assert.match(org.id ?? '', /^org_[A-Za-z0-9]{16}$/)
    assert.deepEqual({ ...org, id: undefined }, { id: undefined, name: 'initech', display_name: 'Initech', branding: { colors: { primary: '#112233', page_background: '#ffffff' } }, metadata: { plan: 'gold' } })
    assert.equal((await management.organizations.getByName('initech')).id, org.id)
    assert.equal((await management.organizations.get(org.id as string)).name, 'initech')

    const member = await addUser(server.store)
    await management.organizations.members.create(org.id as string, { members: [member.id] })
    // A member's roles are roles (rol_…), created first.
    const admin = await management.roles.create({ name: 'admin', description: 'Runs the place' })
    const viewer = await management.roles.create({ name: 'viewer' })
    await management.organizations.members.roles.assign(org.id as string, member.id, { roles: [admin.id as string] })
    const members = await management.organizations.members.list(org.id as string)
    assert.deepEqual(members.data.map((m) => [m.user_id, m.email, m.roles]), [[member.id, member.email, [{ id: admin.id, name: 'admin' }]]])
    const memberRoles = await management.organizations.members.roles.list(org.id as string, member.id)
    assert.deepEqual(memberRoles.data, [{ id: admin.id, name: 'admin', description: 'Runs the place' }])

    const invitation = await management.organizations.invitations.create(org.id as string, {
      inviter: { name: 'Ada Admin' },
      invitee: { email: 'joiner@example.com' },
      client_id: spa.clientId,
      roles: [viewer.id as string],
      ttl_sec: 3600,
      send_invitation_email: false,
    })
    assert.match(invitation.id ?? '', /^uinv_/)
    assert.equal(invitation.organization_id, org.id)
    assert.equal(invitation.connection_id, await databaseConnectionId())
    const link = new URL(invitation.invitation_url as string)
    assert.equal(link.searchParams.get('invitation'), invitation.ticket_id)
    assert.equal(link.searchParams.get('organization'), org.id)
    assert.equal(link.searchParams.get('organization_name'), 'initech')
    const listed = await management.organizations.invitations.list(org.id as string)
    assert.deepEqual(listed.data.map((i) => i.id), [invitation.id])
    assert.equal(listed.data[0]?.invitation_url, undefined, 'the link is shown once')

    // The invitee follows the link: the app starts a login with invitation and organization.
    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    const extra = { invitation: link.searchParams.get('invitation') as string, organization: link.searchParams.get('organization') as string }
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: spa.clientId, challenge, extra })))
    assert.equal(new URL(page.url).pathname, '/u/signup')
    const html = await page.text()
    const done = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email: 'joiner@example.com', password: PASSWORD }))
    const code = callbackParams(done).get('code') as string
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: spa.clientId, code, code_verifier: verifier, redirect_uri: spa.callbacks[0] as string })
    assert.equal(claims(tokens.json.id_token).org_id, org.id)
    assert.deepEqual((await management.organizations.invitations.list(org.id as string)).data, [], 'accepted invitations leave the list')
    const joined = (await management.organizations.members.list(org.id as string)).data.find((m) => m.email === 'joiner@example.com')
    assert.deepEqual(joined?.roles, [{ id: viewer.id, name: 'viewer' }])

    await management.organizations.update(org.id as string, { display_name: 'Initech Corp' })
    assert.equal((await management.organizations.get(org.id as string)).display_name, 'Initech Corp')
    await management.organizations.delete(org.id as string)
    assert.equal(await server.store.organizations.get(org.id as string), null)
  })

  it('lists organizations with offset paging (totals) and checkpoint paging (from/take, next)', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) assert.equal((await call('POST', 'organizations', { name })).status, 201)
    const offset = await json(await call('GET', 'organizations?page=0&per_page=2&include_totals=true'))
    assert.equal(offset.total, await server.store.organizations.count())
    assert.equal((offset.organizations as unknown[]).length, 2)
    const seen: string[] = []
    let from: string | undefined
    for (let i = 0; i < 10; i++) {
      const page = await json(await call('GET', `organizations?take=2${from ? `&from=${from}` : ''}`))
      seen.push(...(page.organizations as { id: string }[]).map((o) => o.id))
      from = page.next as string | undefined
      if (!from) break
    }
    assert.equal(seen.length, await server.store.organizations.count())
    assert.equal(new Set(seen).size, seen.length)
    assert.equal((await call('GET', 'organizations?take=2&page=1')).status, 400)
  })

  it('answers errors in Auth0\'s shape: validation, a taken name, an unknown organization, missing scopes', async () => {
    const invalid = await call('POST', 'organizations', { name: 'Not Valid' })
    assert.equal(invalid.status, 400)
    const body = await json(invalid)
    assert.deepEqual(Object.keys(body).sort(), ['error', 'errorCode', 'message', 'statusCode'])
    assert.match(body.message as string, /name must be 3–50 lower-case letters/)
    assert.equal((await call('POST', 'organizations', { name: 'taken-name' })).status, 201)
    const taken = await call('POST', 'organizations', { name: 'taken-name' })
    assert.equal(taken.status, 409)
    assert.equal((await json(taken)).errorCode, 'organization_conflict')
    assert.equal((await call('GET', 'organizations/org_0000000000000000')).status, 404)
    assert.equal((await call('POST', 'organizations', { name: 'with-email', enabled_connections: [{ connection_id: 'con_other' }] })).status, 400)
    const reader = await managementToken(['read:organizations'])
    assert.equal((await call('GET', 'organizations', undefined, reader.token)).status, 200)
    const refused = await call('POST', 'organizations', { name: 'not-allowed' }, reader.token)
    assert.equal(refused.status, 403)
    assert.equal((await json(refused)).errorCode, 'insufficient_scope')
  })

  it('refuses invitations Latchkey cannot honour: an email to send, an app without organizations, another connection, an unknown role, an organization without the user database', async () => {
    const org = await json(await call('POST', 'organizations', { name: 'invites-org' }))
    const { app: personal } = await addApp(server.store)
    const base = { inviter: { name: 'Ada' }, invitee: { email: 'x@example.com' }, client_id: spa.clientId }
    const cases: [unknown, number, RegExp][] = [
      [{ ...base, send_invitation_email: true }, 400, /no email can be sent/],
      [{ ...base, client_id: personal.clientId }, 400, /does not use organizations/],
      [{ ...base, client_id: 'nope' }, 404, /client does not exist/],
      [{ ...base, connection_id: 'con_other' }, 400, new RegExp(`the database connection, ${await databaseConnectionId()} \\(Username-Password-Authentication\\)`)],
      [{ ...base, ttl_sec: 3_000_000 }, 400, /ttl_sec/],
      [{ ...base, invitee: { email: 'not-an-email' } }, 400, /invitee\.email/],
      [{ ...base, app_metadata: { plan: 'x' } }, 400, /app_metadata is not supported/],
      [{ ...base, roles: ['rol_doesnotexist0000'] }, 400, /The role "rol_doesnotexist0000" does not exist/],
    ]
    for (const [body, status, message] of cases) {
      const res = await call('POST', `organizations/${org.id}/invitations`, body)
      assert.equal(res.status, status, JSON.stringify(body))
      assert.match((await json(res)).message as string, message)
    }
    // An organization without the user database: an invitation could never be accepted.
    const ssoOnly = await json(await call('POST', 'organizations', { name: 'invites-sso-only', enabled_connections: [] }))
    const useless = await call('POST', `organizations/${ssoOnly.id}/invitations`, base)
    assert.equal(useless.status, 400)
    assert.match((await json(useless)).message as string, /is not enabled for this organization: enable it first/)
    const created = await json(await call('POST', `organizations/${org.id}/invitations`, base))
    assert.equal((await call('GET', `organizations/${org.id}/invitations/${created.id}`)).status, 200)
    assert.equal((await call('DELETE', `organizations/${org.id}/invitations/${created.id}`)).status, 204)
    assert.equal((await call('GET', `organizations/${org.id}/invitations/${created.id}`)).status, 404)
  })

  it('enabled connections: a new organization has the database connection (the old ids and the name accepted); enable, update, disable others; Auth0\'s errors', async () => {
    const org = await json(await call('POST', 'organizations', { name: 'connections-org' }))
    const connections = await json(await call('GET', `organizations/${org.id}/enabled_connections?include_totals=true`))
    // The database connection's real record: the id GET /api/v2/connections?name=… shows.
    const databaseId = await databaseConnectionId()
    assert.match(databaseId, /^con_/)
    assert.notEqual(databaseId, 'con_UsernamePassword')
    const enabled = { connection_id: databaseId, assign_membership_on_login: false, show_as_button: true, is_signup_enabled: false, connection: { name: 'Username-Password-Authentication', strategy: 'auth0' } }
    assert.deepEqual(connections.enabled_connections, [enabled])
    assert.equal(connections.total, 1)
    assert.deepEqual(await json(await call('GET', `organizations/${org.id}/enabled_connections/${databaseId}`)), enabled)
    // The fixed id of older releases, and the name, are still accepted where a request names the connection.
    assert.deepEqual(await json(await call('GET', `organizations/${org.id}/enabled_connections/con_UsernamePassword`)), enabled)
    const again = await call('POST', `organizations/${org.id}/enabled_connections`, { connection_id: 'Username-Password-Authentication' })
    assert.equal(again.status, 409)
    assert.equal((await json(again)).errorCode, 'connection_already_enabled')
    const unknown = await call('POST', `organizations/${org.id}/enabled_connections`, { connection_id: 'con_other' })
    assert.equal(unknown.status, 404)
    assert.equal((await json(unknown)).errorCode, 'inexistent_connection')
    assert.equal((await call('GET', `organizations/${org.id}/enabled_connections/con_other`)).status, 404)
    assert.equal((await call('POST', `organizations/org_0000000000000000/enabled_connections`, { connection_id: databaseId })).status, 404)
    assert.equal((await call('PATCH', `organizations/${org.id}/enabled_connections/${databaseId}`, { is_signup_enabled: true })).status, 400)
    assert.equal((await call('POST', `organizations/${org.id}/enabled_connections`, { connection_id: databaseId, extra: 1 })).status, 400)

    const patched = await json(await call('PATCH', `organizations/${org.id}/enabled_connections/con_UsernamePassword`, { assign_membership_on_login: true }))
    assert.deepEqual(patched, { ...enabled, assign_membership_on_login: true })
    assert.equal((await call('DELETE', `organizations/${org.id}/enabled_connections/${databaseId}`)).status, 204)
    assert.equal((await call('DELETE', `organizations/${org.id}/enabled_connections/${databaseId}`)).status, 404)
    assert.deepEqual(await json(await call('GET', `organizations/${org.id}/enabled_connections`)), [] as unknown as Record<string, unknown>)
    const added = await call('POST', `organizations/${org.id}/enabled_connections`, { connection_id: 'con_UsernamePassword', show_as_button: false })
    assert.equal(added.status, 201)
    assert.deepEqual(await json(added), { ...enabled, show_as_button: false })

    // POST /organizations with enabled_connections: exactly those ([] for none); an unknown one is refused.
    const none = await json(await call('POST', 'organizations', { name: 'no-connections', enabled_connections: [] }))
    assert.deepEqual(await json(await call('GET', `organizations/${none.id}/enabled_connections`)), [] as unknown as Record<string, unknown>)
    const own = await json(await call('POST', 'organizations', { name: 'own-connections', enabled_connections: [{ connection_id: databaseId, assign_membership_on_login: true }] }))
    assert.deepEqual(await json(await call('GET', `organizations/${own.id}/enabled_connections`)), [{ ...enabled, assign_membership_on_login: true }] as unknown as Record<string, unknown>)
    assert.equal((await call('POST', 'organizations', { name: 'twice-named', enabled_connections: [{ connection_id: databaseId }, { connection_id: 'con_UsernamePassword' }] })).status, 400)
    const changes = await server.store.logs.list({ type: 'sapi' })
    assert.ok(changes.some((e) => e.details.action === 'organization.connection_enabled' && e.details.org_id === org.id))
    assert.ok(changes.some((e) => e.details.action === 'organization.connection_disabled' && e.details.org_id === org.id))
  })

  it("Auth0's ManagementClient enables, lists, gets, updates and disables an organization's connections", async () => {
    const management = new ManagementClient({ domain: DOMAIN, clientId: robot.app.clientId, clientSecret: robot.secret, audience: `${server.issuer}api/v2/` })
    const sso = await management.connections.create({ name: 'client-sso', strategy: 'oidc', options: { type: 'back_channel', issuer: 'https://idp.example.com/', client_id: 'latchkey', client_secret: 'a-secret' } as never })
    const org = await management.organizations.create({ name: 'sdk-connections', enabled_connections: [{ connection_id: sso.id as string, assign_membership_on_login: true }] })
    const added = await management.organizations.enabledConnections.add(org.id as string, { connection_id: await databaseConnectionId(), show_as_button: false })
    assert.deepEqual(added.connection, { name: 'Username-Password-Authentication', strategy: 'auth0' })
    assert.equal(added.show_as_button, false)
    const page = await management.organizations.enabledConnections.list(org.id as string)
    assert.deepEqual(page.data.map((c) => [c.connection?.name, c.assign_membership_on_login]), [['client-sso', true], ['Username-Password-Authentication', false]])
    assert.equal((await management.organizations.enabledConnections.get(org.id as string, sso.id as string)).connection?.strategy, 'oidc')
    const updated = await management.organizations.enabledConnections.update(org.id as string, sso.id as string, { assign_membership_on_login: false })
    assert.equal(updated.assign_membership_on_login, false)
    await management.organizations.enabledConnections.delete(org.id as string, sso.id as string)
    await assert.rejects(management.organizations.enabledConnections.get(org.id as string, sso.id as string), { statusCode: 404 })
    // Deleting the connection takes its enablements along.
    await management.organizations.enabledConnections.add(org.id as string, { connection_id: sso.id as string })
    await management.connections.delete(sso.id as string)
    assert.deepEqual((await management.organizations.enabledConnections.list(org.id as string)).data.map((c) => c.connection?.name), ['Username-Password-Authentication'])
  })

  it('members and roles can be removed; a user lists their organizations', async () => {
    const org = await json(await call('POST', 'organizations', { name: 'members-org' }))
    const user = await addUser(server.store)
    assert.equal((await call('POST', `organizations/${org.id}/members`, { members: [user.id] })).status, 204)
    assert.equal((await call('POST', `organizations/${org.id}/members`, { members: ['auth0|nobody'] })).status, 404)
    const a = await json(await call('POST', 'roles', { name: 'connections-a' }))
    const b = await json(await call('POST', 'roles', { name: 'connections-b', description: 'B' }))
    const memberRolesPath = `organizations/${org.id}/members/${encodeURIComponent(user.id)}/roles`
    assert.equal((await call('POST', memberRolesPath, { roles: [a.id, b.id] })).status, 204)
    assert.equal((await call('DELETE', memberRolesPath, { roles: [a.id] })).status, 204)
    assert.deepEqual(await json(await call('GET', `${memberRolesPath}?include_totals=true`)), {
      start: 0, limit: 50, length: 1, total: 1, roles: [{ id: b.id, name: 'connections-b', description: 'B' }],
    })
    // An unknown role id is refused whole (Auth0: 400); nothing is added.
    const unknown = await call('POST', memberRolesPath, { roles: [a.id, 'rol_doesnotexist0000'] })
    assert.equal(unknown.status, 400)
    assert.deepEqual(await json(unknown), { statusCode: 400, error: 'Bad Request', message: 'Payload validation error: The role "rol_doesnotexist0000" does not exist.', errorCode: 'inexistent_role' })
    assert.deepEqual((await server.store.organizations.getMember(org.id as string, user.id))?.roles, [b.id])
    // A deleted role no longer shows.
    assert.equal((await call('POST', memberRolesPath, { roles: [a.id] })).status, 204)
    assert.equal((await call('DELETE', `roles/${a.id}`)).status, 200)
    assert.deepEqual(((await json(await call('GET', memberRolesPath))) as unknown as { id: string }[]).map((r) => r.id), [b.id])
    const listed = (await json(await call('GET', `organizations/${org.id}/members`))) as unknown as { roles: unknown }[]
    assert.deepEqual(listed[0]?.roles, [{ id: b.id, name: 'connections-b' }])
    const mine = (await (await call('GET', `users/${encodeURIComponent(user.id)}/organizations`)).json()) as { id: string }[]
    assert.deepEqual(mine.map((o) => o.id), [org.id])
    assert.equal((await call('DELETE', `organizations/${org.id}/members`, { members: [user.id] })).status, 204)
    assert.equal(await server.store.organizations.isMember(org.id as string, user.id), false)
  })

  it('clients take Auth0\'s organization_usage, organization_require_behavior and initiate_login_uri', async () => {
    const created = await call('POST', 'clients', {
      name: 'B2B SPA', app_type: 'spa', callbacks: ['https://b2b.example.com/callback'],
      organization_usage: 'require', organization_require_behavior: 'pre_login_prompt', initiate_login_uri: 'https://b2b.example.com/login',
    })
    assert.equal(created.status, 201)
    const client = await json(created)
    assert.deepEqual([client.organization_usage, client.organization_require_behavior, client.initiate_login_uri], ['require', 'pre_login_prompt', 'https://b2b.example.com/login'])
    const refused = await call('PATCH', `clients/${client.client_id}`, { organization_require_behavior: 'post_login_prompt' })
    assert.equal(refused.status, 400)
    assert.match((await json(refused)).message as string, /organization_require_behavior: .*post_login_prompt is not supported/)
    const org = await json(await call('POST', 'organizations', { name: 'b2b-org' }))
    const invitation = await json(await call('POST', `organizations/${org.id}/invitations`, { inviter: { name: 'Ada' }, invitee: { email: 'b2b@example.com' }, client_id: client.client_id }))
    assert.match(invitation.invitation_url as string, /^https:\/\/b2b\.example\.com\/login\?invitation=/)
  })

  it('writes every change to the audit log with the calling application as the actor', async () => {
    const created = await json(await call('POST', 'organizations', { name: 'audited-org' }))
    const [event] = await server.store.logs.list({ type: 'sapi', clientId: robot.app.clientId })
    assert.ok(event)
    const events = await server.store.logs.list({ type: 'sapi', clientId: robot.app.clientId, perPage: 100 })
    const mine = events.find((e) => e.details.action === 'organization.created' && e.details.org_id === created.id)
    assert.equal(mine?.details.actor, 'management_api')
  })
})
