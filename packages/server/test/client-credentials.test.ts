/**
 * Machine-to-machine applications at the token endpoint (RFC 6749 §4.4): client_credentials with
 * client_secret_basic, client_secret_post and private_key_jwt (RFC 7523, jti single-use), client
 * grants and their scopes, Auth0's errors, an access token alone that an API verifies with
 * @latchkey/resource-server; the audit events; `latchkey grants`; and oauth4webapi and openid-client
 * as clients that are not part of this repository.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiRecord, type ApplicationInput, type ApplicationRecord, createClientGrant } from '@latchkey/core'
import { createVerifier } from '@latchkey/resource-server'
import { base64url, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose'
import * as oauth from 'oauth4webapi'
import * as client from 'openid-client'
import { addApi, addApp, startTestServer, type TestServer } from './support/harness.js'
import { runLatchkey, runLatchkeyProcess } from './support/cli.js'
import { assertOAuthError, basicAuth, claims, revokeRequest, tokenRequest } from './support/oauth.js'

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const READ = 'read:appointments'
const WRITE = 'write:appointments'

async function signingKey(alg: string) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  return { alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid: `${alg}-${randomUUID()}` } as JWK }
}

/** A machine-to-machine app (no callbacks, origins or logout URLs), with its secret ('' for private_key_jwt). */
async function addM2m(store: TestServer['store'], input: Partial<ApplicationInput>): Promise<{ app: ApplicationRecord; secret: string }> {
  const { app, secret } = await addApp(store, { type: 'm2m', callbacks: [], webOrigins: [], logoutUrls: [], ...input })
  return { app, secret: secret ?? '' }
}

describe('client_credentials', () => {
  let server: TestServer
  let api: ApiRecord
  let other: ApiRecord
  let m2m: ApplicationRecord
  let secret: string
  let basicApp: ApplicationRecord
  let basicSecret: string
  let signer: ApplicationRecord
  const es256 = signingKey('ES256')
  const rs256 = signingKey('RS256')

  async function grant(app: ApplicationRecord, target: ApiRecord, scope: string[]): Promise<void> {
    await server.store.clientGrants.insert(createClientGrant({ clientId: app.clientId, audience: target.identifier, scope }, { application: app, api: target }, Date.now()))
  }

  /** A valid assertion from `signer` for this server, with claims replaced (undefined removes one). */
  async function assertion(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key?: Awaited<typeof es256>): Promise<string> {
    const k = key ?? (await es256)
    const now = Math.floor(server.clock.now() / 1000)
    const payload = Object.fromEntries(
      Object.entries({ iss: signer.clientId, sub: signer.clientId, aud: server.issuer, jti: randomUUID(), iat: now, exp: now + 60, ...claims }).filter(([, v]) => v !== undefined),
    )
    return new SignJWT(payload).setProtectedHeader({ alg: k.alg, kid: k.jwk.kid, ...header } as { alg: string }).sign(k.privateKey)
  }

  const viaAssertion = async (jwt: string, extra: Record<string, string> = {}) =>
    tokenRequest(server, { grant_type: 'client_credentials', audience: api.identifier, client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, ...extra })

  before(async () => {
    server = await startTestServer()
    api = await addApi(server.store, { identifier: 'https://cc.example.com/appointments', tokenLifetime: 900 })
    other = await addApi(server.store, { identifier: 'https://cc.example.com/other', scopes: ['read:other'] })
    ;({ app: m2m, secret } = await addM2m(server.store, { name: 'Cron' }))
    ;({ app: basicApp, secret: basicSecret } = await addM2m(server.store, { name: 'Reports', authMethod: 'basic' }))
    ;({ app: signer } = await addM2m(server.store, { name: 'Signer', authMethod: 'private_key_jwt', jwks: { keys: [(await es256).jwk, (await rs256).jwk] } }))
    for (const app of [m2m, basicApp, signer]) await grant(app, api, [READ, WRITE])
  })
  after(() => server.close())

  describe('with a client secret', () => {
    it('client_secret_post: an access token alone, for <client_id>@clients, every granted scope, the API lifetime', async () => {
      const r = await tokenRequest(server, { grant_type: 'client_credentials', client_id: m2m.clientId, client_secret: secret, audience: api.identifier })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.equal(r.res.headers.get('cache-control'), 'no-store')
      assert.deepEqual(Object.keys(r.json).sort(), ['access_token', 'expires_in', 'scope', 'token_type'])
      assert.equal(r.json.token_type, 'Bearer')
      assert.equal(r.json.expires_in, 900)
      assert.equal(r.json.scope, `${READ} ${WRITE}`)
      const c = claims(r.json.access_token)
      assert.equal(c.sub, `${m2m.clientId}@clients`)
      assert.equal(c.aud, api.identifier)
      assert.equal(c.azp, m2m.clientId)
      assert.equal(c.gty, 'client-credentials')
      assert.equal(c.iss, server.issuer)
    })

    it('client_secret_basic, with a JSON body too (as Auth0 accepts)', async () => {
      const form = await tokenRequest(server, { grant_type: 'client_credentials', audience: api.identifier }, { headers: { authorization: basicAuth(basicApp.clientId, basicSecret) } })
      assert.equal(form.status, 200, JSON.stringify(form.json))
      const json = await tokenRequest(server, { grant_type: 'client_credentials', client_id: m2m.clientId, client_secret: secret, audience: api.identifier }, { json: true })
      assert.equal(json.status, 200, JSON.stringify(json.json))
    })

    it('the token verifies at the API with @latchkey/resource-server, for that audience only', async () => {
      const r = await tokenRequest(server, { grant_type: 'client_credentials', client_id: m2m.clientId, client_secret: secret, audience: api.identifier, scope: READ })
      const verified = await createVerifier({ issuer: server.issuer, audience: api.identifier }).verifyAccessToken(r.json.access_token as string)
      assert.equal(verified.sub, `${m2m.clientId}@clients`)
      assert.equal(verified.scope, READ)
      await assert.rejects(createVerifier({ issuer: server.issuer, audience: other.identifier }).verifyAccessToken(r.json.access_token as string))
    })

    it('narrows to requested scopes; a scope outside the grant is access_denied, and never an ID or refresh token', async () => {
      const base = { grant_type: 'client_credentials', client_id: m2m.clientId, client_secret: secret, audience: api.identifier }
      const narrowed = await tokenRequest(server, { ...base, scope: WRITE })
      assert.equal(narrowed.json.scope, WRITE)
      assertOAuthError(await tokenRequest(server, { ...base, scope: `${READ} delete:appointments` }), 403, 'access_denied', 'Client has not been granted scopes: delete:appointments')
      assertOAuthError(await tokenRequest(server, { ...base, scope: 'openid offline_access' }), 403, 'access_denied', 'Client has not been granted scopes: openid offline_access')
    })

    it("answers Auth0's access_denied for a missing audience, an unknown one, and one without a client grant", async () => {
      const base = { grant_type: 'client_credentials', client_id: m2m.clientId, client_secret: secret }
      assertOAuthError(await tokenRequest(server, base), 403, 'access_denied', 'No audience parameter was provided, and no default audience has been configured')
      assertOAuthError(await tokenRequest(server, { ...base, audience: 'https://nowhere.example.com/' }), 403, 'access_denied', 'Service not enabled within domain: https://nowhere.example.com/')
      // RFC 6749 §5.2 allows no double quote in error_description: Auth0's quotes arrive as single quotes.
      assertOAuthError(
        await tokenRequest(server, { ...base, audience: other.identifier }),
        403,
        'access_denied',
        `Client is not authorized to access '${other.identifier}'. You need to create a 'client-grant' associated to this API.`,
      )
    })

    it('refuses a wrong secret (invalid_client) and public apps (unauthorized_client)', async () => {
      assertOAuthError(await tokenRequest(server, { grant_type: 'client_credentials', client_id: m2m.clientId, client_secret: 'wrong', audience: api.identifier }), 401, 'invalid_client')
      const { app: spa } = await addApp(server.store)
      assertOAuthError(await tokenRequest(server, { grant_type: 'client_credentials', client_id: spa.clientId, audience: api.identifier }), 403, 'unauthorized_client')
    })

    it('an app that authenticates with private_key_jwt cannot use a secret', async () => {
      const r = await tokenRequest(server, { grant_type: 'client_credentials', client_id: signer.clientId, client_secret: 'anything', audience: api.identifier })
      assertOAuthError(r, 401, 'invalid_client', /authenticates with private_key_jwt/)
      const basic = await tokenRequest(server, { grant_type: 'client_credentials', audience: api.identifier }, { headers: { authorization: basicAuth(signer.clientId, 'anything') } })
      assertOAuthError(basic, 401, 'invalid_client', /authenticates with private_key_jwt/)
      assert.match(basic.res.headers.get('www-authenticate') ?? '', /^Basic/)
    })
  })

  describe('with private_key_jwt', () => {
    it('accepts an ES256 or RS256 assertion whose aud is the issuer or the token endpoint', async () => {
      const es = await viaAssertion(await assertion())
      assert.equal(es.status, 200, JSON.stringify(es.json))
      assert.equal(claims(es.json.access_token).sub, `${signer.clientId}@clients`)
      const rs = await viaAssertion(await assertion({ aud: `${server.issuer}oauth/token` }, {}, await rs256), { client_id: signer.clientId })
      assert.equal(rs.status, 200, JSON.stringify(rs.json))
    })

    it('refuses a replayed assertion (the same jti), on this or any request', async () => {
      const jwt = await assertion()
      assert.equal((await viaAssertion(jwt)).status, 200)
      assertOAuthError(await viaAssertion(jwt), 401, 'invalid_client', 'client_assertion was already used (jti).')
      const jti = randomUUID()
      assert.equal((await viaAssertion(await assertion({ jti }))).status, 200)
      assertOAuthError(await viaAssertion(await assertion({ jti })), 401, 'invalid_client', /already used/)
    })

    it('refuses a wrong aud, an expired or too long-lived assertion, and one without jti', async () => {
      const now = Math.floor(server.clock.now() / 1000)
      assertOAuthError(await viaAssertion(await assertion({ aud: 'https://elsewhere.example.com/' })), 401, 'invalid_client', /aud must name this server/)
      assertOAuthError(await viaAssertion(await assertion({ iat: now - 600, exp: now - 120 })), 401, 'invalid_client', /has expired/)
      assertOAuthError(await viaAssertion(await assertion({ exp: now + 3600 })), 401, 'invalid_client', /at most 5 minutes/)
      assertOAuthError(await viaAssertion(await assertion({ jti: undefined })), 401, 'invalid_client', /jti/)
    })

    it('refuses alg none, HS256 (even keyed with the client id) and keys the app did not register', async () => {
      const body = base64url.encode(JSON.stringify({ iss: signer.clientId, sub: signer.clientId, aud: server.issuer, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 60 }))
      assertOAuthError(await viaAssertion(`${base64url.encode('{"alg":"none"}')}.${body}.`), 401, 'invalid_client')
      const hs = await new SignJWT({ iss: signer.clientId, sub: signer.clientId, aud: server.issuer, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 60 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(signer.clientId))
      assertOAuthError(await viaAssertion(hs), 401, 'invalid_client', /alg must be one of RS256, PS256, ES256, EdDSA/)
      assertOAuthError(await viaAssertion(await assertion({}, {}, await signingKey('ES256'))), 401, 'invalid_client', /registered keys/)
    })

    it('refuses mixing methods, a wrong assertion type, a client_id that differs from sub, and a secret app', async () => {
      assertOAuthError(await viaAssertion(await assertion(), { client_secret: 'x' }), 400, 'invalid_request', /only one client authentication method/)
      assertOAuthError(await viaAssertion(await assertion(), { client_assertion_type: 'urn:other' }), 401, 'invalid_client', /client_assertion_type must be/)
      assertOAuthError(await viaAssertion(await assertion(), { client_id: m2m.clientId }), 400, 'invalid_request', /does not match/)
      const forSecretApp = await assertion({ iss: m2m.clientId, sub: m2m.clientId })
      assertOAuthError(await viaAssertion(forSecretApp), 401, 'invalid_client', 'This application authenticates with a client secret, not private_key_jwt.')
    })

    it('authenticates at /oauth/revoke too, where aud may also name the revocation endpoint', async () => {
      const res = await revokeRequest(server, {
        token: 'not-a-token',
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: await assertion({ aud: `${server.issuer}oauth/revoke` }),
      })
      assert.equal(res.status, 200)
      const bad = await revokeRequest(server, { token: 'x', client_assertion_type: ASSERTION_TYPE, client_assertion: await assertion({ aud: 'https://elsewhere/' }) })
      assert.equal(bad.status, 401)
    })
  })

  it('discovery advertises the grant, private_key_jwt and its algorithms', async () => {
    const doc = (await (await fetch(`${server.url}.well-known/openid-configuration`)).json()) as Record<string, string[]>
    assert.ok(doc.grant_types_supported?.includes('client_credentials'))
    assert.ok(doc.token_endpoint_auth_methods_supported?.includes('private_key_jwt'))
    assert.deepEqual(doc.token_endpoint_auth_signing_alg_values_supported, ['RS256', 'PS256', 'ES256', 'EdDSA'])
    assert.ok(doc.revocation_endpoint_auth_methods_supported?.includes('private_key_jwt'))
  })

  it('records seccft with the app and no user, and feccft with the error', async () => {
    const ok = await tokenRequest(server, { grant_type: 'client_credentials', client_id: m2m.clientId, client_secret: secret, audience: api.identifier })
    assert.equal(ok.status, 200)
    const [success] = await server.store.logs.list({ type: 'seccft', clientId: m2m.clientId, perPage: 1 })
    assert.equal(success?.userId, null)
    assert.equal(success?.details.audience, api.identifier)
    assert.equal(success?.details.refresh_token_issued, false)
    await viaAssertion(await assertion({ aud: 'https://elsewhere/' }))
    const [failure] = await server.store.logs.list({ type: 'feccft', clientId: signer.clientId, perPage: 1 })
    assert.equal(failure?.details.error, 'invalid_client')
  })

  describe('third-party clients', () => {
    const insecure = { [oauth.allowInsecureRequests]: true } as const

    async function authorizationServer(): Promise<oauth.AuthorizationServer> {
      const issuer = new URL(server.issuer)
      return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure))
    }

    it('oauth4webapi: client_credentials with ClientSecretBasic', async () => {
      const as = await authorizationServer()
      const c: oauth.Client = { client_id: basicApp.clientId }
      const res = await oauth.clientCredentialsGrantRequest(as, c, oauth.ClientSecretBasic(basicSecret), { audience: api.identifier, scope: READ }, insecure)
      const tokens = await oauth.processClientCredentialsResponse(as, c, res)
      assert.equal(tokens.token_type, 'bearer')
      assert.equal(tokens.scope, READ)
      assert.equal(tokens.refresh_token, undefined)
      assert.equal(tokens.id_token, undefined)
    })

    it('oauth4webapi: client_credentials with PrivateKeyJwt (RS256 and ES256 keys)', async () => {
      const as = await authorizationServer()
      const c: oauth.Client = { client_id: signer.clientId }
      for (const key of [await es256, await rs256]) {
        const auth = oauth.PrivateKeyJwt({ key: key.privateKey, kid: key.jwk.kid as string })
        const res = await oauth.clientCredentialsGrantRequest(as, c, auth, { audience: api.identifier }, insecure)
        const tokens = await oauth.processClientCredentialsResponse(as, c, res)
        assert.equal(claims(tokens.access_token).sub, `${signer.clientId}@clients`)
      }
    })

    it('oauth4webapi: a refused client_credentials request surfaces as a ResponseBodyError', async () => {
      const as = await authorizationServer()
      const c: oauth.Client = { client_id: basicApp.clientId }
      const res = await oauth.clientCredentialsGrantRequest(as, c, oauth.ClientSecretBasic(basicSecret), { audience: other.identifier }, insecure)
      await assert.rejects(oauth.processClientCredentialsResponse(as, c, res), (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'access_denied')
    })

    it('openid-client: clientCredentialsGrant with a secret and with PrivateKeyJwt', async () => {
      const options = { execute: [client.allowInsecureRequests] }
      const withSecret = await client.discovery(new URL(server.issuer), m2m.clientId, secret, client.ClientSecretPost(secret), options)
      const a = await client.clientCredentialsGrant(withSecret, { audience: api.identifier })
      assert.equal(a.scope, `${READ} ${WRITE}`)
      const key = await es256
      const withKey = await client.discovery(new URL(server.issuer), signer.clientId, undefined, client.PrivateKeyJwt({ key: key.privateKey, kid: key.jwk.kid as string }), options)
      const b = await client.clientCredentialsGrant(withKey, { audience: api.identifier, scope: WRITE })
      assert.equal(b.scope, WRITE)
    })
  })
})

describe('client_credentials under the token endpoint rate limits', () => {
  it('counts failed client authentication per client + IP, assertions included; access_denied does not count', async () => {
    const server = await startTestServer({ env: { LATCHKEY_RATE_LIMITS: 'on', LATCHKEY_RATE_LIMIT_TOKEN_FAILURES: '3/60' } })
    try {
      const api = await addApi(server.store, { identifier: 'https://limits.example.com/' })
      const key = await signingKey('ES256')
      const { app: signer } = await addM2m(server.store, { name: 'Signer', authMethod: 'private_key_jwt', jwks: { keys: [key.jwk] } })
      const { app: cron, secret } = await addM2m(server.store, { name: 'Cron' })
      await server.store.clientGrants.insert(createClientGrant({ clientId: cron.clientId, audience: api.identifier, scope: [] }, { application: cron, api }, Date.now()))
      const badAssertion = () =>
        new SignJWT({ iss: signer.clientId, sub: signer.clientId, aud: 'https://elsewhere.example.com/', jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 60 })
          .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid as string })
          .sign(key.privateKey)
      const statuses: number[] = []
      for (let i = 0; i < 4; i++) {
        const r = await tokenRequest(server, { grant_type: 'client_credentials', audience: api.identifier, client_assertion_type: ASSERTION_TYPE, client_assertion: await badAssertion() })
        statuses.push(r.status)
      }
      assert.deepEqual(statuses, [401, 401, 401, 429])

      const cc = (audience: string) => tokenRequest(server, { grant_type: 'client_credentials', client_id: cron.clientId, client_secret: secret, audience })
      for (let i = 0; i < 4; i++) assert.equal((await cc('https://unknown.example.com/')).status, 403)
      assert.equal((await cc(api.identifier)).status, 200, 'another client, and refusals that are not guesses, are not held back')
    } finally {
      await server.close()
    }
  })
})

describe('latchkey grants (CLI) and client_credentials on the same database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-grants-'))
  const db = ['--db', `sqlite:${join(dir, 'latchkey.db')}`]
  after(() => rmSync(dir, { recursive: true, force: true }))

  function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return runLatchkey([...args, ...db])
  }
  async function json<T = Record<string, any>>(args: string[]): Promise<T> {
    const res = await cli([...args, '--json'])
    assert.equal(res.code, 0, `latchkey ${args.join(' ')}: ${res.stderr}`)
    return JSON.parse(res.stdout) as T
  }

  it('creates, lists, updates and deletes grants that the token endpoint honours at once, with audit events', async () => {
    const app = await json(['apps', 'create', '--name', 'Nightly', '--type', 'm2m'])
    assert.equal(typeof app.client_secret, 'string')
    const api = await json(['apis', 'create', '--name', 'Ledger', '--identifier', 'https://ledger.example.com/', '--scopes', 'read:ledger,write:ledger'])

    const refused = await cli(['grants', 'create', '--client', app.client_id, '--audience', api.identifier, '--scopes', 'read:ledger,admin'])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^latchkey: --scopes: "admin" is not defined by the API https:\/\/ledger\.example\.com\//)
    const created = await json(['grants', 'create', '--client', app.client_id, '--audience', api.id, '--scopes', 'read:ledger'])
    assert.match(created.id, /^cgr_/)
    assert.equal(created.audience, api.identifier, '--audience takes the API id too')
    assert.deepEqual(created.scope, ['read:ledger'])
    const twice = await cli(['grants', 'create', '--client', app.client_id, '--audience', api.identifier])
    assert.equal(twice.code, 1)
    assert.match(twice.stderr, /already has a client grant/)
    assert.deepEqual((await json<any[]>(['grants', 'list', '--client', app.client_id])).map((g) => g.id), [created.id])
    assert.deepEqual(await json<any[]>(['grants', 'list', '--audience', 'https://elsewhere.example.com/']), [])
    const text = await cli(['grants', 'list'])
    assert.match(text.stdout, new RegExp(`${created.id}\\s+${app.client_id}\\s+https://ledger\\.example\\.com/\\s+read:ledger`))

    const server = await startTestServer({ db: db[1] })
    try {
      const request = (scope?: string) =>
        tokenRequest(server, { grant_type: 'client_credentials', client_id: app.client_id, client_secret: app.client_secret, audience: api.identifier, ...(scope ? { scope } : {}) })
      assert.equal((await request()).json.scope, 'read:ledger')
      assertOAuthError(await request('write:ledger'), 403, 'access_denied')

      const updated = await json(['grants', 'update', created.id, '--scopes', 'read:ledger,write:ledger'])
      assert.deepEqual(updated.scope, ['read:ledger', 'write:ledger'])
      assert.equal((await request('write:ledger')).json.scope, 'write:ledger')

      const deleted = await json(['grants', 'delete', created.id, '--force'])
      assert.deepEqual(deleted, { id: created.id, deleted: true })
      assertOAuthError(await request(), 403, 'access_denied', /You need to create a 'client-grant'/)
      const missing = await runLatchkeyProcess(['grants', 'delete', created.id, '--force', ...db])
      assert.equal(missing.code, 1)
      assert.match(missing.stderr, /no client grant with id/)

      const actions = (await server.store.logs.list({ type: 'sapi', clientId: app.client_id })).map((e) => e.details.action)
      assert.deepEqual(actions.filter((a) => String(a).startsWith('client_grant.')), ['client_grant.deleted', 'client_grant.updated', 'client_grant.created'])
    } finally {
      await server.close()
    }
  })

  it('registers a private_key_jwt app from --jwks-file, refusing private keys', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    const publicFile = join(dir, 'public.json')
    const privateFile = join(dir, 'private.json')
    writeFileSync(publicFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] }))
    writeFileSync(privateFile, JSON.stringify(await exportJWK(privateKey)))
    const refused = await cli(['apps', 'create', '--name', 'Leaky', '--type', 'm2m', '--auth-method', 'private_key_jwt', '--jwks-file', privateFile])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /private or secret parts \(d\)/)
    const app = await json(['apps', 'create', '--name', 'Signer', '--type', 'm2m', '--auth-method', 'private_key_jwt', '--jwks-file', publicFile])
    assert.equal(app.token_endpoint_auth_method, 'private_key_jwt')
    assert.equal(app.client_secret, undefined)
    assert.deepEqual(app.jwks.keys.map((k: JWK) => k.kid), ['k1'])
    const back = await json(['apps', 'rotate-secret', app.client_id, '--auth-method', 'post'])
    assert.equal(back.token_endpoint_auth_method, 'client_secret_post')
    assert.equal(typeof back.client_secret, 'string')
    assert.equal(back.jwks, undefined)
  })
})
