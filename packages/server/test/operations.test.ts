/**
 * Operations: liveness (/healthz), readiness (/readyz: store reachable within a timeout, migrations
 * done, 503 while draining), and Prometheus metrics (/metrics: off by default, on a port of its own
 * or behind a bearer token) whose series count what happened (requests per route pattern, tokens
 * per grant, logins, reuse, rate-limit refusals, store latency) with a bounded set of labels.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { type AddressInfo, connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import SQLite from 'better-sqlite3'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { loadConfig } from '../src/config.js'
import { createLogger } from '../src/logger.js'
import { metricsConfig } from '../src/operations/metrics-config.js'
import { presentsToken } from '../src/operations/metrics-endpoint.js'
import { startServer, type RunningServer } from '../src/server.js'
import { addApi, addApp, addUser, startTestServer, TEST_SECRET, type TestServer } from './support/harness.js'
import { LoggedInBrowser, tokenRequest } from './support/oauth.js'
import { LoginForm } from './support/rate-limits.js'

const TOKEN = 'metrics-token-0123456789abcdef'
const NO_LOG = createLogger('silent')

/** A server on `store` with a quick readiness probe (no cache unless asked, 200 ms timeout). */
async function serveStore(store: Store, readiness: { cacheMs?: number; timeoutMs?: number } = {}): Promise<RunningServer> {
  const config = loadConfig({ port: 0, host: '127.0.0.1', db: 'sqlite::memory:' }, { LATCHKEY_RATE_LIMITS: 'off', LATCHKEY_SECRET: TEST_SECRET })
  return startServer(config, { store, log: NO_LOG, readiness: { cacheMs: 0, timeoutMs: 200, ...readiness } })
}

const local = (running: RunningServer, path: string) => `http://127.0.0.1:${running.port}/${path}`

/** The store, except that `migrationStatus` can be made to fail, hang, or be counted. */
function controllableStore(store: Store) {
  const control = { mode: 'normal' as 'normal' | 'fail' | 'hang', calls: 0 }
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop !== 'migrationStatus') {
        const value: unknown = Reflect.get(target, prop, target)
        return typeof value === 'function' ? value.bind(target) : value
      }
      return async () => {
        control.calls += 1
        if (control.mode === 'fail') throw new Error('connect ECONNREFUSED 127.0.0.1:5432')
        if (control.mode === 'hang') return new Promise(() => {})
        return target.migrationStatus()
      }
    },
  })
  return { store: wrapped, control }
}

/** Prometheus text → `name{a="1",b="2"}` (labels sorted) → value. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match) throw new Error(`not an exposition line: ${line}`)
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}="${v}"`).sort()
    out.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]))
  }
  return out
}

/** The value of one series (0 when absent); `labels` in any order. */
function value(series: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const key = `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).sort().join(',')}}`
  return series.get(key) ?? 0
}

async function scrape(url: string, token: string | null = TOKEN): Promise<Map<string, number>> {
  const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  assert.equal(res.status, 200, await res.clone().text())
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
  return parseMetrics(await res.text())
}

describe('liveness and readiness', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  it('GET /healthz (and its older name /health) answers 200 {"status":"ok"}, never cached', async () => {
    for (const path of ['healthz', 'health']) {
      const res = await fetch(new URL(path, server.url))
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('cache-control'), 'no-store')
      assert.deepEqual(await res.json(), { status: 'ok' })
    }
  })

  it('GET /readyz answers 200 {"status":"ready"} when the store answers and every migration is applied', async () => {
    const res = await fetch(new URL('readyz', server.url))
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    assert.deepEqual(await res.json(), { status: 'ready' })
  })

  it('/metrics is 404 by default, and nothing is measured', async () => {
    assert.equal((await fetch(new URL('metrics', server.url))).status, 404)
    assert.equal((await fetch(new URL('metrics', server.url), { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404)
    assert.equal(server.running.deps.metrics, null)
    assert.equal(server.running.metricsUrl, null)
  })
})

describe('readiness when the store is in trouble', () => {
  it('503 "store_unreachable" when the store fails, while /healthz stays 200; ready again once it answers', async () => {
    const { store, control } = controllableStore(await openAndMigrate('sqlite::memory:'))
    const running = await serveStore(store)
    try {
      control.mode = 'fail'
      const res = await fetch(local(running, 'readyz'))
      assert.equal(res.status, 503)
      assert.equal(res.headers.get('cache-control'), 'no-store')
      assert.deepEqual(await res.json(), { status: 'not_ready', reason: 'store_unreachable' }, 'the reason, without the error text')
      assert.equal((await fetch(local(running, 'healthz'))).status, 200, 'liveness never asks the store')
      control.mode = 'normal'
      assert.equal((await fetch(local(running, 'readyz'))).status, 200)
    } finally {
      await running.close()
    }
  })

  it('503 "store_unreachable" within the timeout when the store does not answer at all, without piling up queries', async () => {
    const { store, control } = controllableStore(await openAndMigrate('sqlite::memory:'))
    const running = await serveStore(store, { timeoutMs: 150 })
    try {
      control.mode = 'hang'
      const started = performance.now()
      const res = await fetch(local(running, 'readyz'))
      assert.equal(res.status, 503)
      assert.deepEqual(await res.json(), { status: 'not_ready', reason: 'store_unreachable' })
      assert.ok(performance.now() - started < 1_000, 'answered after the timeout, not after the hang')
      const calls = control.calls
      assert.equal((await fetch(local(running, 'readyz'))).status, 503)
      assert.equal(control.calls, calls, 'the hanging query is waited for, not repeated')
    } finally {
      await running.close()
    }
  })

  it('503 "store_unreachable" once the store is closed under the server', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    const running = await serveStore(store)
    try {
      await store.close()
      const res = await fetch(local(running, 'readyz'))
      assert.equal(res.status, 503)
      assert.equal(((await res.json()) as { reason: string }).reason, 'store_unreachable')
    } finally {
      await running.close().catch(() => {})
    }
  })

  it('503 "migrations_pending" naming them when the database lacks a migration this build knows; ready after migrate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-readyz-'))
    const path = join(dir, 'latchkey.db')
    const store = await openAndMigrate(`sqlite:${path}`)
    const running = await serveStore(store)
    try {
      const raw = new SQLite(path)
      const names = (raw.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name)
      const missing = names.at(-1) as string
      raw.prepare('delete from kysely_migration where name = ?').run(missing)
      raw.close()
      const res = await fetch(local(running, 'readyz'))
      assert.equal(res.status, 503)
      assert.deepEqual(await res.json(), { status: 'not_ready', reason: 'migrations_pending', pending: [missing] })
    } finally {
      await running.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a probe storm costs the store one query per cache period', async () => {
    const { store, control } = controllableStore(await openAndMigrate('sqlite::memory:'))
    const running = await serveStore(store, { cacheMs: 60_000 })
    try {
      const answers = await Promise.all(Array.from({ length: 25 }, () => fetch(local(running, 'readyz')).then((r) => r.status)))
      assert.deepEqual(new Set(answers), new Set([200]))
      assert.equal((await fetch(local(running, 'readyz'))).status, 200)
      assert.equal(control.calls, 1)
    } finally {
      await running.close()
    }
  })

  it('503 "draining" from the moment shutdown begins: a keep-alive connection still open sees it while in-flight work finishes', async () => {
    const server = await startTestServer()
    const socket = connect(server.running.port, '127.0.0.1')
    let received = ''
    socket.on('data', (chunk) => (received += chunk))
    await new Promise((resolve) => socket.once('connect', resolve))
    const body = 'grant_type=refresh_token&client_id=none'
    // A token request in flight (half of its body sent), then shutdown, then the rest of the body
    // and a readiness probe pipelined on the same connection, as a load balancer's would be.
    socket.write(`POST /oauth/token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const closing = server.close()
    socket.write(`${body.slice(10)}GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n`)
    const deadline = Date.now() + 5_000
    while (!received.includes('"reason"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    socket.destroy()
    await closing
    const [first, second] = received.split(/(?=HTTP\/1\.1 )/)
    assert.match(first ?? '', /^HTTP\/1\.1 401 /, 'the in-flight request got its ordinary answer')
    assert.match(second ?? '', /^HTTP\/1\.1 503 /)
    assert.match(second ?? '', /\{"status":"not_ready","reason":"draining"\}$/)
  })
})

describe('/metrics exposure', () => {
  it('reads LATCHKEY_METRICS_PORT, _HOST and _TOKEN, refusing bad ports, the main port and short tokens', () => {
    assert.deepEqual(metricsConfig({}, 3000), { port: null, host: '127.0.0.1', token: null })
    assert.deepEqual(metricsConfig({ LATCHKEY_METRICS_PORT: '9464', LATCHKEY_METRICS_HOST: '0.0.0.0' }, 3000), { port: 9464, host: '0.0.0.0', token: null })
    assert.deepEqual(metricsConfig({ LATCHKEY_METRICS_TOKEN: TOKEN }, 3000), { port: null, host: '127.0.0.1', token: TOKEN })
    for (const port of ['x', '-1', '65536', '9464.5']) assert.throws(() => metricsConfig({ LATCHKEY_METRICS_PORT: port }, 3000), /LATCHKEY_METRICS_PORT must be a port/, port)
    assert.throws(() => metricsConfig({ LATCHKEY_METRICS_PORT: '3000' }, 3000), /must differ from the main port/)
    assert.throws(() => metricsConfig({ LATCHKEY_METRICS_TOKEN: 'short' }, 3000), /at least 16 characters/)
    assert.throws(() => loadConfig({ port: 3000 }, { LATCHKEY_METRICS_TOKEN: 'has a space in it somewhere' }), /without spaces/)
  })

  it('LATCHKEY_METRICS_PORT: /metrics on a port of its own, bound to 127.0.0.1 by default; 404 on the main port', async () => {
    const server = await startTestServer({ env: { LATCHKEY_METRICS_PORT: '0' } })
    try {
      assert.match(server.running.metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/)
      const series = await scrape(server.running.metricsUrl as string, null)
      assert.ok(value(series, 'process_cpu_user_seconds_total') > 0, 'the process metrics are there')
      assert.ok(series.has('nodejs_eventloop_lag_seconds{}'))
      assert.equal((await fetch(new URL('metrics', server.url))).status, 404, 'not on the main port')
      assert.equal((await fetch(new URL('/healthz', server.running.metricsUrl as string))).status, 404, 'nothing else on the metrics port')
    } finally {
      await server.close()
    }
    await assert.rejects(fetch(server.running.metricsUrl as string), 'the metrics port closes with the server')
  })

  it('LATCHKEY_METRICS_TOKEN: /metrics on the main port for "Authorization: Bearer <token>" only; anything else is 401', async () => {
    const server = await startTestServer({ env: { LATCHKEY_METRICS_TOKEN: TOKEN } })
    try {
      const url = new URL('metrics', server.url).toString()
      for (const authorization of [undefined, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Bearer ${'x'.repeat(TOKEN.length)}`, `Basic ${TOKEN}`, TOKEN, 'Bearer ']) {
        const res = await fetch(url, authorization ? { headers: { authorization } } : {})
        assert.equal(res.status, 401, String(authorization))
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="metrics"')
        assert.equal(((await res.json()) as { error: string }).error, 'invalid_token')
      }
      await scrape(url)
      assert.equal((await fetch(url, { headers: { authorization: `bearer  ${TOKEN}` } })).status, 200, 'the scheme is case-insensitive')
    } finally {
      await server.close()
    }
  })

  it('a metrics port already in use stops start-up with the error, rather than running without metrics', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as AddressInfo).port
    try {
      await assert.rejects(startTestServer({ env: { LATCHKEY_METRICS_PORT: String(port) } }), { code: 'EADDRINUSE' })
    } finally {
      await new Promise((resolve) => taken.close(resolve))
    }
  })

  it('with both a port and a token, the token is required on the metrics port too', async () => {
    const server = await startTestServer({ env: { LATCHKEY_METRICS_PORT: '0', LATCHKEY_METRICS_TOKEN: TOKEN } })
    try {
      assert.equal((await fetch(server.running.metricsUrl as string)).status, 401)
      await scrape(server.running.metricsUrl as string)
      assert.equal((await fetch(new URL('metrics', server.url), { headers: { authorization: `Bearer ${TOKEN}` } })).status, 404)
    } finally {
      await server.close()
    }
  })

  it('compares SHA-256 digests of the presented and expected tokens (fixed length, timingSafeEqual): prefixes, extensions and other schemes fail', async () => {
    const { createHash } = await import('node:crypto')
    const expected = createHash('sha256').update(TOKEN).digest()
    assert.equal(presentsToken(`Bearer ${TOKEN}`, expected), true)
    for (const header of [undefined, '', 'Bearer', `Bearer ${TOKEN.slice(0, 8)}`, `Bearer ${TOKEN}${TOKEN}`, `Token ${TOKEN}`, `Bearer ${TOKEN} extra`])
      assert.equal(presentsToken(header, expected), false, String(header))
  })
})

describe('metrics series', () => {
  let server: TestServer
  let metricsUrl: string
  before(async () => {
    server = await startTestServer({
      env: { LATCHKEY_METRICS_TOKEN: TOKEN, LATCHKEY_RATE_LIMITS: 'on', LATCHKEY_RATE_LIMIT_TOKEN_FAILURES: '2/60' },
    })
    metricsUrl = new URL('metrics', server.url).toString()
  })
  after(() => server.close())

  it('after a failed login, a login, a code exchange, a refresh, a reused refresh token and a 429, the series say so', async () => {
    const { app } = await addApp(server.store, { refreshToken: { reuseIntervalSeconds: 0 } })
    const api = await addApi(server.store, { identifier: 'https://metrics.example.com/' })
    const user = await addUser(server.store)

    const form = await LoginForm.open(server, app.clientId)
    assert.equal((await form.post(user.email, 'not the password')).status, 400)
    assert.equal((await form.post('nobody@example.com', 'not the password')).status, 400)

    const session = new LoggedInBrowser(server, user)
    const tokens = await session.tokens(app, { audience: api.identifier, scope: 'openid offline_access read:appointments' })
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: tokens.refresh_token as string })
    assert.equal(refreshed.status, 200)
    const reused = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: tokens.refresh_token as string })
    assert.equal(reused.status, 403)

    const guess = { grant_type: 'refresh_token', client_id: 'no-such-client', refresh_token: 'guess' }
    assert.equal((await tokenRequest(server, guess)).status, 401)
    assert.equal((await tokenRequest(server, guess)).status, 401)
    assert.equal((await tokenRequest(server, guess)).status, 429)

    const series = await scrape(metricsUrl)
    assert.equal(value(series, 'latchkey_logins_total', { result: 'success' }), 1)
    assert.equal(value(series, 'latchkey_logins_total', { result: 'failure', reason: 'wrong_password' }), 1)
    assert.equal(value(series, 'latchkey_logins_total', { result: 'failure', reason: 'unknown_user' }), 1)
    assert.equal(value(series, 'latchkey_authorization_codes_issued_total'), 1)
    assert.equal(value(series, 'latchkey_tokens_issued_total', { grant_type: 'authorization_code', token_type: 'Bearer' }), 1)
    assert.equal(value(series, 'latchkey_tokens_issued_total', { grant_type: 'refresh_token', token_type: 'Bearer' }), 1)
    assert.equal(value(series, 'latchkey_reuse_detections_total', { kind: 'refresh_token' }), 1)
    assert.equal(value(series, 'latchkey_token_failures_total', { grant_type: 'refresh_token', error: 'invalid_grant' }), 1)
    assert.equal(value(series, 'latchkey_token_failures_total', { grant_type: 'refresh_token', error: 'invalid_client' }), 2)
    assert.equal(value(series, 'latchkey_rate_limit_rejections_total', { limit: 'token-failures' }), 1)
    assert.equal(value(series, 'latchkey_audit_events_total', { type: 'ferrt' }), 1)

    const token = (status: string) => value(series, 'latchkey_http_requests_total', { method: 'POST', route: '/oauth/token', status_class: status })
    assert.equal(token('2xx'), 2, 'code exchange and refresh')
    assert.equal(token('4xx'), 4, 'reuse, two guesses, one 429')
    assert.equal(value(series, 'latchkey_http_request_duration_seconds_count', { method: 'POST', route: '/oauth/token', status_class: '2xx' }), 2)
    assert.equal(value(series, 'latchkey_http_requests_total', { method: 'POST', route: '/u/login', status_class: '4xx' }), 2)
    assert.ok(value(series, 'latchkey_http_requests_total', { method: 'GET', route: '/authorize', status_class: '3xx' }) >= 1)

    const store = (operation: string) => value(series, 'latchkey_store_operation_duration_seconds_count', { operation, outcome: 'ok' })
    assert.equal(store('authorizationCodes.consume'), 1)
    assert.ok(store('refreshTokens.rotate') >= 2, 'the refresh and the reuse')
    assert.ok(store('users.findByEmail') >= 3)
    assert.ok(store('logs.append') >= 1, 'audit writes are timed too')
    assert.ok(value(series, 'latchkey_store_operation_duration_seconds_sum', { operation: 'authorizationCodes.consume', outcome: 'ok' }) > 0)
  })

  it('label sets stay bounded: 200 random URLs and odd methods add at most the "unmatched" series, and no label holds a requested string', async () => {
    const before = await scrape(metricsUrl)
    const requestSeries = (series: Map<string, number>) => [...series.keys()].filter((key) => key.startsWith('latchkey_http_requests_total{'))
    const marker = `zz${randomBytes(4).toString('hex')}`
    const requests: Promise<Response>[] = []
    for (let i = 0; i < 200; i++) {
      const random = `${marker}${randomBytes(6).toString('hex')}`
      const paths = [`/${random}`, `/${random}/${i}?q=${random}`, `/u/${random}`, `/oauth/${random}`, `/.well-known/${random}`, `/authorize/${random}`]
      const method = ['GET', 'POST', 'DELETE', 'PROPFIND', 'PURGE'][i % 5] as string
      requests.push(fetch(new URL(paths[i % paths.length] as string, server.url), { method }))
    }
    const answers = await Promise.all(requests)
    for (const res of answers) await res.body?.cancel()

    const afterwards = await scrape(metricsUrl)
    const added = requestSeries(afterwards).filter((key) => !requestSeries(before).includes(key))
    for (const key of added) assert.match(key, /route="unmatched"/, key)
    assert.ok(added.length <= 5 * 2, `${added.length} new series: ${added.join(' ')}`)
    for (const key of afterwards.keys()) assert.ok(!key.includes(marker), `a requested string became a label: ${key}`)
    const methods = new Set(requestSeries(afterwards).map((key) => /method="([^"]*)"/.exec(key)?.[1]))
    assert.ok(methods.has('OTHER') && !methods.has('PROPFIND') && !methods.has('PURGE'))
    const unmatched = (series: Map<string, number>) =>
      requestSeries(series).filter((key) => key.includes('route="unmatched"')).reduce((sum, key) => sum + (series.get(key) ?? 0), 0)
    assert.equal(unmatched(afterwards) - unmatched(before), 200, 'every one of them counted, as unmatched')
  })

  it('each server has its own registry: a second server in the same process starts from zero', async () => {
    const other = await startTestServer({ env: { LATCHKEY_METRICS_TOKEN: TOKEN } })
    try {
      const series = await scrape(new URL('metrics', other.url).toString())
      assert.equal(value(series, 'latchkey_logins_total', { result: 'success' }), 0)
      assert.equal(value(series, 'latchkey_http_requests_total', { method: 'POST', route: '/oauth/token', status_class: '2xx' }), 0)
    } finally {
      await other.close()
    }
  })
})
