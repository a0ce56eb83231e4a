/**
 * /api/v2/stats: logins and sign-ups made through the real pages show in Auth0's `/stats/daily` and
 * `/stats/active-users` (also through Auth0's own `ManagementClient`) and in Latchkey's
 * `/stats/activity` per hour or day, with failed logins, token issuances and refresh-token reuse;
 * the ranges are checked and bounded; `read:stats` is required.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { ManagementClient } from 'auth0'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { managementCall, m2m } from './support/management.js'
import { LoggedInBrowser, tokenRequest } from './support/oauth.js'
import { proxyGlobalFetch } from './support/tls-proxy.js'

const DAY = 86_400_000
const yyyymmdd = (time: number) => new Date(time).toISOString().slice(0, 10).replaceAll('-', '')
const sum = (rows: readonly Record<string, unknown>[], key: string) => rows.reduce((n, row) => n + (row[key] as number), 0)

describe('Management API: stats', () => {
  let server: TestServer
  let app: ApplicationRecord
  let token: string
  let started: number

  /** Signs a new person up through /u/signup and exchanges the code. */
  async function signUp(email: string): Promise<void> {
    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { screen_hint: 'signup' } })))
    const html = await page.text()
    const res = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email, password: 'a long enough passphrase' }))
    const code = callbackParams(res).get('code') as string
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(r.status, 200, JSON.stringify(r.json))
  }

  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_SIGNUP: 'on' } })
    started = server.clock.now()
    ;({ app } = await addApp(server.store, { grants: ['authorization_code', 'refresh_token'] }))
    // Two logins of one user, one of another, a wrong password, and one sign-up.
    const [ada, bob]: UserRecord[] = [await addUser(server.store), await addUser(server.store)]
    const adaBrowser = new LoggedInBrowser(server, ada as UserRecord)
    const { refresh_token: refreshToken } = await adaBrowser.tokens(app, { scope: 'openid offline_access' })
    // A refresh (a token issued), then the same refresh token again: reuse detected.
    const refresh = () => tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken as string })
    assert.equal((await refresh()).status, 200)
    const reused = await refresh()
    assert.equal(reused.status, 403, JSON.stringify(reused.json))
    await new LoggedInBrowser(server, ada as UserRecord).tokens(app)
    await new LoggedInBrowser(server, bob as UserRecord).tokens(app)
    const wrong = new Browser(server.url)
    const login = await wrong.follow(await wrong.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge })))
    const html = await login.text()
    await wrong.post(formAction(html, '/u/login?'), { csrf: hiddenField(html, 'csrf'), username: (bob as UserRecord).email, password: 'not the password' })
    await signUp(`new-${Date.now()}@example.com`)
    ;({ token } = await m2m(server, ['read:stats']))
  })
  after(() => server.close())

  it('/stats/daily counts the logins and sign-ups per UTC day, every day of the range, in Auth0’s shape', async () => {
    const from = yyyymmdd(started - DAY)
    const to = yyyymmdd(server.clock.now())
    const r = await managementCall(server, token, 'GET', `stats/daily?from=${from}&to=${to}`)
    assert.equal(r.status, 200, r.text)
    assert.ok(r.json.length >= 2)
    assert.equal(r.json[0].date, `${from.slice(0, 4)}-${from.slice(4, 6)}-${from.slice(6, 8)}T00:00:00.000Z`)
    assert.deepEqual(Object.keys(r.json[0]).sort(), ['created_at', 'date', 'leaked_passwords', 'logins', 'signups', 'updated_at'])
    // Three password logins; the sign-up is counted as a sign-up only.
    assert.equal(sum(r.json, 'logins'), 3)
    assert.equal(sum(r.json, 'signups'), 1)
    assert.equal(sum(r.json, 'leaked_passwords'), 0)
  })

  it('/stats/active-users counts the users who logged in during the last 30 days', async () => {
    const r = await managementCall(server, token, 'GET', 'stats/active-users')
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json, 3)
    server.clock.advance(31 * DAY)
    try {
      const { token: later } = await m2m(server, ['read:stats'])
      assert.equal((await managementCall(server, later, 'GET', 'stats/active-users')).json, 0)
    } finally {
      server.clock.advance(-31 * DAY)
    }
  })

  it('/stats/activity gives every hour (or day) of the range with logins, failures, sign-ups, tokens and reuse detections', async () => {
    const from = new Date(started - 2 * 3_600_000).toISOString()
    const to = new Date(server.clock.now() + 1000).toISOString()
    const hours = await managementCall(server, token, 'GET', `stats/activity?interval=hour&from=${from}&to=${to}`)
    assert.equal(hours.status, 200, hours.text)
    assert.equal(hours.json.interval, 'hour')
    assert.ok(hours.json.series.length >= 3)
    assert.match(hours.json.series[0].start, /^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/)
    const totals = (series: Record<string, unknown>[]) => ({
      logins: sum(series, 'logins'),
      failed_logins: sum(series, 'failed_logins'),
      signups: sum(series, 'signups'),
      tokens: sum(series, 'tokens'),
      reuse_detections: sum(series, 'reuse_detections'),
    })
    // Four code exchanges, one refresh and the m2m app's client_credentials token.
    assert.deepEqual(totals(hours.json.series), { logins: 3, failed_logins: 1, signups: 1, tokens: 6, reuse_detections: 1 })
    const days = await managementCall(server, token, 'GET', `stats/activity?interval=day&from=${from}&to=${to}`)
    assert.equal(days.status, 200, days.text)
    assert.match(days.json.series[0].start, /T00:00:00\.000Z$/)
    assert.deepEqual(totals(days.json.series), totals(hours.json.series))
  })

  it('refuses bad and unbounded ranges with a 400, and callers without read:stats with a 403', async () => {
    const bad = async (query: string) => {
      const r = await managementCall(server, token, 'GET', `stats/${query}`)
      assert.equal(r.status, 400, `${query}: ${r.text}`)
    }
    await bad('daily?from=20260230')
    await bad('daily?from=2026-12-01')
    await bad('daily?from=20261210&to=20261201')
    await bad('daily?from=20200101&to=20261201')
    await bad('activity?interval=minute')
    await bad('activity?from=yesterday')
    await bad('activity?interval=hour&from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z')
    await bad('activity?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z')
    const { token: other } = await m2m(server, ['read:logs'])
    const r = await managementCall(server, other, 'GET', 'stats/active-users')
    assert.equal(r.status, 403)
    assert.equal(r.json.errorCode, 'insufficient_scope')
  })

  it("Auth0's ManagementClient reads them: stats.getDaily and stats.getActiveUsersCount", async () => {
    // The SDK speaks https to https://{domain}/ only: play the TLS proxy in front of the server.
    const restoreFetch = proxyGlobalFetch('https://latchkey.test/', server.url)
    try {
      const management = new ManagementClient({ domain: 'latchkey.test', token })
      const daily = await management.stats.getDaily({ from: yyyymmdd(started - DAY), to: yyyymmdd(server.clock.now()) })
      assert.equal(sum(daily as unknown as Record<string, unknown>[], 'logins'), 3)
      assert.equal(await management.stats.getActiveUsersCount(), 3)
    } finally {
      restoreFetch()
    }
  })
})
