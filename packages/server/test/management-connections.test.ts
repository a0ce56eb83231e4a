/**
 * The Management API's /connections, over plain HTTP and through Auth0's own ManagementClient (v5),
 * against a real server on a SQLite file: the database connection listed and changeable but not
 * deletable; upstream connections created, listed (strategy and name filters, offset and checkpoint
 * paging, fields), read, changed (name and strategy fixed) and deleted with their users; the
 * applications each is enabled for; Auth0's error shapes for malformed, mistyped, oversized and
 * refused bodies, unknown ids and taken names; every change audited. The upstream client secret is
 * write-only: never in an answer, only sealed (a JWE under the server's key-encryption key) in the
 * database, never in the audit log or the server's logs.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, type ConnectionRecord, connectionUserId, createConnectionUser } from '@latchkey/core'
import { ManagementClient, ManagementError } from 'auth0'
import Database from 'better-sqlite3'
import { compactDecrypt, decodeProtectedHeader } from 'jose'
import { kekFromSecret } from '../src/keys/secret.js'
import { managementScopes } from '../src/management/system-api.js'
import { type Answer, lastChange as lastChangeOf, managementCall, m2m as m2mFor } from './support/management.js'
import { addApp, startTestServer, TEST_SECRET, type TestServer } from './support/harness.js'
import { proxyGlobalFetch } from './support/tls-proxy.js'

const DOMAIN = 'latchkey.test'
const ISSUER = `https://${DOMAIN}/`
const ALL = managementScopes().map((s) => s.value)
const DATABASE = 'Username-Password-Authentication'
/** Upstream client secrets used below: none may ever be found in an answer, a row or a log line. */
const SECRETS = ['oidc-upstream-secret-3f9c1a7e', 'github-upstream-secret-8d2b4c6a', 'rotated-upstream-secret-5e7f9a1b', 'sdk-upstream-secret-0c4e6a8d']


const dir = mkdtempSync(join(tmpdir(), 'latchkey-connections-'))
const DB_FILE = join(dir, 'latchkey.db')

describe('Management API: connections', () => {
  let server: TestServer
  let token: string
  let spa: ApplicationRecord
  let web: ApplicationRecord
  let oidc: any

  const m2m = (scope: readonly string[]) => m2mFor(server, scope)

  async function call(method: string, path: string, body?: unknown, bearer = token): Promise<Answer> {
    const r = await managementCall(server, bearer, method, path, body)
    for (const secret of SECRETS) assert.ok(!r.text.includes(secret), `the answer to ${method} ${path} carries an upstream client secret`)
    return r
  }

  function assertError(r: Answer, statusCode: number, errorCode: string, message?: string | RegExp): void {
    const reasons: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' }
    assert.equal(r.status, statusCode, r.text)
    assert.deepEqual(r.json, { statusCode, error: reasons[statusCode], message: r.json.message, errorCode })
    if (typeof message === 'string') assert.equal(r.json.message, message)
    else if (message) assert.match(r.json.message, message)
  }

  const lastChange = () => lastChangeOf(server)

  const oidcBody = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    strategy: 'oidc',
    display_name: 'Acme SSO',
    options: { issuer: 'https://acme.okta.example/', client_id: 'latchkey-at-acme', client_secret: SECRETS[0], scope: 'openid profile email', domain_aliases: ['acme.example'] },
    enabled_clients: [spa.clientId],
    metadata: { team: 'platform' },
    ...extra,
  })

  before(async () => {
    server = await startTestServer({ issuer: ISSUER, db: `sqlite:${DB_FILE}` })
    ;({ token } = await m2m(ALL))
    ;({ app: spa } = await addApp(server.store, { name: 'Storefront SPA' }))
    ;({ app: web } = await addApp(server.store, { name: 'Back office', type: 'regular_web', callbacks: ['https://office.example.com/callback'] }))
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists the database connection, enabled for every application, with Auth0\'s fields', async () => {
    const r = await call('GET', 'connections')
    assert.equal(r.status, 200)
    const database = r.json.find((c: { name: string }) => c.name === DATABASE)
    assert.ok(database, r.text)
    assert.match(database.id, /^con_[A-Za-z0-9]{16}$/)
    assert.deepEqual(Object.keys(database).sort(), ['display_name', 'enabled_clients', 'id', 'is_domain_connection', 'metadata', 'name', 'options', 'realms', 'strategy'])
    assert.equal(database.strategy, 'auth0')
    assert.deepEqual(database.realms, [DATABASE])
    assert.ok(database.enabled_clients.includes(spa.clientId) && database.enabled_clients.includes(web.clientId))
  })

  it('creates an oidc connection: 201 in Auth0\'s shape without the client secret, sealed in the store, audited', async () => {
    const r = await call('POST', 'connections', oidcBody('acme-sso'))
    assert.equal(r.status, 201, r.text)
    oidc = r.json
    assert.match(oidc.id, /^con_[A-Za-z0-9]{16}$/)
    assert.deepEqual(oidc, {
      id: oidc.id,
      name: 'acme-sso',
      display_name: 'Acme SSO',
      strategy: 'oidc',
      options: { issuer: 'https://acme.okta.example/', client_id: 'latchkey-at-acme', scope: 'openid profile email', domain_aliases: ['acme.example'] },
      enabled_clients: [spa.clientId],
      is_domain_connection: false,
      metadata: { team: 'platform' },
      realms: ['acme-sso'],
    })
    const stored = (await server.store.connections.get(oidc.id)) as ConnectionRecord
    assert.ok(stored.sealedClientSecret)
    assert.equal(decodeProtectedHeader(stored.sealedClientSecret).alg, 'dir')
    const { plaintext } = await compactDecrypt(stored.sealedClientSecret, kekFromSecret(TEST_SECRET).key)
    assert.equal(new TextDecoder().decode(plaintext), SECRETS[0])
    assert.equal(stored.options.client_secret, undefined)
    const event = await lastChange()
    assert.equal(event.details.action, 'connection.created')
    assert.equal(event.details.connection_id, oidc.id)
    assert.equal(event.details.actor, 'management_api')
  })

  it('refuses a taken name with Auth0\'s 409', async () => {
    assertError(await call('POST', 'connections', oidcBody('acme-sso')), 409, 'connection_conflict', 'A connection with the same name already exists')
    assertError(await call('POST', 'connections', { name: DATABASE, strategy: 'github', options: { client_id: 'x', client_secret: 'y' } }), 409, 'connection_conflict')
  })

  it('refuses malformed bodies, wrong types, huge values, unknown strategies and bad names with 400 invalid_body', async () => {
    const refused: [unknown, RegExp][] = [
      ['{"name":', /Invalid request payload JSON format/],
      [[], /Payload validation error/],
      [{ strategy: 'oidc' }, /on property name/],
      [{ name: 'x', strategy: 'oidc', colour: 'blue' }, /Additional properties not allowed: colour/],
      [{ name: 'has space', strategy: 'github', options: { client_id: 'a' } }, /name must be/],
      [{ name: '-leading', strategy: 'github', options: { client_id: 'a' } }, /name must be/],
      [{ name: 'trailing-', strategy: 'github', options: { client_id: 'a' } }, /name must be/],
      [{ name: 'x'.repeat(129), strategy: 'github', options: { client_id: 'a' } }, /name must be at most 128/],
      [{ name: 'saml', strategy: 'samlp', options: {} }, /strategy: expected one of oidc, google-oauth2, github, oauth2/],
      [{ name: 'db2', strategy: 'auth0' }, /one database connection/],
      [{ name: 'x', strategy: 42 }, /on property strategy/],
      [{ name: 'x', strategy: 'github', options: 'client_id=a' }, /on property options/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a' }, enabled_clients: 'all' }, /on property enabled_clients/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a' }, is_domain_connection: 'yes' }, /on property is_domain_connection/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a' }, metadata: { n: 1 } }, /on property metadata.n/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a' }, display_name: 'd'.repeat(5000) }, /on property display_name/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a', blob: 'z'.repeat(70_000) } }, /too large/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a' }, metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, /at most 10 keys/],
      [{ name: 'x', strategy: 'oidc', options: { client_id: 'a' } }, /options.discovery_url: discovery_url or issuer is required/],
      [{ name: 'x', strategy: 'oidc', options: { issuer: 'http://idp.example.com/', client_id: 'a' } }, /options.issuer/],
      [{ name: 'x', strategy: 'oidc', options: { issuer: 'https://idp.example.com/' } }, /options.client_id/],
      [{ name: 'x', strategy: 'oidc', options: { issuer: 'https://idp.example.com/', client_id: 'a', client_secret: 7 } }, /client_secret must be a string/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a' } }, /options.client_secret: is required for github connections/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a', base_url: 'ftp://github.example.com' } }, /options.base_url/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a' }, enabled_clients: ['no-such-app'] }, /enabled_clients: no application has the client_id "no-such-app"/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a' }, realms: ['example.com'] }, /realms: a connection's only realm is its name/],
      [{ name: 'x', strategy: 'github', options: { client_id: 'a' }, show_as_button: false }, /show_as_button may only be true/],
    ]
    for (const [body, message] of refused) assertError(await call('POST', 'connections', body), 400, 'invalid_body', message)
    assert.equal(await server.store.connections.findByName('x'), null, 'nothing refused was stored')
  })

  it('gets a connection by id, with fields / include_fields; 404 in Auth0\'s shape for an unknown one', async () => {
    const r = await call('GET', `connections/${oidc.id}`)
    assert.deepEqual(r.json, oidc)
    assert.deepEqual((await call('GET', `connections/${oidc.id}?fields=id,name`)).json, { id: oidc.id, name: 'acme-sso' })
    assert.deepEqual(Object.keys((await call('GET', `connections/${oidc.id}?fields=options,metadata&include_fields=false`)).json).sort(), [
      'display_name',
      'enabled_clients',
      'id',
      'is_domain_connection',
      'name',
      'realms',
      'strategy',
    ])
    assertError(await call('GET', 'connections/con_doesnotexist0000'), 404, 'inexistent_connection', 'The connection does not exist')
    assertError(await call('GET', `connections/${oidc.id}?include_fields=maybe`), 400, 'invalid_query_string')
  })

  it('lists with strategy (repeated or comma-separated) and name filters, totals, offset and checkpoint paging', async () => {
    const gh = await call('POST', 'connections', { name: 'github', strategy: 'github', options: { client_id: 'Iv1.abc', client_secret: SECRETS[1] } })
    assert.equal(gh.status, 201, gh.text)
    const names = (r: Answer) => (Array.isArray(r.json) ? r.json : r.json.connections).map((c: { name: string }) => c.name)
    assert.deepEqual(names(await call('GET', 'connections?strategy=oidc')), ['acme-sso'])
    assert.deepEqual(names(await call('GET', 'connections?strategy=oidc&strategy=github')), ['acme-sso', 'github'])
    assert.deepEqual(names(await call('GET', 'connections?strategy=github,auth0')), [DATABASE, 'github'])
    assert.deepEqual(names(await call('GET', 'connections?strategy=samlp')), [])
    assert.deepEqual(names(await call('GET', 'connections?name=github')), ['github'])
    assert.deepEqual(names(await call('GET', 'connections?name=github&strategy=oidc')), [])
    const totals = await call('GET', 'connections?include_totals=true&per_page=2&page=1')
    assert.deepEqual({ ...totals.json, connections: names(totals) }, { start: 2, limit: 2, length: 1, total: 3, connections: ['github'] })
    const first = await call('GET', 'connections?take=2')
    assert.deepEqual(names(first), [DATABASE, 'acme-sso'])
    assert.equal(typeof first.json.next, 'string')
    const second = await call('GET', `connections?take=2&from=${encodeURIComponent(first.json.next)}`)
    assert.deepEqual(names(second), ['github'])
    assert.equal(second.json.next, undefined)
    assertError(await call('GET', 'connections?take=2&page=1'), 400, 'invalid_query_string', /not both/)
    assertError(await call('GET', 'connections?strategy=<script>'), 400, 'invalid_query_string', /on property strategy/)
    assertError(await call('GET', 'connections?per_page=1000'), 400, 'invalid_query_string', /on property per_page/)
  })

  it('updates: options replace the stored ones but keep the secret unless one is given; null removes it; name and strategy never change', async () => {
    const before = (await server.store.connections.get(oidc.id)) as ConnectionRecord
    const r = await call('PATCH', `connections/${oidc.id}`, { display_name: 'Acme', options: { issuer: 'https://acme.okta.example/', client_id: 'latchkey-at-acme' }, name: 'acme-sso' })
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.display_name, 'Acme')
    assert.deepEqual(r.json.options, { issuer: 'https://acme.okta.example/', client_id: 'latchkey-at-acme' })
    assert.equal(((await server.store.connections.get(oidc.id)) as ConnectionRecord).sealedClientSecret, before.sealedClientSecret, 'the secret was kept')
    const event = await lastChange()
    assert.deepEqual([event.details.action, event.details.fields], ['connection.updated', ['display_name', 'options', 'name']])

    const rotated = await call('PATCH', `connections/${oidc.id}`, { options: { ...r.json.options, client_secret: SECRETS[2] } })
    assert.equal(rotated.status, 200, rotated.text)
    const sealed = ((await server.store.connections.get(oidc.id)) as ConnectionRecord).sealedClientSecret as string
    assert.equal(new TextDecoder().decode((await compactDecrypt(sealed, kekFromSecret(TEST_SECRET).key)).plaintext), SECRETS[2])
    assert.equal((await lastChange()).details.client_secret, 'replaced')

    assert.equal((await call('PATCH', `connections/${oidc.id}`, { options: { ...r.json.options, client_secret: null } })).status, 200)
    assert.equal(((await server.store.connections.get(oidc.id)) as ConnectionRecord).sealedClientSecret, null)
    assert.equal((await call('PATCH', `connections/${oidc.id}`, { options: { ...r.json.options, client_secret: SECRETS[0] } })).status, 200)

    assertError(await call('PATCH', `connections/${oidc.id}`, { name: 'renamed' }), 400, 'invalid_body', /name cannot change/)
    assertError(await call('PATCH', `connections/${oidc.id}`, { strategy: 'github' }), 400, 'invalid_body', /strategy cannot change/)
    assertError(await call('PATCH', `connections/${oidc.id}`, { options: { issuer: 'https://acme.okta.example/' } }), 400, 'invalid_body', /options.client_id/)
    assertError(await call('PATCH', `connections/${oidc.id}`, { enabled_clients: ['nobody'] }), 400, 'invalid_body', /no application/)
    assertError(await call('PATCH', `connections/${oidc.id}`, { display_name: 12 }), 400, 'invalid_body', /on property display_name/)
    assertError(await call('PATCH', 'connections/con_doesnotexist0000', { display_name: 'x' }), 404, 'inexistent_connection')
    const metadata = await call('PATCH', `connections/${oidc.id}`, { metadata: { team: null, tier: 'gold' }, is_domain_connection: true })
    assert.deepEqual([metadata.json.metadata, metadata.json.is_domain_connection], [{ tier: 'gold' }, true])
  })

  it('the database connection: its display name and applications change, its options do not, it cannot be deleted', async () => {
    const database = (await server.store.connections.findByName(DATABASE)) as ConnectionRecord
    const r = await call('PATCH', `connections/${database.id}`, { display_name: 'Email and password', enabled_clients: [spa.clientId] })
    assert.equal(r.status, 200, r.text)
    assert.deepEqual([r.json.display_name, r.json.enabled_clients, r.json.strategy], ['Email and password', [spa.clientId], 'auth0'])
    assertError(await call('PATCH', `connections/${database.id}`, { options: { passwordPolicy: 'good' } }), 400, 'invalid_body', /takes no options/)
    assertError(await call('DELETE', `connections/${database.id}`), 400, 'operation_not_supported', /cannot be deleted/)
    assert.ok(await server.store.connections.get(database.id))
    assert.equal((await call('PATCH', `connections/${database.id}`, { enabled_clients: [spa.clientId, web.clientId] })).status, 200)
  })

  it('GET and PATCH /connections/{id}/clients: Auth0\'s shapes, checkpoint paging, checked application ids, audited', async () => {
    const clients = async (query = '') => (await call('GET', `connections/${oidc.id}/clients${query}`)).json
    assert.deepEqual(await clients(), { clients: [{ client_id: spa.clientId }] })
    const changed = await call('PATCH', `connections/${oidc.id}/clients`, [
      { client_id: web.clientId, status: true },
      { client_id: spa.clientId, status: false },
    ])
    assert.equal(changed.status, 204, changed.text)
    assert.deepEqual(await clients(), { clients: [{ client_id: web.clientId }] })
    const event = await lastChange()
    assert.deepEqual([event.details.action, event.details.enabled_clients, event.details.disabled_clients], ['connection.clients_updated', [web.clientId], [spa.clientId]])
    assert.equal((await call('PATCH', `connections/${oidc.id}/clients`, [{ client_id: spa.clientId, status: true }])).status, 204)
    const page = await clients('?take=1')
    assert.equal(page.clients.length, 1)
    assert.equal(typeof page.next, 'string')
    const rest = await clients(`?take=1&from=${encodeURIComponent(page.next)}`)
    assert.deepEqual([...page.clients, ...rest.clients].map((c: { client_id: string }) => c.client_id).sort(), [spa.clientId, web.clientId].sort())
    assert.equal(rest.next, undefined)
    assert.deepEqual((await call('GET', `connections/${oidc.id}`)).json.enabled_clients.sort(), [spa.clientId, web.clientId].sort())

    const bad = (body: unknown) => call('PATCH', `connections/${oidc.id}/clients`, body)
    assertError(await bad([]), 400, 'invalid_body')
    assertError(await bad({ client_id: spa.clientId, status: true }), 400, 'invalid_body')
    assertError(await bad([{ client_id: spa.clientId, status: 'on' }]), 400, 'invalid_body', /on property 0.status/)
    assertError(await bad([{ client_id: spa.clientId }]), 400, 'invalid_body')
    assertError(await bad(Array.from({ length: 51 }, () => ({ client_id: spa.clientId, status: true }))), 400, 'invalid_body')
    assertError(await bad([{ client_id: 'nobody', status: true }]), 400, 'invalid_body', /no application has the client_id "nobody"/)
    assertError(await bad([{ client_id: spa.clientId, status: true }, { client_id: spa.clientId, status: false }]), 400, 'invalid_body', /both enabled and disabled/)
    assertError(await call('GET', 'connections/con_doesnotexist0000/clients'), 404, 'inexistent_connection')
    assertError(await call('PATCH', 'connections/con_doesnotexist0000/clients', [{ client_id: spa.clientId, status: true }]), 404, 'inexistent_connection')
  })

  it('checks scopes: read:connections reads, the others change', async () => {
    const reader = await m2m(['read:connections'])
    assert.equal((await call('GET', 'connections', undefined, reader.token)).status, 200)
    assertError(await call('POST', 'connections', oidcBody('nope'), reader.token), 403, 'insufficient_scope', 'Insufficient scope, expected any of: create:connections')
    assertError(await call('PATCH', `connections/${oidc.id}`, { display_name: 'x' }, reader.token), 403, 'insufficient_scope', 'Insufficient scope, expected any of: update:connections')
    assertError(await call('PATCH', `connections/${oidc.id}/clients`, [], reader.token), 403, 'insufficient_scope', 'Insufficient scope, expected any of: update:connections')
    assertError(await call('DELETE', `connections/${oidc.id}`, undefined, reader.token), 403, 'insufficient_scope', 'Insufficient scope, expected any of: delete:connections')
    const none = await m2m([])
    assertError(await call('GET', 'connections', undefined, none.token), 403, 'insufficient_scope', 'Insufficient scope, expected any of: read:connections')
    const system = await server.store.apis.findSystem()
    for (const scope of ['read:connections', 'create:connections', 'update:connections', 'delete:connections'])
      assert.ok(system?.scopes.some((s) => s.value === scope), `the Management API has ${scope}`)
  })

  it('deletes a connection with the users whose connection it is: 204, then 404', async () => {
    const created = await call('POST', 'connections', { name: 'temporary', strategy: 'oauth2', options: oauth2Options() })
    assert.equal(created.status, 201, created.text)
    const record = (await server.store.connections.get(created.json.id)) as ConnectionRecord
    const user = createConnectionUser({ id: connectionUserId(record, '4711'), connection: record.name, profile: { email: 'ada@example.com' } }, Date.now())
    await server.store.users.insert(user)
    await server.store.identities.insert({
      userId: user.id,
      connectionId: record.id,
      provider: 'oauth2',
      providerUserId: 'temporary|4711',
      isSocial: false,
      profileData: {},
      createdAt: Date.now(),
      updatedAt: Date.now(),
    })
    const r = await call('DELETE', `connections/${record.id}`)
    assert.equal(r.status, 204, r.text)
    assert.equal(r.text, '')
    assert.equal(await server.store.users.get(user.id), null, 'its users are deleted, as in Auth0')
    assertError(await call('GET', `connections/${record.id}`), 404, 'inexistent_connection')
    assertError(await call('DELETE', `connections/${record.id}`), 404, 'inexistent_connection')
    const event = await lastChange()
    assert.deepEqual([event.details.action, event.details.name], ['connection.deleted', 'temporary'])
  })

  it("users carry their real identities in Auth0's shape; users of different connections may share an email", async () => {
    const acme = (await server.store.connections.get(oidc.id)) as ConnectionRecord
    const github = (await server.store.connections.findByName('github')) as ConnectionRecord
    const now = Date.now()
    const identity = (connection: ConnectionRecord, userId: string, providerUserId: string, profileData: Record<string, unknown> = {}) => ({
      userId,
      connectionId: connection.id,
      provider: connection.strategy,
      providerUserId,
      isSocial: connection.strategy === 'github',
      profileData,
      createdAt: now,
      updatedAt: now,
    })
    const upstream = createConnectionUser({ id: connectionUserId(acme, 'sub-1'), connection: acme.name, profile: { email: 'grace@example.com', emailVerified: true } }, now)
    await server.store.users.insert(upstream)
    await server.store.identities.insert(identity(acme, upstream.id, 'acme-sso|sub-1'))
    await server.store.identities.insert(identity(github, upstream.id, '583231', { login: 'octocat' }))
    const created = await call('POST', 'users', { connection: DATABASE, email: 'grace@example.com', password: 'a long passphrase' })
    assert.equal(created.status, 201, created.text)
    assert.deepEqual(created.json.identities, [{ connection: DATABASE, provider: 'auth0', user_id: created.json.user_id.slice('auth0|'.length), isSocial: false }])

    const shown = await call('GET', `users/${encodeURIComponent(upstream.id)}`)
    assert.equal(shown.json.user_id, 'oidc|acme-sso|sub-1')
    assert.deepEqual(shown.json.identities, [
      { connection: 'acme-sso', provider: 'oidc', user_id: 'acme-sso|sub-1', isSocial: false },
      { connection: 'github', provider: 'github', user_id: '583231', isSocial: true, profileData: { login: 'octocat' } },
    ])
    for (const id of shown.json.identities) assert.equal(`${id.provider}|${id.user_id}` === shown.json.user_id, id === shown.json.identities[0])

    const byEmail = await call('GET', 'users-by-email?email=grace@example.com')
    assert.deepEqual(byEmail.json.map((u: { user_id: string }) => u.user_id).sort(), [created.json.user_id, upstream.id].sort())
    const search = await call('GET', `users?q=${encodeURIComponent('email:"grace@example.com"')}&connection=acme-sso`)
    assert.deepEqual(search.json.map((u: { user_id: string }) => u.user_id), [upstream.id])
    const listed = await call('GET', 'users?connection=acme-sso')
    assert.deepEqual(listed.json.map((u: { user_id: string }) => u.user_id), [upstream.id])
    assertError(await call('PATCH', `users/${encodeURIComponent(upstream.id)}`, { password: 'another long passphrase' }), 400, 'operation_not_supported', /not a database connection/)
    await server.store.users.delete(upstream.id)
  })

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}api/v2/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    assert.deepEqual(Object.keys(doc.paths['/connections'] ?? {}).sort(), ['get', 'post'])
    assert.deepEqual(Object.keys(doc.paths['/connections/{id}'] ?? {}).sort(), ['delete', 'get', 'patch'])
    assert.deepEqual(Object.keys(doc.paths['/connections/{id}/clients'] ?? {}).sort(), ['get', 'patch'])
  })

  describe("through Auth0's ManagementClient (v5)", () => {
    let management: ManagementClient
    let restoreFetch = () => {}

    before(async () => {
      const robot = await m2m(ALL)
      restoreFetch = proxyGlobalFetch(ISSUER, server.url)
      management = new ManagementClient({ domain: DOMAIN, clientId: robot.app.clientId, clientSecret: robot.secret })
    })
    after(() => restoreFetch())

    it('creates, lists by strategy, gets, updates and deletes a connection, and changes its applications', async () => {
      const created = await management.connections.create({
        name: 'sdk-github',
        strategy: 'github',
        options: { client_id: 'Iv1.sdk', client_secret: SECRETS[3] } as never,
        enabled_clients: [spa.clientId],
      })
      assert.equal(created.strategy, 'github')
      assert.equal((created.options as Record<string, unknown>).client_secret, undefined)
      const id = created.id as string

      const github: string[] = []
      for await (const connection of await management.connections.list({ strategy: ['github'] })) github.push(connection.name as string)
      assert.deepEqual(github.sort(), ['github', 'sdk-github'])
      const every: string[] = []
      for await (const connection of await management.connections.list({ take: 1 })) every.push(connection.name as string)
      assert.ok(every.includes(DATABASE) && every.includes('sdk-github') && every.length === (await server.store.connections.count()))

      assert.equal((await management.connections.get(id)).name, 'sdk-github')
      const updated = await management.connections.update(id, { display_name: 'GitHub', options: { client_id: 'Iv1.sdk2' } as never })
      assert.deepEqual([updated.display_name, (updated.options as Record<string, unknown>).client_id], ['GitHub', 'Iv1.sdk2'])
      assert.ok(((await server.store.connections.get(id)) as ConnectionRecord).sealedClientSecret, 'the secret was kept')

      await management.connections.clients.update(id, [
        { client_id: web.clientId, status: true },
        { client_id: spa.clientId, status: false },
      ])
      const enabled: string[] = []
      for await (const client of await management.connections.clients.get(id)) enabled.push(client.client_id)
      assert.deepEqual(enabled, [web.clientId])

      await management.connections.delete(id)
      await assert.rejects(management.connections.get(id), (err: unknown) => {
        assert.ok(err instanceof ManagementError)
        assert.equal(err.statusCode, 404)
        assert.deepEqual(err.body, { statusCode: 404, error: 'Not Found', message: 'The connection does not exist', errorCode: 'inexistent_connection' })
        return true
      })
      await assert.rejects(management.connections.create({ name: 'acme-sso', strategy: 'oidc', options: { issuer: 'https://idp.example.com/', client_id: 'c' } as never }), (err: unknown) => {
        assert.ok(err instanceof ManagementError)
        assert.equal(err.statusCode, 409)
        return true
      })
    })
  })

  it('never keeps an upstream client secret in plaintext: not in any column of any table, not in the logs', async () => {
    const db = new Database(DB_FILE, { readonly: true })
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
      for (const { name } of tables) {
        const rows = db.prepare(`SELECT * FROM "${name}"`).all()
        const text = JSON.stringify(rows)
        for (const secret of SECRETS) assert.ok(!text.includes(secret), `table ${name} holds an upstream client secret in plaintext`)
      }
      const sealed = db.prepare('SELECT sealed_client_secret FROM connections WHERE sealed_client_secret IS NOT NULL').all() as { sealed_client_secret: string }[]
      assert.ok(sealed.length >= 2)
      for (const row of sealed) assert.match(row.sealed_client_secret, /^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/, 'a compact JWE with no encrypted key (dir)')
    } finally {
      db.close()
    }
    const logs = server.logs.join('')
    for (const secret of SECRETS) assert.ok(!logs.includes(secret), 'the server logged an upstream client secret')
  })
})

function oauth2Options() {
  return {
    client_id: 'oauth2-client',
    authorization_endpoint: 'https://oauth.example.com/authorize',
    token_endpoint: 'https://oauth.example.com/token',
    userinfo_endpoint: 'https://oauth.example.com/userinfo',
  }
}
