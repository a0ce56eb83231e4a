/**
 * The Management API's role-based access control: /roles, their permissions and users,
 * /users/{id}/roles and /users/{id}/permissions, and the RBAC settings of /resource-servers. Auth0's
 * own Node ManagementClient drives the happy paths as it would drive Auth0 (its https://latchkey.test
 * base is rewritten to the test server); plain HTTP checks the details: Auth0's error shape, paging,
 * scopes, and what deleting a role or a user takes with it.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord } from '@latchkey/core'
import { ManagementClient, ManagementError } from 'auth0'
import { ManagementClient as LegacyManagementClient } from 'auth0/legacy'
import { ensureAdminRole } from '../src/management/admins.js'
import { managementScopes } from '../src/management/system-api.js'
import { addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { m2m } from './support/management.js'
import { claims, LoggedInBrowser } from './support/oauth.js'

const DOMAIN = 'latchkey.test'
const ORDERS = 'https://orders.example.com/'
const BILLING = 'https://billing.example.com/'
const RBAC_SCOPES = [
  'create:role_members',
  'create:roles',
  'delete:role_members',
  'delete:roles',
  'read:role_members',
  'read:roles',
  'update:roles',
]

type Json = Record<string, any>

describe('Management API: roles and permissions', () => {
  let server: TestServer
  let robot: { app: ApplicationRecord; secret: string }
  let token: string
  let management: ManagementClient
  const realFetch = globalThis.fetch

  /** A client_credentials token for the Management API with these scopes (support/management.ts). */
  const managementToken = (scope: string[]) => m2m(server, scope)

  async function call(method: string, path: string, body?: unknown, bearer = token): Promise<{ status: number; json: any }> {
    const res = await realFetch(`${server.url}api/v2/${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text) }
  }

  function assertError(res: { status: number; json: Json }, status: number, errorCode: string, message?: RegExp): void {
    assert.equal(res.status, status, JSON.stringify(res.json))
    assert.equal(res.json.statusCode, status)
    assert.equal(res.json.errorCode, errorCode, JSON.stringify(res.json))
    if (message) assert.match(res.json.message, message)
  }

  const newRole = async (name: string, description?: string): Promise<Json> => {
    const res = await call('POST', 'roles', { name, ...(description !== undefined ? { description } : {}) })
    assert.equal(res.status, 200, JSON.stringify(res.json))
    return res.json
  }
  const perm = (permission_name: string, resource_server_identifier = ORDERS) => ({ resource_server_identifier, permission_name })
  const userPath = (id: string) => `users/${encodeURIComponent(id)}`

  before(async () => {
    server = await startTestServer()
    const granted = await managementToken(managementScopes().map((s) => s.value))
    robot = { app: granted.app, secret: granted.secret }
    token = granted.token
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      return realFetch(url.startsWith(`https://${DOMAIN}/`) ? url.replace(`https://${DOMAIN}/`, server.url) : input, init)
    }) as typeof fetch
    management = new ManagementClient({ domain: DOMAIN, clientId: robot.app.clientId, clientSecret: robot.secret, audience: `${server.issuer}api/v2/` })
    for (const [identifier, name, scopes] of [
      [ORDERS, 'Orders', ['read:orders', 'write:orders', 'delete:orders']],
      [BILLING, 'Billing', ['read:invoices']],
    ] as const) {
      const res = await call('POST', 'resource-servers', { identifier, name, scopes: scopes.map((value) => ({ value, description: `Can ${value}` })) })
      assert.equal(res.status, 201, JSON.stringify(res.json))
    }
  })
  after(async () => {
    globalThis.fetch = realFetch
    await server.close()
  })

  it('the Management API offers the RBAC scopes', () => {
    const scopes = managementScopes().map((s) => s.value)
    for (const scope of RBAC_SCOPES) assert.ok(scopes.includes(scope), scope)
    assert.equal(managementScopes().find((s) => s.value === 'create:role_members')?.description, 'Create Role Members')
  })

  describe("Auth0's ManagementClient", () => {
    it('creates, gets, lists, updates and deletes a role', async () => {
      const created = await management.roles.create({ name: 'sdk-editor', description: 'Edits things' })
      assert.match(created.id ?? '', /^rol_[A-Za-z0-9]{16}$/)
      assert.deepEqual({ ...created, id: undefined }, { id: undefined, name: 'sdk-editor', description: 'Edits things' })
      const id = created.id as string
      assert.deepEqual(await management.roles.get(id), created)
      await management.roles.create({ name: 'sdk-viewer' })

      const names: string[] = []
      for await (const role of await management.roles.list({ per_page: 1, name_filter: 'SDK-' })) names.push(role.name as string)
      assert.deepEqual(names, ['sdk-editor', 'sdk-viewer'], 'the SDK pages through the filtered roles')

      const updated = await management.roles.update(id, { description: 'Edits everything' })
      assert.deepEqual(updated, { id, name: 'sdk-editor', description: 'Edits everything' })

      await management.roles.delete(id)
      await assert.rejects(management.roles.get(id), (err: unknown) => {
        assert.ok(err instanceof ManagementError)
        assert.equal(err.statusCode, 404)
        assert.deepEqual(err.body, { statusCode: 404, error: 'Not Found', message: 'The role does not exist.', errorCode: 'inexistent_role' })
        return true
      })
      await assert.rejects(management.roles.create({ name: 'sdk-viewer' }), (err: unknown) => err instanceof ManagementError && err.statusCode === 409)
    })

    it("adds, lists and removes a role's permissions", async () => {
      const role = await management.roles.create({ name: 'sdk-orders' })
      const id = role.id as string
      await management.roles.permissions.add(id, { permissions: [perm('write:orders'), perm('read:orders'), perm('read:invoices', BILLING)] })
      const listed = []
      for await (const p of await management.roles.permissions.list(id, { per_page: 2 })) listed.push(p)
      assert.deepEqual(listed, [
        { resource_server_identifier: BILLING, permission_name: 'read:invoices', resource_server_name: 'Billing', description: 'Can read:invoices' },
        { resource_server_identifier: ORDERS, permission_name: 'read:orders', resource_server_name: 'Orders', description: 'Can read:orders' },
        { resource_server_identifier: ORDERS, permission_name: 'write:orders', resource_server_name: 'Orders', description: 'Can write:orders' },
      ])
      await management.roles.permissions.delete(id, { permissions: [perm('write:orders'), perm('read:invoices', BILLING)] })
      assert.deepEqual((await management.roles.permissions.list(id)).data.map((p) => p.permission_name), ['read:orders'])
      await assert.rejects(management.roles.permissions.add(id, { permissions: [perm('fly:planes')] }), (err: unknown) => err instanceof ManagementError && err.statusCode === 400)
    })

    it("assigns roles to users both ways, lists a role's users and a user's roles, and removes them", async () => {
      const role = await management.roles.create({ name: 'sdk-support', description: 'Helps' })
      const other = await management.roles.create({ name: 'sdk-other' })
      const users = [await addUser(server.store), await addUser(server.store, { picture: 'https://example.com/p.png' }), await addUser(server.store)]
      await management.roles.users.assign(role.id as string, { users: users.map((u) => u.id) })
      const members = []
      for await (const u of await management.roles.users.list(role.id as string, { take: 2 })) members.push(u)
      assert.deepEqual(
        members.map((u) => u.user_id).sort(),
        users.map((u) => u.id).sort(),
        'checkpoint paging (from/take) reaches every user',
      )
      const second = members.find((u) => u.user_id === users[1]?.id)
      assert.deepEqual(second, { user_id: users[1]?.id, email: users[1]?.email, name: 'Test User', picture: 'https://example.com/p.png' })

      const user = users[0]?.id as string
      await management.users.roles.assign(user, { roles: [other.id as string] })
      assert.deepEqual((await management.users.roles.list(user)).data, [
        { id: other.id, name: 'sdk-other', description: '' },
        { id: role.id, name: 'sdk-support', description: 'Helps' },
      ])
      await management.users.roles.delete(user, { roles: [role.id as string] })
      assert.deepEqual((await management.users.roles.list(user)).data.map((r) => r.id), [other.id])
      await assert.rejects(management.users.roles.assign(user, { roles: ['rol_nosuchrole00000'] }), (err: unknown) => err instanceof ManagementError && err.statusCode === 404)
    })

    it("gives a user permissions directly, lists every permission they have, and removes the direct ones", async () => {
      const user = await addUser(server.store)
      const role = await management.roles.create({ name: 'sdk-reader' })
      await management.roles.permissions.add(role.id as string, { permissions: [perm('read:orders')] })
      await management.users.roles.assign(user.id, { roles: [role.id as string] })
      await management.users.permissions.create(user.id, { permissions: [perm('read:orders'), perm('delete:orders')] })
      const all = []
      for await (const p of await management.users.permissions.list(user.id, { per_page: 1 })) all.push(p)
      assert.deepEqual(all, [
        { resource_server_identifier: ORDERS, permission_name: 'delete:orders', resource_server_name: 'Orders', description: 'Can delete:orders', sources: [{ source_id: '', source_name: '', source_type: 'DIRECT' }] },
        {
          resource_server_identifier: ORDERS,
          permission_name: 'read:orders',
          resource_server_name: 'Orders',
          description: 'Can read:orders',
          sources: [{ source_id: '', source_name: '', source_type: 'DIRECT' }, { source_id: role.id, source_name: 'sdk-reader', source_type: 'ROLE' }],
        },
      ])
      await management.users.permissions.delete(user.id, { permissions: [perm('read:orders'), perm('delete:orders')] })
      const left = (await management.users.permissions.list(user.id)).data
      assert.deepEqual(left.map((p) => [p.permission_name, (p as Json).sources]), [['read:orders', [{ source_id: role.id, source_name: 'sdk-reader', source_type: 'ROLE' }]]], "the role's permission stays")
    })

    it('the v4 API it ships as auth0/legacy does the same', async () => {
      const legacy = new LegacyManagementClient({ domain: DOMAIN, clientId: robot.app.clientId, clientSecret: robot.secret, audience: `${server.issuer}api/v2/` })
      const { data: role } = await legacy.roles.create({ name: 'legacy-role', description: 'Old SDK' })
      await legacy.roles.addPermissions({ id: role.id }, { permissions: [perm('read:orders')] })
      const user = await addUser(server.store)
      await legacy.users.assignRoles({ id: user.id }, { roles: [role.id] })
      await legacy.users.assignPermissions({ id: user.id }, { permissions: [perm('write:orders')] })
      const { data: roles } = await legacy.users.getRoles({ id: user.id, include_totals: true })
      assert.deepEqual(roles, { roles: [{ id: role.id, name: 'legacy-role', description: 'Old SDK' }], start: 0, limit: 50, length: 1, total: 1 })
      const { data: permissions } = await legacy.users.getPermissions({ id: user.id })
      assert.deepEqual(permissions.map((p) => [p.permission_name, p.sources.map((s: Json) => s.source_type)]), [['read:orders', ['ROLE']], ['write:orders', ['DIRECT']]])
      const { data: users } = await legacy.roles.getUsers({ id: role.id })
      assert.deepEqual(users.map((u) => u.user_id), [user.id])
      await legacy.users.deleteRoles({ id: user.id }, { roles: [role.id] })
      await legacy.users.deletePermissions({ id: user.id }, { permissions: [perm('write:orders')] })
      await legacy.roles.deletePermissions({ id: role.id }, { permissions: [perm('read:orders')] })
      await legacy.roles.delete({ id: role.id })
      assert.equal(await server.store.roles.get(role.id), null)
    })

    it("creates an API with Auth0's RBAC settings", async () => {
      const api = await management.resourceServers.create({ identifier: 'https://rbac.example.com/', scopes: [{ value: 'go' }], enforce_policies: true, token_dialect: 'access_token_authz' })
      assert.deepEqual([api.enforce_policies, api.token_dialect], [true, 'access_token_authz'])
      const updated = await management.resourceServers.update(api.id as string, { enforce_policies: false, token_dialect: 'rfc9068_profile' })
      assert.deepEqual([updated.enforce_policies, updated.token_dialect], [false, 'rfc9068_profile'])
      assert.deepEqual((await server.store.apis.get(api.id as string))?.tokenDialect, 'rfc9068_profile')
    })
  })

  describe('/roles', () => {
    it('lists with paging, totals and name_filter', async () => {
      const a = await newRole('list-alpha', 'First')
      const b = await newRole('LIST-beta')
      await newRole('unlisted_gamma')
      const filtered = await call('GET', 'roles?name_filter=list-&include_totals=true&per_page=1')
      assert.equal(filtered.status, 200)
      assert.deepEqual(filtered.json, { start: 0, limit: 1, length: 1, total: 2, roles: [{ id: a.id, name: 'list-alpha', description: 'First' }] })
      const page1 = await call('GET', 'roles?name_filter=LIST-&per_page=1&page=1')
      assert.deepEqual(page1.json, [{ id: b.id, name: 'LIST-beta', description: '' }])
      // LIKE's wildcards are taken literally.
      assert.deepEqual((await call('GET', 'roles?name_filter=_')).json.map((r: Json) => r.name), ['unlisted_gamma'])
      const all = await call('GET', 'roles?include_totals=true')
      assert.equal(all.json.total, await server.store.roles.count())
      assertError(await call('GET', 'roles?per_page=101'), 400, 'invalid_query_string')
      assertError(await call('GET', 'roles?sort=name:1'), 400, 'invalid_query_string')
    })

    it('refuses bad bodies (400), duplicate names (409) and unknown ids (404)', async () => {
      assertError(await call('POST', 'roles', {}), 400, 'invalid_body', /on property name/)
      assertError(await call('POST', 'roles', { name: '' }), 400, 'invalid_body', /name/)
      assertError(await call('POST', 'roles', { name: 'x'.repeat(101) }), 400, 'invalid_body', /name must be at most 100 characters/)
      assertError(await call('POST', 'roles', { name: 'ok', description: 'd'.repeat(141) }), 400, 'invalid_body', /description must be at most 140 characters/)
      assertError(await call('POST', 'roles', { name: 'ok', permissions: [] }), 400, 'invalid_body', /Additional properties not allowed: permissions/)
      assertError(await call('POST', 'roles', { name: 42 }), 400, 'invalid_body')

      const role = await newRole('unique-name')
      const other = await newRole('other-name')
      assertError(await call('POST', 'roles', { name: 'unique-name' }), 409, 'role_exists', /already exists/)
      assertError(await call('PATCH', `roles/${other.id}`, { name: 'unique-name' }), 409, 'role_exists')
      const renamed = await call('PATCH', `roles/${other.id}`, { name: 'renamed', description: 'Now described' })
      assert.deepEqual(renamed.json, { id: other.id, name: 'renamed', description: 'Now described' })
      assert.equal((await call('PATCH', `roles/${other.id}`, { description: '' })).json.description, '')
      assertError(await call('PATCH', `roles/${role.id}`, { id: 'rol_x' }), 400, 'invalid_body', /Additional properties not allowed: id/)

      for (const [method, path, body] of [
        ['GET', 'roles/rol_nosuchrole00000', undefined],
        ['PATCH', 'roles/rol_nosuchrole00000', { name: 'x' }],
        ['DELETE', 'roles/rol_nosuchrole00000', undefined],
        ['GET', 'roles/rol_nosuchrole00000/permissions', undefined],
        ['POST', 'roles/rol_nosuchrole00000/permissions', { permissions: [perm('read:orders')] }],
        ['DELETE', 'roles/rol_nosuchrole00000/permissions', { permissions: [perm('read:orders')] }],
        ['GET', 'roles/rol_nosuchrole00000/users', undefined],
        ['POST', 'roles/rol_nosuchrole00000/users', { users: ['auth0|x'] }],
      ] as const)
        assertError(await call(method, path, body), 404, 'inexistent_role', /The role does not exist/)

      assert.equal((await call('DELETE', `roles/${role.id}`)).status, 200)
      assertError(await call('DELETE', `roles/${role.id}`), 404, 'inexistent_role')
    })

    it('lists and assigns the built-in administrator roles, but refuses to rename, delete or change their permissions (400), or to take their names', async () => {
      const system = await server.store.apis.findSystem()
      assert.ok(system)
      const admin = await ensureAdminRole(server.store, system, 'admin', Date.now())
      const readOnly = await ensureAdminRole(server.store, system, 'read-only', Date.now())
      const permissionsBefore = await server.store.roles.countPermissions(admin.id)
      for (const role of [admin, readOnly]) {
        const kept = new RegExp(`The role "${role.name}" is built in: .*Manage administrators with \`latchkey admins\``)
        for (const [method, path, body] of [
          ['PATCH', `roles/${role.id}`, { name: 'Renamed' }],
          ['PATCH', `roles/${role.id}`, { description: 'Changed' }],
          ['DELETE', `roles/${role.id}`, undefined],
          ['POST', `roles/${role.id}/permissions`, { permissions: [perm('read:orders')] }],
          ['DELETE', `roles/${role.id}/permissions`, { permissions: [perm('read:roles', system.identifier)] }],
        ] as const)
          assertError(await call(method, path, body), 400, 'operation_not_supported', kept)
        assert.deepEqual((await call('GET', `roles/${role.id}`)).json, { id: role.id, name: role.name, description: role.description })
      }
      assert.equal(await server.store.roles.countPermissions(admin.id), permissionsBefore, 'the permissions stay')
      assert.ok((await call('GET', `roles/${admin.id}/permissions?per_page=100`)).json.some((p: Json) => p.permission_name === 'update:roles'))

      // No other role takes their names, whatever the case or spaces.
      const other = await newRole('ordinary')
      assertError(await call('POST', 'roles', { name: 'latchkey admin' }), 400, 'invalid_body', /The name "Latchkey Admin" is reserved for Latchkey's built-in administrator role/)
      assertError(await call('PATCH', `roles/${other.id}`, { name: ' Latchkey Read-only ' }), 400, 'invalid_body', /"Latchkey Read-only" is reserved/)
      assert.equal((await call('GET', `roles/${other.id}`)).json.name, 'ordinary')

      // Assigning users to them is how the Management API makes administrators (as latchkey admins add does).
      const user = await addUser(server.store)
      assert.equal((await call('POST', `roles/${readOnly.id}/users`, { users: [user.id] })).status, 200)
      assert.deepEqual((await call('GET', `roles/${readOnly.id}/users`)).json.map((u: Json) => u.user_id), [user.id])
      assert.equal((await call('DELETE', `${userPath(user.id)}/roles`, { roles: [readOnly.id] })).status, 204)
    })

    it('validates permissions added to a role (400) but not those removed', async () => {
      const role = await newRole('perm-checks')
      const path = `roles/${role.id}/permissions`
      const system = (await server.store.apis.findSystem())?.identifier as string
      const cases: [unknown, RegExp][] = [
        [{ permissions: [] }, /permissions/],
        [{}, /on property permissions/],
        [{ permissions: [{ resource_server_identifier: ORDERS }] }, /permission_name/],
        [{ permissions: [perm('read:orders', 'https://nowhere.example.com/')] }, /resource server not found: "https:\/\/nowhere\.example\.com\/"/],
        [{ permissions: [perm('read:orders'), perm('fly:planes')] }, /permission "fly:planes" is not a scope of https:\/\/orders\.example\.com\//],
        [{ permissions: [perm('read:roles', system)] }, /Latchkey Management API's scopes are not given through roles/],
      ]
      for (const [body, message] of cases) assertError(await call('POST', path, body), 400, 'invalid_body', message)
      assert.equal(await server.store.roles.countPermissions(role.id), 0, 'a refused batch adds nothing')

      assert.equal((await call('POST', path, { permissions: [perm('read:orders'), perm('read:orders')] })).status, 201)
      assert.equal((await call('POST', path, { permissions: [perm('read:orders')] })).status, 201, 'adding again changes nothing')
      const listed = await call('GET', `${path}?include_totals=true`)
      assert.deepEqual(listed.json, {
        start: 0,
        limit: 50,
        length: 1,
        total: 1,
        permissions: [{ resource_server_identifier: ORDERS, permission_name: 'read:orders', resource_server_name: 'Orders', description: 'Can read:orders' }],
      })
      assert.equal((await call('DELETE', path, { permissions: [perm('never:given', 'https://gone.example.com/'), perm('read:orders')] })).status, 204)
      assert.deepEqual((await call('GET', path)).json, [])
      assertError(await call('DELETE', path, { permissions: [] }), 400, 'invalid_body')
    })

    it("lists a role's users with offset and checkpoint paging; assigning an unknown user is a 404 that assigns nobody", async () => {
      const role = await newRole('paged-users')
      const users = [await addUser(server.store), await addUser(server.store), await addUser(server.store)]
      const path = `roles/${role.id}/users`
      assertError(await call('POST', path, { users: [users[0]?.id, 'auth0|nobody'] }), 404, 'inexistent_user', /auth0\|nobody/)
      assert.equal(await server.store.roles.countUsers(role.id), 0)
      assertError(await call('POST', path, { users: [] }), 400, 'invalid_body')
      assert.equal((await call('POST', path, { users: users.map((u) => u.id) })).status, 200)
      assert.equal((await call('POST', path, { users: [users[0]?.id] })).status, 200, 'assigning again changes nothing')

      const expected = (await server.store.roles.listUsers(role.id)).map((id) => {
        const user = users.find((u) => u.id === id)
        return { user_id: id, email: user?.email, name: 'Test User' }
      })
      assert.equal(expected.length, 3)
      const totals = await call('GET', `${path}?include_totals=true&per_page=2&page=1`)
      assert.deepEqual(totals.json, { start: 2, limit: 2, length: 1, total: 3, users: expected.slice(2) })
      const first = await call('GET', `${path}?take=2`)
      assert.deepEqual(first.json.users, expected.slice(0, 2))
      assert.equal(typeof first.json.next, 'string')
      const rest = await call('GET', `${path}?take=2&from=${encodeURIComponent(first.json.next)}`)
      assert.deepEqual(rest.json, { users: expected.slice(2) })
      assertError(await call('GET', `${path}?from=not-a-cursor`), 400, 'invalid_query_string')
    })
  })

  describe('/users/{id}/roles and /users/{id}/permissions', () => {
    it('refuses unknown users (404), unknown roles (404, nothing assigned) and bad bodies (400)', async () => {
      const role = await newRole('user-checks')
      for (const [method, path, body] of [
        ['GET', 'users/auth0%7Cnobody/roles', undefined],
        ['POST', 'users/auth0%7Cnobody/roles', { roles: [role.id] }],
        ['DELETE', 'users/auth0%7Cnobody/roles', { roles: [role.id] }],
        ['GET', 'users/auth0%7Cnobody/permissions', undefined],
        ['POST', 'users/auth0%7Cnobody/permissions', { permissions: [perm('read:orders')] }],
        ['DELETE', 'users/auth0%7Cnobody/permissions', { permissions: [perm('read:orders')] }],
      ] as const)
        assertError(await call(method, path, body), 404, 'inexistent_user')

      const user = await addUser(server.store)
      const res = await call('POST', `${userPath(user.id)}/roles`, { roles: [role.id, 'rol_nosuchrole00000'] })
      assertError(res, 404, 'inexistent_role', /The role "rol_nosuchrole00000" does not exist\./)
      assert.equal(await server.store.roles.countForUser(user.id), 0)
      assertError(await call('POST', `${userPath(user.id)}/roles`, { roles: [] }), 400, 'invalid_body')
      assertError(await call('POST', `${userPath(user.id)}/roles`, { roles: 'x' }), 400, 'invalid_body')
      assertError(await call('POST', `${userPath(user.id)}/permissions`, { permissions: [perm('fly:planes')] }), 400, 'invalid_body', /not a scope/)
      assert.equal((await call('DELETE', `${userPath(user.id)}/roles`, { roles: ['rol_nosuchrole00000'] })).status, 204, 'removing what is not there is no error')
    })

    it("pages a user's roles and permissions with totals", async () => {
      const user = await addUser(server.store)
      const b = await newRole('paging-b')
      const a = await newRole('paging-a')
      assert.equal((await call('POST', `${userPath(user.id)}/roles`, { roles: [b.id, a.id, a.id] })).status, 204)
      assert.deepEqual((await call('GET', `${userPath(user.id)}/roles?include_totals=true&per_page=1`)).json, {
        start: 0, limit: 1, length: 1, total: 2, roles: [{ id: a.id, name: 'paging-a', description: '' }],
      })
      assert.equal((await call('POST', `roles/${a.id}/permissions`, { permissions: [perm('read:orders'), perm('write:orders')] })).status, 201)
      assert.equal((await call('POST', `${userPath(user.id)}/permissions`, { permissions: [perm('read:invoices', BILLING)] })).status, 201)
      const page = await call('GET', `${userPath(user.id)}/permissions?include_totals=true&per_page=2&page=1`)
      assert.deepEqual(page.json, {
        start: 2,
        limit: 2,
        length: 1,
        total: 3,
        permissions: [{ resource_server_identifier: ORDERS, permission_name: 'write:orders', resource_server_name: 'Orders', description: 'Can write:orders', sources: [{ source_id: a.id, source_name: 'paging-a', source_type: 'ROLE' }] }],
      })
    })

    it('deleting a role takes it and its permissions from its users; deleting a user takes their roles', async () => {
      const user = await addUser(server.store)
      const role = await newRole('short-lived')
      const kept = await newRole('kept')
      await call('POST', `roles/${role.id}/permissions`, { permissions: [perm('delete:orders')] })
      await call('POST', `roles/${kept.id}/users`, { users: [user.id] })
      await call('POST', `${userPath(user.id)}/roles`, { roles: [role.id] })
      assert.deepEqual((await call('GET', `${userPath(user.id)}/permissions`)).json.map((p: Json) => p.permission_name), ['delete:orders'])
      assert.equal((await call('DELETE', `roles/${role.id}`)).status, 200)
      assert.deepEqual((await call('GET', `${userPath(user.id)}/roles`)).json.map((r: Json) => r.id), [kept.id])
      assert.deepEqual((await call('GET', `${userPath(user.id)}/permissions`)).json, [])
      assert.equal((await server.store.roles.listPermissions(role.id)).length, 0)

      assert.equal((await call('DELETE', userPath(user.id))).status, 204)
      assert.deepEqual((await call('GET', `roles/${kept.id}/users`)).json, [])
    })
  })

  describe('in tokens', () => {
    it('what the Management API sets up decides the access token: roles, direct permissions and roles within an organization', async () => {
      const api = await call('POST', 'resource-servers', {
        identifier: 'https://clinic.example.com/',
        scopes: [{ value: 'read:charts' }, { value: 'write:charts' }, { value: 'sign:charts' }],
        enforce_policies: true,
        token_dialect: 'access_token_authz',
      })
      assert.equal(api.status, 201, JSON.stringify(api.json))
      const audience = api.json.identifier as string
      const p = (name: string) => perm(name, audience)
      const nurse = await newRole('nurse')
      const doctor = await newRole('doctor')
      assert.equal((await call('POST', `roles/${nurse.id}/permissions`, { permissions: [p('read:charts')] })).status, 201)
      assert.equal((await call('POST', `roles/${doctor.id}/permissions`, { permissions: [p('read:charts'), p('write:charts'), p('sign:charts')] })).status, 201)
      const { app } = await addApp(server.store, { grants: ['authorization_code', 'refresh_token'], organizationUsage: 'allow' })
      const user = await addUser(server.store)
      assert.equal((await call('POST', `${userPath(user.id)}/roles`, { roles: [nurse.id] })).status, 204)
      assert.equal((await call('POST', `${userPath(user.id)}/permissions`, { permissions: [p('sign:charts')] })).status, 201)
      const scope = 'openid read:charts write:charts'

      const browser = new LoggedInBrowser(server, user)
      const plain = await browser.tokens(app, { scope, audience })
      assert.equal(plain.scope, 'openid read:charts')
      assert.deepEqual(claims(plain.access_token as string).permissions, ['read:charts', 'sign:charts'])

      // Within an organization, the member's roles there count too.
      const org = await call('POST', 'organizations', { name: 'st-elsewhere' })
      assert.equal((await call('POST', `organizations/${org.json.id}/members`, { members: [user.id] })).status, 204)
      assert.equal((await call('POST', `organizations/${org.json.id}/members/${encodeURIComponent(user.id)}/roles`, { roles: [doctor.id] })).status, 204)
      const inOrg = await browser.tokens(app, { scope, audience, extra: { organization: org.json.id } })
      assert.equal(inOrg.scope, 'openid read:charts write:charts')
      assert.deepEqual(claims(inOrg.access_token as string).permissions, ['read:charts', 'write:charts', 'sign:charts'])

      // Taken away through the API, gone from the next token.
      assert.equal((await call('DELETE', `roles/${doctor.id}`)).status, 200)
      assert.equal((await call('DELETE', `${userPath(user.id)}/permissions`, { permissions: [p('sign:charts')] })).status, 204)
      const revoked = await browser.tokens(app, { scope, audience, extra: { organization: org.json.id } })
      assert.equal(revoked.scope, 'openid read:charts')
      assert.deepEqual(claims(revoked.access_token as string).permissions, ['read:charts'])
    })
  })

  describe('scopes and audit', () => {
    it('a token without the route\'s scope gets 403', async () => {
      const reader = (await managementToken(['read:roles'])).token
      const role = await newRole('scoped')
      const user = await addUser(server.store)
      assert.equal((await call('GET', 'roles', undefined, reader)).status, 200)
      assert.equal((await call('GET', `roles/${role.id}/permissions`, undefined, reader)).status, 200)
      assert.equal((await call('GET', `roles/${role.id}/users`, undefined, reader)).status, 200)
      assert.equal((await call('GET', `${userPath(user.id)}/roles`, undefined, reader)).status, 200)
      for (const [method, path, body] of [
        ['POST', 'roles', { name: 'nope' }],
        ['PATCH', `roles/${role.id}`, { name: 'nope' }],
        ['DELETE', `roles/${role.id}`, undefined],
        ['POST', `roles/${role.id}/permissions`, { permissions: [perm('read:orders')] }],
        ['DELETE', `roles/${role.id}/permissions`, { permissions: [perm('read:orders')] }],
        ['POST', `roles/${role.id}/users`, { users: [user.id] }],
        ['POST', `${userPath(user.id)}/roles`, { roles: [role.id] }],
        ['DELETE', `${userPath(user.id)}/roles`, { roles: [role.id] }],
        ['GET', `${userPath(user.id)}/permissions`, undefined],
        ['POST', `${userPath(user.id)}/permissions`, { permissions: [perm('read:orders')] }],
        ['DELETE', `${userPath(user.id)}/permissions`, { permissions: [perm('read:orders')] }],
      ] as const) {
        const res = await call(method, path, body, reader)
        assertError(res, 403, 'insufficient_scope')
      }
      assert.equal(await server.store.roles.count({ nameFilter: 'nope' }), 0)

      // Auth0's narrower scopes for role members work on their own.
      const members = (await managementToken(['create:role_members', 'delete:role_members', 'read:role_members'])).token
      assert.equal((await call('POST', `roles/${role.id}/users`, { users: [user.id] }, members)).status, 200)
      assert.equal((await call('GET', `roles/${role.id}/users`, undefined, members)).status, 200)
      assert.equal((await call('DELETE', `${userPath(user.id)}/roles`, { roles: [role.id] }, members)).status, 204)
      assert.equal((await call('POST', `${userPath(user.id)}/roles`, { roles: [role.id] }, members)).status, 204)
    })

    it('writes every change to the audit log with the calling application as the actor', async () => {
      const role = await newRole('audited')
      const user = await addUser(server.store)
      await call('PATCH', `roles/${role.id}`, { description: 'Audited' })
      await call('POST', `roles/${role.id}/permissions`, { permissions: [perm('read:orders')] })
      await call('DELETE', `roles/${role.id}/permissions`, { permissions: [perm('read:orders')] })
      await call('POST', `${userPath(user.id)}/roles`, { roles: [role.id] })
      await call('DELETE', `${userPath(user.id)}/roles`, { roles: [role.id] })
      await call('POST', `${userPath(user.id)}/permissions`, { permissions: [perm('read:orders')] })
      await call('DELETE', `${userPath(user.id)}/permissions`, { permissions: [perm('read:orders')] })
      await call('DELETE', `roles/${role.id}`)
      const events = await server.store.logs.list({ type: 'sapi', clientId: robot.app.clientId, perPage: 100 })
      const about = events.filter((e) => e.details.role_id === role.id || e.userId === user.id).reverse()
      assert.deepEqual(
        about.map((e) => e.details.action),
        ['role.created', 'role.updated', 'role.permissions_added', 'role.permissions_removed', 'user.roles_assigned', 'user.roles_removed', 'user.permissions_added', 'user.permissions_removed', 'role.deleted'],
      )
      assert.ok(about.every((e) => e.details.actor === 'management_api'))
      assert.deepEqual(about[2]?.details.permissions, [`${ORDERS} read:orders`])
      assert.deepEqual(about[4]?.details.role_ids, [role.id])
    })
  })
})
