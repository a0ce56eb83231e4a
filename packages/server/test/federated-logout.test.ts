/**
 * Federated logout (Auth0's `federated` at /v2/logout and /oidc/logout): a user who logged in through
 * an `oidc` connection is logged out of Latchkey and, on the way back to the app, of the upstream
 * provider too (a real oidc-provider: its end_session_endpoint with id_token_hint, then
 * `{issuer}logout/callback`, then the app's returnTo with its state). Without `federated`, for a
 * password login, or when the provider cannot be reached, logout works as before. The way back is
 * sealed: a changed, foreign or expired `state` at /logout/callback leads nowhere.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, type ConnectionRecord, sha256 } from '@latchkey/core'
import { decodeJwt } from 'jose'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, loginThrough, pkce } from './support/browser.js'
import { addConnection, oidcOptions } from './support/connections.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { tokenRequest } from './support/oauth.js'
import { ALICE, BASIC_CLIENT, type OidcUpstream, startOidcUpstream } from './support/upstreams/oidc-provider.js'

const LOGGED_OUT = 'http://localhost:8080/logged-out'

describe('federated logout', () => {
  let server: TestServer
  let upstream: OidcUpstream
  let app: ApplicationRecord
  let connection: ConnectionRecord

  /** An `oidc` connection to `issuer` (the test's oidc-provider as BASIC_CLIENT), enabled for the test's app. */
  const addOidcConnection = (name: string, issuer: string): Promise<ConnectionRecord> =>
    addConnection(server, { name, strategy: 'oidc', options: oidcOptions(issuer, BASIC_CLIENT), enabledClients: [app.clientId] })

  before(async () => {
    server = await startTestServer()
    upstream = await startOidcUpstream([ALICE], `${server.issuer}login/callback`)
    ;({ app } = await addApp(server.store, { name: 'Federated SPA', logoutUrls: [LOGGED_OUT] }))
    connection = await addOidcConnection('acme-oidc', upstream.issuer)
  })
  after(async () => {
    await server.close()
    await upstream.close()
  })

  /** A browser at Latchkey and one at the provider, logged in to both through the connection; returns the ID token Latchkey issued. */
  async function loginThroughConnection(provider: OidcUpstream = upstream, name = connection.name) {
    const latchkey = new Browser(server.url)
    const atProvider = new Browser(provider.issuer)
    const { verifier, challenge } = pkce()
    const res = await latchkey.follow(await latchkey.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { connection: name } })))
    const callback = await provider.loginThrough(res.headers.get('location') as string, ALICE, atProvider)
    const back = await latchkey.follow(await latchkey.get(callback.href))
    const code = callbackParams(back).get('code')
    assert.ok(code, `no code: ${back.headers.get('location')}`)
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(tokens.status, 200)
    return { latchkey, atProvider, idToken: tokens.json.id_token as string }
  }

  /** Whether the browser still has a session at the provider: its authorization endpoint with prompt=none answers a code, or login_required. */
  async function providerSession(atProvider: Browser): Promise<'active' | 'ended'> {
    const url = new URL(`${upstream.issuer}/auth`)
    const { challenge } = pkce()
    for (const [k, v] of Object.entries({ client_id: BASIC_CLIENT.clientId, response_type: 'code', redirect_uri: `${server.issuer}login/callback`, scope: 'openid', prompt: 'none', code_challenge: challenge, code_challenge_method: 'S256', state: 's' }))
      url.searchParams.set(k, v)
    let res = await atProvider.get(url.href)
    for (let i = 0; i < 5 && !(res.headers.get('location') ?? '').startsWith(server.issuer); i++) res = await atProvider.get(new URL(res.headers.get('location') as string, upstream.issuer).href)
    const params = callbackParams(res)
    if (params.get('code')) return 'active'
    assert.equal(params.get('error'), 'login_required')
    return 'ended'
  }

  /** Whether Latchkey still has a session for the browser (prompt=none: a code, or login_required). */
  async function latchkeySession(latchkey: Browser): Promise<'active' | 'ended'> {
    const { challenge } = pkce()
    const params = callbackParams(await latchkey.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { prompt: 'none' } })))
    return params.get('code') ? 'active' : 'ended'
  }

  /** At the provider's end_session_endpoint: its confirmation form, answered yes; returns where it sends the browser. */
  async function logoutAtProvider(atProvider: Browser, endSessionUrl: string): Promise<URL> {
    const page = await atProvider.get(endSessionUrl)
    assert.equal(page.status, 200)
    const html = await page.text()
    const action = /action="([^"]+)"/.exec(html)?.[1] as string
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] as string
    const res = await atProvider.post(new URL(action, upstream.issuer).href, { xsrf, logout: 'yes' })
    return new URL(res.headers.get('location') as string, upstream.issuer)
  }

  it('/v2/logout?federated ends the session here, then at the provider (id_token_hint, Latchkey\'s logout callback), then returns to the app', async () => {
    const { latchkey, atProvider } = await loginThroughConnection()
    assert.equal(await providerSession(atProvider), 'active')
    const logout = new URL(`${server.issuer}v2/logout`)
    logout.search = new URLSearchParams({ client_id: app.clientId, returnTo: LOGGED_OUT, federated: '' }).toString()
    const res = await latchkey.get(logout.href)
    assert.equal(res.status, 302)
    const toProvider = new URL(res.headers.get('location') as string)
    assert.equal(`${toProvider.origin}${toProvider.pathname}`, `${upstream.issuer}/session/end`)
    assert.equal(toProvider.searchParams.get('client_id'), BASIC_CLIENT.clientId)
    assert.equal(toProvider.searchParams.get('post_logout_redirect_uri'), `${server.issuer}logout/callback`)
    const hint = decodeJwt(toProvider.searchParams.get('id_token_hint') as string)
    assert.equal(hint.iss, upstream.issuer)
    assert.equal(hint.sub, ALICE.sub)
    assert.ok(!toProvider.search.includes(LOGGED_OUT), 'where the app goes next is sealed, not in the URL')
    assert.equal(await latchkeySession(latchkey), 'ended')

    const returned = await logoutAtProvider(atProvider, toProvider.href)
    assert.equal(`${returned.origin}${returned.pathname}`, `${server.issuer}logout/callback`)
    const onward = await latchkey.get(returned.href)
    assert.equal(onward.status, 302)
    assert.equal(onward.headers.get('location'), LOGGED_OUT)
    assert.equal(await providerSession(atProvider), 'ended')
  })

  it('/oidc/logout with id_token_hint and federated: the same trip, and the app\'s state comes back', async () => {
    const { latchkey, atProvider, idToken } = await loginThroughConnection()
    const logout = new URL(`${server.issuer}oidc/logout`)
    logout.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: LOGGED_OUT, state: 'app-state-42', federated: '' }).toString()
    const res = await latchkey.get(logout.href)
    assert.equal(res.status, 302)
    const returned = await logoutAtProvider(atProvider, res.headers.get('location') as string)
    const onward = await latchkey.get(returned.href)
    assert.equal(onward.headers.get('location'), `${LOGGED_OUT}?state=app-state-42`)
    assert.equal(await providerSession(atProvider), 'ended')
  })

  it('the logout confirmation page carries federated forward to its POST', async () => {
    const { latchkey, atProvider } = await loginThroughConnection()
    const page = await latchkey.get(`${server.issuer}oidc/logout?client_id=${app.clientId}&post_logout_redirect_uri=${encodeURIComponent(LOGGED_OUT)}&federated`)
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /<input type="hidden" name="federated" value="" \/>/)
    const res = await latchkey.post(formAction(html), {
      csrf: hiddenField(html, 'csrf'),
      client_id: app.clientId,
      post_logout_redirect_uri: LOGGED_OUT,
      federated: '',
      action: 'logout',
    })
    assert.equal(res.status, 303)
    assert.ok((res.headers.get('location') as string).startsWith(`${upstream.issuer}/session/end?`))
    const returned = await logoutAtProvider(atProvider, res.headers.get('location') as string)
    assert.equal((await latchkey.get(returned.href)).headers.get('location'), LOGGED_OUT)
  })

  it('without federated, only Latchkey\'s session ends: straight back to the app, the provider\'s session stays', async () => {
    const { latchkey, atProvider } = await loginThroughConnection()
    const res = await latchkey.get(`${server.issuer}v2/logout?client_id=${app.clientId}&returnTo=${encodeURIComponent(LOGGED_OUT)}`)
    assert.equal(res.headers.get('location'), LOGGED_OUT)
    assert.equal(await latchkeySession(latchkey), 'ended')
    assert.equal(await providerSession(atProvider), 'active')
  })

  it('federated for a password login has no provider to visit: straight back to the app', async () => {
    const user = await addUser(server.store)
    const latchkey = new Browser(server.url)
    const { challenge } = pkce()
    const login = await loginThrough(latchkey, authorizeUrl(server.issuer, { clientId: app.clientId, challenge }), user.email, PASSWORD)
    assert.ok(callbackParams(login).get('code'))
    const res = await latchkey.get(`${server.issuer}v2/logout?client_id=${app.clientId}&returnTo=${encodeURIComponent(LOGGED_OUT)}&federated`)
    assert.equal(res.headers.get('location'), LOGGED_OUT)
  })

  it('a provider that cannot be reached, or a connection since deleted, does not stop the logout', async () => {
    const flaky = await startOidcUpstream([ALICE], `${server.issuer}login/callback`)
    const flakyConnection = await addOidcConnection('flaky-oidc', flaky.issuer)
    const { latchkey } = await loginThroughConnection(flaky, flakyConnection.name)
    await flaky.close()
    server.running.deps.strategies.forget(flakyConnection.name)
    const res = await latchkey.get(`${server.issuer}v2/logout?client_id=${app.clientId}&returnTo=${encodeURIComponent(LOGGED_OUT)}&federated`)
    assert.equal(res.headers.get('location'), LOGGED_OUT)
    assert.equal(await latchkeySession(latchkey), 'ended')

    const second = await loginThroughConnection()
    await server.store.connections.delete(connection.id)
    try {
      const gone = await second.latchkey.get(`${server.issuer}v2/logout?client_id=${app.clientId}&returnTo=${encodeURIComponent(LOGGED_OUT)}&federated`)
      assert.equal(gone.headers.get('location'), LOGGED_OUT)
    } finally {
      await server.store.connections.insert(connection)
    }
  })

  it('/logout/callback redirects only with a state it sealed, for this purpose, not expired', async () => {
    const { latchkey, atProvider } = await loginThroughConnection()
    const res = await latchkey.get(`${server.issuer}v2/logout?client_id=${app.clientId}&returnTo=${encodeURIComponent(LOGGED_OUT)}&federated`)
    const state = new URL(res.headers.get('location') as string).searchParams.get('state') as string
    const encryption = server.running.deps.keys.encryption
    const foreign = await encryption.encrypt(JSON.stringify({ returnTo: 'https://attacker.example/', state: null, expiresAt: Date.now() + 60_000 }))
    // One character of the ciphertext changed for a different one (the last characters of base64url may carry no bits).
    const middle = Math.floor(state.length / 2)
    const tampered = `${state.slice(0, middle)}${state[middle] === 'A' ? 'B' : 'A'}${state.slice(middle + 1)}`
    for (const bad of [tampered, 'not-sealed', foreign, '']) {
      const page = await latchkey.get(`${server.issuer}logout/callback?state=${encodeURIComponent(bad)}`)
      assert.equal(page.status, 400, bad)
      assert.equal(page.headers.get('location'), null)
      assert.match(await page.text(), /logged out/)
    }
    assert.equal((await latchkey.get(`${server.issuer}logout/callback?state=${state}&state=${state}`)).status, 400)
    server.clock.advance(16 * 60_000)
    try {
      assert.equal((await latchkey.get(`${server.issuer}logout/callback?state=${state}`)).status, 400)
    } finally {
      server.clock.advance(-16 * 60_000)
    }
    // Within its time, the sealed way back works (the provider's own logout is not needed for this check).
    assert.equal((await latchkey.get(`${server.issuer}logout/callback?state=${state}`)).headers.get('location'), LOGGED_OUT)
    assert.equal(await providerSession(atProvider), 'active')
  })

  it('the session keeps the connection and the upstream ID token, sealed (not readable at rest)', async () => {
    const { latchkey } = await loginThroughConnection()
    const record = await server.store.sessions.findActive(sha256(latchkey.cookies.get('latchkey_session') as string), server.clock.now())
    assert.equal(record?.upstream?.connectionId, connection.id)
    const sealed = record?.upstream?.sealedIdToken as string
    assert.equal(sealed.split('.').length, 5, 'a compact JWE, not the JWT')
    assert.equal(decodeJwt(await server.running.deps.keys.encryption.openText(sealed)).iss, upstream.issuer)
  })
})
