/**
 * The hot path (http/hot-path.ts) serves POST /oauth/token and GET|POST /userinfo on Node's own
 * request and response; Hono's routes serve the same endpoints for `app.request()`. The two must be
 * the same server to a client: every request below is sent to both, and the answers must match in
 * status, headers (security headers, CORS, caching, challenges) and body, apart from what differs
 * between any two answers (dates, fresh tokens).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import type { Hono } from 'hono'
import { createApp } from '../src/app.js'
import { addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { LoggedInBrowser, WEB_ORIGIN } from './support/oauth.js'

/** Set by Node or by the connection, not by Latchkey. */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length'])

interface Seen {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string
}

async function seen(res: Response): Promise<Seen> {
  const headers: Record<string, string> = {}
  for (const [name, value] of res.headers) if (!TRANSPORT.has(name)) headers[name] = value
  return { status: res.status, headers, body: await res.text() }
}

describe('the hot path answers as the Hono routes do', () => {
  let server: TestServer
  let hono: Hono
  let app: ApplicationRecord
  let user: UserRecord

  before(async () => {
    server = await startTestServer()
    hono = createApp(server.running.deps)
    ;({ app } = await addApp(server.store, { name: 'SPA', webOrigins: [WEB_ORIGIN] }))
    user = await addUser(server.store)
  })
  after(() => server.close())

  /** The same request to the hot path (a real socket) and to Hono (`app.request`). */
  async function both(path: string, init: RequestInit): Promise<[Seen, Seen]> {
    const hot = await seen(await fetch(`${server.url}${path.slice(1)}`, init))
    const routed = await seen(await hono.request(path, init))
    return [hot, routed]
  }

  async function same(path: string, init: RequestInit, compareBody = true): Promise<Seen> {
    const [hot, routed] = await both(path, init)
    assert.equal(hot.status, routed.status, `${init.method} ${path}: status`)
    assert.deepEqual(hot.headers, routed.headers, `${init.method} ${path}: headers`)
    if (compareBody) assert.equal(hot.body, routed.body, `${init.method} ${path}: body`)
    return hot
  }

  const form = (body: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  })

  it('token endpoint errors: body, client, grant, with and without an allowed Origin', async () => {
    const cases: RequestInit[] = [
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' },
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' },
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=%zz' },
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x'.repeat(70_000) },
      form({ client_id: app.clientId }),
      form({ grant_type: 'password', client_id: app.clientId }),
      form({ grant_type: 'authorization_code', client_id: 'nobody' }),
      form({ grant_type: 'authorization_code', client_id: app.clientId, code: 'wrong' }),
      form({ grant_type: 'authorization_code', client_id: app.clientId, code: 'wrong' }, { origin: WEB_ORIGIN }),
      form({ grant_type: 'authorization_code', client_id: app.clientId, code: 'wrong' }, { origin: 'https://evil.example' }),
      form({ grant_type: 'client_credentials' }, { authorization: 'Basic !!!' }),
      form({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: 'nope' }, { dpop: 'not.a.proof' }),
    ]
    for (const init of cases) await same('/oauth/token', init)
    const tooLarge = await same('/oauth/token', cases[3] as RequestInit)
    assert.equal(tooLarge.status, 400)
    const cors = await same('/oauth/token', cases[8] as RequestInit)
    assert.equal(cors.headers['access-control-allow-origin'], WEB_ORIGIN)
    assert.equal(cors.headers['x-content-type-options'], 'nosniff')
    const basic = await same('/oauth/token', cases[10] as RequestInit)
    assert.equal(basic.headers['www-authenticate'], 'Basic realm="latchkey"')
  })

  it('a successful code exchange and refresh: the same headers and the same fields', async () => {
    const browser = new LoggedInBrowser(server, user)
    const exchange = async () => {
      const { code, verifier, redirectUri } = await browser.code(app, { scope: 'openid profile email offline_access' })
      return form({ grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier as string, redirect_uri: redirectUri }, { origin: WEB_ORIGIN })
    }
    const hot = await seen(await fetch(`${server.url}oauth/token`, await exchange()))
    const routed = await seen(await hono.request('/oauth/token', await exchange()))
    assert.equal(hot.status, 200)
    assert.equal(routed.status, 200)
    assert.deepEqual(hot.headers, routed.headers)
    assert.deepEqual(Object.keys(JSON.parse(hot.body)).sort(), Object.keys(JSON.parse(routed.body)).sort())
    assert.equal(hot.headers['cache-control'], 'no-store')

    const refresh = (token: string) => form({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: token })
    const hotRefresh = await seen(await fetch(`${server.url}oauth/token`, refresh(JSON.parse(hot.body).refresh_token)))
    const routedRefresh = await seen(await hono.request('/oauth/token', refresh(JSON.parse(routed.body).refresh_token)))
    assert.equal(hotRefresh.status, 200)
    assert.deepEqual(hotRefresh.headers, routedRefresh.headers)
  })

  it('/userinfo: no token, a bad token, a good one as Bearer and in a form body, and the refusals', async () => {
    const tokens = await new LoggedInBrowser(server, user).tokens(app, { scope: 'openid profile email' })
    const token = tokens.access_token as string
    await same('/userinfo', { method: 'GET' })
    await same('/userinfo', { method: 'GET', headers: { authorization: 'Bearer not-a-token' } })
    await same('/userinfo', { method: 'GET', headers: { authorization: 'Basic abc' } })
    await same('/userinfo', { method: 'GET', headers: { authorization: 'DPoP abc', dpop: 'x' } })
    const ok = await same('/userinfo', { method: 'GET', headers: { authorization: `Bearer ${token}`, origin: WEB_ORIGIN } })
    assert.equal(ok.status, 200)
    assert.equal(JSON.parse(ok.body).sub, user.id)
    assert.equal(ok.headers['access-control-allow-origin'], WEB_ORIGIN)
    await same('/userinfo', form({ access_token: token }))
    await same('/userinfo', form({ access_token: token }, { authorization: `Bearer ${token}` }))
    await same('/userinfo', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=%zz' })
    await same('/userinfo', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })
  })

  it('what it does not serve goes on to Hono: preflights, other methods, other paths', async () => {
    await same('/oauth/token', { method: 'OPTIONS', headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'POST' } })
    await same('/oauth/token', { method: 'GET' })
    await same('/userinfo', { method: 'PUT' })
    await same('/oauth/token/', form({}))
  })

  it('writes one request log line per answer, as the Hono middleware does', async () => {
    const before = server.logs.length
    await fetch(`${server.url}userinfo`)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const lines = server.logs.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>)
    const request = lines.filter((line) => line.msg === 'request')
    assert.equal(request.length, 1)
    assert.deepEqual({ ...request[0], ms: 0, time: 0, pid: 0, hostname: '' }, { level: 30, time: 0, pid: 0, hostname: '', service: 'latchkey', method: 'GET', path: '/userinfo', status: 401, ms: 0, msg: 'request' })
  })
})
