/**
 * The six steps of the Authorization Code Flow with PKCE, end to end over HTTP: verifier and
 * challenge, /authorize, login, code exchange, calling an API with the token, refresh.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { authorizeUrl, Browser, callbackParams, loginThrough, pkce } from './support/browser.js'
import { databases } from './support/databases.js'

for (const db of databases) describe(`Authorization Code Flow with PKCE, end to end, on ${db.name}`, { skip: db.skip }, () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ db: db.url() })
  })
  after(async () => {
    await server.close()
    await db.cleanup()
  })

  async function token(body: Record<string, string>) {
    const res = await fetch(`${server.url}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    })
    return { res, json: (await res.json()) as Record<string, unknown> }
  }

  it('logs a user in, exchanges the code, calls the API and refreshes (the seed\'s six steps)', async () => {
    const { app } = await addApp(server.store)
    const api = await addApi(server.store, { identifier: 'https://six-steps.example.com/' })
    const user = await addUser(server.store)
    const { verifier, challenge } = pkce()
    const browser = new Browser(server.url)
    const state = 'c3RhdGU+/w==' // spa-js style: base64 with padding and + /
    const res = await loginThrough(
      browser,
      authorizeUrl(server.issuer, { clientId: app.clientId, audience: api.identifier, scope: 'openid profile email offline_access read:appointments', state, nonce: 'n-0S6_WzA2Mj', challenge }),
      user.email,
      PASSWORD,
    )
    assert.equal(res.status, 303)
    const location = new URL(res.headers.get('location') as string)
    assert.equal(`${location.origin}${location.pathname}`, 'http://localhost:8080/callback')
    const params = location.searchParams
    assert.equal(params.get('state'), state, 'state is echoed byte for byte')
    assert.equal(params.get('iss'), server.issuer, 'RFC 9207 iss')
    const code = params.get('code') as string
    assert.match(code, /^[A-Za-z0-9_-]{43}$/)

    const { res: tokenRes, json } = await token({
      grant_type: 'authorization_code',
      client_id: app.clientId,
      code,
      code_verifier: verifier,
      redirect_uri: 'http://localhost:8080/callback',
    })
    assert.equal(tokenRes.status, 200)
    assert.equal(tokenRes.headers.get('cache-control'), 'no-store')
    assert.equal(json.token_type, 'Bearer')
    assert.equal(json.expires_in, 86400)
    assert.equal(json.scope, 'openid profile email offline_access read:appointments')
    assert.equal(typeof json.refresh_token, 'string')

    const jwks = createLocalJWKSet((await (await fetch(`${server.url}.well-known/jwks.json`)).json()) as never)
    const at = await jwtVerify(json.access_token as string, jwks, { issuer: server.issuer, audience: api.identifier, typ: 'at+jwt' })
    assert.deepEqual(at.payload.aud, [api.identifier, `${server.issuer}userinfo`])
    assert.equal(at.payload.sub, user.id)
    assert.equal(at.payload.client_id, app.clientId)
    assert.equal(at.payload.azp, app.clientId)
    assert.equal(at.payload.scope, 'openid profile email offline_access read:appointments')
    assert.equal((at.payload.exp as number) - (at.payload.iat as number), 86400)
    assert.equal(typeof at.payload.jti, 'string')
    assert.equal(decodeProtectedHeader(json.access_token as string).alg, 'RS256')

    const id = await jwtVerify(json.id_token as string, jwks, { issuer: server.issuer, audience: app.clientId })
    assert.equal(id.payload.sub, user.id)
    assert.equal(id.payload.nonce, 'n-0S6_WzA2Mj')
    assert.equal(id.payload.azp, app.clientId)
    assert.equal(id.payload.email, user.email)
    assert.equal(id.payload.email_verified, true)
    assert.equal(id.payload.name, 'Test User')
    assert.equal(typeof id.payload.auth_time, 'number')
    assert.equal(typeof id.payload.sid, 'string')

    // Step 5: the API verifies the token; /userinfo is such an API.
    const me = await fetch(`${server.url}userinfo`, { headers: { authorization: `Bearer ${json.access_token}` } })
    assert.equal(me.status, 200)
    assert.deepEqual(await me.json(), { sub: user.id, name: 'Test User', nickname: user.email.split('@')[0], updated_at: new Date(user.updatedAt).toISOString(), email: user.email, email_verified: true })

    // Step 6: refresh, keeping sub, auth_time and azp, with a new refresh token.
    server.clock.advance(5_000)
    const refreshed = await token({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: json.refresh_token as string })
    assert.equal(refreshed.res.status, 200)
    assert.notEqual(refreshed.json.refresh_token, json.refresh_token)
    assert.equal(refreshed.json.scope, json.scope)
    const id2 = await jwtVerify(refreshed.json.id_token as string, jwks, { issuer: server.issuer, audience: app.clientId, currentDate: new Date(server.clock.now()) })
    assert.equal(id2.payload.sub, id.payload.sub)
    assert.equal(id2.payload.auth_time, id.payload.auth_time)
    assert.equal(id2.payload.azp, id.payload.azp)
    assert.equal(id2.payload.nonce, undefined, 'no nonce on refresh')
  })

  it('reuses the SSO session: a later /authorize for another app needs no form', async () => {
    const { app: first } = await addApp(server.store)
    const { app: second } = await addApp(server.store, { name: 'Second app' })
    const user = await addUser(server.store)
    const browser = new Browser(server.url)
    await loginThrough(browser, authorizeUrl(server.issuer, { clientId: first.clientId, challenge: pkce().challenge }), user.email, PASSWORD)
    const res = await browser.get(authorizeUrl(server.issuer, { clientId: second.clientId, challenge: pkce().challenge }))
    assert.equal(res.status, 302)
    assert.ok(callbackParams(res).get('code'))
  })
})
