/**
 * The Appointments API end to end: a real Latchkey with the demo's registrations (the API with RBAC,
 * its `patient` and `receptionist` roles), real tokens from the login and code exchange, and the API
 * over HTTP, both built in-process and started with its documented command (`npm run example:api`).
 */
import { serve } from '@hono/node-server'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { DEMO, seedDemo, type DemoRoleName } from '../../../packages/server/src/demo.js'
import { addApp, addUser, freePort, startTestServer, type TestServer } from '../../../packages/server/test/support/harness.js'
import { LoggedInBrowser, tokenRequest } from '../../../packages/server/test/support/oauth.js'
import { createApi } from '../src/app.js'

const AUDIENCE = 'https://api.example.com/appointments'
const SPA_ORIGIN = 'http://localhost:8080'

let latchkey: TestServer
let api: { url: string; close: () => Promise<void> }
let clientApp: Awaited<ReturnType<typeof addApp>>['app']
const errors: unknown[] = []
const tokens: Record<'read' | 'write' | 'both' | 'otherUser' | 'noApiScope', string> = { read: '', write: '', both: '', otherUser: '', noApiScope: '' }
/** Alice is a receptionist (reads and books), Bob a patient (reads), Carol has no role. */
const people: Record<'alice' | 'bob' | 'carol', LoggedInBrowser> = {} as never

async function giveRole(browser: LoggedInBrowser, role: DemoRoleName): Promise<void> {
  const found = await latchkey.store.roles.findByName(role)
  assert.ok(found, `the demo seeds the ${role} role`)
  await latchkey.store.roles.assign([browser.user.id], [found.id], Date.now())
}

const token = async (who: LoggedInBrowser, scope: string) => (await who.tokens(clientApp, { audience: AUDIENCE, scope })).access_token as string

before(async () => {
  latchkey = await startTestServer()
  await seedDemo(latchkey.store, latchkey.clock, latchkey.issuer) // the API (RBAC, permissions claim) and its roles
  ;({ app: clientApp } = await addApp(latchkey.store))
  for (const name of ['alice', 'bob', 'carol'] as const) people[name] = new LoggedInBrowser(latchkey, await addUser(latchkey.store))
  await giveRole(people.alice, 'receptionist')
  await giveRole(people.bob, 'patient')
  const { alice, bob } = people
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

/** The access token's claims (the test reads what Latchkey put in it). */
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { scope?: string; permissions?: string[] }

const APPOINTMENT = { title: 'Check-up', startsAt: '2026-12-02T10:00:00Z' }

describe('roles: the demo seed with requirePermissions', () => {
  it("the demo's API enforces RBAC and puts the permissions in the token", async () => {
    const seeded = await latchkey.store.apis.findByIdentifier(DEMO.audience)
    assert.equal(seeded?.enforcePolicies, true)
    assert.equal(seeded?.tokenDialect, 'access_token_authz')
    assert.deepEqual(claimsOf(tokens.both).permissions, ['read:appointments', 'write:appointments'])
  })

  it("refuses a patient's token on the write route (403 insufficient_scope), and lists for them", async () => {
    const patient = tokens.otherUser
    assert.equal(claimsOf(patient).scope, 'read:appointments', 'RBAC dropped write:appointments from the scope')
    assert.deepEqual(claimsOf(patient).permissions, ['read:appointments'])
    const r = await call('/api/appointments', { token: patient, json: APPOINTMENT })
    assert.equal(r.status, 403)
    assert.equal(r.body.error, 'insufficient_scope')
    assert.equal(r.body.error_description, 'The access token needs the permission write:appointments.')
    assert.match(r.res.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+", error="insufficient_scope", error_description="[^"]+", scope="write:appointments"$/)
    assert.equal((await call('/api/appointments', { token: patient })).status, 200)
  })

  it("accepts a receptionist's token on the write route", async () => {
    const receptionist = await token(people.alice, 'openid read:appointments write:appointments')
    assert.equal(claimsOf(receptionist).scope, 'openid read:appointments write:appointments')
    const r = await call('/api/appointments', { token: receptionist, json: APPOINTMENT })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    assert.equal(r.body.title, 'Check-up')
  })

  it('refuses a user without a role even to read (no permission)', async () => {
    const none = await token(people.carol, 'openid read:appointments write:appointments')
    assert.equal(claimsOf(none).scope, 'openid')
    assert.deepEqual(claimsOf(none).permissions, [])
    const r = await call('/api/appointments', { token: none })
    assert.equal(r.status, 403)
    assert.equal(r.body.error_description, 'The access token needs the permission read:appointments.')
  })

  it('a patient made receptionist books after a refresh (the refresh token kept the consented scope)', async () => {
    const carol = people.carol
    await giveRole(carol, 'patient')
    const first = await carol.tokens(clientApp, { audience: AUDIENCE, scope: 'openid offline_access read:appointments write:appointments' })
    assert.equal((await call('/api/appointments', { token: first.access_token as string, json: APPOINTMENT })).status, 403)
    await giveRole(carol, 'receptionist')
    const refreshed = await tokenRequest(latchkey, { grant_type: 'refresh_token', client_id: clientApp.clientId, refresh_token: first.refresh_token as string })
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json))
    const again = refreshed.json.access_token as string
    assert.deepEqual(claimsOf(again).permissions, ['read:appointments', 'write:appointments'])
    assert.equal((await call('/api/appointments', { token: again, json: APPOINTMENT })).status, 201)
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
