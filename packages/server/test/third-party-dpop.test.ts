/**
 * Latchkey's DPoP (RFC 9449) driven by a client that is not part of this repository: oauth4webapi 3
 * with its own DPoP handle (`oauth.DPoP(client, keyPair)`, non-extractable ES256 keys) binds the
 * code with `dpop_jkt`, exchanges it, calls /userinfo with `Authorization: DPoP`, refreshes, and
 * answers the server's nonce challenges (`isDPoPNonceError`) the way the library documents.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, UserRecord } from '@latchkey/core'
import { decodeJwt } from 'jose'
import * as oauth from 'oauth4webapi'
import { Browser, loginThrough } from './support/browser.js'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { CALLBACK } from './support/oauth.js'

const SCOPE = 'openid profile email offline_access read:appointments'
const insecure = { [oauth.allowInsecureRequests]: true } as const

/** oauth4webapi's documented pattern: retry once when the server asks for a (new) DPoP nonce. */
async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt()
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err
    return attempt()
  }
}

for (const requireNonce of [false, true]) {
  describe(`oauth4webapi 3 DPoP against Latchkey (nonces ${requireNonce ? 'required' : 'optional'})`, () => {
    let server: TestServer
    let api: ApiRecord
    let user: UserRecord

    before(async () => {
      server = await startTestServer({ env: { LATCHKEY_DPOP_REQUIRE_NONCE: String(requireNonce) } })
      api = await addApi(server.store, { identifier: 'https://third-party-dpop.example.com/' })
      user = await addUser(server.store)
    })
    after(() => server.close())

    it('runs code + PKCE + dpop_jkt, userinfo with DPoP, refresh, all bound to one key', async () => {
      const { app } = await addApp(server.store)
      const issuer = new URL(server.issuer)
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure))
      assert.deepEqual(as.dpop_signing_alg_values_supported, ['ES256', 'RS256', 'PS256', 'EdDSA'])
      const client: oauth.Client = { client_id: app.clientId }
      const keyPair = await oauth.generateKeyPair('ES256')
      assert.equal(keyPair.privateKey.extractable, false)
      const DPoP = oauth.DPoP(client, keyPair)

      const verifier = oauth.generateRandomCodeVerifier()
      const state = oauth.generateRandomState()
      const nonce = oauth.generateRandomNonce()
      const url = new URL(as.authorization_endpoint as string)
      for (const [name, value] of Object.entries({
        client_id: app.clientId,
        redirect_uri: CALLBACK,
        response_type: 'code',
        scope: SCOPE,
        audience: api.identifier,
        state,
        nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        dpop_jkt: await DPoP.calculateThumbprint(),
      })) {
        url.searchParams.set(name, value)
      }
      const res = await loginThrough(new Browser(server.url), url.href, user.email, PASSWORD)
      const params = oauth.validateAuthResponse(as, client, new URL(res.headers.get('location') as string), state)

      const tokens = await withNonceRetry(async () =>
        oauth.processAuthorizationCodeResponse(
          as,
          client,
          await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, CALLBACK, verifier, { ...insecure, DPoP }),
          { expectedNonce: nonce, requireIdToken: true },
        ),
      )
      assert.equal(tokens.token_type, 'dpop')
      const jkt = await DPoP.calculateThumbprint()
      assert.deepEqual(decodeJwt(tokens.access_token).cnf, { jkt })

      const sub = oauth.getValidatedIdTokenClaims(tokens)?.sub as string
      const info = await withNonceRetry(async () =>
        oauth.processUserInfoResponse(as, client, sub, await oauth.userInfoRequest(as, client, tokens.access_token, { ...insecure, DPoP })),
      )
      assert.equal(info.sub, user.id)
      assert.equal(info.email, user.email)

      // Without its DPoP handle the library sends the bound token as Bearer: refused with a DPoP challenge.
      await assert.rejects(
        oauth.processUserInfoResponse(as, client, sub, await oauth.userInfoRequest(as, client, tokens.access_token, insecure)),
        (err: unknown) => {
          assert.ok(err instanceof oauth.WWWAuthenticateChallengeError, String(err))
          assert.equal(err.status, 401)
          assert.ok(err.cause.some((c) => c.scheme === 'dpop' && c.parameters.algs === 'ES256 RS256 PS256 EdDSA'))
          return true
        },
      )

      const refreshed = await withNonceRetry(async () =>
        oauth.processRefreshTokenResponse(
          as,
          client,
          await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token as string, { ...insecure, DPoP }),
        ),
      )
      assert.equal(refreshed.token_type, 'dpop')
      assert.deepEqual(decodeJwt(refreshed.access_token).cnf, { jkt })

      // The refresh token is bound: the library with another key pair is refused.
      const thief = oauth.DPoP(client, await oauth.generateKeyPair('ES256'))
      await assert.rejects(
        withNonceRetry(async () =>
          oauth.processRefreshTokenResponse(
            as,
            client,
            await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshed.refresh_token as string, { ...insecure, DPoP: thief }),
          ),
        ),
        (err: unknown) => {
          assert.ok(err instanceof oauth.ResponseBodyError, String(err))
          assert.equal(err.error, 'invalid_grant')
          return true
        },
      )
    })
  })
}
