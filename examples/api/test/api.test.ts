/**
 * The Appointments API end to end: a real Latchkey (with the API identifier registered), real
 * tokens from the login and code exchange, and the API over HTTP, both built in-process and started
 * with its documented command (`npm run example:api`).
 */
import { serve } from '@hono/node-server'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { addApi, addApp, addUser, freePort, startTestServer, type TestServer } from '../../../packages/server/test/support/harness.js'
import { LoggedInBrowser } from '../../../packages/server/test/support/oauth.js'
import { createApi } from '../src/app.js'

const AUDIENCE = 'https://api.example.com/appointments'
const SPA_ORIGIN = 'http://localhost:8080'

let latchkey: TestServer
let api: { url: string; close: () => Promise<void> }
const errors: unknown[] = []
const tokens: Record<'read' | 'write' | 'both' | 'otherUser' | 'noApiScope', string> = { read: '', write: '', both: '', otherUser: '', noApiScope: '' }

before(async () => {
  latchkey = await startTestServer()
  await addApi(latchkey.store, { identifier: AUDIENCE, scopes: ['read:appointments', 'write:appointments'] })
  const { app } = await addApp(latchkey.store)
  const alice = new LoggedInBrowser(latchkey, await addUser(latchkey.store))
  const bob = new LoggedInBrowser(latchkey, await addUser(latchkey.store))
  const token = async (who: LoggedInBrowser, scope: string) => (await who.tokens(app, { audience: AUDIENCE, scope })).access_token as string
  tokens.read = await token(alice, 'openid read:appointments')
  tokens.write = await token(alice, 'openid write:appointments')
  tokens.both = await token(alice, 'openid profile read:appointments write:appointments')
  tokens.otherUser = await token(bob, 'read:appointments write:appointments')
  tokens.noApiScope = await token(alice, 'openid profile')

  const { app: hono } = createApi({ issuer: latchkey.issuer, audience: AUDIENCE, corsOrigins: [SPA_ORIGIN], logError: (e) => errors.push(e) })
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s))
  })
  api = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
})
after(async () => {
  await api.close()
  await latchkey.close()
  assert.deepEqual(errors, [], 'no unexpected errors were logged')
})

async function call(path: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers)
  if (init.token) headers.set('authorization', `Bearer ${init.token}`)
  if (init.json !== undefined) headers.set('content-type', 'application/json')
  const res = await fetch(`${api.url}${path}`, { ...init, headers, ...(init.json !== undefined ? { body: JSON.stringify(init.json), method: 'POST' } : {}) })
  const text = await res.text()
  return { res, status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { appointments?: Record<string, unknown>[] } }
}

describe('GET /api/public', () => {
  it('answers without a token', async () => {
    const r = await call('/api/public')
    assert.equal(r.status, 200)
    assert.equal(typeof r.body.message, 'string')
  })
})

describe('GET /api/appointments (read:appointments)', () => {
  it('401 with a bare challenge without a token', async () => {
    const r = await call('/api/appointments')
    assert.equal(r.status, 401)
    assert.equal(r.res.headers.get('www-authenticate'), `Bearer realm="${AUDIENCE}"`)
  })

  it('403 insufficient_scope for a token without read:appointments', async () => {
    for (const token of [tokens.write, tokens.noApiScope]) {
      const r = await call('/api/appointments', { token })
      assert.equal(r.status, 403)
      assert.equal(r.body.error, 'insufficient_scope')
      assert.match(r.res.headers.get('www-authenticate') ?? '', /error="insufficient_scope".*scope="read:appointments"$/)
    }
  })

  it('400 for a token in the query string', async () => {
    const r = await call(`/api/appointments?access_token=${tokens.read}`)
    assert.equal(r.status, 400)
    assert.equal(r.body.error, 'invalid_request')
  })

  it('401 invalid_token for a token that is not Latchkey\'s', async () => {
    const [h, p] = tokens.read.split('.')
    const r = await call('/api/appointments', { token: `${h}.${p}.${'A'.repeat(342)}` })
    assert.equal(r.status, 401)
    assert.match(r.res.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
  })
})

describe('POST /api/appointments (write:appointments)', () => {
  it('creates an appointment for the caller and lists it back, soonest first, to that caller only', async () => {
    const later = await call('/api/appointments', { token: tokens.write, json: { title: '  Dentist  ', startsAt: '2026-12-03T15:00:00+01:00' } })
    assert.equal(later.status, 201, JSON.stringify(later.body))
    assert.equal(later.body.title, 'Dentist')
    assert.equal(later.body.startsAt, '2026-12-03T15:00:00+01:00')
    assert.match(later.body.id as string, /^[0-9a-f-]{36}$/)
    const sooner = await call('/api/appointments', { token: tokens.both, json: { title: 'Haircut', startsAt: '2026-12-01T09:30:00Z' } })
    assert.equal(sooner.status, 201)

    const mine = await call('/api/appointments', { token: tokens.read })
    assert.equal(mine.status, 200)
    assert.deepEqual(
      mine.body.appointments?.map((a) => a.title),
      ['Haircut', 'Dentist'],
    )
    const theirs = await call('/api/appointments', { token: tokens.otherUser })
    assert.deepEqual(theirs.body.appointments, [])
  })

  it('403 for a read-only token', async () => {
    const r = await call('/api/appointments', { token: tokens.read, json: { title: 'x', startsAt: '2026-12-01T09:30:00Z' } })
    assert.equal(r.status, 403)
    assert.match(r.res.headers.get('www-authenticate') ?? '', /scope="write:appointments"$/)
  })

  it('400 for a body that is not a valid appointment', async () => {
    const bad: unknown[] = [
      {},
      { title: '', startsAt: '2026-12-01T09:30:00Z' },
      { title: '   ', startsAt: '2026-12-01T09:30:00Z' },
      { title: 'x'.repeat(201), startsAt: '2026-12-01T09:30:00Z' },
      { title: 'x', startsAt: 'tomorrow' },
      { title: 'x', startsAt: '2026-12-01T09:30:00' },
      { title: 'x', startsAt: '2026-13-01T09:30:00Z' },
      { title: 42, startsAt: '2026-12-01T09:30:00Z' },
      { title: 'x', startsAt: '2026-12-01T09:30:00Z', owner: 'someone-else' },
      ['x'],
      null,
    ]
    for (const json of bad) {
      const r = await call('/api/appointments', { token: tokens.write, json })
      assert.equal(r.status, 400, JSON.stringify(json))
      assert.equal(r.body.error, 'invalid_request')
    }
    assert.equal((await call('/api/appointments', { token: tokens.write, json: { title: 'x'.repeat(200), startsAt: '2026-12-01T09:30:00Z' } })).status, 201)
  })

  it('400 for broken JSON, 415 for another content type, 413 for a huge body', async () => {
    const headers = { authorization: `Bearer ${tokens.write}` }
    const broken = await call('/api/appointments', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"title":' })
    assert.equal(broken.status, 400)
    const form = await call('/api/appointments', { method: 'POST', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, body: 'title=x' })
    assert.equal(form.status, 415)
    const huge = await call('/api/appointments', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'x'.repeat(20_000) }) })
    assert.equal(huge.status, 413)
  })
})

describe('CORS for the browser samples', () => {
  it('answers the preflight for the allowed origin with authorization and content-type', async () => {
    const res = await fetch(`${api.url}/api/appointments`, {
      method: 'OPTIONS',
      headers: { origin: SPA_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    })
    assert.ok(res.status === 204 || res.status === 200)
    assert.equal(res.headers.get('access-control-allow-origin'), SPA_ORIGIN)
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/i)
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /content-type/i)
  })

  it('lets the app read errors and their challenge, and gives other origins nothing', async () => {
    const denied = await fetch(`${api.url}/api/appointments`, { headers: { origin: SPA_ORIGIN } })
    assert.equal(denied.status, 401)
    assert.equal(denied.headers.get('access-control-allow-origin'), SPA_ORIGIN)
    assert.match(denied.headers.get('access-control-expose-headers') ?? '', /WWW-Authenticate/i)
    const other = await fetch(`${api.url}/api/appointments`, { headers: { origin: 'https://evil.example' } })
    assert.equal(other.headers.get('access-control-allow-origin'), null)
  })
})

describe('npm run example:api', () => {
  it('starts on PORT, trusts LATCHKEY_ISSUER, and accepts Latchkey tokens for API_AUDIENCE', async () => {
    const port = await freePort()
    const root = fileURLToPath(new URL('../../../', import.meta.url))
    const child = spawn('npm', ['run', '--silent', 'example:api'], {
      cwd: root,
      env: { ...process.env, PORT: String(port), LATCHKEY_ISSUER: latchkey.issuer, API_AUDIENCE: AUDIENCE, CORS_ORIGINS: SPA_ORIGIN },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let output = ''
    child.stdout.on('data', (d) => {
      output += String(d)
    })
    child.stderr.on('data', (d) => {
      output += String(d)
    })
    try {
      const deadline = Date.now() + 20_000
      while (!output.includes('keys ') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100))
      assert.match(output, /listening on http:\/\/localhost:\d+\/api\//, output)
      const res = await fetch(`http://127.0.0.1:${port}/api/appointments`, { headers: { authorization: `Bearer ${tokens.both}` } })
      assert.equal(res.status, 200, output)
      assert.deepEqual(await res.json(), { appointments: [] })
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM')
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)))
    }
  })
})
