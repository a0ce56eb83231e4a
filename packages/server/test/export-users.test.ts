/**
 * `latchkey export users` in each format, and the way out of Latchkey: users exported in Auth0's
 * bulk-import format (argon2id hashes, TOTP secrets) from one database, imported into a fresh one
 * with `latchkey import users`, log in there with the same password as the same `sub`, and the
 * one with a TOTP factor is asked for a code from the same secret.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createUser, totpCode, type UserRecord } from '@latchkey/core'
import { openAndMigrate } from '@latchkey/storage'
import { loadKeyEncryption } from '../src/keys/secret.js'
import { hashPassword } from '../src/passwords.js'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, loginThrough, pkce } from './support/browser.js'
import { envWithoutDb, runLatchkey, runLatchkeyProcess } from './support/cli.js'
import { addApp, startTestServer, TEST_SECRET } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'

const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'

describe('latchkey export users', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-export-users-'))
  const db = `sqlite:${join(dir, 'from.db')}`
  const env = { ...envWithoutDb(), LATCHKEY_SECRET: TEST_SECRET }
  let ada: UserRecord
  let totp: UserRecord

  before(async () => {
    const store = await openAndMigrate(db)
    ada = { ...createUser({ email: 'ada@example.com', name: 'Lovelace, Ada "the Countess"', emailVerified: true }, await hashPassword('analytical engine'), 1_000), appMetadata: { plan: 'pro' } }
    totp = createUser({ email: 'grace@example.com', name: 'Grace', emailVerified: true }, await hashPassword('compiler one'), 2_000)
    await store.users.insert(ada)
    await store.users.insert(totp)
    const { encryption } = loadKeyEncryption([TEST_SECRET], db)
    await store.authenticators.insert({
      id: 'totp|dev_exported0001',
      userId: totp.id,
      type: 'totp',
      name: null,
      confirmed: true,
      sealedSecret: await encryption.encrypt(TOTP_SECRET),
      lastUsedStep: null,
      credential: null,
      createdAt: 2_000,
      lastUsedAt: null,
    })
    await store.close()
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('writes CSV with a header and quoted cells, NDJSON with a limit, and a JSON array by default, never a hash', async () => {
    const csv = await runLatchkey(['export', 'users', '--format', 'csv', '--fields', 'user_id,email,name,app_metadata.plan', '--db', db], { env })
    assert.equal(csv.code, 0, csv.stderr)
    assert.deepEqual(csv.stdout.split('\r\n'), ['user_id,email,name,app_metadata.plan', `${ada.id},ada@example.com,"Lovelace, Ada ""the Countess""",pro`, `${totp.id},grace@example.com,Grace,`, ''])

    const ndjson = await runLatchkey(['export', 'users', '--format', 'ndjson', '--limit', '1', '--fields', 'email,identities[0].provider', '--db', db], { env })
    assert.equal(ndjson.stdout, `${JSON.stringify({ email: 'ada@example.com', 'identities[0].provider': 'auth0' })}\n`)

    const json = await runLatchkey(['export', 'users', '--db', db], { env })
    const users = JSON.parse(json.stdout)
    assert.deepEqual(users.map((u: { user_id: string }) => u.user_id), [ada.id, totp.id])
    assert.deepEqual(users[0].app_metadata, { plan: 'pro' })
    assert.equal(users[0].identities[0].connection, 'Username-Password-Authentication')
    assert.doesNotMatch(json.stdout + csv.stdout, /\$argon2|JBSWY3/)
    assert.equal(json.stderr, '')
  })

  it('refuses an unknown format (exit 2, as a process), an unknown field, a connection that does not exist', async () => {
    const format = await runLatchkeyProcess(['export', 'users', '--format', 'xml', '--db', db], { env })
    assert.equal(format.code, 2)
    assert.match(format.stderr, /--format: expected one of json, ndjson, csv, auth0/)
    const field = await runLatchkey(['export', 'users', '--fields', 'email,password_hash', '--db', db], { env })
    assert.equal(field.code, 2)
    assert.match(field.stderr, /"password_hash" is not an exportable user field/)
    const connection = await runLatchkey(['export', 'users', '--connection', 'nope', '--db', db], { env })
    assert.equal(connection.code, 2)
    assert.equal(connection.stdout, '')
  })

  it('the auth0 format moves users to a fresh Latchkey: same sub, same password, same TOTP secret', async () => {
    const file = join(dir, 'users.json')
    const exported = await runLatchkey(['export', 'users', '--format', 'auth0', '--output', file, '--db', db], { env })
    assert.equal(exported.code, 0, exported.stderr)
    assert.match(exported.stderr, /warning: the auth0 format holds password hashes and TOTP secrets/)
    assert.match(exported.stdout, /Exported 2 users to .*users\.json \(auth0\)/)
    assert.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only')
    const entries = JSON.parse(readFileSync(file, 'utf8'))
    assert.deepEqual(entries[0], {
      user_id: ada.id.replace('auth0|', ''),
      email: 'ada@example.com',
      email_verified: true,
      name: 'Lovelace, Ada "the Countess"',
      blocked: false,
      app_metadata: { plan: 'pro' },
      custom_password_hash: { algorithm: 'argon2', hash: { value: ada.passwordHash, encoding: 'utf8' } },
    })
    assert.deepEqual(entries[1].mfa_factors, [{ totp: { secret: TOTP_SECRET } }])

    const fresh = `sqlite:${join(dir, 'to.db')}`
    const imported = await runLatchkey(['import', 'users', file, '--db', fresh], { env })
    assert.equal(imported.code, 0, imported.stderr + imported.stdout)
    const server = await startTestServer({ db: fresh, env: { LATCHKEY_MFA: 'optional' } })
    try {
      const { app } = await addApp(server.store, { name: 'Moved app' })
      const { verifier, challenge } = pkce()
      const res = await loginThrough(new Browser(server.url), authorizeUrl(server.issuer, { clientId: app.clientId, challenge }), 'ada@example.com', 'analytical engine')
      const code = callbackParams(res).get('code')
      assert.ok(code, `ada logs in: ${res.status} ${res.headers.get('location')}`)
      const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
      assert.equal(claims(tokens.json.id_token).sub, ada.id)

      const browser = new Browser(server.url)
      const second = pkce()
      const page = await loginThrough(browser, authorizeUrl(server.issuer, { clientId: app.clientId, challenge: second.challenge }), 'grace@example.com', 'compiler one')
      assert.equal(new URL(page.url).pathname, '/u/mfa', 'the second factor is asked for')
      const html = await page.text()
      let done = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), action: 'otp', code: totpCode(TOTP_SECRET, server.clock.now()) }))
      if (done.status === 200 && new URL(done.url).pathname === '/u/consent') {
        const consent = await done.text()
        done = await browser.follow(await browser.post(formAction(consent), { csrf: hiddenField(consent, 'csrf'), action: 'accept' }))
      }
      const code2 = callbackParams(done).get('code')
      assert.ok(code2)
      const tokens2 = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code: code2, code_verifier: second.verifier, redirect_uri: app.callbacks[0] as string })
      assert.equal(claims(tokens2.json.id_token).sub, totp.id)
    } finally {
      await server.close()
    }
  })
})
