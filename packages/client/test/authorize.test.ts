/**
 * The authorization request and the callback: parameters, transactions kept per state, RFC 9207
 * `iss`, the ID token's nonce, and authorization errors mapped to typed errors.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  AccessDeniedError,
  AuthorizationError,
  ConsentRequiredError,
  InteractionRequiredError,
  InvalidArgumentError,
  InvalidStateError,
  LoginRequiredError,
  ResponseValidationError,
  challengeFor,
  createClient,
  memoryStorage,
} from '../src/index.js'
import { API, CLIENT_ID, clientFor, createFakeIssuer, ISSUER, login, REDIRECT_URI } from './support/fake-issuer.js'

describe('buildAuthorizeUrl', () => {
  it('sends the code flow parameters with a fresh state, nonce and S256 challenge', async () => {
    const fake = await createFakeIssuer()
    const storage = memoryStorage()
    const client = clientFor(fake, { scope: undefined, storage })
    const url = new URL(await client.buildAuthorizeUrl())
    assert.equal(`${url.origin}${url.pathname}`, `${ISSUER}authorize`)
    const q = url.searchParams
    assert.equal(q.get('client_id'), CLIENT_ID)
    assert.equal(q.get('response_type'), 'code')
    assert.equal(q.get('redirect_uri'), REDIRECT_URI)
    assert.equal(q.get('scope'), 'openid profile email', 'the default scope')
    assert.equal(q.get('audience'), API)
    assert.equal(q.get('code_challenge_method'), 'S256')
    assert.match(q.get('state') ?? '', /^[A-Za-z0-9_-]{43}$/)
    assert.match(q.get('nonce') ?? '', /^[A-Za-z0-9_-]{43}$/)
    assert.notEqual(q.get('state'), q.get('nonce'))
    for (const name of ['organization', 'invitation', 'prompt', 'max_age', 'login_hint', 'screen_hint', 'response_mode']) assert.equal(q.has(name), false, name)
    // The challenge is the S256 of the verifier kept for this state.
    const tx = JSON.parse((await storage.get(`latchkey:${CLIENT_ID}:tx:${q.get('state')}`)) as string)
    assert.equal(q.get('code_challenge'), await challengeFor(tx.verifier))
    assert.equal(tx.nonce, q.get('nonce'))
  })

  it('passes every option through under its protocol name', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    const q = new URL(
      await client.buildAuthorizeUrl({
        audience: 'https://other.example.com/',
        scope: 'profile read:things',
        state: 'c3RhdGU+/w==',
        nonce: 'n-0S6_WzA2Mj',
        redirectUri: 'https://app.example.com/other-callback',
        organization: 'org_123',
        invitation: 'inv_456',
        prompt: 'login',
        maxAge: 300,
        loginHint: 'ada@example.com',
        screenHint: 'signup',
        extra: { ui_locales: 'fr', connection: 'Username-Password-Authentication' },
      }),
    ).searchParams
    assert.deepEqual(Object.fromEntries(q), {
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: 'https://app.example.com/other-callback',
      scope: 'openid profile read:things',
      state: 'c3RhdGU+/w==',
      nonce: 'n-0S6_WzA2Mj',
      code_challenge: q.get('code_challenge'),
      code_challenge_method: 'S256',
      audience: 'https://other.example.com/',
      organization: 'org_123',
      invitation: 'inv_456',
      prompt: 'login',
      max_age: '300',
      login_hint: 'ada@example.com',
      screen_hint: 'signup',
      ui_locales: 'fr',
      connection: 'Username-Password-Authentication',
    })
  })

  it('refuses extra parameters that would replace protocol ones, and bad values', async () => {
    const client = clientFor(await createFakeIssuer())
    for (const name of ['state', 'code_challenge', 'redirect_uri', 'nonce', 'client_id', 'response_mode']) {
      await assert.rejects(client.buildAuthorizeUrl({ extra: { [name]: 'x' } }), InvalidArgumentError, name)
    }
    await assert.rejects(client.buildAuthorizeUrl({ maxAge: -1 }), InvalidArgumentError)
    await assert.rejects(client.buildAuthorizeUrl({ state: '' }), InvalidArgumentError)
  })
})

describe('handleCallback', () => {
  it('completes the login: exchanges the code with the verifier, checks the ID token and returns the user and appState', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    assert.equal(await client.isAuthenticated(), false)
    assert.equal(await client.getUser(), null)
    const result = await login(client, fake, { appState: { returnTo: '/appointments' } })
    assert.deepEqual(result.appState, { returnTo: '/appointments' })
    assert.deepEqual(result.user, { sub: 'user-1', email: 'ada@example.com', name: 'Ada Lovelace' }, 'protocol claims are left out')
    assert.deepEqual(await client.getUser(), result.user)
    assert.equal(await client.isAuthenticated(), true)
    const exchange = fake.tokenRequests[0]?.params
    assert.equal(exchange?.get('grant_type'), 'authorization_code')
    assert.equal(exchange?.get('client_id'), CLIENT_ID)
    assert.equal(exchange?.get('redirect_uri'), REDIRECT_URI)
    assert.match(exchange?.get('code_verifier') ?? '', /^[A-Za-z0-9_-]{43}$/)
  })

  it('keeps each login\'s state, nonce and verifier apart: two pending logins complete in either order, each once', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    const first = fake.authorize(await client.buildAuthorizeUrl({ appState: 1 }))
    const second = fake.authorize(await client.buildAuthorizeUrl({ appState: 2 }))
    assert.equal((await client.handleCallback(second)).appState, 2)
    assert.equal((await client.handleCallback(first)).appState, 1)
    await assert.rejects(client.handleCallback(first), InvalidStateError, 'a transaction completes once')
  })

  it('refuses a callback whose state matches no pending login, or has none', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await client.buildAuthorizeUrl()
    await assert.rejects(client.handleCallback(`${REDIRECT_URI}?code=abc&state=forged&iss=${encodeURIComponent(ISSUER)}`), (err: unknown) => {
      assert.ok(err instanceof InvalidStateError)
      assert.equal(err.code, 'ERR_INVALID_STATE')
      return true
    })
    await assert.rejects(client.handleCallback(`${REDIRECT_URI}?code=abc`), InvalidStateError)
    assert.equal(fake.tokenRequests.length, 0, 'no code is exchanged')
  })

  it('refuses a login left pending for more than a day', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    const callback = fake.authorize(await client.buildAuthorizeUrl())
    fake.clock.advance(24 * 3600_000 + 1000)
    await assert.rejects(client.handleCallback(callback), InvalidStateError)
  })

  it('checks the RFC 9207 iss parameter: a response from another issuer is refused before the code is sent', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    const mixedUp = fake.authorize(await client.buildAuthorizeUrl(), { iss: 'https://attacker.example.com/' })
    await assert.rejects(client.handleCallback(mixedUp), (err: unknown) => {
      assert.ok(err instanceof ResponseValidationError)
      assert.equal(err.code, 'ERR_RESPONSE_VALIDATION')
      assert.equal(err.reason, 'OAUTH_INVALID_RESPONSE')
      return true
    })
    const missing = new URL(fake.authorize(await client.buildAuthorizeUrl()))
    missing.searchParams.delete('iss')
    await assert.rejects(client.handleCallback(missing), ResponseValidationError)
    assert.equal(fake.tokenRequests.length, 0)
  })

  it('checks the ID token nonce against the one sent', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    const callback = fake.authorize(await client.buildAuthorizeUrl())
    fake.forgeNextNonce('replayed-nonce')
    await assert.rejects(client.handleCallback(callback), (err: unknown) => {
      assert.ok(err instanceof ResponseValidationError)
      assert.equal(err.reason, 'OAUTH_JWT_CLAIM_COMPARISON_FAILED')
      return true
    })
    assert.equal(await client.isAuthenticated(), false)
  })

  it('maps authorization errors to typed errors with the server\'s error, description and the state', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    const cases = [
      ['login_required', LoginRequiredError, 'ERR_LOGIN_REQUIRED'],
      ['consent_required', ConsentRequiredError, 'ERR_CONSENT_REQUIRED'],
      ['interaction_required', InteractionRequiredError, 'ERR_INTERACTION_REQUIRED'],
      ['access_denied', AccessDeniedError, 'ERR_ACCESS_DENIED'],
      ['invalid_scope', AuthorizationError, 'ERR_AUTHORIZATION'],
    ] as const
    for (const [error, Class, code] of cases) {
      const url = await client.buildAuthorizeUrl()
      const state = new URL(url).searchParams.get('state')
      await assert.rejects(client.handleCallback(fake.authorize(url, { error, errorDescription: `about ${error}` })), (err: unknown) => {
        assert.ok(err instanceof Class, error)
        assert.ok(err instanceof AuthorizationError)
        assert.equal(err.constructor, Class)
        assert.equal(err.code, code)
        assert.equal(Class.code, code)
        assert.equal(err.error, error)
        assert.equal(err.error_description, `about ${error}`)
        assert.equal(err.state, state)
        return true
      })
    }
    assert.equal(fake.tokenRequests.length, 0)
  })

  it('forgets the previous user\'s tokens when another user logs in', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await login(client, fake, { audience: 'https://other.example.com/' })
    await client.handleCallback(fake.authorize(await client.buildAuthorizeUrl(), { sub: 'user-2' }))
    assert.equal((await client.getUser())?.sub, 'user-2')
    await assert.rejects(client.getAccessToken({ audience: 'https://other.example.com/' }), LoginRequiredError)
  })
})

describe('createClient', () => {
  it('refuses http: issuers unless allowInsecureRequests is set, and then only on loopback hosts', () => {
    const base = { clientId: 'c', redirectUri: 'http://localhost:8080/callback' }
    assert.throws(() => createClient({ ...base, issuer: 'http://localhost:3000/' }), InvalidArgumentError)
    assert.throws(() => createClient({ ...base, issuer: 'http://login.example.com/', allowInsecureRequests: true }), InvalidArgumentError)
    assert.throws(() => createClient({ ...base, issuer: 'ftp://login.example.com/' }), InvalidArgumentError)
    assert.throws(() => createClient({ ...base, issuer: 'not a url' }), InvalidArgumentError)
    assert.throws(() => createClient({ ...base, issuer: 'https://login.example.com/', leewaySeconds: -1 }), InvalidArgumentError)
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000']) createClient({ ...base, issuer: `http://${host}/`, allowInsecureRequests: true })
  })
})
