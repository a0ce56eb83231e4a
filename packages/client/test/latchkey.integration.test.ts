/**
 * The SDK against a real Latchkey on a real socket: the SDK builds the authorize URL, the test's
 * Browser logs in through the real pages, and the redirect it ends on is the callback handed to
 * the SDK. Then tokens, refresh through rotation, an API that verifies with the JWKS, logout with
 * revocation, error mapping, and the RFC 8252 loopback login of a native app.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, UserRecord } from '@latchkey/core'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { Browser, loginThrough } from '../../server/test/support/browser.js'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from '../../server/test/support/harness.js'
import { AccessDeniedError, createClient, LoginRequiredError, LoopbackTimeoutError, memoryStorage, type ClientOptions, type LatchkeyClient } from '../src/index.js'
import { fileStorage, loginWithLoopback } from '../src/node/index.js'

const CALLBACK = 'http://localhost:8080/callback'
const SCOPE = 'openid profile email offline_access read:appointments'

interface TokenCall {
  readonly params: URLSearchParams
  readonly status: number
  readonly body: Record<string, unknown>
}

describe('@latchkey/client against a real Latchkey', () => {
  let server: TestServer
  let api: ApiRecord
  let user: UserRecord
  let apiServer: Server
  let apiUrl: string
  let sdkOffset = 0
  const sdkClock = { now: () => Date.now() + sdkOffset }
  let tokenCalls: TokenCall[] = []
  const apiCalls: { status: number }[] = []

  /** Moves Latchkey's clock (and the SDK's, unless told otherwise). */
  function advance(ms: number, { sdk = true } = {}) {
    server.clock.advance(ms)
    if (sdk) sdkOffset += ms
  }

  /** Global fetch that records every token endpoint call (request parameters and answer). */
  const recordingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const copy = request.clone()
    const response = await fetch(request)
    if (new URL(request.url).pathname === '/oauth/token') {
      tokenCalls.push({ params: new URLSearchParams(await copy.text()), status: response.status, body: (await response.clone().json()) as Record<string, unknown> })
    }
    return response
  }

  function spaClient(clientId: string, overrides: Partial<ClientOptions> = {}): LatchkeyClient {
    return createClient({
      issuer: server.issuer,
      clientId,
      redirectUri: CALLBACK,
      audience: api.identifier,
      scope: SCOPE,
      allowInsecureRequests: true,
      clock: sdkClock,
      fetch: recordingFetch,
      ...overrides,
    })
  }

  /** The person at the browser: follows the SDK's URL, logs in, and returns where the server sent them. */
  async function browse(authorizeUrl: string, consent: 'accept' | 'deny' = 'accept', browser = new Browser(server.url)): Promise<string> {
    const res = await loginThrough(browser, authorizeUrl, user.email, PASSWORD, consent)
    const location = res.headers.get('location')
    assert.ok(location, `expected a redirect to the app, got ${res.status}`)
    return location
  }

  const refreshCalls = () => tokenCalls.filter((c) => c.params.get('grant_type') === 'refresh_token')

  before(async () => {
    server = await startTestServer()
    api = await addApi(server.store, { identifier: 'https://client-sdk.example.com/appointments', tokenLifetime: 3600 })
    user = await addUser(server.store, { name: 'Ada Lovelace' })
    // A small resource server: RFC 9068 access tokens verified against Latchkey's JWKS on Latchkey's clock.
    const jwks = createRemoteJWKSet(new URL(`${server.issuer}.well-known/jwks.json`))
    apiServer = createServer(async (req, res) => {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
      try {
        if (!token) throw new Error('no token')
        const { payload } = await jwtVerify(token, jwks, { issuer: server.issuer, audience: api.identifier, typ: 'at+jwt', currentDate: new Date(server.clock.now()) })
        apiCalls.push({ status: 200 })
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: payload.sub, scope: payload.scope }))
      } catch {
        apiCalls.push({ status: 401 })
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="appointments", error="invalid_token"' }).end()
      }
    })
    await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve))
    apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}/appointments`
  })

  after(async () => {
    apiServer.closeAllConnections()
    await new Promise((resolve) => apiServer.close(resolve))
    await server.close()
  })

  it('logs in, caches the token, refreshes near expiry through rotation, calls an API, and logs out with revocation', async () => {
    tokenCalls = []
    const { app } = await addApp(server.store)
    const client = spaClient(app.clientId)

    // Login: the SDK's URL, the real pages, the callback.
    const authorizeUrl = await client.buildAuthorizeUrl({ appState: { path: '/appointments' } })
    const callback = await browse(authorizeUrl)
    assert.ok(callback.startsWith(`${CALLBACK}?`), callback)
    const { user: profile, appState, amr, acr } = await client.handleCallback(callback)
    assert.deepEqual(appState, { path: '/appointments' })
    assert.deepEqual(amr, ['pwd'], 'how the user logged in: a password')
    assert.equal(acr, null, 'no acr_values asked')
    assert.equal(profile.sub, user.id)
    assert.equal(profile.email, user.email)
    assert.equal(profile.name, 'Ada Lovelace')
    assert.equal(profile.nonce, undefined, 'protocol claims are left out')
    assert.deepEqual(await client.getUser(), profile)
    assert.equal(await client.isAuthenticated(), true)
    assert.equal(tokenCalls.length, 1)
    assert.equal(tokenCalls[0]?.params.get('grant_type'), 'authorization_code')
    const loginRefreshToken = tokenCalls[0]?.body.refresh_token as string
    assert.equal(typeof loginRefreshToken, 'string')

    // The cached token, while valid.
    const first = await client.getAccessToken()
    assert.equal(first, tokenCalls[0]?.body.access_token)
    advance(30 * 60 * 1000)
    assert.equal(await client.getAccessToken(), first)
    assert.equal(tokenCalls.length, 1)

    // Near expiry (less than the 60 s leeway left): one refresh, with the login's refresh token.
    advance(29 * 60 * 1000 + 31 * 1000)
    const second = await client.getAccessToken()
    assert.notEqual(second, first)
    assert.equal(refreshCalls().length, 1)
    assert.equal(refreshCalls()[0]?.params.get('refresh_token'), loginRefreshToken)
    assert.equal(refreshCalls()[0]?.status, 200)
    const rotated = refreshCalls()[0]?.body.refresh_token as string
    assert.notEqual(rotated, loginRefreshToken, 'Latchkey rotates')
    assert.equal((await client.getUser())?.sub, user.id)

    // Rotation: the next refresh presents the token the previous refresh returned.
    advance(3600 * 1000)
    const third = await client.getAccessToken()
    assert.notEqual(third, second)
    assert.equal(refreshCalls().length, 2)
    assert.equal(refreshCalls()[1]?.params.get('refresh_token'), rotated)
    assert.equal(refreshCalls()[1]?.status, 200)

    // The API accepts the token.
    const ok = await client.fetchWithAuth(apiUrl)
    assert.equal(ok.status, 200)
    assert.deepEqual(await ok.json(), { sub: user.id, scope: SCOPE })

    // The API's clock runs ahead of the SDK's: it says invalid_token, the SDK refreshes once and retries once.
    apiCalls.length = 0
    advance(3600 * 1000, { sdk: false })
    const retried = await client.fetchWithAuth(apiUrl)
    assert.equal(retried.status, 200)
    assert.deepEqual(apiCalls, [{ status: 401 }, { status: 200 }])
    assert.equal(refreshCalls().length, 3)
    sdkOffset = server.clock.now() - Date.now()

    // Logout: the RP-initiated logout URL, the local session gone, the refresh token revoked.
    const current = refreshCalls()[2]?.body.refresh_token as string
    const logoutUrl = new URL(await client.logout({ returnTo: 'http://localhost:8080/' }))
    assert.equal(logoutUrl.href.startsWith(`${server.issuer}oidc/logout?`), true, logoutUrl.href)
    assert.equal(logoutUrl.searchParams.get('client_id'), app.clientId)
    assert.equal(logoutUrl.searchParams.get('post_logout_redirect_uri'), 'http://localhost:8080/')
    assert.ok(logoutUrl.searchParams.get('id_token_hint'))
    const loggedOut = await new Browser(server.url).get(logoutUrl.href)
    assert.equal(loggedOut.status, 302)
    assert.equal(loggedOut.headers.get('location'), 'http://localhost:8080/')
    assert.equal(await client.getUser(), null)
    assert.equal(await client.isAuthenticated(), false)
    await assert.rejects(client.getAccessToken(), LoginRequiredError)
    const refused = await fetch(`${server.url}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: current }),
    })
    assert.equal(refused.status >= 400 && refused.status < 500, true, String(refused.status))
    assert.equal(((await refused.json()) as { error: string }).error, 'invalid_grant')
  })

  it('five concurrent getAccessToken calls with an expired token make one refresh at Latchkey', async () => {
    tokenCalls = []
    const { app } = await addApp(server.store)
    const client = spaClient(app.clientId)
    await client.handleCallback(await browse(await client.buildAuthorizeUrl()))
    advance(3600 * 1000)
    const tokens = await Promise.all(Array.from({ length: 5 }, () => client.getAccessToken()))
    assert.equal(new Set(tokens).size, 1)
    assert.equal(refreshCalls().length, 1)
    assert.equal(refreshCalls()[0]?.status, 200)
  })

  it('a refresh token Latchkey refuses ends the session with LoginRequiredError', async () => {
    tokenCalls = []
    const { app } = await addApp(server.store)
    const client = spaClient(app.clientId)
    await client.handleCallback(await browse(await client.buildAuthorizeUrl()))
    // Revoked behind the SDK's back (another device logging out, an administrator, ...).
    const revoked = await fetch(`${server.url}oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: app.clientId, token: tokenCalls[0]?.body.refresh_token as string }),
    })
    assert.equal(revoked.status, 200)
    advance(3600 * 1000)
    await assert.rejects(client.getAccessToken(), (err: unknown) => err instanceof LoginRequiredError && err.error === 'invalid_grant')
    assert.equal(await client.getUser(), null)
  })

  it('maps a consent denial on a third-party app to AccessDeniedError', async () => {
    const { app } = await addApp(server.store, { firstParty: false })
    const client = spaClient(app.clientId)
    const authorizeUrl = await client.buildAuthorizeUrl()
    const callback = await browse(authorizeUrl, 'deny')
    await assert.rejects(client.handleCallback(callback), (err: unknown) => {
      assert.ok(err instanceof AccessDeniedError)
      assert.equal(err.code, 'ERR_ACCESS_DENIED')
      assert.equal(err.error, 'access_denied')
      assert.equal(err.state, new URL(authorizeUrl).searchParams.get('state'))
      return true
    })
    assert.equal(await client.isAuthenticated(), false)
  })

  it('maps prompt=none without a session to LoginRequiredError', async () => {
    const { app } = await addApp(server.store)
    const client = spaClient(app.clientId)
    const res = await new Browser(server.url).get(await client.buildAuthorizeUrl({ prompt: 'none' }))
    await assert.rejects(client.handleCallback(res.headers.get('location') as string), (err: unknown) => err instanceof LoginRequiredError && err.error === 'login_required')
  })

  it('fetches the user\'s profile from /userinfo with the access token', async () => {
    const { app } = await addApp(server.store)
    const client = spaClient(app.clientId)
    await client.handleCallback(await browse(await client.buildAuthorizeUrl()))
    const info = await client.fetchUserInfo()
    assert.equal(info.sub, user.id)
    assert.equal(info.email, user.email)
  })

  describe('loopback login for a native app (RFC 8252)', () => {
    let dir: string
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'latchkey-loopback-'))
    })
    after(() => rm(dir, { recursive: true, force: true }))

    it('logs in through 127.0.0.1 on an ephemeral port, answers the browser, stores tokens in a 0600 file and closes', async () => {
      const { app } = await addApp(server.store, { type: 'native', callbacks: ['http://127.0.0.1/callback'], webOrigins: [], logoutUrls: [] })
      const path = join(dir, 'tokens.json')
      let callbackUrl: URL | undefined
      let page = ''
      let browserDone: Promise<void> = Promise.resolve()
      const { client, user: profile } = await loginWithLoopback(
        { issuer: server.issuer, clientId: app.clientId, audience: api.identifier, scope: SCOPE, allowInsecureRequests: true, clock: sdkClock, storage: fileStorage(path) },
        {
          openBrowser: (url) => {
            browserDone = (async () => {
              const authorize = new URL(url)
              assert.match(authorize.searchParams.get('redirect_uri') ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/)
              callbackUrl = new URL(await browse(url))
              const res = await fetch(callbackUrl)
              assert.equal(res.status, 200)
              assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
              page = await res.text()
            })()
            return browserDone
          },
        },
      )
      assert.equal(profile.sub, user.id)
      await browserDone
      assert.match(page, /You can close this window/)
      assert.ok(callbackUrl)
      assert.notEqual(callbackUrl.port, '')
      await assert.rejects(fetch(callbackUrl), 'the loopback server is closed')
      assert.equal((await stat(path)).mode & 0o777, 0o600)

      // The tokens work, refresh, and outlive this client: a later run reads the same file.
      const ok = await client.fetchWithAuth(apiUrl)
      assert.equal(ok.status, 200)
      advance(3600 * 1000)
      const later = createClient({ issuer: server.issuer, clientId: app.clientId, redirectUri: 'http://127.0.0.1/callback', audience: api.identifier, allowInsecureRequests: true, clock: sdkClock, storage: fileStorage(path) })
      assert.equal((await later.getUser())?.sub, user.id)
      const refreshed = await later.fetchWithAuth(apiUrl)
      assert.equal(refreshed.status, 200)
    })

    it('prints the URL when asked to, and the login completes from there', async () => {
      const { app } = await addApp(server.store, { type: 'native', callbacks: ['http://127.0.0.1/callback'], webOrigins: [], logoutUrls: [] })
      const printed: string[] = []
      const { user: profile } = await loginWithLoopback(
        { issuer: server.issuer, clientId: app.clientId, audience: api.identifier, scope: SCOPE, allowInsecureRequests: true, clock: sdkClock, storage: memoryStorage() },
        {
          print: (url) => {
            printed.push(url)
            void browse(url).then((callback) => fetch(callback))
          },
        },
      )
      assert.equal(profile.sub, user.id)
      assert.equal(printed.length, 1)
    })

    it('gives up with LoopbackTimeoutError when no callback arrives, and closes the port', async () => {
      const { app } = await addApp(server.store, { type: 'native', callbacks: ['http://127.0.0.1/callback'], webOrigins: [], logoutUrls: [] })
      let redirectUri = ''
      await assert.rejects(
        loginWithLoopback(
          { issuer: server.issuer, clientId: app.clientId, allowInsecureRequests: true },
          {
            timeoutMs: 300,
            openBrowser: async (url) => {
              redirectUri = new URL(url).searchParams.get('redirect_uri') ?? ''
              // A stray request (wrong state) is answered and ignored.
              const stray = await fetch(`${redirectUri}?code=x&state=not-ours`)
              assert.equal(stray.status, 400)
            },
          },
        ),
        (err: unknown) => err instanceof LoopbackTimeoutError && err.code === 'ERR_LOOPBACK_TIMEOUT',
      )
      await assert.rejects(fetch(redirectUri))
    })
  })
})
