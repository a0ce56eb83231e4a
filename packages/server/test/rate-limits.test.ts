/**
 * Rate limits and brute-force protection, attacked over real sockets on the in-memory backend:
 * failures per client + IP, requests per refresh token + IP, the per-client ceiling, /authorize and
 * the login form per IP, the per-account delays and lock that look the same for every email,
 * Auth0's 429 answers and headers, CORS on a 429, the off switch, parallel requests that cannot
 * overshoot, and the client address taken from the socket unless a proxy is trusted.
 * (rate-limits-shared.test.ts runs the parallel attacks on PostgreSQL and Redis.)
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseTrustProxy } from '../src/http/client-ip.js'
import { rateLimitConfig } from '../src/rate-limits/config.js'
import { ipKey } from '../src/rate-limits/limits.js'
import { delayAfter } from '../src/rate-limits/login-attempts.js'
import { WRONG_CREDENTIALS } from '../src/interaction/password-check.js'
import { authorizeUrl, pkce } from './support/browser.js'
import { addApi, addApp, addUser, PASSWORD, type TestServer } from './support/harness.js'
import { LoggedInBrowser, tokenRequest, WEB_ORIGIN } from './support/oauth.js'
import { assertLimitHeaders, limitedServer, LoginForm, sleep, tally } from './support/rate-limits.js'

const bogus = (clientId: string, refreshToken = 'not-a-real-refresh-token') => ({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken })
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } })

describe('rate limits: configuration', () => {
  it('defaults are on, generous for the ceiling, and any limit can be overridden as points/seconds', () => {
    const config = rateLimitConfig({})
    assert.equal(config.enabled, true)
    assert.equal(config.redisUrl, null)
    assert.deepEqual(config.limits.token, { points: 1000, seconds: 60 })
    assert.deepEqual(rateLimitConfig({ LATCHKEY_RATE_LIMIT_TOKEN_FAILURES: '10/60' }).limits.tokenFailures, { points: 10, seconds: 60 })
    assert.equal(rateLimitConfig({ LATCHKEY_RATE_LIMITS: 'off' }).enabled, false)
  })

  it('refuses malformed values, unknown limit names and non-Redis URLs', () => {
    for (const value of ['10', '0/60', '10/0', 'ten/60', '10/60/1', '-1/60'])
      assert.throws(() => rateLimitConfig({ LATCHKEY_RATE_LIMIT_TOKEN: value }), /LATCHKEY_RATE_LIMIT_TOKEN must be POINTS\/SECONDS/, value)
    assert.throws(() => rateLimitConfig({ LATCHKEY_RATE_LIMIT_TOKENS: '1/1' }), /unknown rate limit LATCHKEY_RATE_LIMIT_TOKENS/)
    assert.throws(() => rateLimitConfig({ LATCHKEY_RATE_LIMITS: 'maybe' }), /on or off/)
    assert.throws(() => rateLimitConfig({ LATCHKEY_REDIS_URL: 'http://localhost:6379' }), /redis:\/\//)
  })

  it('reads LATCHKEY_TRUST_PROXY as a hop count or a list of addresses and ranges, and refuses anything else', () => {
    assert.deepEqual(parseTrustProxy(undefined), { kind: 'none' })
    assert.deepEqual(parseTrustProxy('0'), { kind: 'none' })
    assert.deepEqual(parseTrustProxy('2'), { kind: 'hops', hops: 2 })
    const list = parseTrustProxy('10.0.0.0/8, ::1, 192.0.2.7')
    assert.equal(list.kind, 'list')
    for (const bad of ['proxy.example', '10.0.0.0/33', '10.0.0.0/8/1', '1.2.3'])
      assert.throws(() => parseTrustProxy(bad), /LATCHKEY_TRUST_PROXY/, bad)
  })

  it('keys IPv6 clients by their /64 and IPv4 clients by their address', () => {
    assert.equal(ipKey('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64')
    assert.equal(ipKey('2001:db8:1:2::9'), '2001:db8:1:2::/64')
    assert.equal(ipKey('2001:db8::1'), '2001:db8:0:0::/64')
    assert.equal(ipKey('::1'), '0:0:0:0::/64')
    assert.equal(ipKey('192.0.2.1'), '192.0.2.1')
  })

  it('delays logins from the third failure on, doubling up to a minute', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 9, 10, 20].map(delayAfter), [0, 0, 1, 2, 4, 8, 60, 60, 60])
  })
})

describe('rate limits: /oauth/token', () => {
  let server: TestServer
  let other: TestServer
  before(async () => {
    server = await limitedServer({ LATCHKEY_RATE_LIMIT_TOKEN_FAILURES: '3/60', LATCHKEY_TRUST_PROXY: '1' })
    other = await limitedServer({ LATCHKEY_RATE_LIMIT_TOKEN_FAILURES: '5/60', LATCHKEY_RATE_LIMIT_REFRESH_TOKEN: '2/60', LATCHKEY_RATE_LIMIT_TOKEN: '4/60' })
  })
  after(async () => {
    await server.close()
    await other.close()
  })

  it('answers 429 too_many_requests with Retry-After and X-RateLimit-* once a client fails too often from one IP', async () => {
    const { app } = await addApp(server.store)
    for (let i = 0; i < 3; i++) assert.equal((await tokenRequest(server, bogus(app.clientId), from('198.51.100.1'))).status, 403)
    const refused = await tokenRequest(server, bogus(app.clientId), from('198.51.100.1'))
    assert.equal(refused.status, 429)
    assert.match(refused.res.headers.get('content-type') ?? '', /^application\/json/)
    assert.equal(refused.res.headers.get('cache-control'), 'no-store')
    assert.equal(refused.json.error, 'too_many_requests')
    assert.match(refused.json.error_description as string, /Too many requests/)
    const { retryAfter } = assertLimitHeaders(refused.res.headers, 3)
    assert.ok(retryAfter <= 60)

    // The same client from another address, and another client from the same one, still get answers.
    assert.equal((await tokenRequest(server, bogus(app.clientId), from('198.51.100.2'))).status, 403)
    const { app: second } = await addApp(server.store)
    assert.equal((await tokenRequest(server, bogus(second.clientId), from('198.51.100.1'))).status, 403)
  })

  it('counts invalid_client too, including for client_secret_basic', async () => {
    const { app, secret } = await addApp(server.store, { type: 'regular_web', callbacks: ['http://localhost:8080/callback'] })
    const basic = `Basic ${Buffer.from(`${app.clientId}:wrong-${secret}`).toString('base64')}`
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const r = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: 'x' }, { headers: { authorization: basic, 'x-forwarded-for': '198.51.100.3' } })
      statuses.push(r.status)
    }
    assert.deepEqual(statuses, [401, 401, 401, 429])
  })

  it('does not count successful requests as failures (the reserved point is given back)', async () => {
    const local = await limitedServer({ LATCHKEY_RATE_LIMIT_TOKEN_FAILURES: '2/60' })
    try {
      const { app } = await addApp(local.store)
      await addApi(local.store)
      const user = await addUser(local.store)
      const tokens = await new LoggedInBrowser(local, user).tokens(app, { audience: 'https://api.example.com/appointments', scope: 'openid offline_access read:appointments' })
      let refreshToken = tokens.refresh_token as string
      assert.equal((await tokenRequest(local, bogus(app.clientId, 'a'))).status, 403)
      for (let i = 0; i < 3; i++) {
        const r = await tokenRequest(local, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken })
        assert.equal(r.status, 200, JSON.stringify(r.json))
        assert.equal(r.res.headers.get('x-ratelimit-limit'), '1000', 'the ceiling\'s headers on a success')
        refreshToken = r.json.refresh_token as string
      }
      assert.equal((await tokenRequest(local, bogus(app.clientId, 'b'))).status, 403)
      assert.equal((await tokenRequest(local, bogus(app.clientId, 'c'))).status, 429)
    } finally {
      await local.close()
    }
  })

  it('puts the ceiling\'s X-RateLimit-* on every answer and refuses past it', async () => {
    const { app } = await addApp(other.store)
    const remaining: (string | null)[] = []
    for (let i = 0; i < 4; i++) {
      const r = await tokenRequest(other, bogus(app.clientId, `t${i}`))
      assert.equal(r.status, 403)
      assert.equal(r.res.headers.get('x-ratelimit-limit'), '4')
      remaining.push(r.res.headers.get('x-ratelimit-remaining'))
      const reset = Number(r.res.headers.get('x-ratelimit-reset'))
      assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 61)
    }
    assert.deepEqual(remaining, ['3', '2', '1', '0'])
    assert.equal((await tokenRequest(other, bogus(app.clientId, 't5'))).status, 429)
  })

  it('limits requests presenting one refresh token from one IP, whatever the client', async () => {
    const { app } = await addApp(other.store)
    const { app: app2 } = await addApp(other.store)
    const token = 'a-refresh-token-someone-is-hammering'
    assert.equal((await tokenRequest(other, bogus(app.clientId, token))).status, 403)
    assert.equal((await tokenRequest(other, bogus(app2.clientId, token))).status, 403)
    const refused = await tokenRequest(other, bogus(app.clientId, token))
    assert.equal(refused.status, 429)
    assertLimitHeaders(refused.res.headers, 2)
    // Another token is another bucket; and the token itself is never logged.
    assert.equal((await tokenRequest(other, bogus(app.clientId, 'another-token'))).status, 403)
    assert.ok(!other.logs.join('').includes(token))
  })

  it('keeps the CORS headers on a 429 for an allowed origin, with the rate-limit headers exposed', async () => {
    const { app } = await addApp(server.store)
    const headers = { origin: WEB_ORIGIN, 'x-forwarded-for': '198.51.100.4' }
    for (let i = 0; i < 3; i++) await tokenRequest(server, bogus(app.clientId), { headers })
    const refused = await tokenRequest(server, bogus(app.clientId), { headers })
    assert.equal(refused.status, 429)
    assert.equal(refused.res.headers.get('access-control-allow-origin'), WEB_ORIGIN)
    const exposed = (refused.res.headers.get('access-control-expose-headers') ?? '').toLowerCase()
    for (const name of ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) assert.ok(exposed.includes(name), exposed)
  })

  it('lets exactly K of N parallel failing requests through (memory)', async () => {
    const { app } = await addApp(server.store)
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => tokenRequest(server, bogus(app.clientId, `p${i}`), from('198.51.100.5')).then((r) => r.status)),
    )
    assert.deepEqual(tally(statuses), { 403: 3, 429: 37 })
  })
})

describe('rate limits: client address', () => {
  let direct: TestServer
  let proxied: TestServer
  before(async () => {
    direct = await limitedServer({ LATCHKEY_RATE_LIMIT_AUTHORIZE: '2/60' })
    proxied = await limitedServer({ LATCHKEY_RATE_LIMIT_AUTHORIZE: '2/60', LATCHKEY_TRUST_PROXY: '127.0.0.1' })
  })
  after(async () => {
    await direct.close()
    await proxied.close()
  })

  const authorize = (server: TestServer, clientId: string, xff?: string) =>
    fetch(authorizeUrl(server.issuer, { clientId, challenge: pkce().challenge }), { redirect: 'manual', headers: xff ? { 'x-forwarded-for': xff } : {} })

  it('limits /authorize per IP with a 429 page, and ignores X-Forwarded-For when no proxy is trusted', async () => {
    const { app } = await addApp(direct.store)
    assert.equal((await authorize(direct, app.clientId, '203.0.113.1')).status, 302)
    assert.equal((await authorize(direct, app.clientId, '203.0.113.2')).status, 302)
    const refused = await authorize(direct, app.clientId, '203.0.113.3')
    assert.equal(refused.status, 429)
    assert.match(refused.headers.get('content-type') ?? '', /^text\/html/)
    assert.match(await refused.text(), /too_many_requests<\/code>: Too many requests\. Try again in 1 minute\./)
    assertLimitHeaders(refused.headers, 2)
  })

  it('believes X-Forwarded-For from a trusted proxy: each client address has its own bucket', async () => {
    const { app } = await addApp(proxied.store)
    for (const ip of ['203.0.113.10', '203.0.113.11']) {
      assert.equal((await authorize(proxied, app.clientId, `10.9.9.9, ${ip}`)).status, 302)
      assert.equal((await authorize(proxied, app.clientId, ip)).status, 302)
      assert.equal((await authorize(proxied, app.clientId, `spoofed, ${ip}`)).status, 429, 'a client cannot pick its key by prefixing the header')
    }
  })
})

describe('rate limits: the login form', () => {
  let server: TestServer
  before(async () => {
    server = await limitedServer({ LATCHKEY_RATE_LIMIT_LOGIN_FAILURES: '3/2', LATCHKEY_RATE_LIMIT_LOGIN: '30/60', LATCHKEY_TRUST_PROXY: '1' })
  })
  after(() => server.close())

  const ip = (n: number) => ({ 'x-forwarded-for': `192.0.2.${n}` })

  it('locks an account for this IP after repeated failures, answering exactly as for an unknown email', async () => {
    const { app } = await addApp(server.store)
    const user = await addUser(server.store)
    const unknown = `nobody-${Date.now()}@example.com`
    const run = async (email: string, n: number) => {
      const form = await LoginForm.open(server, app.clientId)
      const attempts = []
      for (let i = 0; i < 4; i++) attempts.push(await form.post(email, 'wrong password', ip(n)))
      // During the lock even the right password is refused, so the lock is no oracle either.
      attempts.push(await form.post(email, PASSWORD, ip(n)))
      return { form, attempts }
    }
    const known = await run(user.email, 1)
    const stranger = await run(unknown, 2)
    const shape = (a: { status: number; error: string | null; headers: Headers }) => [a.status, a.error, a.headers.get('retry-after')]
    assert.deepEqual(known.attempts.map(shape), stranger.attempts.map(shape))
    assert.deepEqual(known.attempts.map((a) => a.status), [400, 400, 400, 429, 429])
    assert.equal(known.attempts[0]?.error, WRONG_CREDENTIALS)
    assert.equal(known.attempts[3]?.error, 'Too many failed attempts. Try again in 2 seconds.')
    assertLimitHeaders(known.attempts[3]?.headers as Headers, 3)
    // The page is the login form again, with the same fields for both.
    const strip = (body: string, email: string) => body.replaceAll(email, 'EMAIL').replace(/value="[^"]*"/g, 'value=""').replace(/state=[^"]+/g, 'state=')
    assert.equal(strip(known.attempts[3]?.body ?? '', user.email), strip(stranger.attempts[3]?.body ?? '', unknown))
    assert.ok(server.logs.some((l) => l.includes('login locked')))
    assert.ok(!server.logs.some((l) => l.includes('wrong password')), 'no password in the logs')

    // Another address is not locked out; after the lock the right password works.
    const elsewhere = await LoginForm.open(server, app.clientId)
    assert.equal((await elsewhere.post(user.email, 'wrong password', ip(3))).status, 400)
    await sleep(2_100)
    assert.equal((await known.form.post(user.email, PASSWORD, ip(1))).status, 303)
  })

  it('makes the next attempt wait 1, then 2 seconds from the third failure on', async () => {
    const local = await limitedServer({ LATCHKEY_RATE_LIMIT_LOGIN_FAILURES: '10/60' })
    try {
      const { app } = await addApp(local.store)
      const user = await addUser(local.store)
      const form = await LoginForm.open(local, app.clientId)
      for (let i = 0; i < 3; i++) assert.equal((await form.post(user.email, 'nope')).status, 400)
      const waitOne = await form.post(user.email, PASSWORD)
      assert.equal(waitOne.status, 429)
      assert.equal(waitOne.headers.get('retry-after'), '1')
      assert.equal(waitOne.error, 'Too many failed attempts. Try again in 1 second.')
      await sleep(1_100)
      assert.equal((await form.post(user.email, 'nope')).status, 400)
      const waitTwo = await form.post(user.email, 'nope')
      assert.equal(waitTwo.status, 429)
      assert.equal(waitTwo.headers.get('retry-after'), '2')
    } finally {
      await local.close()
    }
  })

  it('clears the account\'s failures after a successful login', async () => {
    const { app } = await addApp(server.store)
    const user = await addUser(server.store)
    const first = await LoginForm.open(server, app.clientId)
    assert.equal((await first.post(user.email, 'wrong', ip(10))).status, 400)
    assert.equal((await first.post(user.email, 'wrong', ip(10))).status, 400)
    assert.equal((await first.post(user.email, PASSWORD, ip(10))).status, 303)
    // Without the reset the next failure would be the third and the one after it refused.
    const second = await LoginForm.open(server, app.clientId)
    assert.equal((await second.post(user.email, 'wrong', ip(10))).status, 400)
    assert.equal((await second.post(user.email, 'wrong', ip(10))).status, 400)
  })

  it('tries at most K passwords when N attempts arrive in parallel', async () => {
    const { app } = await addApp(server.store)
    const user = await addUser(server.store)
    const form = await LoginForm.open(server, app.clientId)
    const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => form.post(user.email, `guess-${i}`, ip(20))))
    assert.deepEqual(tally(attempts.map((a) => a.status)), { 400: 3, 429: 17 })
  })

  it('limits posts of the login form per IP with a 429 page', async () => {
    const local = await limitedServer({ LATCHKEY_RATE_LIMIT_LOGIN: '2/60' })
    try {
      const { app } = await addApp(local.store)
      const form = await LoginForm.open(local, app.clientId)
      assert.equal((await form.post('a@example.com', 'x')).status, 400)
      assert.equal((await form.post('b@example.com', 'x')).status, 400)
      const refused = await form.post('c@example.com', 'x')
      assert.equal(refused.status, 429)
      assert.match(refused.headers.get('content-type') ?? '', /^text\/html/)
      assert.match(refused.body, /too_many_requests<\/code>: Too many requests\. Try again in (\d+ seconds|1 minute)\./)
      assertLimitHeaders(refused.headers, 2)
    } finally {
      await local.close()
    }
  })
})

describe('rate limits: LATCHKEY_RATE_LIMITS=off', () => {
  it('counts nothing and sends no rate-limit headers', async () => {
    const server = await limitedServer({ LATCHKEY_RATE_LIMITS: 'off', LATCHKEY_RATE_LIMIT_TOKEN_FAILURES: '1/60', LATCHKEY_RATE_LIMIT_LOGIN_FAILURES: '1/60' })
    try {
      const { app } = await addApp(server.store)
      const user = await addUser(server.store)
      for (let i = 0; i < 5; i++) {
        const r = await tokenRequest(server, bogus(app.clientId))
        assert.equal(r.status, 403)
        assert.equal(r.res.headers.get('x-ratelimit-limit'), null)
      }
      const form = await LoginForm.open(server, app.clientId)
      for (let i = 0; i < 4; i++) assert.equal((await form.post(user.email, 'wrong')).status, 400)
      assert.equal((await form.post(user.email, PASSWORD)).status, 303)
    } finally {
      await server.close()
    }
  })
})
