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
import { metadataProblem } from '../src/connections/strategies/oidc.js'
import { GITHUB_CLIENT, type GithubStandIn, startGithubStandIn } from './support/upstreams/github.js'
import { NESTED_PROFILE, OAUTH2_CLIENT, type OAuth2StandIn, startOAuth2StandIn } from './support/upstreams/oauth2.js'
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
    refused('github', { client_id: 'abc', base_url: 'http://github.example.com' }, http)
    const endpoints = { authorization_endpoint: 'https://p.example/auth', token_endpoint: 'https://p.example/token', userinfo_endpoint: 'https://p.example/me', client_id: 'abc' }
    refused('oauth2', { ...endpoints, token_endpoint: 'http://p.example/token' }, http)
    refused('oauth2', { ...endpoints, userinfo_endpoint: 'http://p.example/me' }, http)
    refused('oauth2', { ...endpoints, authorization_endpoint: 'http://p.example/auth' }, http)
    for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', 'idp.localhost']) {
      assert.doesNotThrow(() => parseConnectionOptions('oidc', { issuer: `http://${host}`, client_id: 'abc' }), host)
    }
  })

  it('oidc: refuses discovered endpoints that would send requests to this device unless the provider is on it', () => {
    const as = { issuer: 'https://idp.example.com', authorization_endpoint: 'https://idp.example.com/authorize', token_endpoint: 'https://idp.example.com/token', jwks_uri: 'https://idp.example.com/jwks' }
    assert.equal(metadataProblem(as, false), null)
    assert.match(metadataProblem({ ...as, jwks_uri: 'http://127.0.0.1:9000/keys' }, false) ?? '', /jwks_uri must use https \(the provider is not on this device\)/)
    assert.equal(metadataProblem({ ...as, jwks_uri: 'http://127.0.0.1:9000/keys' }, true), null)
    assert.match(metadataProblem({ ...as, userinfo_endpoint: 'http://10.1.2.3/me' }, true) ?? '', /userinfo_endpoint must use https/)
    assert.match(metadataProblem({ ...as, token_endpoint: undefined }, false) ?? '', /token_endpoint is missing/)
  })

  it('refuses the database strategy and unknown ones', () => {
    refused('auth0', {}, /strategy: must be one of oidc, google-oauth2, github, oauth2/)
    refused('samlp', {}, /strategy: must be one of/)
  })
})

describe('github against a GitHub-shaped stand-in (GitHub Enterprise Server paths)', () => {
  let gh: GithubStandIn
  let github: Strategy
  let conn: UpstreamConnection
  before(async () => {
    gh = await startGithubStandIn()
    github = strategyOf(createStrategies({ timeoutMs: 1_000 }), 'github')
    conn = { name: 'github', strategy: 'github', options: { client_id: GITHUB_CLIENT.clientId, base_url: gh.baseUrl }, clientSecret: GITHUB_CLIENT.clientSecret }
  })
  after(() => gh.close())
  beforeEach(() => gh.reset())

  async function attempt(c: UpstreamConnection = conn) {
    const { url, pending } = await github.begin(c, { redirectUri: UPSTREAM_CALLBACK })
    const callback = await gh.authorize(url)
    return { profile: await github.complete(c, pending, callback), pending, url: new URL(url) }
  }

  it('logs in: state and PKCE S256 at the authorization and the code exchange, the profile from /user, the primary verified email', async () => {
    const { profile, pending, url } = await attempt()
    assert.equal(url.origin + url.pathname, `${gh.baseUrl}/login/oauth/authorize`)
    assert.equal(url.searchParams.get('client_id'), GITHUB_CLIENT.clientId)
    assert.equal(url.searchParams.get('scope'), 'read:user user:email')
    assert.equal(url.searchParams.get('state'), pending.state)
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(pending.nonce, null)
    const sent = gh.desk.lastTokenRequest
    assert.equal(sent?.form.get('code_verifier'), pending.codeVerifier)
    assert.equal(sent?.form.get('client_secret'), GITHUB_CLIENT.clientSecret)
    assert.equal(sent?.form.get('redirect_uri'), UPSTREAM_CALLBACK)

    assert.equal(profile.id, '583231')
    assert.equal(profile.nickname, 'octocat')
    assert.equal(profile.name, 'The Octocat')
    assert.equal(profile.picture, 'https://avatars.githubusercontent.com/u/583231?v=4')
    assert.equal(profile.email, 'octocat@github.com')
    assert.equal(profile.emailVerified, true)
    assert.equal(profile.raw.login, 'octocat')
    assert.equal(github.userId(conn.name, profile), 'github|583231')
    assert.deepEqual(github.identity(conn.name, profile), { provider: 'github', userId: '583231', connection: 'github', isSocial: true })
  })

  it('gives no email when the primary address is unverified, even with another verified one', async () => {
    gh.state.emails = [
      { email: 'old@example.com', primary: false, verified: true, visibility: null },
      { email: 'new@example.com', primary: true, verified: false, visibility: 'public' },
    ]
    gh.state.user = { ...gh.state.user, email: 'new@example.com' }
    const { profile } = await attempt()
    assert.equal(profile.email, null)
    assert.equal(profile.emailVerified, false)
  })

  it('gives no email when the token may not read /user/emails', async () => {
    gh.state.emails = null
    const { profile } = await attempt()
    assert.equal(profile.id, '583231')
    assert.equal(profile.email, null)
  })

  it('answers a denial with UpstreamDenied', async () => {
    gh.state.deny = true
    const { url, pending } = await github.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    const err = await rejectsWith(github.complete(conn, pending, await gh.authorize(url)), UpstreamDenied)
    assert.equal(err.error, 'access_denied')
    assert.equal(err.description, 'The user has denied your application access.')
  })

  it('refuses a wrong state, a replayed code (GitHub answers 200 bad_verification_code), and a wrong verifier', async () => {
    const { url, pending } = await github.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    const callback = await gh.authorize(url)
    const other = await github.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    await rejectsWith(github.complete(conn, other.pending, callback), UpstreamCheckFailed, (e) => assert.equal(e.check, 'state'))
    await github.complete(conn, pending, callback)
    await rejectsWith(github.complete(conn, pending, callback), UpstreamCheckFailed, (e) => assert.equal(e.check, 'code'))
    const fresh = await github.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    const freshCallback = await gh.authorize(fresh.url)
    await rejectsWith(github.complete(conn, { ...fresh.pending, codeVerifier: pending.codeVerifier }, freshCallback), UpstreamCheckFailed, (e) => assert.equal(e.check, 'code'))
  })

  it('is unavailable with a wrong client secret (GitHub answers 200 incorrect_client_credentials), an API failing, or none configured', async () => {
    const wrong = { ...conn, clientSecret: 'nope' }
    const { url, pending } = await github.begin(wrong, { redirectUri: UPSTREAM_CALLBACK })
    await rejectsWith(github.complete(wrong, pending, await gh.authorize(url)), UpstreamUnavailable, (e) => assert.equal(e.reason, 'refused'))
    gh.state.apiStatus = 502
    await rejectsWith(attempt(), UpstreamUnavailable, (e) => assert.equal(e.reason, 'status'))
    gh.reset()
    gh.state.user = { ...gh.state.user, id: 'not-a-number' }
    await rejectsWith(attempt(), UpstreamUnavailable, (e) => assert.equal(e.reason, 'malformed'))
    await rejectsWith(github.begin({ ...conn, clientSecret: null }, { redirectUri: UPSTREAM_CALLBACK }), UpstreamUnavailable, (e) => assert.equal(e.reason, 'configuration'))
  })

  it('uses github.com and api.github.com without base_url; asks for the account picker for prompt=login', async () => {
    assert.deepEqual(github.parseOptions({ client_id: 'abc', scope: ['user:email'], email: true }), {
      clientId: 'abc',
      baseUrl: 'https://github.com',
      apiUrl: 'https://api.github.com/',
      scope: 'user:email',
    })
    assert.equal((github.parseOptions({ client_id: 'abc', base_url: 'https://ghe.example.com/' }) as { apiUrl: string }).apiUrl, 'https://ghe.example.com/api/v3/')
    const { url } = await github.begin({ ...conn, options: { client_id: 'abc' } }, { redirectUri: UPSTREAM_CALLBACK, prompt: 'login', loginHint: 'someone@example.com' })
    const u = new URL(url)
    assert.equal(u.origin + u.pathname, 'https://github.com/login/oauth/authorize')
    assert.equal(u.searchParams.get('prompt'), 'select_account')
    assert.equal(u.searchParams.get('login_hint'), null)
  })
})

describe('oauth2 against a generic OAuth 2.0 stand-in', () => {
  let op: OAuth2StandIn
  let oauth2: Strategy
  let conn: UpstreamConnection
  before(async () => {
    op = await startOAuth2StandIn()
    oauth2 = strategyOf(createStrategies({ timeoutMs: 1_000 }), 'oauth2')
    conn = { name: 'acme-oauth', strategy: 'oauth2', options: op.options(), clientSecret: OAUTH2_CLIENT.clientSecret }
  })
  after(() => op.close())
  beforeEach(() => op.reset())

  async function attempt(c: UpstreamConnection = conn) {
    const { url, pending } = await oauth2.begin(c, { redirectUri: UPSTREAM_CALLBACK })
    return { profile: await oauth2.complete(c, pending, await op.authorize(url)), pending, url: new URL(url) }
  }

  it('logs in and maps the nested userinfo JSON to the profile with profile_map', async () => {
    const { profile, pending, url } = await attempt()
    assert.equal(url.searchParams.get('response_type'), 'code')
    assert.equal(url.searchParams.get('scope'), 'profile:read')
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(url.searchParams.get('state'), pending.state)
    assert.equal(op.desk.lastTokenRequest?.form.get('client_secret'), OAUTH2_CLIENT.clientSecret, 'client_secret_post by default')
    assert.deepEqual(
      { ...profile, raw: undefined },
      {
        id: '900417',
        email: 'nessa@generic.example',
        emailVerified: true,
        name: 'Nessa Ted',
        givenName: 'Nessa',
        familyName: 'Ted',
        nickname: 'nessa',
        picture: 'https://cdn.example/nessa.jpg',
        locale: null,
        raw: undefined,
      },
    )
    assert.deepEqual(profile.raw, NESTED_PROFILE)
    assert.equal(oauth2.userId(conn.name, profile), 'oauth2|acme-oauth|900417')
    assert.deepEqual(oauth2.identity(conn.name, profile), { provider: 'oauth2', userId: 'acme-oauth|900417', connection: 'acme-oauth', isSocial: true })
  })

  it('authenticates with client_secret_basic when asked, and as a public client without a secret', async () => {
    const basic = { ...conn, options: op.options({ token_endpoint_auth_method: 'client_secret_basic' }) }
    await attempt(basic)
    assert.match(op.desk.lastTokenRequest?.authorization ?? '', /^Basic /)
    assert.equal(op.desk.lastTokenRequest?.form.get('client_secret'), null)
    await attempt({ ...conn, clientSecret: null })
    assert.equal(op.desk.lastTokenRequest?.authorization, undefined)
    assert.equal(op.desk.lastTokenRequest?.form.get('client_id'), OAUTH2_CLIENT.clientId)
  })

  it("reads Auth0's authorizationURL and tokenURL, and the standard claims where profile_map says nothing", async () => {
    const { authorization_endpoint, token_endpoint, profile_map: _, ...rest } = op.options()
    op.state.profile = { sub: 'std-1', email: 'std@generic.example', name: 'Standard' }
    const { profile } = await attempt({ ...conn, options: { ...rest, authorizationURL: authorization_endpoint, tokenURL: token_endpoint } })
    assert.equal(profile.id, 'std-1')
    assert.equal(profile.email, 'std@generic.example')
    assert.equal(profile.emailVerified, false, 'no email_verified: not verified')
  })

  it('accepts a token answer without token_type (some providers omit it), and refuses a token type that is not bearer', async () => {
    op.state.tokenType = null
    assert.equal((await attempt()).profile.id, '900417')
    op.state.tokenType = 'mac'
    await rejectsWith(attempt(), UpstreamUnavailable, (e) => assert.equal(e.reason, 'malformed'))
  })

  it('is unavailable when the mapped id is missing from the userinfo JSON', async () => {
    op.state.profile = { data: { profile: { display_name: 'No Id' } } }
    await rejectsWith(attempt(), UpstreamUnavailable, (e) => assert.match(e.message, /no usable id at data\.user_id/))
  })

  it('checks iss at the callback against options.issuer, and ignores it without one', async () => {
    op.state.iss = 'https://someone-else.example'
    assert.equal((await attempt()).profile.id, '900417', 'no issuer configured: iss not compared')
    const withIssuer = { ...conn, options: op.options({ issuer: op.origin }) }
    await rejectsWith(attempt(withIssuer), UpstreamCheckFailed, (e) => assert.equal(e.check, 'iss'))
    op.state.iss = op.origin
    assert.equal((await attempt(withIssuer)).profile.id, '900417')
  })

  it('answers a denial with UpstreamDenied and a replayed code with UpstreamCheckFailed', async () => {
    op.state.deny = true
    const denied = await oauth2.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    await rejectsWith(oauth2.complete(conn, denied.pending, await op.authorize(denied.url)), UpstreamDenied, (e) => assert.equal(e.error, 'access_denied'))
    op.reset()
    const { url, pending } = await oauth2.begin(conn, { redirectUri: UPSTREAM_CALLBACK })
    const callback = await op.authorize(url)
    await oauth2.complete(conn, pending, callback)
    await rejectsWith(oauth2.complete(conn, pending, callback), UpstreamCheckFailed, (e) => assert.equal(e.check, 'code'))
  })

  it('refuses profile maps that are not dotted paths of known fields, and missing endpoints', () => {
    const refused = (options: Record<string, unknown>, message: RegExp) =>
      assert.throws(() => oauth2.parseOptions(options), (err: unknown) => err instanceof ConnectionOptionsError && message.test(err.message))
    refused(op.options({ profile_map: { id: 'data[0].id' } }), /options\.profile_map\.id: must be a dotted path/)
    refused(op.options({ profile_map: { id: 'id', script: 'return 1' } }), /options\.profile_map/)
    refused({ ...op.options(), userinfo_endpoint: undefined }, /options\.userinfo_endpoint/)
    const { token_endpoint: _, ...noToken } = op.options()
    refused(noToken, /options\.token_endpoint: is required/)
    refused(op.options({ tokenURL: 'https://elsewhere.example/token' }), /options\.tokenURL: differs from token_endpoint/)
  })
})
