/**
 * Trickle migration from an Auth0 tenant, against a local stand-in of the old tenant (its
 * /oauth/token with the password-realm grant, and /userinfo): turned on with the CLI, a user unknown
 * here logs in with their old password and keeps their old user_id as `sub`; the next login never
 * asks the old tenant; a wrong password is the usual failure; an old tenant that fails or hangs gets
 * a clear 503 page, while users already migrated log in as usual; a user imported without a
 * password is completed; `latchkey migration status` counts them.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, ConnectionRecord, UserRecord } from '@latchkey/core'
import { generateKeyPair, SignJWT } from 'jose'
import { OLD_TENANT_UNAVAILABLE } from '../src/interaction/password-check.js'
import { authorizeUrl, Browser, loginThrough, pkce } from './support/browser.js'
import { envWithoutDb, runLatchkey } from './support/cli.js'
import { addApp, addUser, PASSWORD, startTestServer, TEST_SECRET, type TestServer } from './support/harness.js'
import { managementCall, m2m } from './support/management.js'
import { claims, LoggedInBrowser } from './support/oauth.js'

const DATABASE = 'Username-Password-Authentication'
const OLD_APP = { clientId: 'old-tenant-app', secret: 'old-tenant-app-secret-7c1e9b' }
/** The old tenant's users: their Auth0 ids and profiles. */
const OLD_USERS: Record<string, { sub: string; name: string; nickname: string; picture?: string }> = {
  'ada@old.example': { sub: 'auth0|5f7c8ec7c33c6c004bbafe82', name: 'Ada Lovelace', nickname: 'ada' },
  'bob@old.example': { sub: 'auth0|5f7c8ec7c33c6c004bbafe83', name: 'Bob', nickname: 'bob' },
  'carol@old.example': { sub: 'auth0|imported-without-password', name: 'Carol', nickname: 'carol' },
  'dan@old.example': { sub: 'auth0|5f7c8ec7c33c6c004bbafe84', name: 'Dan', nickname: 'dan' },
  'eve@old.example': { sub: 'auth0|5f7c8ec7c33c6c004bbafe85', name: 'Eve\u0000\u202e', nickname: 'eve', picture: 'javascript:alert(document.domain)' },
  'mallory@old.example': { sub: 'google-oauth2|1234567890', name: 'Mallory', nickname: 'mallory' },
}
/** Users the old tenant blocks. */
const BLOCKED = new Set(['dan@old.example'])
/** The old tenant's ID token signing key (RS256, as Auth0's default). */
const signingKey = (await generateKeyPair('RS256')).privateKey

/** A stand-in for the old Auth0 tenant; `mode` makes it fail, and `tokenCalls` counts what it was asked. */
class OldTenant {
  mode: 'ok' | 'error' | 'hang' = 'ok'
  tokenCalls = 0
  readonly bodies: string[] = []
  readonly #tokens = new Map<string, string>()
  readonly #server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      if (this.mode === 'hang') return
      if (this.mode === 'error') return this.#json(res, 500, { error: 'server_error' })
      if (req.method === 'POST' && req.url === '/oauth/token') return this.#token(res, body)
      if (req.method === 'GET' && req.url === '/userinfo') return this.#userinfo(res, req.headers.authorization ?? '')
      this.#json(res, 404, { error: 'not_found' })
    })
  })
  url = ''

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    const address = this.#server.address()
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  }

  close(): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }

  #token(res: import('node:http').ServerResponse, body: string): void {
    this.tokenCalls++
    this.bodies.push(body)
    const form = new URLSearchParams(body)
    const expected = { grant_type: 'http://auth0.com/oauth/grant-type/password-realm', client_id: OLD_APP.clientId, client_secret: OLD_APP.secret, realm: DATABASE }
    const wrong = Object.entries(expected).find(([key, value]) => form.get(key) !== value)
    const username = form.get('username') ?? ''
    if (wrong) this.#json(res, 401, { error: 'access_denied', error_description: `bad ${wrong[0]}` })
    else if (!OLD_USERS[username] || form.get('password') !== PASSWORD) this.#json(res, 403, { error: 'invalid_grant', error_description: 'Wrong email or password.' })
    else if (BLOCKED.has(username)) this.#json(res, 401, { error: 'unauthorized', error_description: 'user is blocked' })
    else void this.#issue(res, username, form.get('scope'))
  }

  /** An access token for /userinfo and, as Auth0 answers the password-realm grant with scope openid, an ID token. */
  async #issue(res: import('node:http').ServerResponse, username: string, scope: string | null): Promise<void> {
    const token = randomBytes(16).toString('hex')
    this.#tokens.set(token, username)
    const idToken = await new SignJWT({ email: username })
      .setProtectedHeader({ alg: 'RS256', kid: 'old' })
      .setIssuer(`${this.url}/`)
      .setAudience(OLD_APP.clientId)
      .setSubject(OLD_USERS[username]?.sub as string)
      .setIssuedAt()
      .setExpirationTime('10h')
      .sign(signingKey)
    this.#json(res, 200, { access_token: token, id_token: idToken, token_type: 'Bearer', expires_in: 86400, scope })
  }

  #userinfo(res: import('node:http').ServerResponse, authorization: string): void {
    const email = this.#tokens.get(authorization.replace(/^Bearer /, ''))
    const user = email ? OLD_USERS[email] : undefined
    if (!email || !user) this.#json(res, 401, { error: 'invalid_token' })
    else this.#json(res, 200, { sub: user.sub, email, email_verified: true, name: user.name, nickname: user.nickname, picture: user.picture ?? 'https://old.example/a.png' })
  }

  #json(res: import('node:http').ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value))
  }
}

const dir = mkdtempSync(join(tmpdir(), 'latchkey-trickle-'))
const DB = `sqlite:${join(dir, 'latchkey.db')}`

describe('trickle migration from an Auth0 tenant', () => {
  let server: TestServer
  let app: ApplicationRecord
  const old = new OldTenant()
  const asUser = (email: string) => ({ email }) as UserRecord

  /** A login of `email` through the real pages, in a fresh browser: the response that leaves the server. */
  const attempt = (email: string, password: string) => loginThrough(new Browser(server.url), authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge }), email, password)

  before(async () => {
    await old.start()
    server = await startTestServer({ db: DB })
    app = (await addApp(server.store)).app
  })
  after(async () => {
    await server.close()
    await old.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('is turned on for the database connection with the CLI; the old app\'s secret is sealed, never shown', async () => {
    const args = ['connections', 'update', DATABASE, '--import-mode', '--migration-domain', old.url, '--migration-client-id', OLD_APP.clientId, '--client-secret', OLD_APP.secret]
    const r = await runLatchkey([...args, '--db', DB, '--json'], { env: { ...envWithoutDb(), LATCHKEY_SECRET: TEST_SECRET } })
    assert.equal(r.code, 0, r.stderr)
    const shown = JSON.parse(r.stdout)
    assert.deepEqual(shown.options, { import_mode: true, migration_source: { type: 'auth0', domain: old.url, client_id: OLD_APP.clientId } })
    assert.ok(!r.stdout.includes(OLD_APP.secret))
    const stored = (await server.store.connections.findByName(DATABASE)) as ConnectionRecord
    assert.ok(stored.sealedClientSecret && !stored.sealedClientSecret.includes(OLD_APP.secret))
  })

  it('a user unknown here logs in with the old password: created with the old user_id as sub and an argon2id hash; the next login never asks the old tenant', async () => {
    const tokens = await new LoggedInBrowser(server, asUser('ada@old.example')).tokens(app, { scope: 'openid profile email' })
    const idToken = claims(tokens.id_token)
    assert.deepEqual([idToken.sub, idToken.name, idToken.email, idToken.email_verified], [OLD_USERS['ada@old.example']?.sub, 'Ada Lovelace', 'ada@old.example', true])
    assert.equal(old.tokenCalls, 1)
    const user = await server.store.users.findByEmail('ada@old.example')
    assert.match(user?.passwordHash ?? '', /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    await new LoggedInBrowser(server, asUser('ada@old.example')).tokens(app)
    assert.equal(old.tokenCalls, 1, 'an ordinary local user now')
    assert.ok(!server.logs.join('\n').includes(PASSWORD), 'the password is never logged')
  })

  it("the old tenant's profile is read as upstream profiles are (no control characters, a picture only as an http(s) URL); an id that is not a database user's is refused", async () => {
    await new LoggedInBrowser(server, asUser('eve@old.example')).tokens(app)
    const eve = await server.store.users.findByEmail('eve@old.example')
    assert.deepEqual([eve?.id, eve?.name, eve?.picture], [OLD_USERS['eve@old.example']?.sub, 'Eve', null])
    const res = await attempt('mallory@old.example', PASSWORD)
    assert.equal(res.status, 503)
    assert.equal(await server.store.users.findByEmail('mallory@old.example'), null)
    assert.equal(await server.store.users.get('google-oauth2|1234567890'), null)
  })

  it('a wrong password is the usual failure, and saves nothing', async () => {
    const before = old.tokenCalls
    const res = await attempt('bob@old.example', 'not the old password')
    assert.equal(res.status, 400)
    assert.match(await res.text(), /Wrong email or password\./)
    assert.equal(old.tokenCalls, before + 1)
    assert.equal(await server.store.users.findByEmail('bob@old.example'), null)
  })

  it('a user the old tenant blocks is told so, and saved nowhere', async () => {
    const res = await attempt('dan@old.example', PASSWORD)
    assert.equal(res.status, 403)
    assert.match(await res.text(), /Your account is blocked/)
    assert.equal(await server.store.users.findByEmail('dan@old.example'), null)
  })

  it('the Management API refuses unusable settings, naming the option', async () => {
    const { token } = await m2m(server, ['update:connections'])
    const database = (await server.store.connections.findByName(DATABASE)) as ConnectionRecord
    const patch = (options: unknown) => managementCall(server, token, 'PATCH', `connections/${database.id}`, { options })
    const refused: [unknown, RegExp][] = [
      [{ import_mode: true }, /migration_source is required/],
      [{ import_mode: 'yes', migration_source: { domain: old.url, client_id: 'x' } }, /import_mode must be true or false/],
      [{ import_mode: true, migration_source: { domain: 'http://old.example', client_id: 'x' } }, /domain must use https/],
      [{ import_mode: true, migration_source: { domain: 'old.example' } }, /client_id must be a non-empty string/],
      [{ import_mode: true, migration_source: { domain: 'old.example', client_id: 'x', scope: 'all' } }, /unknown scope/],
      [{ passwordPolicy: 'good' }, /takes no options/],
    ]
    for (const [options, message] of refused) {
      const r = await patch(options)
      assert.equal(r.status, 400, r.text)
      assert.match(r.json.message, message)
    }
    assert.deepEqual((await server.store.connections.findByName(DATABASE))?.options, database.options, 'nothing changed')
  })

  it('a user imported without a password is completed, keeping the imported id', async () => {
    await addUser(server.store, { id: OLD_USERS['carol@old.example']?.sub as string, email: 'carol@old.example', passwordHash: null, name: 'Carol (imported)' })
    const tokens = await new LoggedInBrowser(server, asUser('carol@old.example')).tokens(app, { scope: 'openid profile' })
    assert.deepEqual([claims(tokens.id_token).sub, claims(tokens.id_token).name], ['auth0|imported-without-password', 'Carol (imported)'])
    assert.match((await server.store.users.findByEmail('carol@old.example'))?.passwordHash ?? '', /^\$argon2id\$/)
  })

  it('an old tenant that fails or hangs: a clear 503 page, audited; migrated and local users still log in', async () => {
    const local = await addUser(server.store)
    for (const mode of ['error', 'hang'] as const) {
      old.mode = mode
      if (mode === 'hang') {
        const { token } = await m2m(server, ['update:connections'])
        const database = (await server.store.connections.findByName(DATABASE)) as ConnectionRecord
        const source = { type: 'auth0', domain: old.url, client_id: OLD_APP.clientId, timeout_ms: 300 }
        const r = await managementCall(server, token, 'PATCH', `connections/${database.id}`, { options: { import_mode: true, migration_source: source } })
        assert.equal(r.status, 200, r.text)
      }
      const res = await attempt('bob@old.example', PASSWORD)
      assert.equal(res.status, 503, mode)
      assert.ok((await res.text()).includes(OLD_TENANT_UNAVAILABLE.replace("'", '&#39;')), mode)
      const calls = old.tokenCalls
      await new LoggedInBrowser(server, asUser('ada@old.example')).tokens(app)
      await new LoggedInBrowser(server, local).tokens(app)
      assert.equal(old.tokenCalls, calls, 'users with a password here never cause a call')
    }
    const [failure] = await server.store.logs.list({ type: 'f', perPage: 1 })
    assert.match(JSON.stringify(failure), /the old tenant could not check the password/)
    old.mode = 'ok'
  })

  it('latchkey migration status counts migrated, pending and all users', async () => {
    await addUser(server.store, { passwordHash: '$2b$10$C9hB01.YxRSTcn/ZOOo4j.TW7xCKKFKBSF.C7E0xiUwumqIDqWUXG' })
    await addUser(server.store, { passwordHash: null })
    const r = await runLatchkey(['migration', 'status', '--db', DB, '--json'], { env: envWithoutDb() })
    assert.equal(r.code, 0, r.stderr)
    const status = JSON.parse(r.stdout)
    assert.equal(status.import_mode, true)
    assert.equal(status.migration_source.domain, old.url)
    // ada, eve and carol (migrated) and the local user of the test before; one bcrypt user pending its rehash; one without a password.
    assert.deepEqual(status.users, { total: 6, migrated: 3, pending_rehash: 1, without_password: 1 })
  })
})
