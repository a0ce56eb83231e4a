/**
 * `latchkey import users FILE` with Auth0's bulk-import format, end to end: a file built here with
 * password hashes made here (bcrypt as `password_hash`; argon2 at other parameters, PBKDF2 and
 * salted SHA-256 as `custom_password_hash`), a TOTP factor, and malformed entries; imported by the
 * CLI into the database a running server uses. Each user then logs in through the login page with
 * their original password, as the same `sub`, and their hash becomes argon2id; the TOTP user is
 * asked for a code from their secret. Running the file again with --upsert then changes nothing (no
 * old hash comes back); an unusable file exits 2. A user imported
 * into an upstream connection logs in through it and lands on the imported user.
 */
import assert from 'node:assert/strict'
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, totpCode } from '@latchkey/core'
import { hash as argon2 } from '@node-rs/argon2'
import bcrypt from 'bcryptjs'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, loginThrough, pkce } from './support/browser.js'
import { type CliResult, envWithoutDb, runLatchkey } from './support/cli.js'
import { CURRENT_HASH_PREFIX } from '../src/passwords.js'
import { addConnection, oidcOptions } from './support/connections.js'
import { addApp, startTestServer, TEST_SECRET, type TestServer } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'
import { FAKE_CLIENT, type FakeOidc, startFakeOidc } from './support/upstreams/fake-oidc.js'

const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '')

/** The users to import, each with the password their hash was made from. */
async function importable() {
  const salt = randomBytes(16)
  const shaSalt = 'pepper-and-salt'
  return [
    { password: 'bcrypt password one', entry: (p: string) => ({ email: 'bcrypt@example.com', email_verified: true, user_id: 'bcrypt-user', given_name: 'Bea', password_hash: bcrypt.hashSync(p, 10) }) },
    {
      password: 'argon2 password two',
      entry: async (p: string) => ({
        email: 'Argon2@Example.com',
        user_id: 'auth0|argon2-user',
        user_metadata: { theme: 'dark' },
        custom_password_hash: { algorithm: 'argon2', hash: { value: await argon2(p, { memoryCost: 4096, timeCost: 3, parallelism: 1 }) } },
      }),
    },
    {
      password: 'pbkdf2 password three',
      entry: (p: string) => ({
        email: 'pbkdf2@example.com',
        user_id: 'pbkdf2-user',
        app_metadata: { plan: 'gold' },
        custom_password_hash: { algorithm: 'pbkdf2', hash: { value: `$pbkdf2-sha256$i=10000,l=32$${b64(salt)}$${b64(pbkdf2Sync(p, salt, 10_000, 32, 'sha256'))}` } },
      }),
    },
    {
      password: 'sha256 password four',
      entry: (p: string) => ({
        email: 'sha256@example.com',
        user_id: 'sha256-user',
        custom_password_hash: {
          algorithm: 'sha256',
          hash: { value: createHash('sha256').update(shaSalt + p).digest('hex'), encoding: 'hex' },
          salt: { value: shaSalt, position: 'prefix' },
        },
      }),
    },
    {
      password: 'totp password five',
      entry: (p: string) => ({
        email: 'totp@example.com',
        user_id: 'totp-user',
        password_hash: bcrypt.hashSync(p, 10),
        username: 'totp-person',
        mfa_factors: [{ totp: { secret: TOTP_SECRET } }, { phone: { value: '+15555550100' } }],
      }),
    },
  ]
}

/** Entries that must not be imported: each wrong in one way. */
const MALFORMED = [
  { email: 'not an address', user_id: 'bad-email' },
  { email: 'bad-factor@example.com', user_id: 'bad-factor', mfa_factors: [{ totp: { secret: 'not base32!' } }] },
  { email: 'bcrypt@example.com', user_id: 'same-email-again' },
  { email: 'reserved@example.com', app_metadata: { email_verified: true } },
]

describe('latchkey import users: Auth0\'s bulk-import file into a running Latchkey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-import-users-'))
  const db = `sqlite:${join(dir, 'latchkey.db')}`
  const env = { ...envWithoutDb(), LATCHKEY_SECRET: TEST_SECRET }
  let server: TestServer
  let fake: FakeOidc
  let app: ApplicationRecord
  let users: { password: string; entry: Record<string, unknown> }[]
  let file: string
  let first: CliResult

  before(async () => {
    server = await startTestServer({ db, env: { LATCHKEY_MFA: 'optional' } })
    fake = await startFakeOidc({}, `${server.issuer}login/callback`)
    ;({ app } = await addApp(server.store, { name: 'Imported users app' }))
    await addConnection(server, { name: 'fake-oidc', strategy: 'oidc', options: oidcOptions(fake.issuer, FAKE_CLIENT), enabledClients: [app.clientId] })
    users = await Promise.all((await importable()).map(async (u) => ({ password: u.password, entry: await u.entry(u.password) })))
    file = join(dir, 'users.json')
    writeFileSync(file, JSON.stringify([...users.map((u) => u.entry), ...MALFORMED], null, 2))
    first = await runLatchkey(['import', 'users', file, '--json', '--db', db], { env })
  })
  after(async () => {
    await server.close()
    await fake.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('imports the valid entries, lists each malformed one with its position and reason, and exits 1', async () => {
    assert.equal(first.code, 1, first.stderr)
    const report = JSON.parse(first.stdout)
    assert.deepEqual({ total: report.total, inserted: report.inserted, updated: report.updated, unchanged: report.unchanged, failed: report.failed }, { total: 9, inserted: 5, updated: 0, unchanged: 0, failed: 4 })
    assert.deepEqual(
      report.errors.map((e: { index: number; errors: { code: string; path: string }[] }) => [e.index, e.errors.map((x) => `${x.code} ${x.path}`)]),
      [
        [5, ['INVALID_FORMAT email']],
        [6, ['INVALID_FORMAT mfa_factors[0].totp.secret']],
        [7, ['DUPLICATED_USER email']],
        [8, ['INVALID_FORMAT app_metadata.email_verified']],
      ],
    )
    assert.deepEqual(report.errors[0].user, { email: 'not an address', user_id: 'bad-email' })
    // Kept out, with a warning: the username and the phone factor.
    assert.deepEqual(report.warnings.map((w: { index: number; warnings: { path: string }[] }) => [w.index, w.warnings.map((x) => x.path)]), [[4, ['username', 'mfa_factors[1]']]])
    assert.match(first.stderr, /4 of 9 users were not imported/)
    // Nothing of a refused entry was written.
    for (const id of ['auth0|bad-email', 'auth0|bad-factor', 'auth0|same-email-again']) assert.equal(await server.store.users.get(id), null)
    assert.equal(await server.store.users.findByEmail('reserved@example.com'), null)
    assert.equal(await server.store.users.count(), 5)
    const argon = await server.store.users.get('auth0|argon2-user')
    assert.equal(argon?.email, 'argon2@example.com')
    assert.deepEqual(argon?.userMetadata, { theme: 'dark' })
    assert.deepEqual((await server.store.users.get('auth0|pbkdf2-user'))?.appMetadata, { plan: 'gold' })
    const factors = await server.store.authenticators.listForUser('auth0|totp-user')
    assert.deepEqual(factors.map((f) => [f.type, f.confirmed]), [['totp', true]])
    assert.notEqual(factors[0]?.sealedSecret, TOTP_SECRET, 'the secret is sealed')
  })

  it('logs each user in through the login page with their original password, as the imported user_id; the hash becomes argon2id', async () => {
    for (const { password, entry } of users.slice(0, 4)) {
      const sub = String(entry.user_id).startsWith('auth0|') ? entry.user_id : `auth0|${entry.user_id}`
      const imported = (await server.store.users.get(String(sub)))?.passwordHash
      assert.ok(imported && !imported.startsWith(CURRENT_HASH_PREFIX), `${entry.email} keeps the imported hash until a login`)
      const { verifier, challenge } = pkce()
      const res = await loginThrough(new Browser(server.url), authorizeUrl(server.issuer, { clientId: app.clientId, challenge }), String(entry.email), password)
      const code = callbackParams(res).get('code')
      assert.ok(code, `${entry.email} logs in: ${res.status} ${res.headers.get('location')}`)
      const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
      assert.equal(claims(tokens.json.id_token).sub, sub)
      assert.ok((await server.store.users.get(String(sub)))?.passwordHash?.startsWith(CURRENT_HASH_PREFIX), `${entry.email}'s hash is now argon2id`)
    }
  })

  it('asks the user with an imported TOTP factor for a code from that secret', async () => {
    const { password, entry } = users[4] as { password: string; entry: Record<string, unknown> }
    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    const page = await loginThrough(browser, authorizeUrl(server.issuer, { clientId: app.clientId, challenge }), String(entry.email), password)
    assert.equal(new URL(page.url).pathname, '/u/mfa', 'the second factor is asked for')
    const html = await page.text()
    let res = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), action: 'otp', code: totpCode(TOTP_SECRET, server.clock.now()) }))
    if (res.status === 200 && new URL(res.url).pathname === '/u/consent') {
      const consent = await res.text()
      res = await browser.follow(await browser.post(formAction(consent), { csrf: hiddenField(consent, 'csrf'), action: 'accept' }))
    }
    const code = callbackParams(res).get('code')
    assert.ok(code)
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    const id = claims(tokens.json.id_token)
    assert.equal(id.sub, 'auth0|totp-user')
    assert.ok((id.amr as string[]).includes('otp'))
  })

  it('run again with --upsert after those logins, changes nothing: every user unchanged, no factor added, no old hash brought back', async () => {
    const before = await server.store.users.get('auth0|bcrypt-user')
    const again = await runLatchkey(['import', 'users', file, '--upsert', '--db', db], { env })
    assert.equal(again.code, 1)
    assert.match(again.stdout, /Imported 5 of 9 users into Username-Password-Authentication: 0 inserted, 0 updated, 5 unchanged, 4 failed/)
    assert.match(again.stdout, /\[5\] not an address bad-email: INVALID_FORMAT \(email\)/)
    assert.deepEqual(await server.store.users.get('auth0|bcrypt-user'), before)
    assert.ok(before?.passwordHash?.startsWith(CURRENT_HASH_PREFIX))
    assert.equal((await server.store.authenticators.listForUser('auth0|totp-user')).length, 1)
  })

  it('audits each imported user as an admin change (user.created), never with a hash', async () => {
    const events = await server.store.logs.list({ type: 'sapi', userId: 'auth0|bcrypt-user' })
    assert.deepEqual(
      events.map((e) => [e.details.action, e.details.user_name, e.details.source, e.details.actor]),
      [['user.created', 'bcrypt@example.com', 'users-import', 'cli']],
    )
    assert.doesNotMatch(JSON.stringify(events), /\$2[ab]\$/)
  })

  it('imports a user into an upstream connection (--connection): their next login through it lands on that user', async () => {
    const upstreamFile = join(dir, 'upstream.json')
    writeFileSync(upstreamFile, JSON.stringify([{ user_id: 'fake-sub-42', email: 'fay@fake.example', app_metadata: { imported: true } }]))
    const res = await runLatchkey(['import', 'users', upstreamFile, '--connection', 'fake-oidc', '--db', db], { env })
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stdout, /Imported 1 of 1 users into fake-oidc: 1 inserted/)

    const browser = new Browser(server.url)
    const { verifier, challenge } = pkce()
    const toProvider = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { connection: 'fake-oidc' } })))
    let back = await browser.follow(await browser.get((await fake.authorize(String(toProvider.headers.get('location')))).href))
    if (back.status === 200 && new URL(back.url).pathname === '/u/consent') {
      const consent = await back.text()
      back = await browser.follow(await browser.post(formAction(consent), { csrf: hiddenField(consent, 'csrf'), action: 'accept' }))
    }
    const code = callbackParams(back).get('code')
    assert.ok(code, `a code: ${back.status} ${back.headers.get('location')}`)
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(claims(tokens.json.id_token).sub, 'oidc|fake-oidc|fake-sub-42')
    const [user, ...others] = await server.store.users.list({ connection: 'fake-oidc' })
    assert.deepEqual([user?.appMetadata, others.length], [{ imported: true }, 0], 'the imported user, not a new one')
  })

  it('refuses a file that is not JSON, or a connection that does not exist, with exit status 2, importing nothing', async () => {
    const unknown = await runLatchkey(['import', 'users', file, '--connection', 'no-such-connection', '--db', db], { env })
    assert.deepEqual([unknown.code, unknown.stdout], [2, ''])
    assert.match(unknown.stderr, /no connection "no-such-connection"/)
    const broken = join(dir, 'broken.json')
    writeFileSync(broken, '[{"email": "half@example.com",')
    const res = await runLatchkey(['import', 'users', broken, '--json', '--db', db], { env })
    assert.equal(res.code, 2)
    assert.match(res.stderr, /the file is not JSON .*nothing was imported/)
    assert.deepEqual({ ...JSON.parse(res.stdout), error: { code: JSON.parse(res.stdout).error.code } }, { ok: false, error: { code: 'INVALID_FILE' } })
    assert.equal(await server.store.users.count(), 6)
  })

  it("imports the gzip-compressed output of Auth0's users-exports job as it is (one object per line, Auth0's bookkeeping ignored)", async () => {
    const exported = [
      { user_id: 'auth0|65a1f0c2e4b0a1b2c3d4e5f6', email: 'exported@example.com', email_verified: true, name: 'From an export', created_at: '2024-01-02T03:04:05.000Z', last_login: '2024-06-01T00:00:00.000Z', logins_count: 7, identities: [{ connection: 'Username-Password-Authentication', user_id: '65a1f0c2e4b0a1b2c3d4e5f6', provider: 'auth0', isSocial: false }] },
    ]
    const gz = join(dir, 'auth0-export.json.gz')
    writeFileSync(gz, gzipSync(exported.map((u) => JSON.stringify(u)).join('\n')))
    const res = await runLatchkey(['import', 'users', gz, '--json', '--db', db], { env })
    assert.equal(res.code, 0, res.stdout + res.stderr)
    const user = await server.store.users.get('auth0|65a1f0c2e4b0a1b2c3d4e5f6')
    assert.deepEqual([user?.email, user?.name, user?.passwordHash], ['exported@example.com', 'From an export', null], 'no hash: trickle migration or a reset gives one')
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]))
    assert.equal((await runLatchkey(['import', 'users', gz, '--db', db], { env })).code, 2, 'a broken gzip file is unusable')
  })
})
