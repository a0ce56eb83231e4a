/**
 * The endpoints around a session over real HTTP: /userinfo (OIDC Core §5.3, RFC 6750),
 * /oauth/revoke (RFC 7009), /v2/logout (Auth0) and /oidc/logout (OIDC RP-Initiated Logout 1.0),
 * discovery (OIDC Discovery 1.0, RFC 8414) and the JWKS.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, ApplicationRecord, UserRecord } from '@latchkey/core'
import { decodeProtectedHeader, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose'
import { authorizeUrl, Browser, formAction, hiddenField, pkce } from './support/browser.js'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import {
  assertOAuthError,
  basicAuth,
  claims,
  localJwks,
  LoggedInBrowser,
  readJson,
  revokeRequest,
  serverJwks,
  signWithServerKey,
  tokenRequest,
  WEB_ORIGIN,
} from './support/oauth.js'

const LOGOUT_URL = 'http://localhost:8080/'

describe('session endpoints', () => {
  let server: TestServer
  let spa: ApplicationRecord
  let api: ApiRecord
  let user: UserRecord
  let session: LoggedInBrowser

  before(async () => {
    server = await startTestServer()
    ;({ app: spa } = await addApp(server.store))
    api = await addApi(server.store, { identifier: 'https://session-endpoints.example.com/' })
    user = await addUser(server.store)
    session = new LoggedInBrowser(server, user)
  })
  after(() => server.close())

  const userinfo = (init: RequestInit = {}, query = '') => fetch(`${server.url}userinfo${query}`, init)
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  const refresh = (app: ApplicationRecord, token: string) =>
    tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: token })

  /** Whether `browser` still has an SSO session: prompt=none gives a code rather than login_required. */
  async function hasSession(browser: Browser, app: ApplicationRecord = spa): Promise<boolean> {
    const res = await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge, extra: { prompt: 'none' } }))
    const params = new URL(res.headers.get('location') as string).searchParams
    if (params.get('code')) return true
    assert.equal(params.get('error'), 'login_required')
    return false
  }

  async function loggedIn(app: ApplicationRecord = spa) {
    const own = new LoggedInBrowser(server, user)
    const tokens = await own.tokens(app, { scope: 'openid profile email' })
    assert.equal(await hasSession(own.browser, app), true)
    return { own, idToken: tokens.id_token as string }
  }

  async function foreignToken(payload: Record<string, unknown>, typ = 'at+jwt') {
    const { privateKey } = await generateKeyPair('RS256')
    const kid = (await serverJwks(server)).keys[0]?.kid as string
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ, kid }).sign(privateKey)
  }

  describe('/userinfo (OIDC Core §5.3, RFC 6750)', () => {
    it('answers GET and POST with the user\'s claims for a valid access token in the Authorization header', async () => {
      const tokens = await session.tokens(spa, { scope: 'openid profile email' })
      for (const method of ['GET', 'POST']) {
        const res = await userinfo({ method, headers: bearer(tokens.access_token as string) })
        assert.equal(res.status, 200, method)
        assert.equal(res.headers.get('cache-control'), 'no-store')
        const body = (await res.json()) as Record<string, unknown>
        assert.equal(body.sub, user.id)
        assert.equal(body.email, user.email)
        assert.equal(body.name, 'Test User')
      }
    })

    it('returns only sub for a token with scope openid alone (claims by scope, OIDC Core §5.4)', async () => {
      const tokens = await session.tokens(spa, { scope: 'openid' })
      const res = await userinfo({ headers: bearer(tokens.access_token as string) })
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), { sub: user.id })
    })

    it('answers a request without a token with 401 and WWW-Authenticate: Bearer realm=..., without an error code (RFC 6750 §3.1)', async () => {
      const res = await userinfo()
      assert.equal(res.status, 401)
      assert.equal(res.headers.get('www-authenticate'), `Bearer realm="${server.issuer}"`)
    })

    it('answers a malformed Authorization header with 400 invalid_request (RFC 6750 §3.1)', async () => {
      for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Basic dXNlcjpwYXNz', 'Token abc', 'Bearer\tabc']) {
        const r = await readJson(await userinfo({ headers: { authorization } }))
        assert.equal(r.status, 400, `${JSON.stringify(authorization)} → ${r.status}`)
        assert.equal(r.json.error, 'invalid_request')
      }
    })

    it('refuses a token signed by another key, or issued for another issuer, with 401 invalid_token', async () => {
      const now = Math.floor(server.clock.now() / 1000)
      const base = { sub: user.id, aud: `${server.issuer}userinfo`, scope: 'openid profile', iat: now, exp: now + 600 }
      const forged = await foreignToken({ ...base, iss: server.issuer })
      const otherIssuer = await signWithServerKey(server, { ...base, iss: 'http://localhost:1/' }, { typ: 'at+jwt' })
      const control = await signWithServerKey(server, { ...base, iss: server.issuer }, { typ: 'at+jwt' })
      assert.equal((await userinfo({ headers: bearer(control) })).status, 200, 'the same token with the right issuer and key is accepted')
      for (const token of [forged, otherIssuer]) {
        const res = await userinfo({ headers: bearer(token) })
        assertOAuthError(await readJson(res), 401, 'invalid_token')
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+", error="invalid_token"/)
      }
    })

    it('refuses an ID token, an unsigned token and a token for another audience used as an access token (401 invalid_token)', async () => {
      const tokens = await session.tokens(spa, { scope: 'openid profile' })
      const now = Math.floor(server.clock.now() / 1000)
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')
      const payload = Buffer.from(JSON.stringify({ iss: server.issuer, sub: user.id, aud: `${server.issuer}userinfo`, scope: 'openid', iat: now, exp: now + 600 })).toString('base64url')
      const apiOnly = await session.tokens(spa, { audience: api.identifier, scope: 'read:appointments' })
      assert.deepEqual(claims(apiOnly.access_token).aud, api.identifier, 'without openid the token is for the API only')
      for (const token of [tokens.id_token as string, `${header}.${payload}.`, apiOnly.access_token as string]) {
        assertOAuthError(await readJson(await userinfo({ headers: bearer(token) })), 401, 'invalid_token')
      }
    })

    it('does not accept the access token in the query string (RFC 9700 §4.3.2)', async () => {
      const tokens = await session.tokens(spa, { scope: 'openid profile' })
      const res = await userinfo({}, `?access_token=${encodeURIComponent(tokens.access_token as string)}`)
      assert.equal(res.status, 401)
      assert.equal(res.headers.get('www-authenticate'), `Bearer realm="${server.issuer}"`)
    })

    it('refuses an expired access token with 401 invalid_token', async () => {
      const tokens = await session.tokens(spa, { scope: 'openid profile' })
      assert.equal((await userinfo({ headers: bearer(tokens.access_token as string) })).status, 200)
      const at = claims(tokens.access_token)
      server.clock.advance(((at.exp as number) - (at.iat as number) + 10) * 1000)
      assertOAuthError(await readJson(await userinfo({ headers: bearer(tokens.access_token as string) })), 401, 'invalid_token')
    })

    it('allows the authorization header in a CORS preflight from an allowed web origin', async () => {
      const res = await userinfo({ method: 'OPTIONS', headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
      assert.equal(res.headers.get('access-control-allow-origin'), WEB_ORIGIN)
      assert.match((res.headers.get('access-control-allow-headers') ?? '').toLowerCase(), /authorization/)
    })
  })

  describe('/oauth/revoke (RFC 7009)', () => {
    async function offlineTokens(app: ApplicationRecord = spa, extra: Record<string, string> = {}) {
      const c = await session.code(app, { audience: api.identifier, scope: 'openid offline_access read:appointments' })
      const r = await tokenRequest(server, {
        grant_type: 'authorization_code',
        client_id: app.clientId,
        code: c.code,
        code_verifier: c.verifier as string,
        redirect_uri: c.redirectUri,
        ...extra,
      })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      return r.json as { access_token: string; refresh_token: string }
    }

    async function assertEmpty200(res: Response) {
      assert.equal(res.status, 200)
      assert.doesNotMatch(res.headers.get('content-type') ?? '', /text\/plain/)
      assert.equal(await res.text(), '')
    }

    it('answers 200 with an empty body (never text/plain) for a refresh token, an unknown token and an access token (RFC 7009 §2.2)', async () => {
      const tokens = await offlineTokens()
      await assertEmpty200(await revokeRequest(server, { client_id: spa.clientId, token: tokens.refresh_token, token_type_hint: 'refresh_token' }))
      await assertEmpty200(await revokeRequest(server, { client_id: spa.clientId, token: 'never-issued' }))
      await assertEmpty200(await revokeRequest(server, { client_id: spa.clientId, token: tokens.access_token, token_type_hint: 'access_token' }))
    })

    it('kills a revoked refresh token: refreshing with it fails', async () => {
      const tokens = await offlineTokens()
      await assertEmpty200(await revokeRequest(server, { client_id: spa.clientId, token: tokens.refresh_token }))
      assertOAuthError(await refresh(spa, tokens.refresh_token), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    })

    it('revokes the whole grant: revoking a rotated-out token kills the newest one too', async () => {
      const tokens = await offlineTokens()
      const rotated = await refresh(spa, tokens.refresh_token)
      assert.equal(rotated.status, 200)
      await assertEmpty200(await revokeRequest(server, { client_id: spa.clientId, token: tokens.refresh_token }))
      assertOAuthError(await refresh(spa, rotated.json.refresh_token as string), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    })

    it('does not revoke another client\'s token, yet answers 200 (RFC 7009 §2.1)', async () => {
      const { app: other } = await addApp(server.store, { name: 'Other client' })
      const tokens = await offlineTokens()
      await assertEmpty200(await revokeRequest(server, { client_id: other.clientId, token: tokens.refresh_token }))
      assert.equal((await refresh(spa, tokens.refresh_token)).status, 200, 'the owner can still refresh')
    })

    it('requires a confidential client to authenticate (401 invalid_client, with WWW-Authenticate for Basic)', async () => {
      const { app: web, secret } = await addApp(server.store, { name: 'Confidential', type: 'regular', authMethod: 'client_secret_basic' })
      const tokens = await offlineTokens(web, { client_secret: secret as string })

      assertOAuthError(await readJson(await revokeRequest(server, { client_id: web.clientId, token: tokens.refresh_token })), 401, 'invalid_client')
      const wrongBasic = await revokeRequest(server, { token: tokens.refresh_token }, { authorization: basicAuth(web.clientId, 'wrong-secret') })
      assert.match(wrongBasic.headers.get('www-authenticate') ?? '', /^Basic /)
      assertOAuthError(await readJson(wrongBasic), 401, 'invalid_client')

      const still = await tokenRequest(server, { grant_type: 'refresh_token', client_id: web.clientId, client_secret: secret as string, refresh_token: tokens.refresh_token })
      assert.equal(still.status, 200, 'unauthenticated revocations changed nothing')

      await assertEmpty200(await revokeRequest(server, { token: still.json.refresh_token as string }, { authorization: basicAuth(web.clientId, secret as string) }))
      const dead = await tokenRequest(server, { grant_type: 'refresh_token', client_id: web.clientId, client_secret: secret as string, refresh_token: still.json.refresh_token as string })
      assertOAuthError(dead, 403, 'invalid_grant')
    })

    it('answers a request without token with 400 invalid_request', async () => {
      assertOAuthError(await readJson(await revokeRequest(server, { client_id: spa.clientId })), 400, 'invalid_request')
    })
  })

  describe('GET /v2/logout (Auth0)', () => {
    it('ends the SSO session, server-side too, and redirects to an allowed returnTo', async () => {
      const { own } = await loggedIn()
      const stolenCookies = new Map(own.browser.cookies)
      const res = await own.browser.get(`${server.url}v2/logout?client_id=${encodeURIComponent(spa.clientId)}&returnTo=${encodeURIComponent(LOGOUT_URL)}`)
      assert.equal(res.status, 302)
      assert.equal(res.headers.get('location'), LOGOUT_URL)
      assert.equal(await hasSession(own.browser), false, 'prompt=none now gives login_required')

      const replay = new Browser(server.url)
      for (const [k, v] of stolenCookies) replay.cookies.set(k, v)
      assert.equal(await hasSession(replay), false, 'the old cookie no longer names a session')
    })

    it('shows a 400 page and does not redirect when returnTo is not an allowed logout URL of client_id', async () => {
      const { own } = await loggedIn()
      for (const returnTo of ['https://evil.example/', 'http://localhost:8080/other', 'http://localhost:8080']) {
        const res = await own.browser.get(`${server.url}v2/logout?client_id=${encodeURIComponent(spa.clientId)}&returnTo=${encodeURIComponent(returnTo)}`)
        assert.equal(res.status, 400, returnTo)
        assert.equal(res.headers.get('location'), null)
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
      }
      const noClient = await own.browser.get(`${server.url}v2/logout?returnTo=${encodeURIComponent(LOGOUT_URL)}`)
      assert.equal(noClient.status, 400)
      assert.equal(noClient.headers.get('location'), null)
    })

    it('without returnTo, ends the session and shows a page', async () => {
      const { own } = await loggedIn()
      const res = await own.browser.get(`${server.url}v2/logout`)
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('location'), null)
      assert.equal(await hasSession(own.browser), false)
    })
  })

  describe('/oidc/logout (OIDC RP-Initiated Logout 1.0)', () => {
    const oidcLogout = (browser: Browser, params: Record<string, string>) => browser.get(`${server.url}oidc/logout?${new URLSearchParams(params)}`)

    it('accepts id_token_hint without client_id, ends the session and redirects to post_logout_redirect_uri with state echoed', async () => {
      const { own, idToken } = await loggedIn()
      const state = 'c3RhdGU+/w=='
      const res = await oidcLogout(own.browser, { id_token_hint: idToken, post_logout_redirect_uri: LOGOUT_URL, state })
      assert.equal(res.status, 302)
      const location = new URL(res.headers.get('location') as string)
      assert.equal(`${location.origin}${location.pathname}`, LOGOUT_URL)
      assert.equal(location.searchParams.get('state'), state)
      assert.equal(await hasSession(own.browser), false)
    })

    it('accepts client_id instead of id_token_hint, after asking the user (RP-Initiated Logout §2; see logout-confirmation.test.ts)', async () => {
      const { own } = await loggedIn()
      const res = await oidcLogout(own.browser, { client_id: spa.clientId, post_logout_redirect_uri: LOGOUT_URL })
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('location'), null)
      assert.equal(await hasSession(own.browser), true, 'nothing ends before the user answers')
      const html = await res.text()
      const confirmed = await own.browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), client_id: spa.clientId, post_logout_redirect_uri: LOGOUT_URL, action: 'logout' })
      assert.equal(confirmed.status, 303)
      assert.equal(confirmed.headers.get('location'), LOGOUT_URL)
      assert.equal(await hasSession(own.browser), false)
    })

    it('shows a page, without redirecting, for an unregistered post_logout_redirect_uri', async () => {
      const { own, idToken } = await loggedIn()
      const res = await oidcLogout(own.browser, { id_token_hint: idToken, post_logout_redirect_uri: 'https://evil.example/' })
      assert.equal(res.status, 400)
      assert.equal(res.headers.get('location'), null)
    })

    it('shows a page for a forged id_token_hint, and for a hint that names another client than client_id', async () => {
      const { own, idToken } = await loggedIn()
      const now = Math.floor(server.clock.now() / 1000)
      const forged = await foreignToken({ iss: server.issuer, sub: user.id, aud: spa.clientId, iat: now, exp: now + 600 }, 'JWT')
      const res = await oidcLogout(own.browser, { id_token_hint: forged, post_logout_redirect_uri: LOGOUT_URL })
      assert.equal(res.status, 400)
      assert.equal(res.headers.get('location'), null)

      const { app: other } = await addApp(server.store, { name: 'Other' })
      const mismatch = await oidcLogout(own.browser, { id_token_hint: idToken, client_id: other.clientId, post_logout_redirect_uri: LOGOUT_URL })
      assert.equal(mismatch.status, 400)
      assert.equal(mismatch.headers.get('location'), null)
    })

    it('shows a page when post_logout_redirect_uri comes without id_token_hint or client_id', async () => {
      const { own } = await loggedIn()
      const res = await oidcLogout(own.browser, { post_logout_redirect_uri: LOGOUT_URL })
      assert.equal(res.status, 400)
      assert.equal(res.headers.get('location'), null)
    })
  })

  describe('discovery and JWKS', () => {
    it('publishes the issuer with exactly one trailing slash and every endpoint at the origin root', async () => {
      const res = await fetch(`${server.url}.well-known/openid-configuration`, { headers: { origin: 'https://any-app.example' } })
      assert.equal(res.status, 200)
      const doc = (await res.json()) as Record<string, unknown>
      const issuer = doc.issuer as string
      assert.equal(issuer, server.issuer)
      assert.match(issuer, /^http:\/\/localhost:\d+\/$/)
      const origin = new URL(issuer).origin
      const expected: Record<string, string> = {
        authorization_endpoint: '/authorize',
        token_endpoint: '/oauth/token',
        userinfo_endpoint: '/userinfo',
        revocation_endpoint: '/oauth/revoke',
        end_session_endpoint: '/oidc/logout',
        jwks_uri: '/.well-known/jwks.json',
      }
      for (const [field, path] of Object.entries(expected)) assert.equal(doc[field], `${origin}${path}`, field)
    })

    it('advertises S256 only, the RFC 9207 iss parameter, the code response type only and RS256 first (RFC 9700 §2.1.1, §4.4.2)', async () => {
      const doc = (await (await fetch(`${server.url}.well-known/openid-configuration`)).json()) as Record<string, unknown>
      assert.deepEqual(doc.code_challenge_methods_supported, ['S256'])
      assert.equal(doc.authorization_response_iss_parameter_supported, true)
      assert.deepEqual(doc.response_types_supported, ['code'])
      assert.deepEqual(doc.id_token_signing_alg_values_supported, ['RS256', 'ES256', 'EdDSA'])
      const grants = doc.grant_types_supported as string[]
      assert.ok(grants.includes('authorization_code') && grants.includes('refresh_token'), 'grants.includes(\'authorization_code\') && grants.includes(\'refresh_token\')')
      assert.ok(!grants.includes('implicit') && !grants.includes('password'), '!grants.includes(\'implicit\') && !grants.includes(\'password\')')
      assert.ok((doc.scopes_supported as string[]).includes('openid'), '(doc.scopes_supported as string[]).includes(\'openid\')')
      assert.deepEqual(doc.subject_types_supported, ['public'])
    })

    it('serves the same document at /.well-known/oauth-authorization-server (RFC 8414)', async () => {
      const oidc = await (await fetch(`${server.url}.well-known/openid-configuration`)).json()
      const rfc8414 = await (await fetch(`${server.url}.well-known/oauth-authorization-server`)).json()
      assert.deepEqual(rfc8414, oidc)
    })

    it('lets any origin read discovery and the JWKS (Access-Control-Allow-Origin: *), preflight included', async () => {
      for (const path of ['.well-known/openid-configuration', '.well-known/jwks.json']) {
        const res = await fetch(`${server.url}${path}`, { headers: { origin: 'https://any-app.example' } })
        assert.equal(res.status, 200)
        assert.equal(res.headers.get('access-control-allow-origin'), '*', path)
        const preflight = await fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { origin: 'https://any-app.example', 'access-control-request-method': 'GET' } })
        assert.equal(preflight.headers.get('access-control-allow-origin'), '*', `${path} preflight`)
      }
    })

    it('publishes only public key members (no d, p, q, dp, dq, qi), each key with kid, alg RS256 and use sig', async () => {
      const res = await fetch(`${server.url}.well-known/jwks.json`)
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
      const { keys } = (await res.json()) as { keys: JWK[] }
      assert.ok(keys.length >= 1, 'keys.length >= 1')
      for (const key of keys) {
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) assert.equal(member in key, false, `private member ${member}`)
        assert.equal(key.kty, 'RSA')
        assert.equal(typeof key.kid, 'string')
        assert.equal(key.alg, 'RS256')
        assert.equal(key.use, 'sig')
        assert.equal(typeof key.n, 'string')
        assert.equal(typeof key.e, 'string')
      }
      assert.equal(new Set(keys.map((k) => k.kid)).size, keys.length, 'kids are unique')
    })

    it('signs tokens with a key the JWKS publishes, named by kid', async () => {
      const tokens = await session.tokens(spa, { audience: api.identifier, scope: 'openid read:appointments' })
      const { kid } = decodeProtectedHeader(tokens.access_token as string)
      assert.ok((await serverJwks(server)).keys.some((k) => k.kid === kid), '(await serverJwks(server)).keys.some((k) => k.kid === kid)')
      const verified = await jwtVerify(tokens.access_token as string, await localJwks(server), {
        issuer: server.issuer,
        audience: api.identifier,
        currentDate: new Date(server.clock.now()),
      })
      assert.equal(verified.payload.sub, user.id)
    })
  })
})
