/**
 * Latchkey's access tokens pass the verifiers API authors already use, configured the way their
 * documentation says: Auth0's express-oauth2-jwt-bearer (also in `strict` RFC 9068 mode), plain
 * jose, and oauth4webapi's RFC 9068 `validateJwtAccessToken`. Each also refuses a token for another
 * API, so a pass means something.
 */
import type { ErrorRequestHandler, Handler } from 'express'
import express from 'express'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import * as oauth from 'oauth4webapi'
import { AUDIENCE, Latchkey, parts } from './support/latchkey.js'

// Loaded untyped: its global `Express.Request.auth` declaration would clash with this package's.
interface Auth0Bearer {
  auth(options: { issuerBaseURL: string; audience: string; strict?: boolean }): Handler
  requiredScopes(scopes: string): Handler
}
const auth0 = createRequire(import.meta.url)('express-oauth2-jwt-bearer') as Auth0Bearer

let latchkey: Latchkey
let token: string
before(async () => {
  latchkey = await Latchkey.start()
  token = await latchkey.accessToken('openid profile read:appointments')
})
after(() => latchkey.close())

async function expressWith(...handlers: Handler[]): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express()
  app.get('/api/appointments', ...handlers, (req, res) => {
    res.json({ sub: (req.auth as unknown as { payload: { sub: string } }).payload.sub })
  })
  // as its README shows: the errors carry status and headers
  const onError: ErrorRequestHandler = (err: { status?: number; headers?: Record<string, string>; code?: string }, _req, res, _next) => {
    res.status(err.status ?? 500).set(err.headers ?? {}).json({ error: err.code ?? 'server_error' })
  }
  app.use(onError)
  const server = app.listen(0, '127.0.0.1')
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/appointments`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('express-oauth2-jwt-bearer 1.10 (issuerBaseURL + audience)', () => {
  for (const strict of [false, true]) {
    it(`accepts a Latchkey access token${strict ? ' in strict (RFC 9068) mode' : ''}, with requiredScopes`, async () => {
      const api = await expressWith(auth0.auth({ issuerBaseURL: latchkey.issuer, audience: AUDIENCE, strict }), auth0.requiredScopes('read:appointments'))
      try {
        const res = await fetch(api.url, { headers: { authorization: `Bearer ${token}` } })
        assert.equal(res.status, 200, await res.clone().text())
        assert.deepEqual(await res.json(), { sub: latchkey.user.id })
      } finally {
        await api.close()
      }
    })
  }

  it('refuses it for another API, and without the scope', async () => {
    const other = await expressWith(auth0.auth({ issuerBaseURL: latchkey.issuer, audience: 'https://api.example.com/other' }))
    const scoped = await expressWith(auth0.auth({ issuerBaseURL: latchkey.issuer, audience: AUDIENCE }), auth0.requiredScopes('write:appointments'))
    try {
      assert.equal((await fetch(other.url, { headers: { authorization: `Bearer ${token}` } })).status, 401)
      assert.equal((await fetch(scoped.url, { headers: { authorization: `Bearer ${token}` } })).status, 403)
    } finally {
      await other.close()
      await scoped.close()
    }
  })
})

describe('plain jose (jwtVerify + createRemoteJWKSet)', () => {
  it('accepts a Latchkey access token with the RFC 9068 checks', async () => {
    const discovery = (await (await fetch(`${latchkey.issuer}.well-known/openid-configuration`)).json()) as { jwks_uri: string; issuer: string }
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri))
    const options = { issuer: discovery.issuer, typ: 'at+jwt', algorithms: ['RS256'], requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id'] }
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { ...options, audience: AUDIENCE })
    assert.equal(payload.sub, latchkey.user.id)
    assert.equal(protectedHeader.kid, parts(token).header.kid)
    await assert.rejects(jwtVerify(token, jwks, { ...options, audience: 'https://api.example.com/other' }))
  })
})

describe('oauth4webapi validateJwtAccessToken (RFC 9068)', () => {
  it('accepts a Latchkey access token', async () => {
    const issuer = new URL(latchkey.issuer)
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { [oauth.allowInsecureRequests]: true }))
    const request = new Request('http://127.0.0.1/api/appointments', { headers: { authorization: `Bearer ${token}` } })
    const claims = await oauth.validateJwtAccessToken(as, request, AUDIENCE, { [oauth.allowInsecureRequests]: true })
    assert.equal(claims.sub, latchkey.user.id)
    assert.equal(claims.client_id, latchkey.app.clientId)
    await assert.rejects(oauth.validateJwtAccessToken(as, request, 'https://api.example.com/other', { [oauth.allowInsecureRequests]: true }))
  })
})
