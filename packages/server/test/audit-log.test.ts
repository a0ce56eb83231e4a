/**
 * The audit log, end to end: the events a login flow, failed logins, code exchanges, refreshes,
 * reuse detection, revocation, logout, key rotation and CLI admin changes leave behind (type,
 * client, user, IP, details), that none of them holds a secret, that a failed audit write never
 * fails the request, and `latchkey logs` with its filters.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type ApiRecord, type ApplicationRecord, type AuditEventRecord, type AuditEventType, sha256, type UserRecord } from '@latchkey/core'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { AuditLog } from '../src/audit.js'
import { loadConfig } from '../src/config.js'
import { startRotationSchedule } from '../src/keys/rotation-schedule.js'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { runLatchkey, runLatchkeyProcess } from './support/cli.js'
import { assertOAuthError, CALLBACK, LoggedInBrowser, revokeRequest, tokenRequest } from './support/oauth.js'

const UA = 'AuditTest/1.0 (latchkey)'
const SCOPE = 'openid profile email offline_access read:appointments'
const WRONG_PASSWORD = 'Wrong-Password-Known-7f3a'

/** Every event, newest first. */
async function allEvents(store: Store): Promise<AuditEventRecord[]> {
  const events: AuditEventRecord[] = []
  for (let page = 0; ; page++) {
    const rows = await store.logs.list({ page, perPage: 100 })
    events.push(...rows)
    if (rows.length < 100) return events
  }
}

/** The newest event of a type (failing if there is none). */
async function newest(store: Store, type: AuditEventType, filter: { userId?: string; clientId?: string } = {}): Promise<AuditEventRecord> {
  const [event] = await store.logs.list({ type, ...filter, perPage: 1 })
  assert.ok(event, `an event of type ${type}`)
  return event
}

/** Logs in through the pages, first with each of `wrong` (email, password) pairs; returns the code and its verifier. */
async function loginWithMistakes(
  server: TestServer,
  browser: Browser,
  app: ApplicationRecord,
  api: ApiRecord,
  email: string,
  wrong: readonly (readonly [string, string])[],
): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce()
  let page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, audience: api.identifier, scope: SCOPE, challenge }), { 'user-agent': UA }))
  for (const [username, password] of wrong) {
    const html = await page.text()
    page = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username, password }, { 'user-agent': UA })
    assert.equal(page.status, 400, 'a wrong email or password shows the form again')
  }
  const html = await page.text()
  const done = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: email, password: PASSWORD }, { 'user-agent': UA }))
  const code = callbackParams(done).get('code')
  assert.ok(code, `a code in ${done.headers.get('location')}`)
  return { code, verifier }
}

const exchange = (server: TestServer, app: ApplicationRecord, code: string, verifier: string, extra: Record<string, string> = {}) =>
  tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: CALLBACK, ...extra }, { headers: { 'user-agent': UA } })

const refresh = (server: TestServer, app: ApplicationRecord, token: string) =>
  tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: token }, { headers: { 'user-agent': UA } })

describe('audit events of the login flow, the token endpoint, revocation, logout and key rotation', () => {
  let server: TestServer
  let app: ApplicationRecord
  let api: ApiRecord
  let user: UserRecord

  before(async () => {
    server = await startTestServer()
    ;({ app } = await addApp(server.store))
    api = await addApi(server.store, { identifier: 'https://audit.example.com/' })
    user = await addUser(server.store)
  })
  after(() => server.close())

  it('records a wrong password (fp), an unknown email (fu), the login (s) and the code (authorization_code_issued), with IP and user agent', async () => {
    const browser = new Browser(server.url)
    const stranger = 'nobody-here@example.com'
    await loginWithMistakes(server, browser, app, api, user.email, [[user.email, WRONG_PASSWORD], [stranger, WRONG_PASSWORD]])

    const wrongPassword = await newest(server.store, 'fp')
    assert.deepEqual(
      { clientId: wrongPassword.clientId, userId: wrongPassword.userId, ip: wrongPassword.ip, userAgent: wrongPassword.userAgent, details: wrongPassword.details },
      { clientId: app.clientId, userId: user.id, ip: '127.0.0.1', userAgent: UA, details: { user_name: user.email } },
    )
    const unknown = await newest(server.store, 'fu')
    assert.equal(unknown.userId, null)
    assert.equal(unknown.clientId, app.clientId)
    assert.deepEqual(unknown.details, { user_name: stranger })

    const login = await newest(server.store, 's')
    assert.equal(login.userId, user.id)
    assert.equal(login.clientId, app.clientId)
    assert.equal(login.ip, '127.0.0.1')
    assert.ok(Math.abs(login.time - server.clock.now()) < 60_000, 'time comes from the server clock')

    const code = await newest(server.store, 'authorization_code_issued')
    assert.equal(code.userId, user.id)
    assert.equal(code.clientId, app.clientId)
    assert.deepEqual(code.details, { audience: api.identifier, scope: SCOPE, response_mode: 'query', pkce: true })
    assert.ok(code.time >= login.time, 'the code comes after the login')
    assert.deepEqual((await server.store.logs.list({ since: wrongPassword.time })).map((e) => e.type).reverse(), ['fp', 'fu', 's', 'authorization_code_issued'])
  })

  it('records a code exchange (seacft) with grant, audience and scopes, and a failed one (feacft) with the error', async () => {
    const { code, verifier } = await new LoggedInBrowser(server, user).code(app, { audience: api.identifier, scope: SCOPE }).then((c) => ({ code: c.code, verifier: c.verifier as string }))
    assert.equal((await exchange(server, app, code, verifier)).status, 200)
    const ok = await newest(server.store, 'seacft')
    assert.equal(ok.userId, user.id)
    assert.equal(ok.clientId, app.clientId)
    assert.equal(ok.userAgent, UA)
    assert.deepEqual(ok.details, {
      grant_type: 'authorization_code',
      audience: api.identifier,
      scope: SCOPE,
      token_type: 'Bearer',
      id_token_issued: true,
      refresh_token_issued: true,
    })

    assertOAuthError(await exchange(server, app, 'not-a-real-code', verifier), 403, 'invalid_grant')
    const failed = await newest(server.store, 'feacft')
    assert.equal(failed.clientId, app.clientId)
    assert.equal(failed.userId, null)
    assert.deepEqual(failed.details, { grant_type: 'authorization_code', error: 'invalid_grant', error_description: 'Invalid authorization code' })
  })

  it('records a replayed code, which revokes the refresh token it issued (authorization_code_reused)', async () => {
    const c = await new LoggedInBrowser(server, user).code(app, { audience: api.identifier, scope: SCOPE })
    const first = await exchange(server, app, c.code, c.verifier as string)
    assert.equal(first.status, 200)
    assertOAuthError(await exchange(server, app, c.code, c.verifier as string), 403, 'invalid_grant', 'Invalid authorization code')
    const replay = await newest(server.store, 'authorization_code_reused')
    assert.equal(replay.userId, user.id)
    assert.equal(replay.clientId, app.clientId)
    assert.equal(typeof replay.details.grant_id, 'string')
    assert.deepEqual({ ...replay.details, grant_id: 'the grant' }, { grant_type: 'authorization_code', grant_id: 'the grant', revoked_refresh_tokens: 1 })
    assertOAuthError(await refresh(server, app, first.json.refresh_token as string), 403, 'invalid_grant')
  })

  it('records a refresh (sertft), a failed one (fertft), and reuse of a rotated token that revokes the grant (ferrt)', async () => {
    const c = await new LoggedInBrowser(server, user).code(app, { audience: api.identifier, scope: SCOPE })
    const tokens = (await exchange(server, app, c.code, c.verifier as string)).json
    const rotated = await refresh(server, app, tokens.refresh_token as string)
    assert.equal(rotated.status, 200)
    const ok = await newest(server.store, 'sertft')
    assert.equal(ok.userId, user.id)
    assert.equal(ok.clientId, app.clientId)
    assert.equal(ok.details.grant_type, 'refresh_token')
    assert.equal(ok.details.audience, api.identifier)
    assert.equal(ok.details.refresh_token_issued, true)

    assertOAuthError(await refresh(server, app, 'unknown-refresh-token'), 403, 'invalid_grant')
    const failed = await newest(server.store, 'fertft')
    assert.deepEqual(failed.details, { grant_type: 'refresh_token', error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' })

    // The first token again: rotated out, and this app allows no reuse.
    assertOAuthError(await refresh(server, app, tokens.refresh_token as string), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    const reuse = await newest(server.store, 'ferrt')
    assert.equal(reuse.userId, user.id)
    assert.equal(reuse.clientId, app.clientId)
    assert.equal(reuse.details.grant_type, 'refresh_token')
    assert.equal(typeof reuse.details.grant_id, 'string')
    assert.equal(reuse.details.revoked_refresh_tokens, 2, 'the family: the rotated-out token and the live one')
    assertOAuthError(await refresh(server, app, rotated.json.refresh_token as string), 403, 'invalid_grant')
  })

  it('records a revocation (srrt) and a logout that ended a session (slo)', async () => {
    const session = new LoggedInBrowser(server, user)
    const c = await session.code(app, { audience: api.identifier, scope: SCOPE })
    const tokens = (await exchange(server, app, c.code, c.verifier as string)).json
    const revoked = await revokeRequest(server, { client_id: app.clientId, token: tokens.refresh_token as string }, { 'user-agent': UA })
    assert.equal(revoked.status, 200)
    const srrt = await newest(server.store, 'srrt')
    assert.equal(srrt.userId, user.id)
    assert.equal(srrt.clientId, app.clientId)
    assert.equal(srrt.details.revoked_refresh_tokens, 1)

    const logout = await session.browser.get(`/v2/logout?client_id=${app.clientId}&returnTo=${encodeURIComponent('http://localhost:8080/')}`, { 'user-agent': UA })
    assert.equal(logout.status, 302)
    const slo = await newest(server.store, 'slo')
    assert.equal(slo.userId, user.id)
    assert.equal(slo.clientId, app.clientId)
    assert.equal(slo.userAgent, UA)

    const count = await server.store.logs.count({ type: 'slo' })
    await session.browser.get('/v2/logout')
    assert.equal(await server.store.logs.count({ type: 'slo' }), count, 'a logout without a session records nothing')
  })

  it('records a login refused because the user is blocked (f)', async () => {
    const blocked = await addUser(server.store, { blocked: true })
    const browser = new Browser(server.url)
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge })))
    const html = await page.text()
    const res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: blocked.email, password: PASSWORD })
    assert.equal(res.status, 403)
    const refused = await newest(server.store, 'f')
    assert.equal(refused.userId, blocked.id)
    assert.deepEqual(refused.details, { user_name: blocked.email, reason: 'user is blocked' })
  })

  it('records the lock after repeated failed logins for one account and IP (limit_wc)', async () => {
    const limited = await startTestServer({ env: { LATCHKEY_RATE_LIMITS: 'on', LATCHKEY_RATE_LIMIT_LOGIN_FAILURES: '3/60' } })
    try {
      const { app: locked } = await addApp(limited.store)
      const target = await addUser(limited.store)
      const browser = new Browser(limited.url)
      let page = await browser.follow(await browser.get(authorizeUrl(limited.issuer, { clientId: locked.clientId, challenge: pkce().challenge })))
      for (let i = 0; i < 3; i++) {
        const html = await page.text()
        page = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: target.email, password: WRONG_PASSWORD })
        assert.equal(page.status, 400)
      }
      assert.equal(await limited.store.logs.count({ type: 'fp' }), 3)
      const lock = await newest(limited.store, 'limit_wc')
      assert.equal(lock.userId, target.id)
      assert.equal(lock.clientId, locked.clientId)
      assert.equal(lock.ip, '127.0.0.1')
      assert.deepEqual(lock.details, { user_name: target.email })
      assert.equal(await limited.store.logs.count({ type: 'limit_wc' }), 1, 'one event when the lock starts')
    } finally {
      await limited.close()
    }
  })

  it('records a scheduled key rotation (signing_key_rotated)', async () => {
    const { keys, audit, log } = server.running.deps
    server.clock.advance(2_000)
    const stop = startRotationSchedule(keys, 1, log, audit)
    try {
      const deadline = Date.now() + 30_000
      while ((await server.store.logs.count({ type: 'signing_key_rotated' })) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    } finally {
      stop()
    }
    assert.ok((await server.store.logs.count({ type: 'signing_key_rotated' })) > 0, `a rotation was recorded; the log says: ${server.logs.filter((l) => l.includes('rotat')).join('')}`)
    const rotated = await newest(server.store, 'signing_key_rotated')
    const key = (await server.store.signingKeys.list()).find((k) => k.kid === rotated.details.kid)
    assert.ok(key, 'the event names the new key')
    assert.equal(rotated.details.trigger, 'schedule')
    assert.equal(rotated.details.delay_seconds, 600)
    assert.equal(rotated.details.activates_at, new Date(key.activatesAt).toISOString())
    assert.equal(rotated.clientId, null)
    assert.equal(rotated.userId, null)
  })
})

describe('the audit log holds no secrets', () => {
  let server: TestServer
  after(() => server?.close())

  it('after a failed login, a full flow with a confidential client, refresh, reuse, revocation and logout, no password, code, verifier, token, secret or cookie appears in any event', async () => {
    server = await startTestServer()
    const { app, secret } = await addApp(server.store, { name: 'Confidential', type: 'regular', authMethod: 'client_secret_post', callbacks: [CALLBACK] })
    const api = await addApi(server.store, { identifier: 'https://secrets.example.com/' })
    const user = await addUser(server.store)
    const browser = new Browser(server.url)
    const secrets: string[] = [PASSWORD, WRONG_PASSWORD, secret as string]

    const { code, verifier } = await loginWithMistakes(server, browser, app, api, user.email, [[user.email, WRONG_PASSWORD]])
    secrets.push(code, verifier, ...browser.cookies.values())
    const tokens = (await exchange(server, app, code, verifier, { client_secret: secret as string })).json
    assert.equal(typeof tokens.refresh_token, 'string', JSON.stringify(tokens))
    secrets.push(tokens.access_token as string, tokens.id_token as string, tokens.refresh_token as string)
    assertOAuthError(await exchange(server, app, code, verifier, { client_secret: secret as string }), 403, 'invalid_grant')

    const refreshed = (await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, client_secret: secret as string, refresh_token: tokens.refresh_token as string })).json
    // The code replay above revoked the family, so this refresh fails; a second login gives a live one.
    const second = await new LoggedInBrowser(server, user).code(app, { audience: api.identifier, scope: SCOPE })
    const live = (await exchange(server, app, second.code, second.verifier as string, { client_secret: secret as string })).json
    const next = (await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, client_secret: secret as string, refresh_token: live.refresh_token as string })).json
    assert.equal(typeof next.refresh_token, 'string', JSON.stringify(next))
    await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, client_secret: secret as string, refresh_token: live.refresh_token as string })
    await revokeRequest(server, { client_id: app.clientId, client_secret: secret as string, token: next.refresh_token as string })
    await browser.get(`/v2/logout?client_id=${app.clientId}`)
    for (const value of [refreshed.access_token, refreshed.refresh_token, second.code, second.verifier, live.access_token, live.id_token, live.refresh_token, next.access_token, next.refresh_token]) {
      if (typeof value === 'string') secrets.push(value)
    }

    const events = await allEvents(server.store)
    const types = new Set(events.map((e) => e.type))
    for (const type of ['fp', 's', 'authorization_code_issued', 'seacft', 'authorization_code_reused', 'sertft', 'ferrt', 'srrt', 'slo'] as const)
      assert.ok(types.has(type), `the run recorded ${type} (got ${[...types].join(', ')})`)
    const dump = JSON.stringify(events)
    for (const value of secrets) {
      assert.ok(value.length >= 8, 'a secret worth looking for')
      assert.ok(!dump.includes(value), `the audit log contains a secret (${value.slice(0, 6)}…)`)
      assert.ok(!dump.includes(sha256(value)), `the audit log contains the hash of a secret (${value.slice(0, 6)}…)`)
    }
  })
})

describe('recording never fails the request', () => {
  it('an audit write that throws is reported (type only) and the token endpoint still answers', async () => {
    const server = await startTestServer()
    try {
      const { app } = await addApp(server.store)
      const user = await addUser(server.store)
      const c = await new LoggedInBrowser(server, user).code(app)
      const logs = server.store.logs as { append: (event: AuditEventRecord) => Promise<void> }
      logs.append = async () => {
        throw new Error('disk full')
      }
      const r = await exchange(server, app, c.code, c.verifier as string)
      assert.equal(r.status, 200)
      const line = server.logs.find((l) => l.includes('audit event not recorded'))
      assert.ok(line, 'the failure is logged')
      assert.match(line, /"type":"seacft"/)
      assert.match(line, /disk full/)
      assert.ok(!line.includes(r.json.access_token as string))
    } finally {
      await server.close()
    }
  })

  it('AuditLog.record resolves even when the reporter throws too', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    await store.close()
    let reported = 0
    const audit = new AuditLog({
      store,
      clock: { now: () => 0 },
      onError: () => {
        reported += 1
        throw new Error('reporter broke')
      },
    })
    await audit.record(undefined, { type: 's' })
    assert.equal(reported, 1)
  })

  it('LATCHKEY_AUDIT_RETENTION_DAYS: 30 days by default, 0 keeps events forever, garbage is refused', () => {
    assert.equal(loadConfig({}, {}).auditRetentionDays, 30)
    assert.equal(loadConfig({}, { LATCHKEY_AUDIT_RETENTION_DAYS: '7' }).auditRetentionDays, 7)
    assert.equal(loadConfig({}, { LATCHKEY_AUDIT_RETENTION_DAYS: '0' }).auditRetentionDays, 0)
    assert.throws(() => loadConfig({}, { LATCHKEY_AUDIT_RETENTION_DAYS: 'a week' }), /LATCHKEY_AUDIT_RETENTION_DAYS/)
    assert.throws(() => loadConfig({}, { LATCHKEY_AUDIT_RETENTION_DAYS: '-1' }), /LATCHKEY_AUDIT_RETENTION_DAYS/)
  })
})

// The CLI on a SQLite file the server also serves from: in this process (support/cli.ts), and a usage
// error as the real binary.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runLatchkey(args, { cwd: ROOT })
}

async function json<T = Record<string, any>>(args: string[]): Promise<T> {
  const res = await cli([...args, '--json'])
  assert.equal(res.code, 0, `latchkey ${args.join(' ')} failed: ${res.stderr}`)
  return JSON.parse(res.stdout) as T
}

describe('admin changes from the CLI, and `latchkey logs`', { concurrency: 1 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-audit-'))
  const file = join(dir, 'latchkey.db')
  const db = ['--db', `sqlite:${file}`]
  const osUser = userInfo().username
  const cliSecrets: string[] = []
  let server: TestServer
  let spa: Record<string, any>
  let person: Record<string, any>

  before(async () => {
    server = await startTestServer({ db: `sqlite:${file}` })
  })
  after(async () => {
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('records app, API and user changes as sapi events with the action, the target, actor "cli" and the OS user', async () => {
    // Independent changes run side by side (SQLite serialises them); the rest in order.
    let regular: Record<string, any>
    let apiRecord: Record<string, any>
    ;[spa, regular, person, apiRecord] = await Promise.all([
      json(['apps', 'create', '--name', 'Audit SPA', '--type', 'spa', '--callbacks', CALLBACK, '--logout-urls', 'http://localhost:8080/', ...db]),
      json(['apps', 'create', '--name', 'Audit Web', '--type', 'regular', '--callbacks', 'https://web.example.com/cb', ...db]),
      json(['users', 'create', '--email', 'audited@example.com', '--password', PASSWORD, ...db]),
      json(['apis', 'create', '--name', 'Audit API', '--identifier', 'https://audit-api.example.com/', '--scopes', 'read:x', '--offline-access', ...db]),
    ])
    cliSecrets.push(regular.client_secret)
    const [rotated] = await Promise.all([
      json(['apps', 'rotate-secret', regular.client_id, ...db]),
      json(['apps', 'update', spa.client_id, '--name', 'Audit SPA 2', '--web-origins', 'http://localhost:8080', ...db]),
      json(['apis', 'update', apiRecord.id, '--token-lifetime', '600', ...db]),
    ])
    cliSecrets.push(rotated.client_secret)
    await Promise.all([json(['apps', 'delete', regular.client_id, '--force', ...db]), json(['apis', 'delete', apiRecord.id, '--force', ...db])])

    const sapi = await server.store.logs.list({ type: 'sapi' })
    // Newest first, so for an action done twice the map keeps the oldest.
    const byAction = new Map(sapi.map((e) => [e.details.action, e]))
    assert.deepEqual([...byAction.keys()].sort(), [
      'api.created',
      'api.deleted',
      'api.updated',
      'application.created',
      'application.deleted',
      'application.secret_rotated',
      'application.updated',
      'user.created',
    ])
    for (const e of sapi) {
      assert.equal(e.details.actor, 'cli')
      assert.equal(e.details.os_user, osUser)
      assert.equal(e.ip, null)
    }
    assert.deepEqual(sapi.filter((e) => e.details.action === 'application.created').map((e) => e.clientId).sort(), [spa.client_id, regular.client_id].sort())
    assert.equal(byAction.get('application.secret_rotated')?.clientId, regular.client_id)
    assert.deepEqual(byAction.get('application.updated')?.details.fields, ['name', 'webOrigins'])
    assert.equal(byAction.get('application.deleted')?.details.name, 'Audit Web')
    assert.equal(byAction.get('user.created')?.userId, person.user_id)
    assert.equal(byAction.get('api.created')?.details.identifier, 'https://audit-api.example.com/')
  })

  it('records a login through the server on the same database, then a password change, a block and a key rotation from the CLI', async () => {
    const app = (await server.store.applications.get(spa.client_id)) as ApplicationRecord
    const user = (await server.store.users.get(person.user_id)) as UserRecord
    await new LoggedInBrowser(server, user).tokens(app)
    const newPassword = 'a-new-password-for-audit'
    cliSecrets.push(newPassword)
    await json(['users', 'update', person.email, '--password', newPassword, ...db])
    await json(['users', 'block', person.user_id, ...db])
    const key = await json(['keys', 'rotate', '--db', `sqlite:${join(dir, 'keys.db')}`])

    const [blocked, updated] = await server.store.logs.list({ type: 'sapi', userId: person.user_id, perPage: 2 })
    assert.equal(blocked?.details.action, 'user.blocked')
    assert.equal(updated?.details.action, 'user.updated')
    assert.deepEqual(updated?.details.fields, ['password'], 'the field that changed, not its value')

    const keys = await openAndMigrate(`sqlite:${join(dir, 'keys.db')}`)
    try {
      const [rotation] = await keys.logs.list({ type: 'signing_key_rotated' })
      assert.equal(rotation?.details.kid, key.kid)
      assert.equal(rotation?.details.trigger, 'cli')
      assert.equal(rotation?.details.actor, 'cli')
      assert.equal(rotation?.details.os_user, osUser)
    } finally {
      await keys.close()
    }

    const dump = JSON.stringify(await allEvents(server.store))
    for (const value of [...cliSecrets, PASSWORD]) assert.ok(!dump.includes(value), `no secret from the CLI in the log (${value.slice(0, 4)}…)`)
  })

  it('`latchkey logs` prints one line per event, newest first: time, type, description, client, user, ip', async () => {
    const res = await cli(['logs', ...db])
    assert.equal(res.code, 0, res.stderr)
    const lines = res.stdout.trimEnd().split('\n')
    assert.match(lines[0] ?? '', /^TIME\s+TYPE\s+DESCRIPTION\s+CLIENT\s+USER\s+IP$/)
    const total = await server.store.logs.count()
    assert.equal(lines.length, 1 + Math.min(50, total))
    assert.match(lines[1] ?? '', /^\S+Z\s+sapi\s+Block a user: audited@example\.com\s+-\s+auth0\|\S+\s+-$/)
    assert.ok(lines.some((l) => /\ss\s+Successful login\s+\S+\s+auth0\|\S+\s+127\.0\.0\.1$/.test(l)), 'the server’s login, with its IP')
    assert.ok(lines.some((l) => l.includes('Create an application: Audit SPA')))
  })

  it('`latchkey logs` filters by type, user (id or email), client, time and count; --json uses Auth0 log fields', async () => {
    const [byType, byEmail, byClient, recent, none] = await Promise.all([
      json<Record<string, any>[]>(['logs', '--type', 's', '--type', 'seacft,authorization_code_issued', ...db]),
      json<Record<string, any>[]>(['logs', '--user', 'AUDITED@example.com', ...db]),
      json<Record<string, any>[]>(['logs', '--client', spa.client_id, '--type', 'sapi', ...db]),
      json<Record<string, any>[]>(['logs', '--since', '1h', '--limit', '2', ...db]),
      json<Record<string, any>[]>(['logs', '--since', '2999-01-01T00:00Z', ...db]),
    ])
    assert.deepEqual(byType.map((e) => e.type), ['seacft', 'authorization_code_issued', 's'])
    assert.deepEqual(Object.keys(byType[0] ?? {}), ['log_id', 'date', 'type', 'description', 'client_id', 'user_id', 'ip', 'user_agent', 'details'])
    assert.equal(byType[0]?.description, 'Successful exchange of authorization code for access token')
    assert.equal(byType[0]?.client_id, spa.client_id)
    assert.equal(byType[0]?.user_id, person.user_id)
    assert.ok(!Number.isNaN(Date.parse(byType[0]?.date)))

    assert.ok(byEmail.length >= 6, 'login, code, exchange and three admin changes')
    assert.ok(byEmail.every((e) => e.user_id === person.user_id))
    assert.deepEqual(byClient.map((e) => e.details.action), ['application.updated', 'application.created'])
    assert.equal(recent.length, 2)
    assert.equal(recent[0]?.details.action, 'user.blocked')
    assert.deepEqual(none, [])
  })

  it('`latchkey logs` refuses an unknown type or time as a usage error (exit 2)', async () => {
    const [type, since] = await Promise.all([runLatchkeyProcess(['logs', '--type', 'nope', ...db], { cwd: ROOT }), cli(['logs', '--since', 'yesterday', ...db])])
    assert.equal(type.code, 2)
    assert.match(type.stderr, /unknown event type "nope"/)
    assert.equal(since.code, 2)
    assert.match(since.stderr, /expected a duration ago/)
  })
})
