/**
 * POST /oauth/token over real HTTP: the rules of RFC 6749 §3.2, §4.1.3, §5 and §6, RFC 7636 §4.6,
 * RFC 9700 §2.1.1 and §4.14.2, with Auth0's error wording where apps compare it.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { s256Challenge, type ApiRecord, type ApplicationRecord, type UserRecord } from '@latchkey/core'
import { callbackParams } from './support/browser.js'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import {
  assertOAuthError,
  basicAuth,
  CALLBACK,
  claims,
  LoggedInBrowser,
  rawPost,
  readJson,
  tokenRequest,
  WEB_ORIGIN,
} from './support/oauth.js'

const API_SCOPE = 'openid profile email offline_access read:appointments'

describe('POST /oauth/token', () => {
  let server: TestServer
  let spa: ApplicationRecord
  let api: ApiRecord
  let user: UserRecord
  let session: LoggedInBrowser

  before(async () => {
    server = await startTestServer()
    ;({ app: spa } = await addApp(server.store))
    api = await addApi(server.store, { identifier: 'https://token-endpoint.example.com/', tokenLifetime: 7200 })
    user = await addUser(server.store)
    session = new LoggedInBrowser(server, user)
  })
  after(() => server.close())

  /** A code for the SPA with PKCE, for the test API and offline access unless told otherwise. */
  const spaCode = (extra: Parameters<LoggedInBrowser['code']>[1] = {}) =>
    session.code(spa, { audience: api.identifier, scope: API_SCOPE, ...extra })

  const redeem = (app: ApplicationRecord, c: { code: string; verifier: string | undefined; redirectUri: string }, extra: Record<string, string> = {}) =>
    tokenRequest(server, {
      grant_type: 'authorization_code',
      client_id: app.clientId,
      code: c.code,
      ...(c.verifier !== undefined ? { code_verifier: c.verifier } : {}),
      redirect_uri: c.redirectUri,
      ...extra,
    })

  const refresh = (app: ApplicationRecord, refreshToken: string, extra: Record<string, string> = {}) =>
    tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken, ...extra })

  /** Tokens for a fresh login of `app` (with a refresh token when the app and API allow one). */
  async function spaTokens(app: ApplicationRecord = spa) {
    const c = await session.code(app, { audience: api.identifier, scope: API_SCOPE })
    const r = await redeem(app, c)
    assert.equal(r.status, 200, JSON.stringify(r.json))
    assert.equal(typeof r.json.refresh_token, 'string')
    return r.json as { access_token: string; refresh_token: string; id_token: string; scope: string }
  }

  describe('authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.6)', () => {
    it('redeems a code exactly once; the second redemption fails with invalid_grant "Invalid authorization code" and revokes the refresh token the first one issued (RFC 6749 §4.1.2, RFC 9700 §4.2.4)', async () => {
      const c = await spaCode()
      const first = await redeem(spa, c)
      assert.equal(first.status, 200)
      const firstRefresh = first.json.refresh_token as string
      assert.equal(typeof firstRefresh, 'string')

      const second = await redeem(spa, c)
      assertOAuthError(second, 403, 'invalid_grant', 'Invalid authorization code')

      const afterReplay = await refresh(spa, firstRefresh)
      assertOAuthError(afterReplay, 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    })

    it('refuses a code after its 60-second lifetime', async () => {
      const c = await spaCode()
      server.clock.advance(61_000)
      assertOAuthError(await redeem(spa, c), 403, 'invalid_grant', 'Invalid authorization code')
    })

    it('refuses a code presented by another client (the code is bound to its client)', async () => {
      const { app: other } = await addApp(server.store, { name: 'Other SPA' })
      const c = await spaCode()
      assertOAuthError(await redeem(other, c), 403, 'invalid_grant', 'Invalid authorization code')
    })

    it('requires the same redirect_uri at the token endpoint when the authorize request sent one (RFC 6749 §4.1.3)', async () => {
      const { app: twoCallbacks } = await addApp(server.store, { callbacks: [CALLBACK, 'http://localhost:8080/other'] })
      const different = await session.code(twoCallbacks)
      assertOAuthError(await redeem(twoCallbacks, { ...different, redirectUri: 'http://localhost:8080/other' }), 403, 'invalid_grant')

      const omitted = await session.code(twoCallbacks)
      const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: twoCallbacks.clientId, code: omitted.code, code_verifier: omitted.verifier as string })
      assertOAuthError(r, 403, 'invalid_grant')

      const same = await session.code(twoCallbacks)
      assert.equal((await redeem(twoCallbacks, same)).status, 200)
    })

    it('answers a wrong code_verifier with 403 {"error":"invalid_grant","error_description":"Failed to verify code verifier"} (Auth0\'s wording)', async () => {
      const c = await spaCode()
      const r = await redeem(spa, { ...c, verifier: randomBytes(32).toString('base64url') })
      assert.equal(r.status, 403)
      assert.deepEqual(r.json, { error: 'invalid_grant', error_description: 'Failed to verify code verifier' })
      assert.equal(r.res.headers.get('cache-control'), 'no-store')
    })

    it('refuses a code_verifier that is not 43–128 unreserved characters (RFC 7636 §4.1)', async () => {
      const c = await spaCode()
      const malformed = [
        'a'.repeat(42), // too short
        'a'.repeat(129), // too long
        `${'a'.repeat(42)}+`, // '+' is not unreserved
        `${'a'.repeat(42)}=`,
        `${'a'.repeat(42)}/`,
        `${'a'.repeat(42)} `,
        `${'a'.repeat(42)}é`,
      ]
      for (const verifier of malformed) {
        const r = await redeem(spa, { ...c, verifier })
        assertOAuthError(r, 403, 'invalid_grant', 'Failed to verify code verifier')
      }
      // Malformed verifiers are refused before the code is looked up: the real verifier still redeems it.
      assert.equal((await redeem(spa, c)).status, 200)
    })

    it('accepts verifiers at the RFC 7636 bounds (43 and 128 unreserved characters) and the Appendix B example', async () => {
      const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~'
      const cases = [
        { verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' }, // RFC 7636 Appendix B
        { verifier: unreserved.slice(0, 43), challenge: s256Challenge(unreserved.slice(0, 43)) },
        { verifier: (unreserved + unreserved).slice(0, 128), challenge: s256Challenge((unreserved + unreserved).slice(0, 128)) },
      ]
      for (const { verifier, challenge } of cases) {
        const c = await session.code(spa, { pkce: false, challenge })
        const r = await redeem(spa, { ...c, verifier })
        assert.equal(r.status, 200, `${verifier.length}-character verifier: ${JSON.stringify(r.json)}`)
      }
    })

    it('refuses a token request without code_verifier when the authorize request sent a code_challenge', async () => {
      const c = await spaCode()
      assertOAuthError(await redeem(spa, { ...c, verifier: undefined }), 403, 'invalid_grant', 'Failed to verify code verifier')
    })

    it('refuses a code_verifier for a code issued without code_challenge: PKCE downgrade defence (RFC 9700 §2.1.1)', async () => {
      const { app: web, secret } = await addApp(server.store, { name: 'Regular web app', type: 'regular', authMethod: 'client_secret_post' })
      const downgraded = await session.code(web, { pkce: false })
      const r = await redeem(web, { ...downgraded, verifier: randomBytes(32).toString('base64url') }, { client_secret: secret as string })
      assertOAuthError(r, 403, 'invalid_grant', 'Failed to verify code verifier')

      // Without a verifier the confidential client's code (no PKCE) is redeemed normally.
      const plain = await session.code(web, { pkce: false })
      assert.equal((await redeem(web, plain, { client_secret: secret as string })).status, 200)
    })

    it('accepts a JSON body as well as a form body (Auth0 SDKs with useFormData: false)', async () => {
      const c = await spaCode()
      const r = await tokenRequest(
        server,
        { grant_type: 'authorization_code', client_id: spa.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri },
        { json: true },
      )
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.equal(r.json.token_type, 'Bearer')
      assert.equal(typeof r.json.access_token, 'string')
    })

    it('ignores unknown body parameters; audience and scope come from the code, never from the token request', async () => {
      const otherApi = await addApi(server.store, { identifier: 'https://other-api.example.com/', scopes: ['admin'] })
      const c = await spaCode({ scope: 'openid read:appointments' })
      const r = await redeem(spa, c, {
        audience: otherApi.identifier,
        scope: 'openid profile email offline_access read:appointments write:appointments admin',
        organization: 'org_abc123',
        auth0Client: Buffer.from(JSON.stringify({ name: 'auth0-spa-js', version: '2.28.3' })).toString('base64'),
        resource: otherApi.identifier,
      })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.equal(r.json.scope, 'openid read:appointments')
      assert.equal(r.json.refresh_token, undefined, 'offline_access was not in the code')
      const at = claims(r.json.access_token)
      assert.deepEqual(at.aud, [api.identifier, `${server.issuer}userinfo`])
      assert.equal(at.scope, 'openid read:appointments')
    })
  })

  describe('request parsing (RFC 6749 §3.2, §5.2)', () => {
    it('refuses a repeated parameter with 400 invalid_request (RFC 6749 §3.2)', async () => {
      const c = await spaCode()
      const body = new URLSearchParams({ grant_type: 'authorization_code', client_id: spa.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri })
      body.append('code', c.code)
      const r = await readJson(await rawPost(server, 'oauth/token', body.toString(), { 'content-type': 'application/x-www-form-urlencoded' }))
      assertOAuthError(r, 400, 'invalid_request', /code/)
      // An empty repeat counts too.
      const r2 = await readJson(await rawPost(server, 'oauth/token', 'grant_type=refresh_token&grant_type=', { 'content-type': 'application/x-www-form-urlencoded' }))
      assertOAuthError(r2, 400, 'invalid_request', /grant_type/)
    })

    it('refuses a body that is neither form-encoded nor JSON (text/plain) with 400 invalid_request', async () => {
      const r = await readJson(await rawPost(server, 'oauth/token', `grant_type=refresh_token&client_id=${spa.clientId}&refresh_token=x`, { 'content-type': 'text/plain' }))
      assertOAuthError(r, 400, 'invalid_request')
    })

    it('refuses a body over 64 KiB with 400, declared or streamed, and keeps serving', async () => {
      const big = `grant_type=refresh_token&client_id=${spa.clientId}&refresh_token=${'a'.repeat(70 * 1024)}`
      const declared = await readJson(await rawPost(server, 'oauth/token', big, { 'content-type': 'application/x-www-form-urlencoded' }))
      assertOAuthError(declared, 400, 'invalid_request')

      const encoder = new TextEncoder()
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 80; i++) controller.enqueue(encoder.encode(i === 0 ? 'grant_type=refresh_token&refresh_token=' : 'a'.repeat(1024)))
          controller.close()
        },
      })
      const streamed = await fetch(`${server.url}oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: stream,
        duplex: 'half',
      } as RequestInit)
      assertOAuthError(await readJson(streamed), 400, 'invalid_request')

      const health = await fetch(`${server.url}.well-known/openid-configuration`)
      assert.equal(health.status, 200)
      const c = await spaCode()
      assert.equal((await redeem(spa, c)).status, 200)
    })

    it('refuses non-UTF-8 bytes and %FF escapes with 400 invalid_request', async () => {
      const prefix = Buffer.from(`grant_type=refresh_token&client_id=${spa.clientId}&refresh_token=`)
      const rawBytes = Buffer.concat([prefix, Buffer.from([0xff, 0xfe, 0x41])])
      const raw = await readJson(await rawPost(server, 'oauth/token', rawBytes, { 'content-type': 'application/x-www-form-urlencoded' }))
      assertOAuthError(raw, 400, 'invalid_request')

      const escaped = await readJson(await rawPost(server, 'oauth/token', `${prefix.toString()}%FF`, { 'content-type': 'application/x-www-form-urlencoded' }))
      assertOAuthError(escaped, 400, 'invalid_request')

      const json = await readJson(
        await rawPost(server, 'oauth/token', Buffer.concat([Buffer.from('{"grant_type":"refresh_token","refresh_token":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), {
          'content-type': 'application/json',
        }),
      )
      assertOAuthError(json, 400, 'invalid_request')
    })

    it('refuses malformed JSON and JSON that is not an object of strings with 400 invalid_request', async () => {
      for (const body of ['{"grant_type":', '["refresh_token"]', '{"grant_type":{"x":1}}', 'null']) {
        const r = await readJson(await rawPost(server, 'oauth/token', body, { 'content-type': 'application/json' }))
        assertOAuthError(r, 400, 'invalid_request')
      }
    })

    it('answers GET /oauth/token with 405 and a JSON error (not HTML)', async () => {
      const res = await fetch(`${server.url}oauth/token?grant_type=authorization_code`)
      const r = await readJson(res)
      assert.equal(r.status, 405)
      assert.match(res.headers.get('allow') ?? '', /POST/)
      assert.equal(r.json.error, 'invalid_request')
      assert.equal(res.headers.get('cache-control'), 'no-store')
    })

    it('answers a missing grant_type with invalid_request', async () => {
      assertOAuthError(await tokenRequest(server, { client_id: spa.clientId, code: 'x' }), 400, 'invalid_request', /grant_type/)
    })

    it('answers an unknown or unimplemented grant_type with unsupported_grant_type (RFC 9700 §2.4: no password grant)', async () => {
      for (const grantType of ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'something']) {
        const r = await tokenRequest(server, { grant_type: grantType, client_id: spa.clientId, username: user.email, password: 'x' })
        assertOAuthError(r, 400, 'unsupported_grant_type')
      }
    })

    it('answers a grant the client is not allowed with unauthorized_client', async () => {
      const { app: codeOnly } = await addApp(server.store, { name: 'No refresh', grants: ['authorization_code'] })
      const r = await tokenRequest(server, { grant_type: 'refresh_token', client_id: codeOnly.clientId, refresh_token: 'whatever' })
      // Auth0 answers 403 here; RFC 6749 §5.2 allows 400. Either way the code is unauthorized_client.
      assert.ok(r.status === 400 || r.status === 403, `status ${r.status}`)
      assertOAuthError(r, r.status, 'unauthorized_client')
    })
  })

  describe('client authentication (RFC 6749 §2.3, §5.2)', () => {
    it('refuses a client_secret from a public client with 401 invalid_client', async () => {
      const c = await spaCode()
      assertOAuthError(await redeem(spa, c, { client_secret: 'anything' }), 401, 'invalid_client')
    })

    it('refuses an unknown client_id with 401 invalid_client', async () => {
      const r = await tokenRequest(server, { grant_type: 'refresh_token', client_id: 'no-such-client', refresh_token: 'x' })
      assertOAuthError(r, 401, 'invalid_client')
    })

    it('refuses a confidential client with a wrong or missing secret with 401 invalid_client; with Basic the answer carries WWW-Authenticate: Basic', async () => {
      const { app: web, secret } = await addApp(server.store, { name: 'Confidential', type: 'regular', authMethod: 'client_secret_basic' })
      const c = await session.code(web)

      assertOAuthError(await redeem(web, c, { client_secret: 'wrong' }), 401, 'invalid_client')
      assertOAuthError(await redeem(web, c), 401, 'invalid_client')

      const basic = await tokenRequest(
        server,
        { grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri },
        { headers: { authorization: basicAuth(web.clientId, 'wrong') } },
      )
      assertOAuthError(basic, 401, 'invalid_client')
      assert.match(basic.res.headers.get('www-authenticate') ?? '', /^Basic /)

      // None of the failures consumed the code: the right secret still redeems it.
      const ok = await tokenRequest(
        server,
        { grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri },
        { headers: { authorization: basicAuth(web.clientId, secret as string) } },
      )
      assert.equal(ok.status, 200, JSON.stringify(ok.json))
    })

    it('answers every response, success or error, as JSON with Cache-Control: no-store (RFC 6749 §5.1)', async () => {
      const c = await spaCode()
      const answers = [
        await redeem(spa, c),
        await redeem(spa, c),
        await tokenRequest(server, { grant_type: 'nope', client_id: spa.clientId }),
        await tokenRequest(server, { grant_type: 'refresh_token', client_id: 'unknown', refresh_token: 'x' }),
        await readJson(await rawPost(server, 'oauth/token', 'x', { 'content-type': 'text/plain' })),
      ]
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 403, 400, 401, 400],
      )
      for (const a of answers) {
        assert.match(a.res.headers.get('content-type') ?? '', /^application\/json/)
        assert.equal(a.res.headers.get('cache-control'), 'no-store')
      }
    })
  })

  describe('refresh_token grant (RFC 6749 §6, RFC 9700 §4.14.2)', () => {
    it('rotates: every refresh returns a new refresh token and an ID token', async () => {
      const first = await spaTokens()
      const seen = new Set([first.refresh_token])
      let current = first.refresh_token
      for (let i = 0; i < 3; i++) {
        const r = await refresh(spa, current)
        assert.equal(r.status, 200, JSON.stringify(r.json))
        const next = r.json.refresh_token as string
        assert.equal(typeof next, 'string')
        assert.ok(!seen.has(next), 'a new refresh token each time')
        assert.equal(typeof r.json.id_token, 'string')
        assert.equal(r.json.scope, API_SCOPE)
        seen.add(next)
        current = next
      }
    })

    it('with a reuse interval of 0, a rotated-out token used again fails with 403 invalid_grant "Unknown or invalid refresh token." and revokes the whole grant', async () => {
      const first = await spaTokens()
      const second = await refresh(spa, first.refresh_token)
      assert.equal(second.status, 200)
      const newest = second.json.refresh_token as string

      const replay = await refresh(spa, first.refresh_token)
      assertOAuthError(replay, 403, 'invalid_grant', 'Unknown or invalid refresh token.')

      const afterBreach = await refresh(spa, newest)
      assertOAuthError(afterBreach, 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    })

    it('with reuseIntervalSeconds: 30, the previous token may be used again within 30 s, but not after: then the family is revoked', async () => {
      const { app: tabs } = await addApp(server.store, { name: 'Tabs', refreshToken: { reuseIntervalSeconds: 30 } })
      const first = await spaTokens(tabs)
      const a = await refresh(tabs, first.refresh_token)
      assert.equal(a.status, 200)
      server.clock.advance(10_000)
      const b = await refresh(tabs, first.refresh_token)
      assert.equal(b.status, 200, `reuse within the interval: ${JSON.stringify(b.json)}`)
      assert.equal(typeof b.json.refresh_token, 'string')
      assert.notEqual(b.json.refresh_token, a.json.refresh_token)

      server.clock.advance(25_000) // 35 s after the rotation
      assertOAuthError(await refresh(tabs, first.refresh_token), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
      assertOAuthError(await refresh(tabs, a.json.refresh_token as string), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
      assertOAuthError(await refresh(tabs, b.json.refresh_token as string), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    })

    it('binds the refresh token to its client: another client gets invalid_grant and the token stays usable', async () => {
      const { app: other } = await addApp(server.store, { name: 'Thief' })
      const first = await spaTokens()
      assertOAuthError(await refresh(other, first.refresh_token), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
      assert.equal((await refresh(spa, first.refresh_token)).status, 200)
    })

    it('lets a refresh `scope` narrow the grant but not widen it (invalid_scope); the refresh token keeps the original scope', async () => {
      const first = await spaTokens()
      const wider = await refresh(spa, first.refresh_token, { scope: 'openid read:appointments write:appointments' })
      assertOAuthError(wider, 400, 'invalid_scope')

      const narrow = await refresh(spa, first.refresh_token, { scope: 'openid read:appointments' })
      assert.equal(narrow.status, 200, JSON.stringify(narrow.json))
      assert.equal(narrow.json.scope, 'openid read:appointments')
      assert.equal(claims(narrow.json.access_token).scope, 'openid read:appointments')

      const full = await refresh(spa, narrow.json.refresh_token as string)
      assert.equal(full.status, 200)
      assert.equal(full.json.scope, API_SCOPE)
    })

    it('issues no refresh token without offline_access', async () => {
      const c = await spaCode({ scope: 'openid profile read:appointments' })
      const r = await redeem(spa, c)
      assert.equal(r.status, 200)
      assert.equal(r.json.refresh_token, undefined)
    })

    it('issues no refresh token when the API does not allow offline access, even if offline_access was asked', async () => {
      const online = await addApi(server.store, { identifier: 'https://online-only.example.com/', allowOfflineAccess: false })
      const c = await session.code(spa, { audience: online.identifier, scope: API_SCOPE })
      const r = await redeem(spa, c)
      assert.equal(r.status, 200)
      assert.equal(r.json.refresh_token, undefined)
      assert.ok(!(r.json.scope as string).split(' ').includes('offline_access'), '!(r.json.scope as string).split(\' \').includes(\'offline_access\')')
    })

    it('stops honouring refresh tokens for an API that no longer allows offline access', async () => {
      const later = await addApi(server.store, { identifier: 'https://goes-online.example.com/', allowOfflineAccess: true })
      const r = await redeem(spa, await session.code(spa, { audience: later.identifier, scope: API_SCOPE }))
      assert.equal(typeof r.json.refresh_token, 'string')
      await server.store.apis.update(later.id, { allowOfflineAccess: false })
      assertOAuthError(await refresh(spa, r.json.refresh_token as string), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    })

    it('expires a refresh token unused for the app\'s idle lifetime', async () => {
      const { app: idle } = await addApp(server.store, { name: 'Idle', refreshToken: { idleLifetimeSeconds: 60, absoluteLifetimeSeconds: 3600 } })
      const first = await spaTokens(idle)
      server.clock.advance(50_000)
      const used = await refresh(idle, first.refresh_token)
      assert.equal(used.status, 200, 'used within the idle lifetime')
      server.clock.advance(61_000)
      assertOAuthError(await refresh(idle, used.json.refresh_token as string), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    })

    it('expires the whole grant at the app\'s absolute lifetime, however recently it was used', async () => {
      const { app: absolute } = await addApp(server.store, { name: 'Absolute', refreshToken: { idleLifetimeSeconds: 60, absoluteLifetimeSeconds: 120 } })
      let token = (await spaTokens(absolute)).refresh_token
      for (let i = 0; i < 2; i++) {
        server.clock.advance(50_000)
        const r = await refresh(absolute, token)
        assert.equal(r.status, 200, `refresh ${i + 1} within both lifetimes`)
        token = r.json.refresh_token as string
      }
      server.clock.advance(25_000) // 125 s after login, 25 s after the last use
      assertOAuthError(await refresh(absolute, token), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    })

    it('refuses to refresh for a blocked user', async () => {
      const blocked = await addUser(server.store)
      const own = new LoggedInBrowser(server, blocked)
      const c = await own.code(spa, { audience: api.identifier, scope: API_SCOPE })
      const tokens = await redeem(spa, c)
      assert.equal(tokens.status, 200)
      await server.store.users.update(blocked.id, { blocked: true })
      const r = await refresh(spa, tokens.json.refresh_token as string)
      assertOAuthError(r, 403, 'invalid_grant', /user is blocked/)
    })
  })

  describe('the access token', () => {
    it('lives exactly the API\'s token lifetime: exp - iat and expires_in', async () => {
      const c = await spaCode()
      const r = await redeem(spa, c)
      assert.equal(r.json.expires_in, 7200)
      const at = claims(r.json.access_token)
      assert.equal((at.exp as number) - (at.iat as number), 7200)
      assert.ok(Math.abs((at.iat as number) - Math.floor(server.clock.now() / 1000)) <= 2, 'iat follows the server clock')
    })

    it('without an audience is good at /userinfo only: aud is "{issuer}userinfo"', async () => {
      const c = await session.code(spa, { scope: 'openid profile' })
      const r = await redeem(spa, c)
      assert.equal(r.status, 200)
      const at = claims(r.json.access_token)
      assert.ok(at.aud === `${server.issuer}userinfo` || (Array.isArray(at.aud) && at.aud.length === 1 && at.aud[0] === `${server.issuer}userinfo`), `aud ${JSON.stringify(at.aud)}`)
      const me = await fetch(`${server.url}userinfo`, { headers: { authorization: `Bearer ${r.json.access_token}` } })
      assert.equal(me.status, 200)
    })
  })

  describe('CORS for browser clients', () => {
    it('answers a preflight from an allowed web origin with Access-Control-Allow-Origin and allows the auth0-client and content-type headers', async () => {
      const res = await fetch(`${server.url}oauth/token`, {
        method: 'OPTIONS',
        headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'auth0-client, content-type' },
      })
      assert.ok(res.status === 200 || res.status === 204, `status ${res.status}`)
      assert.equal(res.headers.get('access-control-allow-origin'), WEB_ORIGIN)
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/)
      assert.ok(allowed.includes('auth0-client'), `allow-headers: ${allowed}`)
      assert.ok(allowed.includes('content-type'), `allow-headers: ${allowed}`)
      assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/)
    })

    it('puts Access-Control-Allow-Origin on success and error answers, so the app can read invalid_grant', async () => {
      const c = await spaCode()
      const headers = { origin: WEB_ORIGIN, 'auth0-client': 'eyJuYW1lIjoiYXV0aDAtc3BhLWpzIn0=' }
      const ok = await redeem(spa, c, {})
      assert.equal(ok.status, 200)
      const good = await tokenRequest(server, { grant_type: 'refresh_token', client_id: spa.clientId, refresh_token: ok.json.refresh_token as string }, { headers })
      assert.equal(good.status, 200)
      assert.equal(good.res.headers.get('access-control-allow-origin'), WEB_ORIGIN)
      const bad = await tokenRequest(server, { grant_type: 'refresh_token', client_id: spa.clientId, refresh_token: 'revoked-or-unknown' }, { headers })
      assertOAuthError(bad, 403, 'invalid_grant')
      assert.equal(bad.res.headers.get('access-control-allow-origin'), WEB_ORIGIN)
    })

    it('gives an unknown origin no Access-Control-Allow-Origin, on the preflight or the answer', async () => {
      const evil = 'https://evil.example'
      const preflight = await fetch(`${server.url}oauth/token`, {
        method: 'OPTIONS',
        headers: { origin: evil, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      })
      assert.equal(preflight.headers.get('access-control-allow-origin'), null)
      const r = await tokenRequest(server, { grant_type: 'refresh_token', client_id: spa.clientId, refresh_token: 'x' }, { headers: { origin: evil } })
      assert.equal(r.res.headers.get('access-control-allow-origin'), null)
    })
  })

  it('keeps the callback query free of tokens: only code, state and iss (RFC 9700 §2.1.2)', async () => {
    const res = await session.authorize({ clientId: spa.clientId, challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', audience: api.identifier })
    assert.deepEqual([...callbackParams(res).keys()].sort(), ['code', 'iss', 'state'])
  })
})
