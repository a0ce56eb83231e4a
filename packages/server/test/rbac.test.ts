/**
 * Roles and permissions end to end, as Auth0's RBAC behaves: real logins through the pages, the
 * token endpoint, refreshes and client_credentials, on SQLite and on PostgreSQL (skipped, saying
 * so, when it does not answer). An API with "Enable RBAC" gives a user only the requested scopes
 * their roles and direct permissions allow (a user with none still gets a token), "Add Permissions
 * in the Access Token" adds all of them as `permissions`, roles within an organization count when
 * the user logs in to it, and every refresh evaluates permissions again.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ApiRecord, type ApplicationRecord, createClientGrant, createRole, type RoleRecord } from '@latchkey/core'
import { databases } from './support/databases.js'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { claims, LoggedInBrowser, tokenRequest, basicAuth } from './support/oauth.js'
import { addMember, addOrganization } from './support/organizations.js'

const READ = 'read:appointments'
const WRITE = 'write:appointments'
const CANCEL = 'cancel:appointments'
const SCOPE = `openid profile email offline_access ${READ} ${WRITE}`

for (const db of databases) {
  describe(`RBAC on ${db.name}`, { skip: db.skip }, () => {
    let server: TestServer
    let app: ApplicationRecord
    let api: ApiRecord
    let patient: RoleRecord
    let receptionist: RoleRecord

    before(async () => {
      server = await startTestServer({ db: db.url() })
      app = (await addApp(server.store, { organizationUsage: 'allow' })).app
      api = await addApi(server.store, { identifier: 'https://rbac.example.com/', scopes: [READ, WRITE, CANCEL], enforcePolicies: true, tokenDialect: 'access_token_authz' })
      patient = createRole({ name: 'patient' }, Date.now())
      receptionist = createRole({ name: 'receptionist' }, Date.now())
      await server.store.roles.insert(patient)
      await server.store.roles.insert(receptionist)
      const perm = (name: string) => ({ apiIdentifier: api.identifier, name })
      await server.store.roles.addPermissions(patient.id, [perm(READ)], Date.now())
      await server.store.roles.addPermissions(receptionist.id, [perm(READ), perm(WRITE), perm(CANCEL)], Date.now())
    })
    after(async () => {
      await server.close()
      await db.cleanup()
    })

    async function login(userRoles: RoleRecord[], extra: Record<string, string> = {}) {
      const user = await addUser(server.store)
      if (userRoles.length > 0) await server.store.roles.assign([user.id], userRoles.map((r) => r.id), Date.now())
      const browser = new LoggedInBrowser(server, user)
      const tokens = await browser.tokens(app, { scope: SCOPE, audience: api.identifier, ...(Object.keys(extra).length ? { extra } : {}) })
      return { user, tokens }
    }

    it('a user without a role logs in and gets a token without the API scopes (not access_denied)', async () => {
      const { tokens } = await login([])
      assert.equal(tokens.scope, 'openid profile email offline_access')
      const at = claims(tokens.access_token)
      assert.equal(at.scope, 'openid profile email offline_access')
      assert.deepEqual(at.permissions, [])
      assert.equal(typeof tokens.id_token, 'string')
      assert.equal(typeof tokens.refresh_token, 'string')
    })

    it('a role grants exactly its permissions among those requested; the permissions claim lists all it holds', async () => {
      const reader = await login([patient])
      assert.equal(reader.tokens.scope, `openid profile email offline_access ${READ}`)
      assert.deepEqual(claims(reader.tokens.access_token).permissions, [READ])
      const desk = await login([receptionist])
      assert.equal(desk.tokens.scope, `openid profile email offline_access ${READ} ${WRITE}`)
      assert.deepEqual(claims(desk.tokens.access_token).permissions, [READ, WRITE, CANCEL], 'cancel was not requested, yet is listed')
    })

    it('direct permissions count as roles do', async () => {
      const user = await addUser(server.store)
      await server.store.permissions.add(user.id, [{ apiIdentifier: api.identifier, name: WRITE }], Date.now())
      const tokens = await new LoggedInBrowser(server, user).tokens(app, { scope: SCOPE, audience: api.identifier })
      assert.equal(tokens.scope, `openid profile email offline_access ${WRITE}`)
    })

    it('removing a role takes effect at the next refresh (200 with the smaller scope); giving it back restores it', async () => {
      const { user, tokens } = await login([receptionist])
      await server.store.roles.unassign(user.id, [receptionist.id])
      await server.store.roles.assign([user.id], [patient.id], Date.now())
      const smaller = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: tokens.refresh_token as string })
      assert.equal(smaller.status, 200, JSON.stringify(smaller.json))
      assert.equal(smaller.json.scope, `openid profile email offline_access ${READ}`)
      assert.deepEqual(claims(smaller.json.access_token).permissions, [READ])
      await server.store.roles.assign([user.id], [receptionist.id], Date.now())
      const restored = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: smaller.json.refresh_token as string })
      assert.equal(restored.json.scope, `openid profile email offline_access ${READ} ${WRITE}`)
    })

    it('roles within an organization count when the user logs in to it, and only then', async () => {
      const org = await addOrganization(server.store)
      const user = await addUser(server.store)
      await addMember(server.store, org, user.id, [receptionist.id])
      const browser = new LoggedInBrowser(server, user)
      const inOrg = await browser.tokens(app, { scope: SCOPE, audience: api.identifier, extra: { organization: org.id } })
      assert.equal(inOrg.scope, `openid profile email offline_access ${READ} ${WRITE}`)
      assert.equal(claims(inOrg.access_token).org_id, org.id)
      const outside = await browser.tokens(app, { scope: SCOPE, audience: api.identifier })
      assert.equal(outside.scope, 'openid profile email offline_access')
    })

    it('with RBAC off the requested scopes are granted whatever the roles, and the plain dialect has no permissions claim', async () => {
      const open = await addApi(server.store, { identifier: 'https://open.example.com/', scopes: [READ, WRITE] })
      const user = await addUser(server.store)
      const tokens = await new LoggedInBrowser(server, user).tokens(app, { scope: SCOPE, audience: open.identifier })
      assert.equal(tokens.scope, SCOPE)
      assert.equal(claims(tokens.access_token).permissions, undefined)
    })

    it('client_credentials: an _authz dialect lists the client grant\'s scopes as permissions', async () => {
      const { app: m2m, secret } = await addApp(server.store, { name: 'Cron', type: 'm2m', callbacks: [] })
      await server.store.clientGrants.insert(createClientGrant({ clientId: m2m.clientId, audience: api.identifier, scope: [READ, CANCEL] }, { application: m2m, api }, Date.now()))
      const r = await tokenRequest(server, { grant_type: 'client_credentials', audience: api.identifier }, { headers: { authorization: basicAuth(m2m.clientId, secret as string) } })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.deepEqual(claims(r.json.access_token).permissions, [READ, CANCEL])
    })
  })
}
