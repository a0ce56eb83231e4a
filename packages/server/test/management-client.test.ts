/**
 * Auth0's own Node SDK (the `auth0` package, v5, and the v4 API it ships as `auth0/legacy`) driving
 * Latchkey's Management API as it would drive Auth0: it gets its token itself with the
 * client_credentials grant at /oauth/token, then creates, lists, changes and deletes applications,
 * APIs, client grants and users, reads grants and logs, and rotates a signing key.
 *
 * The SDK only speaks https to `https://{domain}/`. The server here is the Latchkey a TLS proxy would
 * front: its issuer is `https://latchkey.test/`, so the SDK's default audience
 * (`https://latchkey.test/api/v2/`) is the Management API's identifier as it is, and the test's fetch
 * plays the proxy by sending `https://latchkey.test/…` to the server's plain-HTTP port.
 * docs/management-api.md says how to run Latchkey behind TLS for real.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, createClientGrant } from '@latchkey/core'
import { ManagementClient, ManagementError } from 'auth0'
import { ManagementClient as LegacyManagementClient } from 'auth0/legacy'
import { managementScopes } from '../src/management/system-api.js'
import { addApp, addUser, startTestServer, type TestServer } from './support/harness.js'

const DOMAIN = 'latchkey.test'
const ISSUER = `https://${DOMAIN}/`

describe("Auth0's ManagementClient against Latchkey", () => {
  let server: TestServer
  let robot: { app: ApplicationRecord; secret: string }
  let management: ManagementClient
  const realFetch = globalThis.fetch
  /** What reached the server, `METHOD path`: proof that every call went through the real endpoints. */
  const seen: string[] = []

  /** The TLS proxy: https://latchkey.test/… → the server's http://localhost:PORT/…, nothing else. */
  function proxyFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!url.startsWith(ISSUER)) return Promise.reject(new Error(`unexpected request to ${url}`))
    const target = `${server.url}${url.slice(ISSUER.length)}`
    seen.push(`${init?.method ?? (input instanceof Request ? input.method : 'GET')} ${new URL(target).pathname}`)
    return input instanceof Request ? realFetch(new Request(target, input), init) : realFetch(target, init)
  }

  before(async () => {
    server = await startTestServer({ issuer: ISSUER })
    // The operator's one step: an m2m app, authorised for the Management API (latchkey grants create …).
    const { app, secret } = await addApp(server.store, { name: 'Provisioning', type: 'm2m', grants: ['client_credentials'] })
    const system = await server.store.apis.findSystem()
    assert.equal(system?.identifier, `${ISSUER}api/v2/`)
    const scope = managementScopes().map((s) => s.value)
    await server.store.clientGrants.insert(createClientGrant({ clientId: app.clientId, audience: system?.identifier as string, scope }, { application: app, api: system }, Date.now()))
    robot = { app, secret: secret as string }
    // v5's ManagementClient takes no fetch of its own: it calls the global one.
    globalThis.fetch = proxyFetch as typeof fetch
    management = new ManagementClient({ domain: DOMAIN, clientId: robot.app.clientId, clientSecret: robot.secret })
  })
  after(async () => {
    globalThis.fetch = realFetch
    await server.close()
  })

  it('gets its token through /oauth/token (client_credentials) like a real client, then calls /api/v2', async () => {
    const keys = await management.keys.signing.list()
    assert.ok(keys.some((k) => k.current))
    assert.deepEqual(seen.slice(0, 2), ['POST /oauth/token', 'GET /api/v2/keys/signing'])
    const issued = await server.store.logs.list({ type: 'seccft', clientId: robot.app.clientId })
    assert.equal(issued[0]?.details.audience, `${ISSUER}api/v2/`)
  })

  it("keeps an application's whole refresh_token object, as Auth0's tenants export it, both ways", async () => {
    const created = await management.clients.create({
      name: 'Intranet (mod_auth_openidc)',
      app_type: 'regular_web',
      callbacks: ['https://intranet.example.com/redirect_uri'],
      refresh_token: { rotation_type: 'non-rotating', expiration_type: 'non-expiring' },
    })
    const id = created.client_id as string
    const expected = {
      rotation_type: 'non-rotating',
      expiration_type: 'non-expiring',
      leeway: 0,
      token_lifetime: 2_592_000,
      idle_token_lifetime: 1_296_000,
      infinite_token_lifetime: false,
      infinite_idle_token_lifetime: false,
    } as const
    assert.deepEqual(created.refresh_token, expected)
    assert.deepEqual((await management.clients.get(id)).refresh_token, expected)
    // Auth0's defaults for an app created without rotation (its export of one): kept as they are.
    const auth0Default = { ...expected, token_lifetime: 31_557_600, idle_token_lifetime: 2_592_000, infinite_token_lifetime: true, infinite_idle_token_lifetime: true }
    assert.deepEqual((await management.clients.update(id, { refresh_token: auth0Default })).refresh_token, auth0Default)
    const rotating = { rotation_type: 'rotating', expiration_type: 'expiring', leeway: 5, token_lifetime: 86_400, idle_token_lifetime: 3_600, infinite_token_lifetime: false, infinite_idle_token_lifetime: false } as const
    assert.deepEqual((await management.clients.update(id, { refresh_token: rotating })).refresh_token, rotating)
    await assert.rejects(management.clients.update(id, { refresh_token: { rotation_type: 'rotating', expiration_type: 'non-expiring' } }), (err: unknown) => {
      assert.ok(err instanceof ManagementError)
      assert.equal(err.statusCode, 400)
      assert.match(String((err.body as { message?: string }).message), /refresh_token\.expiration_type: rotating refresh tokens must expire/)
      return true
    })
    await assert.rejects(management.clients.update(id, { refresh_token: { ...rotating, policies: [{ audience: 'https://api.example.com/', scope: ['read'] }] } }), (err: unknown) => {
      assert.ok(err instanceof ManagementError)
      assert.match(String((err.body as { message?: string }).message), /refresh_token\.policies must be empty/)
      return true
    })
    assert.deepEqual((await management.clients.update(id, { refresh_token: { ...rotating, policies: [] } })).refresh_token, rotating)
    await management.clients.delete(id)
  })

  it('creates, reads, lists, updates, rotates and deletes an application', async () => {
    const created = await management.clients.create({
      name: 'Storefront',
      app_type: 'regular_web',
      callbacks: ['https://shop.example.com/callback'],
      allowed_logout_urls: ['https://shop.example.com/'],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'client_secret_post',
    })
    assert.equal(created.name, 'Storefront')
    assert.equal(typeof created.client_secret, 'string')
    const id = created.client_id as string

    assert.deepEqual((await management.clients.get(id)).callbacks, ['https://shop.example.com/callback'])
    const listed: string[] = []
    for await (const client of await management.clients.list({ per_page: 2 })) listed.push(client.client_id as string)
    assert.ok(listed.includes(id), 'the SDK pages through every client')
    assert.equal(listed.length, await server.store.applications.count())

    const updated = await management.clients.update(id, { name: 'Storefront (prod)', web_origins: ['https://shop.example.com'] })
    assert.deepEqual([updated.name, updated.web_origins], ['Storefront (prod)', ['https://shop.example.com']])
    const rotated = await management.clients.rotateSecret(id)
    assert.notEqual(rotated.client_secret, created.client_secret)

    await management.clients.delete(id)
    await assert.rejects(management.clients.get(id), (err: unknown) => {
      assert.ok(err instanceof ManagementError)
      assert.equal(err.statusCode, 404)
      assert.deepEqual(err.body, { statusCode: 404, error: 'Not Found', message: 'The client does not exist', errorCode: 'inexistent_client' })
      return true
    })
  })

  it('creates an API, authorises an m2m application for it with a client grant, then tidies up', async () => {
    const api = await management.resourceServers.create({
      name: 'Inventory',
      identifier: 'https://inventory.example.com/',
      scopes: [{ value: 'read:stock', description: 'Read stock' }, { value: 'write:stock', description: 'Write stock' }],
      allow_offline_access: false,
      token_lifetime: 3600,
      signing_alg: 'RS256',
    })
    assert.equal(api.identifier, 'https://inventory.example.com/')
    assert.equal((await management.resourceServers.get(api.id as string)).name, 'Inventory')
    const updated = await management.resourceServers.update(api.id as string, { token_lifetime: 600, skip_consent_for_verifiable_first_party_clients: false })
    assert.deepEqual([updated.token_lifetime, updated.skip_consent_for_verifiable_first_party_clients], [600, false])
    const all: string[] = []
    for await (const server of await management.resourceServers.list()) all.push(server.identifier as string)
    assert.ok(all.includes(`${ISSUER}api/v2/`) && all.includes('https://inventory.example.com/'))

    const worker = await management.clients.create({ name: 'Stock worker', app_type: 'non_interactive', grant_types: ['client_credentials'] })
    const grant = await management.clientGrants.create({ client_id: worker.client_id as string, audience: 'https://inventory.example.com/', scope: ['read:stock'] })
    assert.match(grant.id ?? '', /^cgr_/)
    assert.deepEqual((await management.clientGrants.update(grant.id as string, { scope: ['read:stock', 'write:stock'] })).scope, ['read:stock', 'write:stock'])
    const grants: string[] = []
    for await (const g of await management.clientGrants.list({ take: 1 })) grants.push(g.id as string)
    assert.ok(grants.includes(grant.id as string), 'checkpoint paging (from/take) reaches every grant')
    assert.equal(grants.length, await server.store.clientGrants.count())

    // The worker uses its grant like any client_credentials client would.
    const res = await realFetch(`${server.url}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: worker.client_id, client_secret: worker.client_secret, audience: 'https://inventory.example.com/' }),
    })
    assert.equal(((await res.json()) as { scope: string }).scope, 'read:stock write:stock')

    await management.clientGrants.delete(grant.id as string)
    await management.clients.delete(worker.client_id as string)
    await management.resourceServers.delete(api.id as string)
    await assert.rejects(management.resourceServers.get(api.id as string), (err: unknown) => err instanceof ManagementError && err.statusCode === 404)
  })

  it('creates, finds, updates and deletes a user of Username-Password-Authentication', async () => {
    const user = await management.users.create({
      connection: 'Username-Password-Authentication',
      email: 'margaret@example.com',
      password: 'apollo guidance computer',
      given_name: 'Margaret',
      family_name: 'Hamilton',
      user_metadata: { team: 'software' },
    })
    assert.match(user.user_id ?? '', /^auth0\|[0-9a-f]{24}$/)
    const id = user.user_id as string
    assert.equal((await management.users.get(id)).family_name, 'Hamilton')
    assert.deepEqual((await management.users.listUsersByEmail({ email: 'Margaret@Example.com' })).map((u) => u.user_id), [id])
    const found: string[] = []
    for await (const u of await management.users.list({ q: 'email:"margaret@example.com"', search_engine: 'v3' })) found.push(u.user_id as string)
    assert.deepEqual(found, [id])

    const updated = await management.users.update(id, { app_metadata: { clearance: 'high' }, user_metadata: { team: null, desk: 'B2' } as never, blocked: true })
    assert.deepEqual([updated.app_metadata, updated.user_metadata, updated.blocked], [{ clearance: 'high' }, { desk: 'B2' }, true])

    const logs: string[] = []
    for await (const event of await management.users.logs.list(id)) logs.push(event.description ?? '')
    assert.deepEqual(logs, ['Update a user', 'Create a user'])

    await management.users.delete(id)
    await assert.rejects(management.users.get(id), (err: unknown) => {
      assert.ok(err instanceof ManagementError)
      assert.equal((err.body as { errorCode: string }).errorCode, 'inexistent_user')
      return true
    })
  })

  it('lists and deletes a user\'s grants (consents)', async () => {
    const user = await addUser(server.store)
    const { app } = await addApp(server.store)
    await server.store.consents.grant(user.id, app.clientId, '', ['openid', 'profile'], Date.now())
    const grants: { id?: string; clientID?: string }[] = []
    for await (const g of await management.userGrants.list({ user_id: user.id })) grants.push(g)
    assert.deepEqual(grants.map((g) => g.clientID), [app.clientId])
    await management.userGrants.delete(grants[0]?.id as string)
    assert.equal(await server.store.consents.count({ userId: user.id }), 0)
  })

  it('reads the audit log, with the changes it made attributed to it', async () => {
    const events: { type?: string; client_id?: string; log_id?: string }[] = []
    for await (const event of await management.logs.list({ per_page: 100 })) events.push(event)
    assert.ok(events.some((e) => e.type === 'sapi' && e.client_id === robot.app.clientId))
    const one = await management.logs.get(events[0]?.log_id as string)
    assert.equal(one.log_id, events[0]?.log_id)
  })

  it('rotates the signing key: the new key is published at once and listed as next', async () => {
    const rotated = await management.keys.signing.rotate()
    assert.match(rotated.cert, /^-----BEGIN PUBLIC KEY-----/)
    const next = await management.keys.signing.get(rotated.kid)
    assert.deepEqual([next.next, next.current], [true, false])
    const jwks = (await (await realFetch(`${server.url}.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }
    assert.ok(jwks.keys.some((k) => k.kid === rotated.kid))
  })

  it('organizations and invitations: driven by the same client in management-organizations.test.ts', () => {
    assert.ok(managementScopes().some((s) => s.value === 'create:organizations'))
  })

  it("also works with Auth0's v4 SDK (auth0/legacy), given its own fetch", async () => {
    const legacy = new LegacyManagementClient({
      domain: DOMAIN,
      clientId: robot.app.clientId,
      clientSecret: robot.secret,
      fetch: proxyFetch as typeof fetch,
    })
    const { data: created } = await legacy.clients.create({ name: 'Legacy SPA', app_type: 'spa', callbacks: ['http://localhost:5173/'] })
    const { data: page } = await legacy.clients.getAll({ include_totals: true, per_page: 100 })
    assert.ok(page.clients.some((c) => c.client_id === created.client_id))
    const { data: user } = await legacy.users.create({ connection: 'Username-Password-Authentication', email: 'legacy@example.com', password: 'a legacy passphrase' })
    const { data: byEmail } = await legacy.usersByEmail.getByEmail({ email: 'legacy@example.com' })
    assert.deepEqual(byEmail.map((u) => u.user_id), [user.user_id])
    await legacy.users.delete({ id: user.user_id })
    await legacy.clients.delete({ client_id: created.client_id })
  })
})
