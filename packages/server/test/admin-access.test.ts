/**
 * Administrators and the admin console's access to the Management API: `latchkey admins` gives users
 * the built-in roles; an administrator logs in through the console's app (authorization code with
 * PKCE, no consent screen) asking for `{issuer}api/v2/` and gets a token carrying their permissions,
 * which the Management API accepts (a read-only administrator may read, not change); nobody else gets
 * a user token for it: not a user without the role, not another application, not anyone when the
 * console is off (LATCHKEY_ADMIN_CONSOLE=off).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ADMIN_CONSOLE_CLIENT_ID, type ApplicationRecord, type UserRecord } from '@latchkey/core'
import { adminConsoleConfig } from '../src/admin-console-app.js'
import { managementScopes } from '../src/management/system-api.js'
import { authorizeUrl, Browser, formAction, hiddenField, pkce } from './support/browser.js'
import { runLatchkey } from './support/cli.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { lastChange, managementCall } from './support/management.js'
import { claims, tokenRequest } from './support/oauth.js'

const ALL_SCOPES = managementScopes().map((s) => s.value)
const READ_SCOPES = ALL_SCOPES.filter((s) => s.startsWith('read:'))

/**
 * Logs `user` in at /authorize for `app` and returns where the server sends the browser at the end:
 * the callback's query (code or error). The console's callback is on the server's own origin, so the
 * redirects are followed by hand, up to it.
 */
async function authorize(server: TestServer, app: ApplicationRecord, user: UserRecord, audience: string): Promise<{ params: URLSearchParams; verifier: string }> {
  const browser = new Browser(server.url)
  const { verifier, challenge } = pkce()
  const callback = app.callbacks[0] as string
  const url = authorizeUrl(server.issuer, { clientId: app.clientId, redirectUri: callback, audience, scope: 'openid offline_access', challenge })
  let res = await browser.get(url)
  for (let i = 0; i < 10; i++) {
    const location = res.headers.get('location')
    if (location?.startsWith(callback)) return { params: new URL(location).searchParams, verifier }
    if (location) {
      res = await browser.get(location)
      continue
    }
    const path = new URL(res.url).pathname
    assert.equal(path, '/u/login', `no consent or other page for the console (at ${path})`)
    const html = await res.text()
    res = await browser.post(formAction(html, '/u/login?'), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD })
  }
  throw new Error('too many redirects')
}

/** The whole code flow: the token endpoint's answer. */
async function tokens(server: TestServer, app: ApplicationRecord, user: UserRecord, audience: string) {
  const { params, verifier } = await authorize(server, app, user, audience)
  const code = params.get('code')
  assert.ok(code, `no code: ${params}`)
  return tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
}

describe('administrators and the admin console', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-admins-'))
  const db = `sqlite:${join(dir, 'latchkey.db')}`
  let server: TestServer
  let audience: string
  let consoleApp: ApplicationRecord
  let admin: UserRecord
  let reader: UserRecord
  let plain: UserRecord

  before(async () => {
    server = await startTestServer({ db })
    audience = `${server.issuer}api/v2/`
    consoleApp = (await server.store.applications.get(ADMIN_CONSOLE_CLIENT_ID)) as ApplicationRecord
    admin = await addUser(server.store)
    reader = await addUser(server.store)
    plain = await addUser(server.store)
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it("the console's app exists at start: a first-party public SPA with the documented client_id and URLs", () => {
    assert.ok(consoleApp)
    assert.equal(consoleApp.appType, 'spa')
    assert.equal(consoleApp.tokenEndpointAuthMethod, 'none')
    assert.equal(consoleApp.isFirstParty, true)
    assert.deepEqual(consoleApp.callbacks, [`${server.issuer}admin/callback`])
    assert.deepEqual(consoleApp.allowedLogoutUrls, [`${server.issuer}admin/`])
    assert.deepEqual(consoleApp.webOrigins, [new URL(server.issuer).origin])
    assert.equal(consoleApp.refreshToken.rotation, 'rotating')
  })

  it('latchkey admins add / list / remove give and take the built-in roles', async () => {
    const add = await runLatchkey(['admins', 'add', admin.email, '--db', db])
    assert.equal(add.code, 0, add.stderr)
    assert.match(add.stdout, /is now an administrator \(admin\)/)
    const addReader = await runLatchkey(['admins', 'add', reader.email, '--role', 'read-only', '--db', db])
    assert.equal(addReader.code, 0, addReader.stderr)
    const addPlain = await runLatchkey(['admins', 'add', plain.email, '--db', db])
    assert.equal(addPlain.code, 0, addPlain.stderr)
    const removed = await runLatchkey(['admins', 'remove', plain.email, '--db', db])
    assert.equal(removed.code, 0, removed.stderr)
    const list = await runLatchkey(['admins', 'list', '--json', '--db', db])
    assert.deepEqual(JSON.parse(list.stdout), [
      { user_id: admin.id, email: admin.email, role: 'admin' },
      { user_id: reader.id, email: reader.email, role: 'read-only' },
    ])
    const unknown = await runLatchkey(['admins', 'add', 'nobody@example.com', '--db', db])
    assert.equal(unknown.code, 1)
    assert.match(unknown.stderr, /no user with email or id "nobody@example.com"/)
  })

  it('an administrator logs in through the console (no consent) and gets a Management API token with every scope', async () => {
    const r = await tokens(server, consoleApp, admin, audience)
    assert.equal(r.status, 200, JSON.stringify(r.json))
    const token = r.json.access_token as string
    const payload = claims(token)
    assert.equal(payload.sub, admin.id)
    assert.ok([payload.aud].flat().includes(audience))
    assert.deepEqual(String(payload.scope).split(' ').filter((s) => s.includes(':')).sort(), ALL_SCOPES)
    assert.ok(r.json.refresh_token, 'a (rotating) refresh token for the console')

    assert.equal((await managementCall(server, token, 'GET', 'clients')).status, 200)
    const created = await managementCall(server, token, 'POST', 'clients', { name: 'Made in the console', app_type: 'non_interactive' })
    assert.equal(created.status, 201, created.text)
    const change = await lastChange(server)
    assert.equal(change.clientId, ADMIN_CONSOLE_CLIENT_ID)
    assert.equal(change.details.actor_user_id, admin.id)

    // The console's own app is the server's: not deleted or changed through the API.
    const kept = await managementCall(server, token, 'DELETE', `clients/${ADMIN_CONSOLE_CLIENT_ID}`)
    assert.equal(kept.status, 400, kept.text)
    assert.equal(kept.json.errorCode, 'operation_not_supported')
    assert.equal((await managementCall(server, token, 'PATCH', `clients/${ADMIN_CONSOLE_CLIENT_ID}`, { callbacks: ['https://evil.example/cb'] })).status, 400)
    // Nor through the CLI: update, rotate-secret and delete refuse it; show still shows it.
    for (const args of [['update', ADMIN_CONSOLE_CLIENT_ID, '--callbacks', 'https://evil.example/cb'], ['rotate-secret', ADMIN_CONSOLE_CLIENT_ID], ['delete', ADMIN_CONSOLE_CLIENT_ID, '--force']]) {
      const refused = await runLatchkey(['apps', ...args, '--db', db])
      assert.equal(refused.code, 1, `apps ${args[0]}: ${refused.stdout}${refused.stderr}`)
      assert.match(refused.stderr, /the server keeps it/)
    }
    assert.equal((await runLatchkey(['apps', 'show', ADMIN_CONSOLE_CLIENT_ID, '--db', db])).code, 0)
    assert.deepEqual((await server.store.applications.get(ADMIN_CONSOLE_CLIENT_ID))?.callbacks, consoleApp.callbacks)

    // A refresh keeps it going, still with the administrator's permissions.
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', client_id: consoleApp.clientId, refresh_token: r.json.refresh_token as string })
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json))
    assert.equal((await managementCall(server, refreshed.json.access_token as string, 'GET', 'stats/active-users')).status, 200)
  })

  it('a read-only administrator reads (200) and is refused changes (403 insufficient_scope)', async () => {
    const r = await tokens(server, consoleApp, reader, audience)
    assert.equal(r.status, 200, JSON.stringify(r.json))
    const token = r.json.access_token as string
    assert.deepEqual(String(claims(token).scope).split(' ').filter((s) => s.includes(':')).sort(), READ_SCOPES)
    assert.equal((await managementCall(server, token, 'GET', 'clients')).status, 200)
    const refused = await managementCall(server, token, 'POST', 'clients', { name: 'Not allowed', app_type: 'non_interactive' })
    assert.equal(refused.status, 403)
    assert.equal(refused.json.errorCode, 'insufficient_scope')
  })

  it('a user who is not an administrator (or no longer is) gets no Management API token', async () => {
    const r = await tokens(server, consoleApp, plain, audience)
    assert.equal(r.status, 403, JSON.stringify(r.json))
    assert.equal(r.json.error, 'access_denied')
    assert.match(String(r.json.error_description), /not an administrator/)
  })

  it('another application cannot get a user token for the Management API, even for an administrator', async () => {
    const { app } = await addApp(server.store, { name: 'Someone else', firstParty: true })
    const { params } = await authorize(server, app, admin, audience)
    assert.equal(params.get('error'), 'access_denied')
    assert.equal(params.get('error_description'), 'The Management API is not available to this application')
  })

  it('LATCHKEY_ADMIN_CONSOLE=off: no console app, and so no user token for the Management API', async () => {
    const off = await startTestServer({ db, env: { LATCHKEY_ADMIN_CONSOLE: 'off' } })
    try {
      assert.equal(await off.store.applications.get(ADMIN_CONSOLE_CLIENT_ID), null)
      const res = await fetch(authorizeUrl(off.issuer, { clientId: ADMIN_CONSOLE_CLIENT_ID, redirectUri: `${off.issuer}admin/callback`, audience, challenge: pkce().challenge }), { redirect: 'manual' })
      assert.notEqual(res.status, 302, 'no redirect to the console: its app does not exist')
    } finally {
      await off.close()
    }
  })

  it('LATCHKEY_ADMIN_CONSOLE_ORIGIN moves its URLs to the console’s own origin, which alone may call the Management API from a browser', async () => {
    const origin = 'http://admin.localhost:9999'
    const own = await startTestServer({ env: { LATCHKEY_ADMIN_CONSOLE_ORIGIN: origin } })
    try {
      const app = await own.store.applications.get(ADMIN_CONSOLE_CLIENT_ID)
      assert.deepEqual([app?.callbacks, app?.webOrigins], [[`${origin}/admin/callback`], [origin]])
      const preflight = (from: string) =>
        fetch(`${own.url}api/v2/clients`, { method: 'OPTIONS', headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' } })
      assert.equal((await preflight(origin)).headers.get('access-control-allow-origin'), origin)
      assert.equal((await preflight('https://evil.example')).headers.get('access-control-allow-origin'), null)
    } finally {
      await own.close()
    }
  })

  it('LATCHKEY_ADMIN_CONSOLE_ORIGIN: bad values are refused', () => {
    const config = adminConsoleConfig({ LATCHKEY_ADMIN_CONSOLE_ORIGIN: 'https://admin.example.com' }, 'https://login.example.com/')
    assert.deepEqual(config, { enabled: true, baseUrl: 'https://admin.example.com/admin/' })
    assert.throws(() => adminConsoleConfig({ LATCHKEY_ADMIN_CONSOLE_ORIGIN: 'https://admin.example.com/console' }, 'https://login.example.com/'), /must be an origin/)
    assert.throws(() => adminConsoleConfig({ LATCHKEY_ADMIN_CONSOLE_ORIGIN: 'http://admin.example.com' }, 'https://login.example.com/'), /must use https/)
    assert.throws(() => adminConsoleConfig({ LATCHKEY_ADMIN_CONSOLE: 'maybe' }, 'https://login.example.com/'), /LATCHKEY_ADMIN_CONSOLE/)
  })
})
