/**
 * Bad input never gets a 5xx: a seeded stream of malformed requests against every endpoint
 * (random, repeated, oversized and badly encoded parameters; wrong methods and content types),
 * after which the server still completes a normal request.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addApi, addApp, startTestServer, type TestServer } from './support/harness.js'

/** mulberry32: a small seeded PRNG, so a failure can be replayed with the same seed. */
function prng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261125)
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 600)

describe(`bad input (seed ${SEED}, ${ROUNDS} requests)`, () => {
  let server: TestServer
  let clientId = ''
  before(async () => {
    // Sign-up and the development outbox on: the email endpoints do their whole work, not just refuse.
    server = await startTestServer({ env: { LATCHKEY_SIGNUP: 'on', LATCHKEY_DEV_OUTBOX: 'on' } })
    clientId = (await addApp(server.store)).app.clientId
    await addApi(server.store, { identifier: 'https://fuzz.example.com/' })
  })
  after(() => server.close())

  it('answers every malformed request with a 4xx (or a redirect to the app) and keeps serving', async () => {
    const random = prng(SEED)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
    const names = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'audience', 'prompt', 'max_age', 'response_mode', 'grant_type', 'code', 'code_verifier', 'refresh_token', 'token', 'client_secret', 'returnTo', 'id_token_hint', 'post_logout_redirect_uri', 'username', 'password', 'csrf', 'action', 'connection', 'federated', 'retry', 'ticket', 'email', 'password_confirm', 'user_metadata', '']
    const values = () =>
      pick([
        '', clientId, 'http://localhost:8080/callback', 'code', 'token', 'S256', 'plain', 'none', 'login', '-1', '99999999999999999999',
        'authorization_code', 'refresh_token', 'openid profile', 'x'.repeat(5000), '%FF%FE', '%', '%E0%A4%A', '\u0000', '<script>alert(1)</script>',
        'a'.repeat(43), 'web_message', 'form_post', 'https://fuzz.example.com/', 'eyJhbGciOiJub25lIn0.e30.', '"quoted"', '😀', 'a b+c',
      ])
    const encode = (v: string) => (random() < 0.2 ? v : encodeURIComponent(v))
    const query = () => Array.from({ length: Math.floor(random() * 8) }, () => `${pick(names)}=${encode(values())}`).join('&')
    const endpoints = ['/authorize', '/oauth/token', '/oauth/revoke', '/userinfo', '/v2/logout', '/oidc/logout', '/u/login', '/u/consent', '/u/signup', '/u/organization', '/u/login/connection', '/u/link', '/u/link/connection', '/u/logout', '/login/callback', '/logout/callback', '/u/reset-password', '/u/reset-password/request', '/u/email-verification', '/dbconnections/signup', '/dbconnections/change_password', '/dev/outbox', '/.well-known/jwks.json', '/nope']
    const types = ['application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', '']

    for (let i = 0; i < ROUNDS; i++) {
      const path = pick(endpoints)
      const method = pick(['GET', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS'])
      const headers: Record<string, string> = {}
      const type = pick(types)
      if (type) headers['content-type'] = type
      if (random() < 0.2) headers.authorization = pick(['Bearer', 'Bearer x y', 'Basic !!!', `Basic ${Buffer.from(`${clientId}:%zz`).toString('base64')}`, 'Bearer eyJ.eyJ.sig'])
      if (random() < 0.2) headers.origin = pick(['http://localhost:8080', 'https://evil.example', 'null'])
      let body: string | Uint8Array | undefined
      if (method === 'POST' || method === 'PUT') {
        body = pick([
          query(), JSON.stringify({ grant_type: values(), client_id: clientId, code: values() }), '{"grant_type":', '[]', 'null',
          '{"client_id":{"nested":true}}', new Uint8Array([0xff, 0xfe, 0x3d, 0x26]), 'x='.repeat(40_000),
        ])
      }
      const res = await fetch(`${server.url.replace(/\/$/, '')}${path}?${query()}`, { method, headers, body: body as BodyInit | undefined, redirect: 'manual' })
      await res.arrayBuffer()
      assert.ok(res.status < 500, `request ${i}: ${method} ${path} answered ${res.status}`)
    }
    const health = await fetch(`${server.url}.well-known/openid-configuration`)
    assert.equal(health.status, 200)
    assert.equal(server.logs.filter((l) => l.includes('"unexpected error"')).length, 0, 'no unexpected errors were logged')
  })
})
