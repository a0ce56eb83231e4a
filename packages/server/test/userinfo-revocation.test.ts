/**
 * /userinfo refuses an access token whose grant has been revoked (security issue 12, finding 6;
 * RFC 6749 §4.1.2: a replayed code revokes the tokens issued from it where the server can). Each
 * access token names its grant (`grant_id`); /userinfo reads the grant's revocation markers with
 * the user on every call, so for every cause the token worked before and gets 401 invalid_token
 * (RFC 6750 §3.1) after, including when the verified-token cache already knew it.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, createClientGrant, type UserRecord } from '@latchkey/core'
import { decodeJwt } from 'jose'
import { sweep } from '../src/sweeper.js'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { LoggedInBrowser, revokeRequest, tokenRequest } from './support/oauth.js'

const AUDIENCE = 'https://api.example.com/appointments'
const OFFLINE = { audience: AUDIENCE, scope: 'openid profile email offline_access read:appointments' }

describe('/userinfo and revoked grants', () => {
  let server: TestServer
  let app: ApplicationRecord
  before(async () => {
    server = await startTestServer()
    await addApi(server.store, { identifier: AUDIENCE })
    app = (await addApp(server.store)).app
  })
  after(() => server.close())

  const userinfo = (token: string) => fetch(`${server.url}userinfo`, { headers: { authorization: `Bearer ${token}` } })

  /** Answers 200 twice (the second from the verified-token cache). */
  async function works(token: string): Promise<void> {
    for (let i = 0; i < 2; i++) {
      const res = await userinfo(token)
      assert.equal(res.status, 200, await res.text())
    }
  }

  /** 401 invalid_token with the RFC 6750 challenge, on this call and the next. */
  async function refused(token: string, why: string): Promise<void> {
    for (let i = 0; i < 2; i++) {
      const res = await userinfo(token)
      assert.equal(res.status, 401, `${why}: ${await res.clone().text()}`)
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+", error="invalid_token"/, why)
      assert.equal(((await res.json()) as { error: string }).error, 'invalid_token')
    }
  }

  async function person(): Promise<LoggedInBrowser> {
    return new LoggedInBrowser(server, await addUser(server.store))
  }

  async function redeem(code: string, verifier: string | undefined, redirectUri: string) {
    return tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier as string, redirect_uri: redirectUri })
  }

  it('access tokens name their grant (grant_id), and keep it across refreshes', async () => {
    const browser = await person()
    const first = await browser.tokens(app, OFFLINE)
    const grantId = decodeJwt(first.access_token as string).grant_id
    assert.equal(typeof grantId, 'string')
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: first.refresh_token as string })
    assert.equal(refreshed.status, 200)
    assert.equal(decodeJwt(refreshed.json.access_token as string).grant_id, grantId)
    assert.equal(decodeJwt(first.id_token as string).grant_id, undefined, 'ID tokens do not carry it')
  })

  it('a replayed authorization code: the access token it produced is refused (with and without a refresh token)', async () => {
    for (const options of [OFFLINE, { scope: 'openid profile email' }]) {
      const browser = await person()
      const { code, verifier, redirectUri } = await browser.code(app, options)
      const issued = await redeem(code, verifier, redirectUri)
      assert.equal(issued.status, 200)
      const token = issued.json.access_token as string
      await works(token)
      const replay = await redeem(code, verifier, redirectUri)
      assert.equal(replay.json.error, 'invalid_grant')
      await refused(token, `code replay (${options.scope})`)
    }
  })

  it('refresh-token reuse: every access token of the family is refused', async () => {
    const browser = await person()
    const first = await browser.tokens(app, OFFLINE)
    const rotated = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: first.refresh_token as string })
    assert.equal(rotated.status, 200)
    await works(first.access_token as string)
    await works(rotated.json.access_token as string)
    const reuse = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: first.refresh_token as string })
    assert.equal(reuse.json.error, 'invalid_grant')
    await refused(first.access_token as string, 'reuse: the first access token')
    await refused(rotated.json.access_token as string, 'reuse: the access token of the rotation')
  })

  it('POST /oauth/revoke of the refresh token: the access tokens of its family are refused, another grant\'s are not', async () => {
    const browser = await person()
    const revoked = await browser.tokens(app, OFFLINE)
    const other = await browser.tokens(app, OFFLINE)
    await works(revoked.access_token as string)
    await works(other.access_token as string)
    const res = await revokeRequest(server, { client_id: app.clientId, token: revoked.refresh_token as string })
    assert.equal(res.status, 200)
    await refused(revoked.access_token as string, '/oauth/revoke')
    await works(other.access_token as string)
  })

  it('the sweeper keeps a revocation while the grant\'s access tokens live, however long the API lets them live', async () => {
    const longLived = 'https://api.example.com/long-lived'
    await addApi(server.store, { identifier: longLived, tokenLifetime: 3 * 86_400 })
    const browser = await person()
    const { code, verifier, redirectUri } = await browser.code(app, { audience: longLived, scope: 'openid profile' })
    const token = (await redeem(code, verifier, redirectUri)).json.access_token as string
    await works(token)
    assert.equal((await redeem(code, verifier, redirectUri)).json.error, 'invalid_grant')
    server.clock.advance(2 * 86_400_000) // the token still has a day to live
    server.running.deps.keys.invalidate()
    await sweep(server.store, server.clock.now())
    await refused(token, 'a replay two days ago, swept since')
  })

  describe('the user blocked or deleted (Management API)', () => {
    let management: string
    before(async () => {
      const audience = `${server.issuer}api/v2/`
      const { app: robot, secret } = await addApp(server.store, { name: 'Users robot', type: 'm2m', grants: ['client_credentials'] })
      const api = await server.store.apis.findByIdentifier(audience)
      await server.store.clientGrants.insert(createClientGrant({ clientId: robot.clientId, audience, scope: ['update:users', 'delete:users'] }, { application: robot, api }, Date.now()))
      const r = await tokenRequest(server, { grant_type: 'client_credentials', client_id: robot.clientId, client_secret: secret as string, audience })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      management = r.json.access_token as string
    })

    const manage = (method: string, user: UserRecord, body?: unknown) =>
      fetch(`${server.url}api/v2/users/${encodeURIComponent(user.id)}`, {
        method,
        headers: { authorization: `Bearer ${management}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      })

    it('blocked: refused, and still refused once unblocked (blocking revoked the grant)', async () => {
      const browser = await person()
      const tokens = await browser.tokens(app, OFFLINE)
      await works(tokens.access_token as string)
      assert.equal((await manage('PATCH', browser.user, { blocked: true })).status, 200)
      await refused(tokens.access_token as string, 'blocked')
      assert.equal((await manage('PATCH', browser.user, { blocked: false })).status, 200)
      await refused(tokens.access_token as string, 'unblocked again')
    })

    it('deleted: refused', async () => {
      const browser = await person()
      const tokens = await browser.tokens(app, { scope: 'openid profile email' })
      await works(tokens.access_token as string)
      assert.equal((await manage('DELETE', browser.user)).status, 204)
      await refused(tokens.access_token as string, 'deleted')
    })
  })
})
