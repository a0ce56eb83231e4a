/**
 * Failed client authentication at POST /oauth/revoke is limited like the token endpoint's (security
 * issue 12): a point of the token endpoint's `tokenFailures` bucket (client_id + IP) is reserved
 * before the client is authenticated and kept only for `invalid_client`, so K wrong secrets get
 * 401 and every guess after them 429 with Retry-After and X-RateLimit-*, sequential or parallel,
 * and the two endpoints share the count.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addApp, type TestServer } from './support/harness.js'
import { tokenRequest } from './support/oauth.js'
import { assertLimitHeaders, limitedServer, tally } from './support/rate-limits.js'

const K = 3

async function revoke(server: TestServer, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}oauth/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, json: text === '' ? undefined : (JSON.parse(text) as Record<string, string>) }
}

const from = (ip: string) => ({ 'x-forwarded-for': ip })

describe('rate limits: failed client authentication at /oauth/revoke', () => {
  let server: TestServer
  before(async () => {
    server = await limitedServer({ LATCHKEY_RATE_LIMIT_TOKEN_FAILURES: `${K}/60`, LATCHKEY_TRUST_PROXY: '1' })
  })
  after(() => server.close())

  const confidential = () => addApp(server.store, { name: 'Web', type: 'regular_web', callbacks: ['http://localhost:8080/callback'] })

  it(`answers K = ${K} wrong secrets with 401 invalid_client, then 429 too_many_requests with the token endpoint's headers`, async () => {
    const { app, secret } = await confidential()
    const wrong = { client_id: app.clientId, client_secret: `wrong-${secret}`, token: 'some-refresh-token' }
    const answers = []
    for (let i = 0; i < K + 4; i++) answers.push(await revoke(server, wrong, from('198.51.100.10')))
    assert.deepEqual(
      answers.map((a) => a.status),
      [...Array(K).fill(401), ...Array(4).fill(429)],
    )
    for (const a of answers.slice(0, K)) assert.equal(a.json?.error, 'invalid_client')
    const refused = answers[K] as (typeof answers)[number]
    assert.equal(refused.json?.error, 'too_many_requests')
    assert.match(refused.json?.error_description ?? '', /Too many requests/)
    assert.equal(refused.headers.get('cache-control'), 'no-store')
    assertLimitHeaders(refused.headers, K)

    // The right secret from that address waits too (the bucket is full); another address still gets answers.
    assert.equal((await revoke(server, { ...wrong, client_secret: secret as string }, from('198.51.100.10'))).status, 429)
    assert.equal((await revoke(server, { ...wrong, client_secret: secret as string }, from('198.51.100.11'))).status, 200)
    assert.equal((await revoke(server, wrong, from('198.51.100.11'))).status, 401)
  })

  it('counts client_secret_basic failures, with the Basic challenge until the limit', async () => {
    const { app, secret } = await confidential()
    const basic = { authorization: `Basic ${Buffer.from(`${app.clientId}:wrong-${secret}`).toString('base64')}`, ...from('198.51.100.12') }
    const answers = []
    for (let i = 0; i < K + 1; i++) answers.push(await revoke(server, { token: 'x' }, basic))
    assert.deepEqual(
      answers.map((a) => a.status),
      [...Array(K).fill(401), 429],
    )
    assert.match(answers[0]?.headers.get('www-authenticate') ?? '', /^Basic /)
  })

  it(`lets exactly K of ${K + 20} parallel wrong secrets through to a 401: the points are reserved before the work`, async () => {
    const { app, secret } = await confidential()
    const wrong = { client_id: app.clientId, client_secret: `wrong-${secret}`, token: 'x' }
    const answers = await Promise.all(Array.from({ length: K + 20 }, () => revoke(server, wrong, from('198.51.100.13'))))
    assert.deepEqual(tally(answers.map((a) => a.status)), { 401: K, 429: 20 })
  })

  it('shares the count with the token endpoint: guesses spread over both endpoints get K answers in all', async () => {
    const { app, secret } = await confidential()
    const ip = from('198.51.100.14')
    const wrong = { client_id: app.clientId, client_secret: `wrong-${secret}` }
    const statuses = [
      (await revoke(server, { ...wrong, token: 'x' }, ip)).status,
      (await tokenRequest(server, { ...wrong, grant_type: 'refresh_token', refresh_token: 'x' }, { headers: ip })).status,
      (await revoke(server, { ...wrong, token: 'x' }, ip)).status,
      (await tokenRequest(server, { ...wrong, grant_type: 'refresh_token', refresh_token: 'x' }, { headers: ip })).status,
      (await revoke(server, { ...wrong, token: 'x' }, ip)).status,
    ]
    assert.deepEqual(statuses, [401, 401, 401, 429, 429])
  })

  it('does not count revocations that authenticate, nor requests refused for another reason', async () => {
    const { app, secret } = await confidential()
    const ip = from('198.51.100.15')
    const right = { client_id: app.clientId, client_secret: secret as string }
    for (let i = 0; i < K + 2; i++) assert.equal((await revoke(server, { ...right, token: `unknown-${i}` }, ip)).status, 200)
    for (let i = 0; i < K + 2; i++) assert.equal((await revoke(server, right, ip)).status, 400, 'no token: invalid_request')
    assert.equal((await revoke(server, { ...right, client_secret: 'wrong', token: 'x' }, ip)).status, 401, 'the bucket is still empty')
  })
})
