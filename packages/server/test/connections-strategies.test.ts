/**
 * The upstream strategies (src/connections/strategies) against real local upstreams: oidc-provider
 * as an OpenID provider, a hand-made OpenID provider that misbehaves on demand, a GitHub-shaped
 * stand-in and a generic OAuth 2.0 stand-in (test/support/upstreams/). No routes: begin, the
 * browser's trip, complete, as the login routes will call them.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import type { JWTPayload } from 'jose'
import {
  ConnectionOptionsError,
  createStrategies,
  parseConnectionOptions,
  type PendingUpstream,
  type Strategies,
  type Strategy,
  UpstreamCheckFailed,
  type UpstreamConnection,
  UpstreamDenied,
  UpstreamUnavailable,
} from '../src/connections/strategies/index.js'
import { FAKE_CLIENT, type FakeOidc, startFakeOidc } from './support/upstreams/fake-oidc.js'
import { ALICE, BASIC_CLIENT, POST_CLIENT, POST_LOGOUT_REDIRECT, PUBLIC_CLIENT, startOidcUpstream, UPSTREAM_CALLBACK, type OidcUpstream } from './support/upstreams/oidc-provider.js'

function oidcConnection(upstream: { issuer: string }, client: { clientId: string; clientSecret: string | null }, options: Record<string, unknown> = {}): UpstreamConnection {
  return { name: 'acme-sso', strategy: 'oidc', options: { issuer: upstream.issuer, client_id: client.clientId, ...options }, clientSecret: client.clientSecret }
}

function strategyOf(strategies: Strategies, name: string): Strategy {
  const strategy = strategies.get(name)
  assert.ok(strategy, `no ${name} strategy`)
  return strategy
}

async function rejectsWith<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T, check?: (err: T) => void): Promise<T> {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
    check?.(err)
    return err
  }
  assert.fail(`expected ${type.name}, but it resolved`)
}

describe('oidc against oidc-provider', () => {
  let upstream: OidcUpstream
  let strategies: Strategies
  let oidc: Strategy
  before(async () => {
    upstream = await startOidcUpstream()
    strategies = createStrategies()
    oidc = strategyOf(strategies, 'oidc')
  })
  after(() => upstream.close())

  async function login(conn: UpstreamConnection, params: Partial<Parameters<Strategy['begin']>[1]> = {}) {
    const { url, pending } = await oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK, ...params })
    const callback = await upstream.loginThrough(url, ALICE)
    return { url: new URL(url), pending, callback }
  }

  it('logs in with a public (PKCE-only) registration: the authorization request, the checks, userinfo merged', async () => {
    const conn = oidcConnection(upstream, PUBLIC_CLIENT)
    const { url, pending, callback } = await login(conn)
    assert.equal(url.origin + url.pathname, `${upstream.issuer}/auth`)
    assert.equal(url.searchParams.get('response_type'), 'code')
    assert.equal(url.searchParams.get('client_id'), PUBLIC_CLIENT.clientId)
    assert.equal(url.searchParams.get('redirect_uri'), UPSTREAM_CALLBACK)
    assert.equal(url.searchParams.get('scope'), 'openid profile email')
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(url.searchParams.get('state'), pending.state)
    assert.equal(url.searchParams.get('nonce'), pending.nonce)
    assert.match(pending.state, /^[A-Za-z0-9_-]{43}$/)
    assert.deepEqual(JSON.parse(JSON.stringify(pending)), pending, 'the pending login is plain JSON')
    assert.equal(callback.searchParams.get('iss'), upstream.issuer)

    const profile = await oidc.complete(conn, pending, callback)
    assert.equal(profile.id, ALICE.sub)
    assert.equal(profile.email, 'alice@wonderland.example')
    assert.equal(profile.emailVerified, true)
    assert.equal(profile.name, 'Alice Liddell')
    assert.equal(profile.givenName, 'Alice')
    assert.equal(profile.familyName, 'Liddell')
    assert.equal(profile.nickname, 'alice')
    assert.equal(profile.picture, 'https://example.com/alice.png')
    assert.equal(profile.locale, 'en-GB')
    assert.deepEqual(profile.amr, ['pwd', 'mfa'], "the ID token's amr")
    assert.equal(profile.raw.email, 'alice@wonderland.example')
    assert.equal(profile.raw.nonce, undefined, 'protocol claims are not kept')
    assert.equal(oidc.userId(conn.name, profile), `oidc|acme-sso|${ALICE.sub}`)
    assert.deepEqual(oidc.identity(conn.name, profile), { provider: 'oidc', userId: `acme-sso|${ALICE.sub}`, connection: 'acme-sso', isSocial: false })
  })

  it('logs in with a confidential registration, client_secret_basic by default and client_secret_post when asked', async () => {
    // A fetch that records the token requests, to see how the client authenticated.
    const tokenRequests: { authorization: string | null; body: URLSearchParams }[] = []
    const recording = createStrategies({
      fetch: async (input, init) => {
        if (String(input).endsWith('/token')) tokenRequests.push({ authorization: new Headers(init?.headers).get('authorization'), body: new URLSearchParams(String(init?.body)) })
        return fetch(input, init)
      },
    })
    const strategy = strategyOf(recording, 'oidc')
    for (const [conn, method] of [
      [oidcConnection(upstream, BASIC_CLIENT), 'basic'],
      [oidcConnection(upstream, POST_CLIENT, { token_endpoint_auth_method: 'client_secret_post' }), 'post'],
    ] as const) {
      const { url, pending } = await strategy.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
      const callback = await upstream.loginThrough(url, ALICE)
      assert.equal((await strategy.complete(conn, pending, callback)).id, ALICE.sub)
      const sent = tokenRequests.at(-1)
      assert.ok(sent)
      assert.equal(sent.body.get('code_verifier'), pending.codeVerifier)
      if (method === 'basic') {
        assert.match(sent.authorization ?? '', /^Basic /)
        assert.equal(sent.body.get('client_secret'), null)
      } else {
        assert.equal(sent.authorization, null)
        assert.equal(sent.body.get('client_secret'), POST_CLIENT.clientSecret)
      }
    }
    // A wrong secret is the provider refusing our client: a configuration problem, not the user's.
    const wrong = oidcConnection(upstream, { clientId: BASIC_CLIENT.clientId, clientSecret: 'not-the-secret' })
    const { url, pending } = await strategy.begin(wrong, { redirectUri: UPSTREAM_CALLBACK })
    const callback = await upstream.loginThrough(url, ALICE)
    await rejectsWith(strategy.complete(wrong, pending, callback), UpstreamUnavailable, (e) => assert.equal(e.reason, 'refused'))
  })

  it('finds the provider from discovery_url as well as issuer', async () => {
    const conn: UpstreamConnection = {
      name: 'acme-sso',
      strategy: 'oidc',
      options: { discovery_url: `${upstream.issuer}/.well-known/openid-configuration`, client_id: PUBLIC_CLIENT.clientId },
      clientSecret: null,
    }
    const { pending, callback } = await login(conn)
    assert.equal((await oidc.complete(conn, pending, callback)).id, ALICE.sub)
  })

  it('passes login_hint, prompt=login and max_age on, and checks auth_time against max_age', async () => {
    const conn = oidcConnection(upstream, PUBLIC_CLIENT)
    const { url, pending, callback } = await login(conn, { loginHint: 'alice@wonderland.example', prompt: 'login', maxAge: 300 })
    assert.equal(url.searchParams.get('login_hint'), 'alice@wonderland.example')
    assert.equal(url.searchParams.get('prompt'), 'login')
    assert.equal(url.searchParams.get('max_age'), '300')
    assert.equal(pending.maxAge, 300)
    assert.equal((await oidc.complete(conn, pending, callback)).id, ALICE.sub)
  })

  it('refuses a callback whose state is not the pending one, or missing, or repeated', async () => {
    const conn = oidcConnection(upstream, PUBLIC_CLIENT)
    const { pending, callback } = await login(conn)
    const other = await oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    await rejectsWith(oidc.complete(conn, other.pending, callback), UpstreamCheckFailed, (e) => assert.equal(e.check, 'state'))
    const noState = new URL(callback)
    noState.searchParams.delete('state')
    await rejectsWith(oidc.complete(conn, pending, noState), UpstreamCheckFailed, (e) => assert.equal(e.check, 'state'))
    const twice = new URL(callback)
    twice.searchParams.append('state', pending.state)
    await rejectsWith(oidc.complete(conn, pending, twice), UpstreamCheckFailed, (e) => assert.equal(e.check, 'state'))
    // The untouched callback still works: the checks above consumed nothing at the provider.
    assert.equal((await oidc.complete(conn, pending, callback)).id, ALICE.sub)
  })

  it('refuses a replayed callback: the provider refuses the code the second time', async () => {
    const conn = oidcConnection(upstream, PUBLIC_CLIENT)
    const { pending, callback } = await login(conn)
    await oidc.complete(conn, pending, callback)
    await rejectsWith(oidc.complete(conn, pending, callback), UpstreamCheckFailed, (e) => assert.equal(e.check, 'code'))
  })

  it('refuses a callback whose iss is not the provider (RFC 9207), and one without iss from a provider that advertises it', async () => {
    const conn = oidcConnection(upstream, PUBLIC_CLIENT)
    const { pending, callback } = await login(conn)
    const wrongIss = new URL(callback)
    wrongIss.searchParams.set('iss', 'https://evil.example')
    await rejectsWith(oidc.complete(conn, pending, wrongIss), UpstreamCheckFailed, (e) => assert.equal(e.check, 'iss'))
    const noIss = new URL(callback)
    noIss.searchParams.delete('iss')
    await rejectsWith(oidc.complete(conn, pending, noIss), UpstreamCheckFailed, (e) => assert.equal(e.check, 'iss'))
  })

  it('refuses a pending login of another connection', async () => {
    const conn = oidcConnection(upstream, PUBLIC_CLIENT)
    const { pending, callback } = await login(conn)
    const other: PendingUpstream = { ...pending, connection: 'other-sso' }
    await rejectsWith(oidc.complete(conn, other, callback), UpstreamCheckFailed, (e) => assert.equal(e.check, 'connection'))
  })

  it('answers a denial at the provider with UpstreamDenied, its text reduced to printable ASCII', async () => {
    const conn = oidcConnection(upstream, PUBLIC_CLIENT)
    const { url, pending } = await oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    const callback = await upstream.loginThrough(url, 'deny')
    const err = await rejectsWith(oidc.complete(conn, pending, callback), UpstreamDenied)
    assert.equal(err.error, 'access_denied')
    assert.equal(err.description, 'The user said no <b>thanks</b>?')
    assert.match(err.description ?? '', /^[\x20-\x7e]*$/)
  })

  it('gives the end_session_endpoint for federated logout', async () => {
    const conn = oidcConnection(upstream, PUBLIC_CLIENT)
    const url = new URL((await oidc.endSessionUrl?.(conn, { postLogoutRedirectUri: POST_LOGOUT_REDIRECT, state: 'xyz' })) ?? '')
    assert.equal(url.origin + url.pathname, `${upstream.issuer}/session/end`)
    assert.equal(url.searchParams.get('client_id'), PUBLIC_CLIENT.clientId)
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), POST_LOGOUT_REDIRECT)
    assert.equal(url.searchParams.get('state'), 'xyz')
    const res = await fetch(url, { redirect: 'manual' })
    assert.equal(res.status, 200, 'oidc-provider shows its logout confirmation')
  })
})

describe('oidc against a provider that misbehaves', () => {
  let fake: FakeOidc
  let clock = Date.now()
  let strategies: Strategies
  let oidc: Strategy
  let conn: UpstreamConnection
  before(async () => {
    fake = await startFakeOidc()
    strategies = createStrategies({ timeoutMs: 400, jwksCooldownMs: 0, now: () => clock })
    oidc = strategyOf(strategies, 'oidc')
    conn = { name: 'fake-sso', strategy: 'oidc', options: { issuer: fake.issuer, client_id: FAKE_CLIENT.clientId }, clientSecret: FAKE_CLIENT.clientSecret }
  })
  after(() => fake.close())
  beforeEach(() => {
    fake.reset()
    strategies.forget()
  })

  async function attempt(c: UpstreamConnection = conn) {
    const { url, pending } = await oidc.begin(c, { redirectUri: UPSTREAM_CALLBACK })
    const callback = await fake.authorize(url)
    return oidc.complete(c, pending, callback)
  }
  const idTokenCheck = (e: UpstreamCheckFailed) => assert.equal(e.check, 'id_token')

  it('logs in, the ID token verified with the provider\'s key; userinfo over the ID token', async () => {
    fake.misbehave.userinfo = (c) => ({ ...c, name: 'Fay K. (userinfo)' })
    const profile = await attempt()
    assert.equal(profile.id, 'fake-sub-42')
    assert.equal(profile.name, 'Fay K. (userinfo)')
    assert.deepEqual(profile.amr, ['pwd'])
  })

  it('reads the profile from the ID token alone when the provider has no userinfo endpoint', async () => {
    fake.misbehave.noUserinfo = true
    const profile = await attempt()
    assert.equal(profile.email, 'fay@fake.example')
    assert.equal(profile.emailVerified, true)
    assert.equal(profile.givenName, 'Fay')
    assert.equal(fake.calls.userinfo, 0)
  })

  it('takes email and email_verified as a pair from userinfo: never another address with the ID token\'s verified flag', async () => {
    fake.misbehave.userinfo = ({ email_verified: _, ...c }) => ({ ...c, email: 'other@fake.example' })
    const profile = await attempt()
    assert.equal(profile.email, 'other@fake.example')
    assert.equal(profile.emailVerified, false)
  })

  it('refuses an ID token signed by a key that is not in the JWKS (same kid, or an unknown one)', async () => {
    fake.misbehave.signWith = 'foreign-same-kid'
    await rejectsWith(attempt(), UpstreamCheckFailed, idTokenCheck)
    fake.misbehave.signWith = 'foreign-new-kid'
    await rejectsWith(attempt(), UpstreamCheckFailed, idTokenCheck)
  })

  it('refuses ID tokens signed with HS256 or not signed at all', async () => {
    fake.misbehave.metadata = (m) => ({ ...m, id_token_signing_alg_values_supported: ['ES256', 'HS256', 'none'] })
    fake.misbehave.signWith = 'hs256'
    await rejectsWith(attempt(), UpstreamCheckFailed, idTokenCheck)
    fake.misbehave.signWith = 'none'
    await rejectsWith(attempt(), UpstreamCheckFailed, idTokenCheck)
  })

  for (const [what, change] of [
    ['another audience', (c: JWTPayload) => ({ ...c, aud: 'someone-else' })],
    ['an extra audience without azp', (c: JWTPayload) => ({ ...c, aud: [FAKE_CLIENT.clientId, 'someone-else'] })],
    ['another azp', (c: JWTPayload) => ({ ...c, aud: [FAKE_CLIENT.clientId, 'someone-else'], azp: 'someone-else' })],
    ['another nonce', (c: JWTPayload) => ({ ...c, nonce: 'not-the-nonce' })],
    ['no nonce', ({ nonce: _, ...c }: JWTPayload) => c],
    ['another issuer', (c: JWTPayload) => ({ ...c, iss: 'https://evil.example' })],
    ['an expiry in the past', (c: JWTPayload) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 120 })],
  ] as const) {
    it(`refuses an ID token with ${what}`, async () => {
      fake.misbehave.idToken = change
      await rejectsWith(attempt(), UpstreamCheckFailed, idTokenCheck)
    })
  }

  it('refuses a userinfo answer for another sub', async () => {
    fake.misbehave.userinfo = (c) => ({ ...c, sub: 'someone-else' })
    await rejectsWith(attempt(), UpstreamCheckFailed, (e) => assert.equal(e.check, 'userinfo'))
  })

  it('fetches the JWKS again for an unknown kid after the provider rotates its keys', async () => {
    await attempt()
    const fetched = fake.calls.jwks
    await fake.rotateKeys()
    assert.equal((await attempt()).id, 'fake-sub-42')
    assert.equal(fake.calls.jwks, fetched + 1)
    await attempt()
    assert.equal(fake.calls.jwks, fetched + 1, 'the new key is kept')
  })

  it('keeps discovery for 10 minutes per connection, and forgets it on demand', async () => {
    await oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    await oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    assert.equal(fake.calls.discovery, 1)
    strategies.forget('fake-sso')
    await oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    assert.equal(fake.calls.discovery, 2)
    clock += 10 * 60_000
    await oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    assert.equal(fake.calls.discovery, 3)
    // A failed discovery is not kept.
    strategies.forget()
    fake.misbehave.status = { discovery: 503 }
    await rejectsWith(oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK }), UpstreamUnavailable, (e) => assert.equal(e.reason, 'status'))
    fake.reset()
    await oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
  })

  it('is unavailable when the provider is slow: discovery, token endpoint, JWKS, userinfo', async () => {
    for (const endpoint of ['discovery', 'token', 'jwks', 'userinfo'] as const) {
      fake.reset()
      strategies.forget()
      fake.misbehave.delayMs = { [endpoint]: 1_500 }
      const started = Date.now()
      await rejectsWith(attempt(), UpstreamUnavailable, (e) => assert.equal(e.reason, 'timeout', `${endpoint}: ${e.message}`))
      assert.ok(Date.now() - started < 1_400, `${endpoint}: gave up within the time limit`)
    }
  })

  it('is unavailable when the provider answers 5xx, or something that is not JSON, or too much', async () => {
    for (const [misbehave, reason] of [
      [{ status: { discovery: 500 } }, 'status'],
      [{ status: { token: 502 } }, 'status'],
      [{ status: { jwks: 500 } }, 'status'],
      [{ status: { userinfo: 503 } }, 'status'],
      [{ body: { discovery: '<html>not json</html>' } }, 'malformed'],
      [{ body: { token: '{"access_token":' } }, 'malformed'],
      [{ body: { jwks: JSON.stringify({ keys: [], padding: 'x'.repeat(300 * 1024) }) } }, 'malformed'],
    ] as const) {
      fake.reset()
      strategies.forget()
      Object.assign(fake.misbehave, misbehave)
      await rejectsWith(attempt(), UpstreamUnavailable, (e) => assert.equal(e.reason, reason, `${JSON.stringify(misbehave).slice(0, 80)}: ${e.message}`))
    }
  })

  it('is unavailable when its metadata names another issuer or an http endpoint off this device', async () => {
    fake.misbehave.metadata = (m) => ({ ...m, issuer: 'https://evil.example' })
    await rejectsWith(oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK }), UpstreamUnavailable, (e) => assert.equal(e.reason, 'malformed'))
    fake.reset()
    strategies.forget()
    fake.misbehave.metadata = (m) => ({ ...m, token_endpoint: 'http://token.example/token' })
    await rejectsWith(oidc.begin(conn, { redirectUri: UPSTREAM_CALLBACK }), UpstreamUnavailable, (e) => assert.match(e.message, /token_endpoint must use https/))
  })

  it('checks iss at the callback when the provider sends it, even without advertising it', async () => {
    fake.misbehave.callbackIss = 'https://evil.example'
    await rejectsWith(attempt(), UpstreamCheckFailed, (e) => assert.equal(e.check, 'iss'))
    fake.misbehave.callbackIss = null
    assert.equal((await attempt()).id, 'fake-sub-42', 'no iss from a provider that does not advertise it')
  })

  it('is unavailable when the provider is down (connection refused), at begin and at complete', async () => {
    const down = await startFakeOidc()
    const c: UpstreamConnection = { ...conn, name: 'down-sso', options: { issuer: down.issuer, client_id: FAKE_CLIENT.clientId } }
    const { url, pending } = await oidc.begin(c, { redirectUri: UPSTREAM_CALLBACK })
    const callback = await down.authorize(url)
    await down.close()
    await rejectsWith(oidc.complete(c, pending, callback), UpstreamUnavailable, (e) => assert.equal(e.reason, 'network'))
    strategies.forget()
    await rejectsWith(oidc.begin(c, { redirectUri: UPSTREAM_CALLBACK }), UpstreamUnavailable, (e) => assert.equal(e.reason, 'network'))
  })
})

describe('google-oauth2: the oidc preset', () => {
  let upstream: OidcUpstream
  before(async () => {
    upstream = await startOidcUpstream()
  })
  after(() => upstream.close())

  it('is configured for Google: its issuer and discovery, openid always asked, a secret required, social, google-oauth2|sub', async () => {
    const google = strategyOf(createStrategies(), 'google-oauth2')
    assert.equal(google.isSocial, true)
    assert.equal(google.clientSecret, 'required')
    assert.deepEqual(google.parseOptions({ client_id: 'x.apps.googleusercontent.com', scope: ['email', 'profile'], email: true, profile: true }), {
      issuer: 'https://accounts.google.com',
      discoveryUrl: 'https://accounts.google.com/.well-known/openid-configuration',
      clientId: 'x.apps.googleusercontent.com',
      scope: 'openid email profile',
      tokenEndpointAuthMethod: null,
    })
    const conn: UpstreamConnection = { name: 'google-oauth2', strategy: 'google-oauth2', options: { client_id: 'x' }, clientSecret: null }
    await rejectsWith(google.begin(conn, { redirectUri: UPSTREAM_CALLBACK }), UpstreamUnavailable, (e) => {
      assert.equal(e.reason, 'configuration')
      assert.match(e.message, /needs a client secret/)
    })
    assert.equal(google.endSessionUrl, undefined)
  })

  it('logs in through a local OpenID provider standing in for Google', async () => {
    const google = strategyOf(createStrategies({ googleIssuer: upstream.issuer }), 'google-oauth2')
    const conn: UpstreamConnection = { name: 'google-oauth2', strategy: 'google-oauth2', options: { client_id: BASIC_CLIENT.clientId }, clientSecret: BASIC_CLIENT.clientSecret }
    const { url, pending } = await google.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    assert.equal(pending.strategy, 'google-oauth2')
    const profile = await google.complete(conn, pending, await upstream.loginThrough(url, ALICE))
    assert.equal(profile.email, 'alice@wonderland.example')
    assert.equal(google.userId(conn.name, profile), `google-oauth2|${ALICE.sub}`)
    assert.deepEqual(google.identity(conn.name, profile), { provider: 'google-oauth2', userId: ALICE.sub, connection: 'google-oauth2', isSocial: true })
  })
})

describe('connection options', () => {
  const refused = (strategy: string, options: unknown, message: RegExp) => {
    assert.throws(
      () => parseConnectionOptions(strategy, options),
      (err: unknown) => {
        assert.ok(err instanceof ConnectionOptionsError, String(err))
        assert.match(err.message, message)
        return true
      },
    )
  }

  it('oidc: normalised, with issuer or discovery_url, openid first in the scope', () => {
    assert.deepEqual(parseConnectionOptions('oidc', { issuer: 'https://login.example.com/tenant/v2.0', client_id: 'abc', scope: 'email openid profile', domain_aliases: ['example.com'] }), {
      issuer: 'https://login.example.com/tenant/v2.0',
      discoveryUrl: 'https://login.example.com/tenant/v2.0/.well-known/openid-configuration',
      clientId: 'abc',
      scope: 'openid email profile',
      tokenEndpointAuthMethod: null,
    })
    assert.deepEqual(parseConnectionOptions('oidc', { discovery_url: 'https://idp.example.com/.well-known/openid-configuration', client_id: 'abc', client_secret: 'ignored', type: 'back_channel' }), {
      issuer: 'https://idp.example.com',
      discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
      clientId: 'abc',
      scope: 'openid profile email',
      tokenEndpointAuthMethod: null,
    })
  })

  it('oidc: refuses what cannot work, saying why', () => {
    refused('oidc', { issuer: 'https://idp.example.com', client_id: 'abc', type: 'front_channel' }, /options\.type: front_channel \(the implicit flow\) is not supported/)
    refused('oidc', { client_id: 'abc' }, /options\.discovery_url: discovery_url or issuer is required/)
    refused('oidc', { issuer: 'https://idp.example.com' }, /options\.client_id/)
    refused('oidc', { discovery_url: 'https://idp.example.com/metadata.json', client_id: 'abc' }, /must end in \/\.well-known\/openid-configuration, or give issuer too/)
    refused('oidc', { issuer: 'https://idp.example.com', client_id: 'abc', token_endpoint_auth_method: 'private_key_jwt' }, /private_key_jwt is not supported/)
    refused('oidc', { issuer: 'https://idp.example.com', client_id: 'abc', scope: 'openid "x"' }, /is not a scope token/)
    refused('oidc', { issuer: 'https://user:pw@idp.example.com', client_id: 'abc' }, /must not contain a user name or password/)
    refused('oidc', { issuer: 'ftp://idp.example.com', client_id: 'abc' }, /must be an https URL/)
  })

  it('refuses http upstream URLs off this device, for every strategy; allows them on loopback', () => {
    const http = /must use https \(http is allowed only for localhost and loopback addresses\)/
    refused('oidc', { issuer: 'http://idp.example.com', client_id: 'abc' }, http)
    refused('oidc', { discovery_url: 'http://10.0.0.5/.well-known/openid-configuration', client_id: 'abc' }, http)
    for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', 'idp.localhost']) {
      assert.doesNotThrow(() => parseConnectionOptions('oidc', { issuer: `http://${host}`, client_id: 'abc' }), host)
    }
  })

  it('refuses the database strategy and unknown ones', () => {
    refused('auth0', {}, /strategy: must be one of oidc, google-oauth2/)
    refused('samlp', {}, /strategy: must be one of/)
  })
})
