/**
 * Auth0's refresh_token settings at the token endpoint, over real HTTP: a non-rotating app's refresh
 * answers without a new refresh token and the same one keeps working, from many requests at once
 * (Apache's mod_auth_openidc refreshes from parallel requests), with every other protection kept;
 * non-expiring and infinite lifetimes outlive the defaults; an idle lifetime slides at each use and
 * still ends an unused token. The apps come from `latchkey apps create|update`, on the server's database.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApiRecord, type ApplicationRecord, sha256, type UserRecord } from '@latchkey/core'
import { runLatchkey } from './support/cli.js'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { assertOAuthError, LoggedInBrowser, revokeRequest, tokenRequest } from './support/oauth.js'

const SCOPE = 'openid profile offline_access read:appointments'
const DAY = 86_400_000

describe('refresh_token settings (Auth0 rotation_type, expiration_type and lifetimes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-refresh-settings-'))
  const db = `sqlite:${join(dir, 'latchkey.db')}`
  let server: TestServer
  let api: ApiRecord
  let user: UserRecord
  let session: LoggedInBrowser
  /** Non-rotating and non-expiring, as `latchkey apps create` made it. */
  let keeper: ApplicationRecord
  /** Non-rotating, expiring after an hour unused, no absolute lifetime. */
  let idle: ApplicationRecord

  /** `latchkey apps …` on the server's database, its JSON answer. */
  async function latchkey(args: string[]): Promise<Record<string, any>> {
    const res = await runLatchkey([...args, '--db', db, '--json'])
    assert.equal(res.code, 0, res.stderr)
    return JSON.parse(res.stdout)
  }

  before(async () => {
    server = await startTestServer({ db })
    api = await addApi(server.store, { identifier: 'https://refresh-settings.example.com/' })
    user = await addUser(server.store)
    session = new LoggedInBrowser(server, user)
    const created = await latchkey([
      'apps', 'create', '--name', 'mod_auth_openidc', '--type', 'spa', '--callbacks', 'http://localhost:8080/callback',
      '--refresh-rotation', 'non-rotating', '--refresh-expiration', 'non-expiring',
    ])
    const updated = await latchkey(['apps', 'update', created.client_id, '--refresh-idle-lifetime', 'infinite', '--refresh-absolute-lifetime', 'infinite'])
    assert.deepEqual(updated.refresh_token, {
      rotation_type: 'non-rotating',
      expiration_type: 'non-expiring',
      leeway: 0,
      idle_token_lifetime: 1_296_000,
      token_lifetime: 2_592_000,
      infinite_idle_token_lifetime: true,
      infinite_token_lifetime: true,
    })
    keeper = (await server.store.applications.get(created.client_id)) as ApplicationRecord
    ;({ app: idle } = await addApp(server.store, { name: 'Idle', refreshToken: { rotation: 'non-rotating', idleLifetimeSeconds: 3600, infiniteAbsoluteLifetime: true } }))
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const refresh = (app: ApplicationRecord, refreshToken: string) =>
    tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken })

  /** A fresh login of `app`: its refresh token. */
  async function login(app: ApplicationRecord): Promise<string> {
    const c = await session.code(app, { audience: api.identifier, scope: SCOPE })
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    return r.json.refresh_token as string
  }

  it('the CLI refuses a rotating token that never expires, naming the flag', async () => {
    const res = await runLatchkey(['apps', 'update', keeper.clientId, '--refresh-rotation', 'rotating', '--db', db])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /--refresh-expiration: rotating refresh tokens must expire/)
  })

  it('non-rotating: 10 concurrent refreshes with the same token all succeed without a new refresh token, and the token keeps working', async () => {
    const token = await login(keeper)
    const answers = await Promise.all(Array.from({ length: 10 }, () => refresh(keeper, token)))
    for (const r of answers) {
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.equal(typeof r.json.access_token, 'string')
      assert.equal(r.json.refresh_token, undefined, 'the client keeps the one it has (RFC 6749 §6)')
    }
    assert.equal((await refresh(keeper, token)).status, 200)
    const stored = await server.store.refreshTokens.findByHash(sha256(token))
    assert.equal(stored?.rotatedAt, null)
  })

  it('non-rotating: another client is refused, and revocation of the token ends it', async () => {
    const token = await login(keeper)
    assertOAuthError(await refresh(idle, token), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
    assert.equal((await refresh(keeper, token)).status, 200, 'the refused attempt left it as it was')
    assert.equal((await revokeRequest(server, { client_id: keeper.clientId, token })).status, 200)
    assertOAuthError(await refresh(keeper, token), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
  })

  it('non-rotating: a blocked user\'s tokens stop working (family revocation)', async () => {
    const other = await addUser(server.store)
    const otherSession = new LoggedInBrowser(server, other)
    const c = await otherSession.code(keeper, { audience: api.identifier, scope: SCOPE })
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: keeper.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri })
    const token = r.json.refresh_token as string
    assert.equal((await refresh(keeper, token)).status, 200)
    await server.store.users.update(other.id, { blocked: true, updatedAt: server.clock.now() })
    assertOAuthError(await refresh(keeper, token), 403, 'invalid_grant', 'user is blocked')
    await server.store.users.update(other.id, { blocked: false, updatedAt: server.clock.now() })
    assertOAuthError(await refresh(keeper, token), 403, 'invalid_grant', 'Unknown or invalid refresh token.')
  })

  it('an idle lifetime slides at each use and still ends a token left unused; infinite lifetimes outlive the defaults', async () => {
    const sliding = await login(idle)
    const forever = await login(keeper)
    for (let i = 0; i < 3; i++) {
      server.clock.advance(40 * 60_000)
      assert.equal((await refresh(idle, sliding)).status, 200, `use ${i + 1}: within an hour of the last one`)
    }
    server.clock.advance(61 * 60_000)
    assertOAuthError(await refresh(idle, sliding), 403, 'invalid_grant', 'Unknown or invalid refresh token.')

    server.clock.advance(400 * DAY)
    const late = await refresh(keeper, forever)
    assert.equal(late.status, 200, 'past the default 15-day idle and 30-day absolute lifetimes, and a year')
  })
})
