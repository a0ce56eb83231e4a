/**
 * Latchkey driven by standards-based clients that are not part of this repository: `openid-client`
 * 6 and `oauth4webapi` 3 do discovery, build the authorize URL, check the callback (state, RFC 9207
 * iss), exchange the code with PKCE, validate the ID token (nonce included), call /userinfo, refresh
 * and revoke. A person logs in through the real pages in between (the test Browser).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, UserRecord } from '@latchkey/core'
import * as oauth from 'oauth4webapi'
import * as client from 'openid-client'
import { Browser, loginThrough } from './support/browser.js'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { CALLBACK, claims } from './support/oauth.js'

const SCOPE = 'openid profile email offline_access read:appointments'

describe('third-party clients', () => {
  let server: TestServer
  let api: ApiRecord
  let user: UserRecord

  before(async () => {
    server = await startTestServer()
    api = await addApi(server.store, { identifier: 'https://third-party-clients.example.com/' })
    user = await addUser(server.store)
  })
  after(() => server.close())

  /** Follows an authorize URL a library built, logs in, and returns the callback URL the app receives. */
  async function callbackFrom(authorizeUrl: URL): Promise<URL> {
    const res = await loginThrough(new Browser(server.url), authorizeUrl.href, user.email, PASSWORD)
    const location = res.headers.get('location')
    assert.ok(location, `expected the redirect to the app, got ${res.status}`)
    assert.ok(location.startsWith(`${CALLBACK}?`), location)
    return new URL(location)
  }

  describe('openid-client 6', () => {
    const discover = (clientId: string, secret?: string, auth: client.ClientAuth = client.None()) =>
      client.discovery(new URL(server.issuer), clientId, secret, auth, { execute: [client.allowInsecureRequests] })

    it('accepts the discovery document as is: the issuer matches the URL it was fetched from exactly', async () => {
      const { app } = await addApp(server.store)
      const config = await discover(app.clientId)
      const metadata = config.serverMetadata()
      assert.equal(metadata.issuer, server.issuer)
      assert.equal(metadata.supportsPKCE('S256'), true)
      assert.equal(metadata.authorization_response_iss_parameter_supported, true)
      // The check is real: the same server under another spelling of its origin is refused.
      const other = new URL(server.issuer)
      other.hostname = '127.0.0.1'
      await assert.rejects(client.discovery(other, app.clientId, undefined, client.None(), { execute: [client.allowInsecureRequests] }))
    })

    it('runs the whole flow for a public SPA: authorize, code + PKCE, ID token with nonce, userinfo, refresh, revoke', async () => {
      const { app } = await addApp(server.store)
      const config = await discover(app.clientId)
      const verifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const nonce = client.randomNonce()
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: SCOPE,
        audience: api.identifier,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      assert.equal(url.origin + url.pathname, `${new URL(server.issuer).origin}/authorize`)

      const tokens = await client.authorizationCodeGrant(config, await callbackFrom(url), {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      })
      const idClaims = tokens.claims()
      assert.ok(idClaims, 'idClaims')
      assert.equal(idClaims.sub, user.id)
      assert.equal(idClaims.iss, server.issuer)
      assert.equal(idClaims.aud, app.clientId)
      assert.equal(idClaims.nonce, nonce)
      assert.equal(tokens.token_type, 'bearer')
      assert.equal(typeof tokens.expiresIn(), 'number')
      assert.equal(tokens.scope, SCOPE)
      assert.deepEqual(claims(tokens.access_token).aud, [api.identifier, `${server.issuer}userinfo`])

      const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub)
      assert.equal(info.sub, user.id)
      assert.equal(info.email, user.email)

      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token as string)
      assert.equal(typeof refreshed.refresh_token, 'string')
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token)
      const refreshedClaims = refreshed.claims()
      assert.ok(refreshedClaims, 'refreshedClaims')
      assert.equal(refreshedClaims.sub, idClaims.sub)
      assert.equal(refreshedClaims.auth_time, idClaims.auth_time)
      assert.equal(refreshedClaims.nonce, undefined)

      await client.tokenRevocation(config, refreshed.refresh_token as string, { token_type_hint: 'refresh_token' })
      await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token as string), (err: unknown) => {
        assert.ok(err instanceof client.ResponseBodyError, String(err))
        assert.equal(err.error, 'invalid_grant')
        assert.equal(err.error_description, 'Unknown or invalid refresh token.')
        return true
      })
    })

    it('surfaces a wrong code_verifier as invalid_grant (Failed to verify code verifier)', async () => {
      const { app } = await addApp(server.store)
      const config = await discover(app.clientId)
      const verifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
      })
      const callback = await callbackFrom(url)
      await assert.rejects(client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: state }), (err: unknown) => {
        assert.ok(err instanceof client.ResponseBodyError, String(err))
        assert.equal(err.error, 'invalid_grant')
        assert.equal(err.error_description, 'Failed to verify code verifier')
        return true
      })
    })

    it('runs the flow for a confidential regular web app authenticating with client_secret_basic', async () => {
      const { app, secret } = await addApp(server.store, { name: 'Regular web (Basic)', type: 'regular', authMethod: 'client_secret_basic' })
      assert.ok(secret, 'secret')
      const config = await discover(app.clientId, secret, client.ClientSecretBasic(secret))
      const verifier = client.randomPKCECodeVerifier()
      const state = client.randomState()
      const nonce = client.randomNonce()
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: SCOPE,
        audience: api.identifier,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      const tokens = await client.authorizationCodeGrant(config, await callbackFrom(url), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true })
      assert.equal(tokens.claims()?.sub, user.id)
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token as string)
      assert.equal(refreshed.claims()?.sub, user.id)

      // The same client with a wrong secret is refused by the server.
      const wrong = await discover(app.clientId, 'wrong-secret', client.ClientSecretBasic('wrong-secret'))
      // A 401 with `WWW-Authenticate: Basic` (RFC 6749 §5.2) reaches the app as openid-client's challenge error.
      await assert.rejects(client.refreshTokenGrant(wrong, refreshed.refresh_token as string), (err: unknown) => {
        assert.ok(err instanceof client.WWWAuthenticateChallengeError, String(err))
        assert.equal(err.status, 401)
        assert.equal(err.cause[0]?.scheme, 'basic')
        return true
      })
    })
  })

  describe('oauth4webapi 3', () => {
    const insecure = { [oauth.allowInsecureRequests]: true } as const

    async function authorizationServer() {
      const issuer = new URL(server.issuer)
      return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure))
    }

    async function authorize(as: oauth.AuthorizationServer, clientId: string, withPkce: boolean) {
      const verifier = oauth.generateRandomCodeVerifier()
      const state = oauth.generateRandomState()
      const nonce = oauth.generateRandomNonce()
      const url = new URL(as.authorization_endpoint as string)
      url.searchParams.set('client_id', clientId)
      url.searchParams.set('redirect_uri', CALLBACK)
      url.searchParams.set('response_type', 'code')
      url.searchParams.set('scope', SCOPE)
      url.searchParams.set('audience', api.identifier)
      url.searchParams.set('state', state)
      url.searchParams.set('nonce', nonce)
      if (withPkce) {
        url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier))
        url.searchParams.set('code_challenge_method', 'S256')
      }
      return { callback: await callbackFrom(url), verifier, state, nonce }
    }

    it('runs the whole flow for a public SPA: RFC 9207 iss check, code + PKCE, ID token with nonce, userinfo, refresh, revoke', async () => {
      const { app } = await addApp(server.store)
      const as = await authorizationServer()
      assert.equal(as.issuer, server.issuer)
      const c: oauth.Client = { client_id: app.clientId }
      const auth = oauth.None()
      const { callback, verifier, state, nonce } = await authorize(as, app.clientId, true)

      const params = oauth.validateAuthResponse(as, c, callback, state)
      const response = await oauth.authorizationCodeGrantRequest(as, c, auth, params, CALLBACK, verifier, insecure)
      const result = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: nonce, requireIdToken: true })
      const idClaims = oauth.getValidatedIdTokenClaims(result)
      assert.ok(idClaims, 'idClaims')
      assert.equal(idClaims.sub, user.id)
      assert.equal(idClaims.nonce, nonce)
      assert.equal(result.token_type, 'bearer')
      assert.equal(typeof result.refresh_token, 'string')

      const info = await oauth.processUserInfoResponse(as, c, idClaims.sub, await oauth.userInfoRequest(as, c, result.access_token, insecure))
      assert.equal(info.sub, user.id)
      assert.equal(info.email, user.email)

      const refreshed = await oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, result.refresh_token as string, insecure))
      const refreshedClaims = oauth.getValidatedIdTokenClaims(refreshed)
      assert.ok(refreshedClaims, 'refreshedClaims')
      assert.equal(refreshedClaims.sub, idClaims.sub)
      assert.equal(refreshedClaims.auth_time, idClaims.auth_time)
      assert.equal(typeof refreshed.refresh_token, 'string')
      assert.notEqual(refreshed.refresh_token, result.refresh_token)

      await oauth.processRevocationResponse(await oauth.revocationRequest(as, c, auth, refreshed.refresh_token as string, insecure))
      await assert.rejects(
        oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, refreshed.refresh_token as string, insecure)),
        (err: unknown) => {
          assert.ok(err instanceof oauth.ResponseBodyError, String(err))
          assert.equal(err.error, 'invalid_grant')
          return true
        },
      )
    })

    it('refuses a callback whose iss is not the issuer (the RFC 9207 check the server makes possible)', async () => {
      const { app } = await addApp(server.store)
      const as = await authorizationServer()
      const { callback, state } = await authorize(as, app.clientId, true)
      assert.equal(callback.searchParams.get('iss'), server.issuer)
      const mixedUp = new URL(callback)
      mixedUp.searchParams.set('iss', 'https://attacker.example/')
      assert.throws(() => oauth.validateAuthResponse(as, { client_id: app.clientId }, mixedUp, state))
    })

    it('runs the flow for a confidential regular web app authenticating with client_secret_post, with and without PKCE', async () => {
      const { app, secret } = await addApp(server.store, { name: 'Regular web (post)', type: 'regular', authMethod: 'client_secret_post' })
      assert.ok(secret, 'secret')
      const as = await authorizationServer()
      const c: oauth.Client = { client_id: app.clientId }
      const auth = oauth.ClientSecretPost(secret)

      for (const withPkce of [true, false]) {
        const { callback, verifier, state, nonce } = await authorize(as, app.clientId, withPkce)
        const params = oauth.validateAuthResponse(as, c, callback, state)
        const response = await oauth.authorizationCodeGrantRequest(as, c, auth, params, CALLBACK, withPkce ? verifier : oauth.nopkce, insecure)
        const result = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: nonce, requireIdToken: true })
        assert.equal(oauth.getValidatedIdTokenClaims(result)?.sub, user.id, `PKCE: ${withPkce}`)
        const refreshed = await oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, result.refresh_token as string, insecure))
        assert.equal(typeof refreshed.access_token, 'string')
        await oauth.processRevocationResponse(await oauth.revocationRequest(as, c, auth, refreshed.refresh_token as string, insecure))
      }

      const wrong = await oauth.authorizationCodeGrantRequest(
        as,
        c,
        oauth.ClientSecretPost('wrong-secret'),
        oauth.validateAuthResponse(as, c, (await authorize(as, app.clientId, false)).callback, oauth.skipStateCheck),
        CALLBACK,
        oauth.nopkce,
        insecure,
      )
      await assert.rejects(oauth.processAuthorizationCodeResponse(as, c, wrong), (err: unknown) => {
        assert.ok(err instanceof oauth.ResponseBodyError, String(err))
        assert.equal(err.error, 'invalid_client')
        assert.equal(err.status, 401)
        return true
      })
    })
  })
})
