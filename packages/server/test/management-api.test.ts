/**
 * The Management API at /api/v2, over HTTP against a real server: who may call it (client_credentials
 * tokens for {issuer}api/v2/, per-route scopes), each resource's operations in Auth0's shape, paging
 * and totals, Auth0's error shape for bad input and conflicts, the audit events every change writes,
 * the OpenAPI document, the system API that follows the issuer, the rate limit and the absence of CORS.
 * Auth0's own SDK is driven against it in management-client.test.ts.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, createClientGrant, sha256 } from '@latchkey/core'
import { generateKeyPair, SignJWT } from 'jose'
import { managementRoutes } from '../src/management/router.js'
import { MANAGEMENT_API_NAME, managementScopes } from '../src/management/system-api.js'
import { authorizeUrl } from './support/browser.js'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { serverJwks, signWithServerKey, tokenRequest } from './support/oauth.js'

const ALL = managementScopes().map((s) => s.value)

interface Answer {
  readonly status: number
  readonly json: any
  readonly headers: Headers
}

describe('Management API', () => {
  let server: TestServer
  let audience: string
  let token: string
  let robot: ApplicationRecord

  /** A new machine-to-machine app granted `scope` on `api` (the Management API by default), and its token. */
  async function m2m(scope: readonly string[], api = audience): Promise<{ app: ApplicationRecord; secret: string; token: string }> {
    const { app, secret } = await addApp(server.store, { name: 'Automation', type: 'm2m', grants: ['client_credentials'] })
    const target = await server.store.apis.findByIdentifier(api)
    await server.store.clientGrants.insert(createClientGrant({ clientId: app.clientId, audience: api, scope: [...scope] }, { application: app, api: target }, Date.now()))
    const r = await tokenRequest(server, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: secret as string, audience: api })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    return { app, secret: secret as string, token: r.json.access_token as string }
  }

  async function call(method: string, path: string, body?: unknown, bearer: string | null = token, headers: Record<string, string> = {}): Promise<Answer> {
    const res = await fetch(`${server.url}api/v2/${path}`, {
      method,
      headers: {
        ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text), headers: res.headers }
  }

  /** Auth0's error shape, exactly. */
  function assertError(r: Answer, statusCode: number, errorCode: string, message?: string | RegExp): void {
    const reasons: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests' }
    assert.equal(r.status, statusCode, JSON.stringify(r.json))
    assert.deepEqual(Object.keys(r.json).sort(), ['error', 'errorCode', 'message', 'statusCode'])
    assert.equal(r.json.statusCode, statusCode)
    assert.equal(r.json.error, reasons[statusCode])
    assert.equal(r.json.errorCode, errorCode)
    if (typeof message === 'string') assert.equal(r.json.message, message)
    else if (message) assert.match(r.json.message, message)
  }

  /** The newest `sapi` event. */
  async function lastChange() {
    const [event] = await server.store.logs.list({ type: 'sapi', perPage: 1 })
    assert.ok(event, 'a sapi event was recorded')
    return event
  }

  before(async () => {
    server = await startTestServer()
    audience = `${server.issuer}api/v2/`
    ;({ app: robot, token } = await m2m(ALL))
  })
  after(() => server.close())

  describe('access', () => {
    it('refuses a request without a token: 401 in Auth0\'s shape with a Bearer challenge, and no-store', async () => {
      const r = await call('GET', 'clients', undefined, null)
      assertError(r, 401, 'invalid_token', 'Missing authentication')
      assert.equal(r.headers.get('www-authenticate'), `Bearer realm="${server.issuer}"`)
      assert.equal(r.headers.get('cache-control'), 'no-store')
      assertError(await call('GET', 'clients', undefined, null, { authorization: `Basic ${btoa('a:b')}` }), 401, 'invalid_token', /Bearer <access token>/)
    })

    it('refuses a forged signature, an expired token, a token for another API, a user\'s token and a DPoP-bound one', async () => {
      const now = Math.floor(Date.now() / 1000)
      const claims = { iss: server.issuer, aud: audience, sub: `${robot.clientId}@clients`, client_id: robot.clientId, gty: 'client-credentials', scope: 'read:clients', iat: now, exp: now + 600 }
      const { privateKey } = await generateKeyPair('RS256')
      const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: (await serverJwks(server)).keys[0]?.kid as string }).sign(privateKey)
      assertError(await call('GET', 'clients', undefined, forged), 401, 'invalid_token', 'Invalid token')

      const expired = await signWithServerKey(server, { ...claims, iat: now - 7200, exp: now - 3600 }, { typ: 'at+jwt' })
      assertError(await call('GET', 'clients', undefined, expired), 401, 'invalid_token', 'Expired token received for JSON Web Token validation')

      const api = await addApi(server.store, { identifier: 'https://api.example.com/other', scopes: ['read:clients'] })
      const other = await m2m(['read:clients'], api.identifier)
      assertError(await call('GET', 'clients', undefined, other.token), 401, 'invalid_token', /^Bad audience/)

      const userToken = await signWithServerKey(server, { ...claims, sub: 'auth0|0123456789abcdef01234567', gty: undefined }, { typ: 'at+jwt' })
      assertError(await call('GET', 'clients', undefined, userToken), 401, 'invalid_token', /client_credentials grant only/)
      const untyped = await signWithServerKey(server, claims)
      assertError(await call('GET', 'clients', undefined, untyped), 401, 'invalid_token', 'Invalid token')
      const bound = await signWithServerKey(server, { ...claims, cnf: { jkt: 'x'.repeat(43) } }, { typ: 'at+jwt' })
      assertError(await call('GET', 'clients', undefined, bound), 401, 'invalid_token', /DPoP-bound/)
      assert.equal((await call('GET', 'clients', undefined, await signWithServerKey(server, claims, { typ: 'at+jwt' }))).status, 200)
    })

    it('refuses the token of an application that was deleted since', async () => {
      const gone = await m2m(['read:clients'])
      assert.equal((await call('GET', 'clients', undefined, gone.token)).status, 200)
      await server.store.applications.delete(gone.app.clientId)
      assertError(await call('GET', 'clients', undefined, gone.token), 401, 'invalid_token', /no longer exists/)
    })

    it('never lets a user obtain a Management API token: /authorize refuses its audience', async () => {
      const { app } = await addApp(server.store)
      const res = await fetch(authorizeUrl(server.issuer, { clientId: app.clientId, audience, scope: 'openid delete:users', challenge: sha256('verifier') }), { redirect: 'manual' })
      assert.equal(res.status, 302)
      const params = new URL(res.headers.get('location') as string).searchParams
      assert.equal(params.get('error'), 'access_denied')
    })

    it('checks each route\'s scopes: a token without them gets 403 naming the scopes that would do', async () => {
      const none = await m2m([])
      for (const route of managementRoutes()) {
        const path = route.path.slice(1).replace(/:(\w+)/g, 'x')
        const r = await call(route.method.toUpperCase(), path, route.body ? {} : undefined, none.token)
        assertError(r, 403, 'insufficient_scope', `Insufficient scope, expected any of: ${route.scopes.join(',')}`)
      }
    })

    it('lets a token do what its scopes allow and nothing more', async () => {
      const reader = await m2m(['read:clients'])
      assert.equal((await call('GET', 'clients', undefined, reader.token)).status, 200)
      assertError(await call('POST', 'clients', { name: 'Nope' }, reader.token), 403, 'insufficient_scope', 'Insufficient scope, expected any of: create:clients')
      assertError(await call('GET', 'users', undefined, reader.token), 403, 'insufficient_scope', 'Insufficient scope, expected any of: read:users')
    })
  })

  describe('clients', () => {
    it('creates, reads, lists, updates, rotates and deletes an application with Auth0\'s field names', async () => {
      const created = await call('POST', 'clients', {
        name: 'Billing portal',
        app_type: 'regular_web',
        callbacks: ['https://billing.example.com/callback'],
        allowed_logout_urls: ['https://billing.example.com/'],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
        refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', leeway: 10, idle_token_lifetime: 3600, token_lifetime: 86400 },
        jwt_configuration: { alg: 'RS256' },
      })
      assert.equal(created.status, 201, JSON.stringify(created.json))
      const client = created.json
      assert.match(client.client_secret, /^[\w-]{40,}$/)
      assert.equal((await server.store.applications.get(client.client_id))?.clientSecretHash, sha256(client.client_secret))
      assert.deepEqual({ ...client, client_id: undefined, client_secret: undefined }, {
        client_id: undefined,
        client_secret: undefined,
        name: 'Billing portal',
        app_type: 'regular_web',
        is_first_party: true,
        oidc_conformant: true,
        callbacks: ['https://billing.example.com/callback'],
        allowed_logout_urls: ['https://billing.example.com/'],
        web_origins: [],
        allowed_origins: [],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'client_secret_basic',
        refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', leeway: 10, token_lifetime: 86400, idle_token_lifetime: 3600, infinite_token_lifetime: false, infinite_idle_token_lifetime: false },
        jwt_configuration: { alg: 'RS256', lifetime_in_seconds: 36000 },
        organization_usage: 'deny',
        organization_require_behavior: 'no_prompt',
      })

      const read = await call('GET', `clients/${client.client_id}`)
      assert.equal(read.status, 200)
      assert.equal(read.json.client_secret, undefined, 'the secret is shown on create and rotate only')
      assert.deepEqual((await call('GET', `clients/${client.client_id}?fields=name,app_type`)).json, { name: 'Billing portal', app_type: 'regular_web' })
      assert.deepEqual(Object.keys((await call('GET', `clients/${client.client_id}?fields=callbacks&include_fields=false`)).json).includes('callbacks'), false)

      const updated = await call('PATCH', `clients/${client.client_id}`, { name: 'Billing', web_origins: ['https://billing.example.com'], is_first_party: false })
      assert.equal(updated.status, 200, JSON.stringify(updated.json))
      assert.deepEqual([updated.json.name, updated.json.web_origins, updated.json.is_first_party], ['Billing', ['https://billing.example.com'], false])
      assertError(await call('PATCH', `clients/${client.client_id}`, { app_type: 'spa' }), 400, 'invalid_body', /app_type cannot change/)

      const rotated = await call('POST', `clients/${client.client_id}/rotate-secret`)
      assert.equal(rotated.status, 200)
      assert.notEqual(rotated.json.client_secret, client.client_secret)
      assert.equal((await server.store.applications.get(client.client_id))?.clientSecretHash, sha256(rotated.json.client_secret))

      assert.equal((await call('DELETE', `clients/${client.client_id}`)).status, 204)
      assertError(await call('GET', `clients/${client.client_id}`), 404, 'inexistent_client', 'The client does not exist')
      assertError(await call('DELETE', `clients/${client.client_id}`), 404, 'inexistent_client')
      assertError(await call('POST', `clients/${client.client_id}/rotate-secret`), 404, 'inexistent_client')
    })

    it('gives public applications no secret and refuses what Latchkey cannot do, naming the field', async () => {
      const spa = await call('POST', 'clients', { name: 'SPA', app_type: 'spa', callbacks: ['http://localhost:3000/callback'], web_origins: ['http://localhost:3000'] })
      assert.equal(spa.status, 201)
      assert.equal(spa.json.client_secret, undefined)
      assert.equal(spa.json.token_endpoint_auth_method, 'none')
      assertError(await call('POST', `clients/${spa.json.client_id}/rotate-secret`), 400, 'invalid_body', /public applications have no client secret/)
      assertError(await call('POST', 'clients', { name: 'Web', app_type: 'regular_web' }), 400, 'invalid_body', /^Payload validation error: callbacks are required/)
      assertError(await call('POST', 'clients', { name: 'Web', app_type: 'regular_web', callbacks: ['https://x.example/cb'], allowed_logout_urls: ['not a url'] }), 400, 'invalid_body', /allowed_logout_urls/)
      assertError(
        await call('POST', 'clients', { name: 'Web', callbacks: ['https://x.example/cb'], refresh_token: { rotation_type: 'rotating', expiration_type: 'non-expiring' } }),
        400,
        'invalid_body',
        /refresh_token\.expiration_type: rotating refresh tokens must expire/,
      )
      assertError(await call('POST', 'clients', { name: 'Web', jwt_configuration: { alg: 'HS256' } }), 400, 'invalid_body', /RS256, ES256 or EdDSA/)
      assertError(await call('POST', 'clients', { name: 'Web', app_type: 'rms' }), 400, 'invalid_body', /on property app_type/)
      assertError(await call('POST', 'clients', { name: 'Web', grant_types: ['password'] }), 400, 'invalid_body', /on property grant_types\.0/)
      assertError(await call('POST', 'clients', { app_type: 'spa' }), 400, 'invalid_body', /on property name/)
    })

    it('registers a private_key_jwt application from Auth0\'s client_authentication_methods credentials', async () => {
      const { publicKey } = await generateKeyPair('RS256', { extractable: true })
      const { exportSPKI } = await import('jose')
      const pem = await exportSPKI(publicKey)
      const r = await call('POST', 'clients', {
        name: 'Signer',
        app_type: 'non_interactive',
        grant_types: ['client_credentials'],
        client_authentication_methods: { private_key_jwt: { credentials: [{ credential_type: 'public_key', name: 'k1', pem, alg: 'RS256' }] } },
      })
      assert.equal(r.status, 201, JSON.stringify(r.json))
      assert.equal(r.json.client_secret, undefined)
      assert.equal(r.json.token_endpoint_auth_method, 'private_key_jwt')
      assert.deepEqual(r.json.client_authentication_methods, { private_key_jwt: { credentials: [{ id: 'k1' }] } })
      assert.equal((await server.store.applications.get(r.json.client_id))?.jwks?.keys[0]?.kid, 'k1')
      assertError(
        await call('POST', 'clients', { name: 'Bad', app_type: 'non_interactive', client_authentication_methods: { private_key_jwt: { credentials: [{ credential_type: 'public_key', pem: 'nope' }] } } }),
        400,
        'invalid_body',
        /not a PEM public key/,
      )
    })

    it('pages with page and per_page, counts with include_totals, and filters by app_type', async () => {
      const total = await server.store.applications.count()
      const first = await call('GET', 'clients?per_page=2&page=0&include_totals=true')
      assert.deepEqual([first.json.start, first.json.limit, first.json.length, first.json.total], [0, 2, 2, total])
      assert.equal(first.json.clients.length, 2)
      const second = await call('GET', 'clients?per_page=2&page=1')
      assert.ok(Array.isArray(second.json))
      assert.notDeepEqual(second.json.map((c: any) => c.client_id), first.json.clients.map((c: any) => c.client_id))
      const m2ms = await call('GET', 'clients?app_type=non_interactive&include_totals=true&fields=app_type')
      assert.ok(m2ms.json.total >= 1)
      assert.ok(m2ms.json.clients.every((c: any) => c.app_type === 'non_interactive'))
      assert.equal(m2ms.json.total, (await server.store.applications.list({ perPage: 100 })).filter((a) => a.appType === 'non_interactive').length)
    })
  })

  describe('resource-servers', () => {
    it('creates, finds by id or identifier, updates and deletes an API; a second one with the identifier is a conflict', async () => {
      const body = { name: 'Orders', identifier: 'https://orders.example.com/', scopes: [{ value: 'read:orders', description: 'Read orders' }], allow_offline_access: true, token_lifetime: 3600 }
      const created = await call('POST', 'resource-servers', body)
      assert.equal(created.status, 201, JSON.stringify(created.json))
      const api = created.json
      assert.deepEqual({ ...api, id: undefined }, {
        id: undefined,
        name: 'Orders',
        identifier: 'https://orders.example.com/',
        is_system: false,
        scopes: [{ value: 'read:orders', description: 'Read orders' }],
        signing_alg: 'RS256',
        allow_offline_access: true,
        token_lifetime: 3600,
        token_lifetime_for_web: 3600,
        skip_consent_for_verifiable_first_party_clients: true,
        enforce_policies: false,
        token_dialect: 'access_token',
      })
      assertError(await call('POST', 'resource-servers', body), 409, 'resource_server_exists')
      assert.equal((await call('GET', `resource-servers/${api.id}`)).json.identifier, api.identifier)
      assert.equal((await call('GET', `resource-servers/${encodeURIComponent(api.identifier)}`)).json.id, api.id)

      const updated = await call('PATCH', `resource-servers/${api.id}`, { scopes: [{ value: 'read:orders' }, { value: 'write:orders', description: 'Write' }], token_lifetime: 7200 })
      assert.equal(updated.status, 200, JSON.stringify(updated.json))
      assert.deepEqual(updated.json.scopes, [{ value: 'read:orders', description: '' }, { value: 'write:orders', description: 'Write' }])
      assert.deepEqual([updated.json.token_lifetime, updated.json.token_lifetime_for_web], [7200, 7200])
      const rbac = await call('PATCH', `resource-servers/${api.id}`, { enforce_policies: true, token_dialect: 'rfc9068_profile_authz' })
      assert.deepEqual([rbac.json.enforce_policies, rbac.json.token_dialect], [true, 'rfc9068_profile_authz'])
      const stored = await server.store.apis.get(api.id)
      assert.deepEqual([stored?.enforcePolicies, stored?.tokenDialect], [true, 'rfc9068_profile_authz'])
      assertError(await call('PATCH', `resource-servers/${api.id}`, { token_dialect: 'jwt' }), 400, 'invalid_body', /token_dialect must be one of access_token, access_token_authz, rfc9068_profile, rfc9068_profile_authz/)
      assertError(await call('PATCH', `resource-servers/${api.id}`, { token_lifetime_for_web: 60 }), 400, 'invalid_body', /token_lifetime_for_web must equal token_lifetime/)
      assertError(await call('PATCH', `resource-servers/${api.id}`, { identifier: 'https://else.example/' }), 400, 'invalid_body', /Additional properties not allowed: identifier/)
      assertError(await call('PATCH', `resource-servers/${api.id}`, { scopes: [{ value: 'openid' }] }), 400, 'invalid_body', /OpenID Connect scope/)

      assert.equal((await call('DELETE', `resource-servers/${api.id}`)).status, 204)
      assertError(await call('GET', `resource-servers/${api.id}`), 404, 'inexistent_resource_server')
    })

    it('lists the Management API as a system API that cannot be changed or deleted', async () => {
      const list = await call('GET', 'resource-servers?include_totals=true')
      assert.equal(list.json.total, await server.store.apis.count())
      const system = list.json.resource_servers.find((r: any) => r.is_system)
      assert.equal(system.identifier, audience)
      assert.equal(system.name, MANAGEMENT_API_NAME)
      assert.deepEqual(system.scopes.map((s: any) => s.value), ALL)
      assertError(await call('PATCH', `resource-servers/${system.id}`, { name: 'Mine now' }), 403, 'operation_not_supported', /cannot be changed/)
      assertError(await call('DELETE', `resource-servers/${encodeURIComponent(audience)}`), 403, 'operation_not_supported', /cannot be deleted/)
      const only = await call('GET', `resource-servers?identifiers=${encodeURIComponent(audience)}&identifiers=https%3A%2F%2Fnone.example%2F`)
      assert.deepEqual(only.json.map((r: any) => r.id), [system.id])
    })
  })

  describe('users', () => {
    const CONNECTION = 'Username-Password-Authentication'

    it('creates a user of Username-Password-Authentication with Auth0\'s fields, hashing the password with argon2id', async () => {
      const r = await call('POST', 'users', {
        connection: CONNECTION,
        email: 'Grace@Example.com',
        password: 'correct horse battery staple',
        name: 'Grace Hopper',
        given_name: 'Grace',
        family_name: 'Hopper',
        email_verified: true,
        user_metadata: { theme: 'dark' },
        app_metadata: { plan: 'gold', roles: ['admin'] },
      })
      assert.equal(r.status, 201, JSON.stringify(r.json))
      assert.match(r.json.user_id, /^auth0\|[0-9a-f]{24}$/)
      assert.deepEqual({ ...r.json, user_id: undefined, created_at: undefined, updated_at: undefined }, {
        user_id: undefined,
        created_at: undefined,
        updated_at: undefined,
        email: 'grace@example.com',
        email_verified: true,
        name: 'Grace Hopper',
        given_name: 'Grace',
        family_name: 'Hopper',
        nickname: 'grace',
        blocked: false,
        user_metadata: { theme: 'dark' },
        app_metadata: { plan: 'gold', roles: ['admin'] },
        identities: [{ connection: CONNECTION, provider: 'auth0', user_id: r.json.user_id.slice(6), isSocial: false }],
        logins_count: 0,
      })
      const stored = await server.store.users.get(r.json.user_id)
      assert.match(stored?.passwordHash ?? '', /^\$argon2id\$/)
      assert.equal(JSON.stringify(r.json).includes('argon2'), false)
      assertError(await call('POST', 'users', { connection: CONNECTION, email: 'GRACE@example.com', password: 'another password' }), 409, 'user_exists', 'The user already exists.')
    })

    it('refuses other connections, short passwords, missing fields and bad emails', async () => {
      assertError(await call('POST', 'users', { connection: 'google-oauth2', email: 'a@example.com', password: 'long enough' }), 400, 'inexistent_connection')
      assertError(await call('POST', 'users', { connection: CONNECTION, email: 'a@example.com', password: 'short' }), 400, 'invalid_body', /password must be at least 8 characters/)
      assertError(await call('POST', 'users', { connection: CONNECTION, password: 'long enough' }), 400, 'invalid_body', /Missing required property: email/)
      assertError(await call('POST', 'users', { connection: CONNECTION, email: 'a@example.com' }), 400, 'invalid_body', /Missing required property: password/)
      assertError(await call('POST', 'users', { email: 'a@example.com', password: 'long enough' }), 400, 'invalid_body', /on property connection/)
      assertError(await call('POST', 'users', { connection: CONNECTION, email: 'not-an-email', password: 'long enough' }), 400, 'invalid_body', /^Payload validation error: email/)
      assertError(await call('POST', 'users', { connection: CONNECTION, email: 'a@example.com', password: 'long enough', user_metadata: { big: 'x'.repeat(17_000) } }), 400, 'invalid_body', /user_metadata: metadata must be at most 16384 bytes/)
    })

    it('finds users by id, by email and with q=email:"…"; other searches are refused', async () => {
      const user = await addUser(server.store)
      assert.equal((await call('GET', `users/${encodeURIComponent(user.id)}`)).json.email, user.email)
      assert.deepEqual((await call('GET', `users-by-email?email=${encodeURIComponent(user.email.toUpperCase())}`)).json.map((u: any) => u.user_id), [user.id])
      assert.deepEqual((await call('GET', 'users-by-email?email=nobody%40example.com')).json, [])
      const q = await call('GET', `users?q=${encodeURIComponent(`email:"${user.email}"`)}&search_engine=v3&include_totals=true`)
      assert.deepEqual([q.json.total, q.json.users.map((u: any) => u.user_id)], [1, [user.id]])
      assertError(await call('GET', `users?q=${encodeURIComponent('logins_count:[1 TO 5]')}`), 400, 'invalid_query_string', /^Query validation error: 'logins_count is not searchable: Latchkey searches users by email, name/)
      assertError(await call('GET', 'users/auth0%7Cnobody'), 404, 'inexistent_user', 'The user does not exist.')
      const all = await call('GET', 'users?per_page=100&include_totals=true')
      assert.equal(all.json.total, await server.store.users.count())
    })

    it("searches users with Auth0's syntax (fields exact or prefix, a bare prefix of email or name, AND), paged within the first 1000 results", async () => {
      const tag = `zq${Date.now().toString(36)}`
      const jane = await addUser(server.store, { name: `${tag} Jane Doe`, givenName: 'Jane', familyName: `Doe${tag}`, nickname: `${tag}-jd` })
      const janet = await addUser(server.store, { name: `${tag} Janet`, email: `${tag}.janet@example.com` })
      const search = async (q: string, extra = '') => {
        const r = await call('GET', `users?q=${encodeURIComponent(q)}&include_totals=true${extra}`)
        assert.equal(r.status, 200, `${q}: ${JSON.stringify(r.json)}`)
        return [r.json.total, r.json.users.map((u: any) => u.user_id)]
      }
      assert.deepEqual(await search(`name:${tag.toUpperCase()}*`), [2, [jane.id, janet.id]])
      assert.deepEqual(await search(`name:"${tag} jane doe"`), [1, [jane.id]])
      assert.deepEqual(await search(tag), [2, [jane.id, janet.id]])
      assert.deepEqual(await search(`${tag}.janet`), [1, [janet.id]])
      assert.deepEqual(await search(`family_name:"doe${tag}" AND given_name:jane`), [1, [jane.id]])
      assert.deepEqual(await search(`nickname:${tag}-*`), [1, [jane.id]])
      assert.deepEqual(await search(`user_id:"${janet.id}"`), [1, [janet.id]])
      assert.deepEqual(await search(`name:${tag}*`, '&per_page=1&page=1'), [2, [janet.id]])
      assert.deepEqual(await search(`name:${tag}*`, `&connection=${encodeURIComponent('github')}`), [0, []])
      assert.deepEqual(await search('name:100%_*'), [0, []])
      assertError(await call('GET', `users?q=${encodeURIComponent(`name:${tag} OR name:x`)}`), 400, 'invalid_query_string', /OR is not supported/)
      assertError(await call('GET', `users?q=${encodeURIComponent('username:jane')}`), 400, 'invalid_query_string', /no username/)
      assertError(await call('GET', `users?q=${encodeURIComponent('name:*doe')}`), 400, 'invalid_query_string', /only a trailing \*/)
      // Auth0's limit: a search pages through its first 1000 results only (the plain list is not limited).
      assert.equal((await call('GET', `users?q=${tag}&per_page=100&page=9`)).status, 200)
      assertError(await call('GET', `users?q=${tag}&per_page=100&page=10`), 400, 'invalid_paging', /^You can only page through the first 1000 records\./)
      assertError(await call('GET', `users?q=${tag}&page=20`), 400, 'invalid_paging')
      assert.equal((await call('GET', 'users?per_page=100&page=10')).status, 200)
    })

    it('updates a user, merging metadata as Auth0 does; a new password or a block signs them out everywhere', async () => {
      const created = await call('POST', 'users', { connection: CONNECTION, email: 'ada@example.com', password: 'correct horse battery staple', email_verified: true, user_metadata: { theme: 'dark', lang: 'en' } })
      const id = created.json.user_id as string
      const path = `users/${encodeURIComponent(id)}`
      const r = await call('PATCH', path, { user_metadata: { lang: null, tz: 'UTC' }, app_metadata: { plan: 'free' }, nickname: 'countess' })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.deepEqual([r.json.user_metadata, r.json.app_metadata, r.json.nickname], [{ theme: 'dark', tz: 'UTC' }, { plan: 'free' }, 'countess'])

      const changedEmail = await call('PATCH', path, { email: 'ada.lovelace@example.com', connection: CONNECTION })
      assert.deepEqual([changedEmail.json.email, changedEmail.json.email_verified], ['ada.lovelace@example.com', false])

      const now = Date.now()
      const session = { idHash: `h-${now}`, sid: `sid-${now}`, userId: id, authTime: now, createdAt: now, idleExpiresAt: now + 3_600_000, expiresAt: now + 7_200_000, endedAt: null, upstream: null }
      await server.store.sessions.insert(session)
      const before = await server.store.users.get(id)
      assert.equal((await call('PATCH', path, { password: 'a brand new passphrase' })).status, 200)
      assert.notEqual((await server.store.users.get(id))?.passwordHash, before?.passwordHash)
      assert.equal(await server.store.sessions.findActive(session.idHash, Date.now()), null)

      const blocked = await call('PATCH', path, { blocked: true })
      assert.equal(blocked.json.blocked, true)
      assertError(await call('PATCH', path, { password: 'short' }), 400, 'invalid_body', /at least 8 characters/)
      assertError(await call('PATCH', path, { connection: 'email' }), 400, 'inexistent_connection')
      const other = await addUser(server.store)
      assertError(await call('PATCH', path, { email: other.email }), 409, 'user_exists')

      assert.equal((await call('DELETE', path)).status, 204)
      assert.equal(await server.store.users.get(id), null)
      assertError(await call('DELETE', path), 404, 'inexistent_user')
    })
  })

  describe('grants', () => {
    it('lists users\' consents by user, client and audience, and deletes one or all of a user\'s', async () => {
      const user = await addUser(server.store)
      const { app } = await addApp(server.store)
      const api = await addApi(server.store, { identifier: `https://grants-${Date.now()}.example/` })
      await server.store.consents.grant(user.id, app.clientId, api.identifier, ['read:appointments'], Date.now())
      await server.store.consents.grant(user.id, app.clientId, '', ['openid', 'profile'], Date.now())
      const list = await call('GET', `grants?user_id=${encodeURIComponent(user.id)}&include_totals=true`)
      assert.equal(list.json.total, 2)
      const byApi = list.json.grants.find((g: any) => g.audience === api.identifier)
      assert.deepEqual({ ...byApi, id: undefined }, { id: undefined, clientID: app.clientId, user_id: user.id, audience: api.identifier, scope: ['read:appointments'] })
      assert.ok(list.json.grants.some((g: any) => g.audience === `${server.issuer}userinfo`))
      assert.deepEqual((await call('GET', `grants?audience=${encodeURIComponent(`${server.issuer}userinfo`)}&user_id=${encodeURIComponent(user.id)}`)).json.map((g: any) => g.scope), [['openid', 'profile']])

      assert.equal((await call('DELETE', `grants/${byApi.id}`)).status, 204)
      assert.equal(await server.store.consents.find(user.id, app.clientId, api.identifier), null)
      assertError(await call('DELETE', `grants/${byApi.id}`), 404, 'inexistent_grant')
      assertError(await call('DELETE', 'grants/not-a-grant'), 404, 'inexistent_grant')
      assert.equal((await call('DELETE', `grants?user_id=${encodeURIComponent(user.id)}`)).status, 204)
      assert.equal(await server.store.consents.count({ userId: user.id }), 0)
      assertError(await call('DELETE', 'grants'), 400, 'invalid_query_string', /on property user_id/)
    })
  })

  describe('client-grants', () => {
    it('authorizes a machine-to-machine app for an API, pages by checkpoint, changes the scopes and removes the grant', async () => {
      const { app } = await addApp(server.store, { name: 'Worker', type: 'm2m', grants: ['client_credentials'] })
      const api = await addApi(server.store, { identifier: `https://cg-${Date.now()}.example/`, scopes: ['read:a', 'write:a'] })
      const created = await call('POST', 'client-grants', { client_id: app.clientId, audience: api.identifier, scope: ['read:a'] })
      assert.equal(created.status, 201, JSON.stringify(created.json))
      assert.match(created.json.id, /^cgr_/)
      assert.deepEqual({ ...created.json, id: undefined }, { id: undefined, client_id: app.clientId, audience: api.identifier, scope: ['read:a'] })
      assertError(await call('POST', 'client-grants', { client_id: app.clientId, audience: api.identifier, scope: [] }), 409, 'client_grant_exists')
      assertError(await call('POST', 'client-grants', { client_id: app.clientId, audience: 'https://nothing.example/', scope: [] }), 400, 'invalid_body', /audience: no API/)
      assertError(await call('POST', 'client-grants', { client_id: robot.clientId, audience: api.identifier, scope: ['delete:a'] }), 400, 'invalid_body', /scope: "delete:a" is not defined/)

      const firstPage = await call('GET', 'client-grants?take=1')
      assert.equal(firstPage.json.client_grants.length, 1)
      assert.equal(typeof firstPage.json.next, 'string')
      const seen: string[] = []
      let next: string | undefined
      do {
        const page = await call('GET', `client-grants?take=2${next ? `&from=${next}` : ''}`)
        seen.push(...page.json.client_grants.map((g: any) => g.id))
        next = page.json.next
      } while (next)
      assert.equal(seen.length, await server.store.clientGrants.count())
      assert.equal(new Set(seen).size, seen.length)
      assertError(await call('GET', 'client-grants?from=bogus'), 400, 'invalid_query_string', /checkpoint/)
      assert.deepEqual((await call('GET', `client-grants?client_id=${app.clientId}`)).json.map((g: any) => g.id), [created.json.id])

      const updated = await call('PATCH', `client-grants/${created.json.id}`, { scope: ['read:a', 'write:a'] })
      assert.deepEqual(updated.json.scope, ['read:a', 'write:a'])
      assert.equal((await call('DELETE', `client-grants/${created.json.id}`)).status, 204)
      assertError(await call('GET', `client-grants/${created.json.id}`), 404, 'inexistent_client_grant')
    })
  })

  describe('logs', () => {
    it('serves the audit log in Auth0\'s shape: newest first, searchable, readable by checkpoint and by id', async () => {
      const user = await addUser(server.store)
      await call('PATCH', `users/${encodeURIComponent(user.id)}`, { name: 'Logged' })
      const latest = await call('GET', 'logs?per_page=1&include_totals=true')
      assert.equal(latest.json.total, await server.store.logs.count())
      const [event] = latest.json.logs
      assert.equal(event.type, 'sapi')
      assert.equal(event.description, 'Update a user')
      assert.equal(event.client_id, robot.clientId)
      assert.equal(event.user_id, user.id)
      assert.match(event.date, /^\d{4}-\d\d-\d\dT/)
      assert.deepEqual((await call('GET', `logs/${event.log_id}`)).json, event)
      assertError(await call('GET', 'logs/0000'), 404, 'inexistent_log')

      const mine = await call('GET', `logs?q=${encodeURIComponent(`type:sapi AND user_id:"${user.id}"`)}`)
      assert.deepEqual(mine.json.map((e: any) => e.log_id), [event.log_id])
      const either = await call('GET', `logs?q=${encodeURIComponent('type:(seccft OR sapi)')}&per_page=100`)
      assert.ok(either.json.every((e: any) => e.type === 'seccft' || e.type === 'sapi'))
      assert.ok(either.json.some((e: any) => e.type === 'seccft'))
      assert.equal((await call('GET', `logs?q=${encodeURIComponent('date:[2000-01-01 TO 2000-01-02]')}`)).json.length, 0)
      assertError(await call('GET', `logs?q=${encodeURIComponent('ip:127.0.0.1')}`), 400, 'invalid_query_string', /cannot search logs by ip/)
      assertError(await call('GET', `logs?q=${encodeURIComponent('type:nope')}`), 400, 'invalid_query_string', /unknown event type/)
      assertError(await call('GET', 'logs?sort=date:1'), 400, 'invalid_query_string', /newest first/)

      const oldest = (await server.store.logs.list({ perPage: 100 })).at(-1)
      const after = await call('GET', `logs?from=${oldest?.id}&take=3`)
      assert.equal(after.json.length, 3)
      assert.ok(after.json.every((e: any) => e.log_id > (oldest?.id ?? '')))
      assert.deepEqual(after.json.map((e: any) => e.log_id), [...after.json.map((e: any) => e.log_id)].sort())
      const userLogs = await call('GET', `users/${encodeURIComponent(user.id)}/logs?include_totals=true`)
      assert.deepEqual(userLogs.json.logs.map((e: any) => e.log_id), [event.log_id])
    })
  })

  describe('keys/signing', () => {
    it('lists the keys, rotates (the new key published, signing later) and revokes only a previous key', async () => {
      const keys = await call('GET', 'keys/signing')
      const current = keys.json.find((k: any) => k.current)
      assert.ok(current)
      assert.match(current.cert, /^-----BEGIN PUBLIC KEY-----\n/)
      assert.match(current.fingerprint, /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/)
      assert.match(current.thumbprint, /^[0-9A-F]{40}$/)
      assert.deepEqual([current.next, current.previous, current.revoked], [false, false, false])
      assert.deepEqual((await call('GET', `keys/signing/${current.kid}`)).json, current)

      const rotated = await call('POST', 'keys/signing/rotate')
      assert.equal(rotated.status, 201)
      assert.deepEqual(Object.keys(rotated.json).sort(), ['cert', 'kid'])
      assert.ok((await serverJwks(server)).keys.some((k) => k.kid === rotated.json.kid), 'published at once')
      const next = (await call('GET', `keys/signing/${rotated.json.kid}`)).json
      assert.deepEqual([next.next, next.alg], [true, 'RS256'])
      assert.ok(Math.abs(Date.parse(next.current_since) - (server.clock.now() + 600_000)) < 5_000, 'signs after the 600 s delay')
      const event = (await server.store.logs.list({ type: 'signing_key_rotated', perPage: 1 }))[0]
      assert.deepEqual([event?.details.kid, event?.details.trigger, event?.clientId], [rotated.json.kid, 'management_api', robot.clientId])

      assertError(await call('PUT', `keys/signing/${current.kid}/revoke`), 400, 'invalid_request', /Only a previous key can be revoked/)
      server.clock.advance(11 * 60_000)
      server.running.deps.keys.invalidate()
      const previous = (await call('GET', `keys/signing/${current.kid}`)).json
      assert.deepEqual([previous.current, previous.previous, typeof previous.current_until], [false, true, 'string'])
      const revoked = await call('PUT', `keys/signing/${current.kid}/revoke`)
      assert.equal(revoked.status, 200, JSON.stringify(revoked.json))
      assert.equal(revoked.json.kid, current.kid)
      assert.equal((await serverJwks(server)).keys.some((k) => k.kid === current.kid), false)
      // Every token the revoked key signed stops working, this one included: the next is signed by the new key.
      assertError(await call('GET', 'keys/signing'), 401, 'invalid_token')
      ;({ app: robot, token } = await m2m(ALL))
      assertError(await call('GET', `keys/signing/${current.kid}`), 404, 'inexistent_signing_key')
    })
  })

  describe('validation', () => {
    it('answers bad input with 400 in Auth0\'s shape, naming the part and the property', async () => {
      assertError(await call('POST', 'clients', { name: 'x', color: 'blue' }), 400, 'invalid_body', "Payload validation error: 'Additional properties not allowed: color'.")
      assertError(await call('POST', 'clients', { name: 42 }), 400, 'invalid_body', /^Payload validation error: '.*' on property name\.$/)
      assertError(await call('POST', 'clients', '{"name":'), 400, 'invalid_body', 'Invalid request payload JSON format')
      assertError(await call('POST', 'clients', '[1]'), 400, 'invalid_body', /Payload validation error/)
      const form = await fetch(`${server.url}api/v2/clients`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' })
      assertError({ status: form.status, json: await form.json(), headers: form.headers }, 400, 'invalid_body', /application\/json/)
      assertError(await call('POST', 'clients', { name: 'x'.repeat(70_000) }), 400, 'invalid_body', /too large/)
      assertError(await call('GET', 'clients?per_page=101'), 400, 'invalid_query_string', /on property per_page/)
      assertError(await call('GET', 'clients?page=-1'), 400, 'invalid_query_string', /on property page/)
      assertError(await call('GET', 'clients?include_totals=yes'), 400, 'invalid_query_string', /on property include_totals/)
      assertError(await call('GET', 'clients?colour=blue'), 400, 'invalid_query_string', /Additional properties not allowed: colour/)
      assertError(await call('GET', 'clients?page=1&page=2'), 400, 'invalid_query_string', /on property page/)
      assertError(await call('GET', 'clients?name=%ZZ'), 400, 'invalid_query_string')
      assertError(await call('GET', 'no-such-thing'), 404, 'not_found')
      assertError(await call('DELETE', 'keys/signing'), 404, 'not_found')
    })
  })

  describe('audit', () => {
    it('writes a sapi event for every change, with the calling application as the actor and no secret', async () => {
      const created = await call('POST', 'clients', { name: 'Audited', app_type: 'non_interactive', grant_types: ['client_credentials'] })
      let event = await lastChange()
      assert.equal(event.clientId, robot.clientId)
      assert.deepEqual(
        { ...event.details },
        { action: 'application.created', description: 'Create an application', target_client_id: created.json.client_id, name: 'Audited', app_type: 'non_interactive', actor: 'management_api', method: 'POST', path: '/api/v2/clients' },
      )
      const rotated = await call('POST', `clients/${created.json.client_id}/rotate-secret`)
      event = await lastChange()
      assert.equal(event.details.action, 'application.secret_rotated')
      const everything = JSON.stringify(await server.store.logs.list({ perPage: 100 }))
      for (const secret of [created.json.client_secret, rotated.json.client_secret]) {
        assert.equal(everything.includes(secret), false)
        assert.equal(everything.includes(sha256(secret)), false)
      }
      await call('PATCH', `clients/${created.json.client_id}`, { name: 'Audited again' })
      assert.deepEqual((await lastChange()).details.fields, ['name'])
      await call('DELETE', `clients/${created.json.client_id}`)
      assert.equal((await lastChange()).details.action, 'application.deleted')
      const api = await call('POST', 'resource-servers', { identifier: `https://audit-${Date.now()}.example/` })
      assert.deepEqual([(await lastChange()).details.action, (await lastChange()).details.api_id], ['api.created', api.json.id])
      const user = await call('POST', 'users', { connection: 'Username-Password-Authentication', email: `audit-${Date.now()}@example.com`, password: 'a long password' })
      event = await lastChange()
      assert.deepEqual([event.details.action, event.userId], ['user.created', user.json.user_id])
      assert.equal(JSON.stringify(event).includes('a long password'), false)
    })

    it('writes nothing for refused requests', async () => {
      const count = await server.store.logs.count({ type: 'sapi' })
      await call('POST', 'clients', { name: 'x', nope: true })
      await call('DELETE', 'clients/none')
      await call('POST', 'clients', { name: 'x' }, null)
      assert.equal(await server.store.logs.count({ type: 'sapi' }), count)
    })
  })

  describe('OpenAPI', () => {
    it('serves an OpenAPI 3.1 document generated from the schemas, listing every route with its scopes', async () => {
      const res = await fetch(`${server.url}api/v2/openapi.json`)
      assert.equal(res.status, 200)
      const doc = (await res.json()) as any
      assert.equal(doc.openapi, '3.1.0')
      assert.equal(doc.servers[0].url, `${server.issuer}api/v2`)
      assert.equal(doc.components.securitySchemes.oauth2.flows.clientCredentials.tokenUrl, `${server.issuer}oauth/token`)
      assert.deepEqual(Object.keys(doc.components.securitySchemes.oauth2.flows.clientCredentials.scopes).sort(), ALL)
      for (const route of managementRoutes()) {
        const path = route.path.replace(/:(\w+)/g, '{$1}')
        const op = doc.paths[path]?.[route.method]
        assert.ok(op, `${route.method} ${path} is documented`)
        assert.deepEqual(op.security, route.scopes.map((s) => ({ oauth2: [s] })))
        for (const name of route.path.match(/:(\w+)/g) ?? []) assert.ok(op.parameters.some((p: any) => p.in === 'path' && p.name === name.slice(1) && p.required))
        const answer = op.responses[String(route.answer.status)]
        assert.ok(answer, `${route.method} ${path} documents ${route.answer.status}`)
        if (route.answer.schema) assert.ok(answer.content['application/json'].schema.type || answer.content['application/json'].schema.anyOf)
        // An object, or an array for PATCH /connections/{id}/clients (Auth0's body is a list of changes).
        const bodyType = route.bodyType === 'multipart' ? 'multipart/form-data' : 'application/json'
        if (route.body) assert.ok(['object', 'array'].includes(op.requestBody.content[bodyType].schema.type), `${route.method} ${path} documents its body`)
        for (const status of ['400', '401', '403', '429']) assert.equal(op.responses[status].content['application/json'].schema.$ref, '#/components/schemas/Error')
      }
      const create = doc.paths['/clients'].post.requestBody.content['application/json'].schema
      assert.deepEqual(create.required, ['name'])
      assert.equal(create.additionalProperties, false)
      assert.deepEqual(create.properties.app_type.enum, ['native', 'spa', 'regular_web', 'non_interactive'])
      const listUsers = doc.paths['/users'].get.parameters
      assert.ok(listUsers.some((p: any) => p.name === 'per_page' && p.in === 'query' && !p.required))
      assert.equal(JSON.stringify(doc).includes('"$schema"'), false)
    })
  })

  describe('the Management API itself', () => {
    it('follows the issuer: a restart with another issuer moves its identifier and the client grants to it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'latchkey-mgmt-'))
      try {
        const db = `sqlite:${join(dir, 'latchkey.db')}`
        const first = await startTestServer({ db, issuer: 'https://old.example.com/' })
        const { app } = await addApp(first.store, { name: 'Ops', type: 'm2m', grants: ['client_credentials'] })
        const system = await first.store.apis.findSystem()
        assert.equal(system?.identifier, 'https://old.example.com/api/v2/')
        await first.store.clientGrants.insert(createClientGrant({ clientId: app.clientId, audience: system?.identifier as string, scope: ['read:users'] }, { application: app, api: system }, Date.now()))
        await first.close()
        await first.store.close().catch(() => {})

        const second = await startTestServer({ db, issuer: 'https://new.example.com/' })
        try {
          const moved = await second.store.apis.findSystem()
          assert.deepEqual([moved?.id, moved?.identifier], [system?.id, 'https://new.example.com/api/v2/'])
          assert.equal(await second.store.apis.count(), 1)
          assert.equal((await second.store.clientGrants.find(app.clientId, 'https://new.example.com/api/v2/'))?.scope[0], 'read:users')
        } finally {
          await second.close()
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })

  describe('HTTP', () => {
    it('sends no CORS headers (server-to-server) and answers 429 in Auth0\'s shape over the rate limit', async () => {
      const preflight = await fetch(`${server.url}api/v2/clients`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } })
      assert.equal(preflight.headers.get('access-control-allow-origin'), null)
      const get = await call('GET', 'clients', undefined, token, { origin: 'https://evil.example' })
      assert.equal(get.headers.get('access-control-allow-origin'), null)

      const limited = await startTestServer({ env: { LATCHKEY_RATE_LIMITS: 'on', LATCHKEY_RATE_LIMIT_MANAGEMENT: '2/60' } })
      try {
        const statuses: number[] = []
        let last: Response | undefined
        for (let i = 0; i < 3; i++) {
          last = await fetch(`${limited.url}api/v2/clients`)
          statuses.push(last.status)
        }
        assert.deepEqual(statuses, [401, 401, 429])
        const body = (await (last as Response).json()) as any
        assertError({ status: 429, json: body, headers: (last as Response).headers }, 429, 'too_many_requests')
        assert.match((last as Response).headers.get('retry-after') ?? '', /^\d+$/)
        assert.equal((last as Response).headers.get('x-ratelimit-limit'), '2')
      } finally {
        await limited.close()
      }
    })
  })
})
