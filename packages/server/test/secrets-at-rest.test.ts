/**
 * Secrets at rest: signing private keys are stored only as JWEs sealed with a key-encryption key
 * (from LATCHKEY_SECRET, or a generated 0600 key file beside a SQLite database); plaintext keys
 * of older databases are sealed at start; a wrong or missing secret stops start-up with one clear
 * line; the KEK rotates with `new,old` secrets and `latchkey keys reencrypt`. And every other secret
 * (codes, refresh tokens, client secrets, session cookies) is stored only as a hash: a full flow
 * leaves none of them in any column of any table, on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, describe, it } from 'node:test'
import { generateSigningKey, sha256, type SigningKeyRecord } from '@latchkey/core'
import { openAndMigrate } from '@latchkey/storage'
import Database from 'better-sqlite3'
import { decodeProtectedHeader, jwtVerify, createLocalJWKSet } from 'jose'
import pg from 'pg'
import { loadConfig } from '../src/config.js'
import { encryptedWith, KeyEncryption, KeyEncryptionError } from '../src/keys/key-encryption.js'
import { generateSecret, KEY_FILE_NAME, kekFromSecret, loadKeyEncryption, parseSecrets } from '../src/keys/secret.js'
import { createLogger } from '../src/logger.js'
import { startServer } from '../src/server.js'
import { databases } from './support/databases.js'
import { addApi, addApp, addUser, freePort, startTestServer, TEST_SECRET } from './support/harness.js'
import { runLatchkey, runLatchkeyProcess } from './support/cli.js'
import { basicAuth, LoggedInBrowser, serverJwks, tokenRequest } from './support/oauth.js'
import { postgresUrl } from '../../storage/test/support/postgres.js'

const dir = mkdtempSync(join(tmpdir(), 'latchkey-secrets-'))
after(() => rmSync(dir, { recursive: true, force: true }))

let dbCount = 0
/** A fresh SQLite file in its own directory (so each has its own key file). */
function freshSqlite(): { url: string; dir: string } {
  dbCount += 1
  const home = join(dir, `db${dbCount}`)
  return { url: `sqlite:${join(home, 'latchkey.db')}`, dir: home }
}

/** Starts a server on `db` with these environment secrets and stops it again; returns what start-up logged. */
async function startAndStop(db: string, env: Record<string, string>): Promise<string> {
  const lines: string[] = []
  const config = loadConfig({ port: await freePort(), host: '127.0.0.1', db }, env)
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
  const running = await startServer(config, { log: createLogger('info', sink) })
  await running.deps.keys.signingKey()
  await running.close()
  return lines.join('')
}

async function storedKeys(db: string): Promise<SigningKeyRecord[]> {
  const store = await openAndMigrate(db)
  try {
    return await store.signingKeys.list()
  } finally {
    await store.close()
  }
}

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `latchkey …` with exactly these LATCHKEY_* variables, in this process unless `runner` is the real binary. */
function cli(args: string[], env: Record<string, string> = {}, runner = runLatchkey): Promise<Result> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LATCHKEY_')))
  return runner(args, { env: { ...base, ...env } })
}

async function cliJson<T>(args: string[], env: Record<string, string> = {}): Promise<T> {
  const res = await cli([...args, '--json'], env)
  assert.equal(res.code, 0, `latchkey ${args.join(' ')} failed: ${res.stderr}`)
  return JSON.parse(res.stdout) as T
}

describe('signing keys encrypted at rest', () => {
  it('seals a private key as a compact JWE (dir, A256GCM) naming its KEK, and opens it again', async () => {
    const kek = kekFromSecret(generateSecret())
    const encryption = new KeyEncryption([kek], 'a test secret')
    const plain = await generateSigningKey(Date.now())
    const sealed = await encryption.seal(plain)
    assert.equal(sealed.privateJwk.split('.').length, 5, 'compact JWE serialization')
    assert.deepEqual(decodeProtectedHeader(sealed.privateJwk), { alg: 'dir', enc: 'A256GCM', cty: 'jwk+json', kid: kek.id })
    assert.doesNotMatch(sealed.privateJwk, /"d":/)
    assert.equal(encryptedWith(sealed.privateJwk), kek.id)
    assert.equal(encryptedWith(plain.privateJwk), null, 'plaintext is recognised as such')
    assert.equal(await encryption.open(sealed), plain.privateJwk)
    assert.deepEqual({ ...sealed, privateJwk: plain.privateJwk }, plain, 'nothing else changes')
  })

  it('refuses a sealed key that was tampered with, moved to another key, or sealed by an unknown KEK', async () => {
    const encryption = new KeyEncryption([kekFromSecret(generateSecret())], 'a test secret')
    const a = await encryption.seal(await generateSigningKey(Date.now()))
    const b = await encryption.seal(await generateSigningKey(Date.now()))
    const [h, k, iv, ct, tag] = a.privateJwk.split('.') as [string, string, string, string, string]
    const flipped = `${h}.${k}.${iv}.${ct.slice(0, 10)}${ct[10] === 'A' ? 'B' : 'A'}${ct.slice(11)}.${tag}`
    await assert.rejects(encryption.open({ ...a, privateJwk: flipped }), KeyEncryptionError)
    await assert.rejects(encryption.open({ ...a, privateJwk: b.privateJwk }), /does not match its public key/)
    const other = new KeyEncryption([kekFromSecret(generateSecret())], 'another secret')
    await assert.rejects(other.open(a), new RegExp(`encrypted with key-encryption key ${encryption.current.id}, which another secret does not provide`))
    await assert.rejects(encryption.open(await generateSigningKey(Date.now())), /stored unencrypted/)
  })

  it('the running server stores every key sealed with its secret, and signs tokens that verify with the published keys', async () => {
    const server = await startTestServer()
    try {
      await server.running.deps.keys.rotate(0)
      const keys = await server.store.signingKeys.list()
      assert.equal(keys.length, 2)
      for (const key of keys) {
        assert.doesNotMatch(key.privateJwk, /"d"/)
        assert.equal(encryptedWith(key.privateJwk), kekFromSecret(TEST_SECRET).id)
      }
      const { app } = await addApp(server.store)
      const user = await addUser(server.store)
      const tokens = await new LoggedInBrowser(server, user).tokens(app, { scope: 'openid' })
      await jwtVerify(tokens.id_token as string, createLocalJWKSet(await serverJwks(server)), { issuer: server.issuer, audience: app.clientId })
    } finally {
      await server.close()
    }
  })

  it('upgrades a database whose keys are stored in plaintext: sealed in place at start, same kid, still signing', async () => {
    const { url } = freshSqlite()
    const store = await openAndMigrate(url)
    const plain = await generateSigningKey(Date.now())
    await store.signingKeys.insert(plain)
    await store.close()

    const secret = generateSecret()
    const logged = await startAndStop(url, { LATCHKEY_SECRET: secret })
    assert.match(logged, /encrypted signing keys stored in plaintext/)
    const [stored] = await storedKeys(url)
    assert.equal(stored?.kid, plain.kid)
    assert.equal(stored?.publicJwk, plain.publicJwk)
    assert.equal(encryptedWith(stored?.privateJwk ?? ''), kekFromSecret(secret).id)
    assert.doesNotMatch(stored?.privateJwk ?? '', /"d"/)
    assert.equal(await new KeyEncryption([kekFromSecret(secret)], 'test').open(stored as SigningKeyRecord), plain.privateJwk)
    // A second start has nothing left to upgrade.
    assert.doesNotMatch(await startAndStop(url, { LATCHKEY_SECRET: secret }), /stored in plaintext/)
  })

  it('a wrong secret stops start-up with one error naming the keys that do not decrypt', async () => {
    const { url } = freshSqlite()
    const right = generateSecret()
    await startAndStop(url, { LATCHKEY_SECRET: right })
    const [key] = await storedKeys(url)
    const wrong = generateSecret()
    await assert.rejects(startAndStop(url, { LATCHKEY_SECRET: wrong }), (error: unknown) => {
      assert.ok(error instanceof KeyEncryptionError)
      assert.match(error.message, new RegExp(`cannot decrypt signing key ${key?.kid} \\(key-encryption key ${kekFromSecret(right).id}\\)`))
      assert.match(error.message, /Set LATCHKEY_SECRET to the secret the keys were encrypted with/)
      assert.doesNotMatch(error.message, new RegExp(`${right}|${wrong}`), 'no secret in the message')
      return true
    })

    // As a process: one `latchkey:` line, exit code 2, no stack trace, whatever the restart policy.
    const port = String(await freePort())
    const res = await cli(['serve', '--port', port, '--db', url], { LATCHKEY_SECRET: wrong }, runLatchkeyProcess)
    assert.equal(res.code, 2, res.stdout + res.stderr)
    assert.match(res.stderr, new RegExp(`^latchkey: cannot decrypt signing key ${key?.kid}`))
    assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
  })

  it('with PostgreSQL and no LATCHKEY_SECRET, refuses to start: every node must share the secret', async () => {
    assert.throws(() => loadKeyEncryption([], postgresUrl), /LATCHKEY_SECRET is required with PostgreSQL/)
    assert.equal(loadKeyEncryption([generateSecret()], postgresUrl).encryption.source, 'LATCHKEY_SECRET')
  })

  it('accepts only secrets of at least 32 bytes (hex or base64), and never echoes one in an error', () => {
    assert.deepEqual(parseSecrets('a'.repeat(64), undefined), ['a'.repeat(64)], '64 hex digits')
    const b64 = Buffer.alloc(32, 7).toString('base64')
    assert.deepEqual(parseSecrets(` ${b64} `, undefined), [b64], 'openssl rand -base64 32')
    const [first, second] = [generateSecret(), generateSecret()]
    assert.deepEqual(parseSecrets(`${first},${second}`, undefined), [first, second])
    assert.deepEqual(parseSecrets(first, `${second},${first}`), [first, second], 'previous secrets follow; duplicates once')
    for (const weak of ['hunter2', 'f'.repeat(63), 'correct horse battery staple correct horse battery', Buffer.alloc(31).toString('base64url')]) {
      assert.throws(() => parseSecrets(weak, undefined), (e: Error) => /LATCHKEY_SECRET is too weak or malformed/.test(e.message) && !e.message.includes(weak))
    }
    assert.throws(() => parseSecrets(`${first},short`, undefined), /secret number 2 in LATCHKEY_SECRET/)
    assert.throws(() => parseSecrets(undefined, first), /LATCHKEY_SECRET_PREVIOUS is set but LATCHKEY_SECRET is not/)
    assert.throws(() => loadConfig({}, { LATCHKEY_SECRET: 'hunter2' }), /LATCHKEY_SECRET is too weak/)
    assert.deepEqual(loadConfig({}, {}).secrets, [])
  })

  it('without LATCHKEY_SECRET, an in-memory database gets a key that lives only in the process', () => {
    const { encryption, createdKeyFile } = loadKeyEncryption([], 'sqlite::memory:')
    assert.equal(createdKeyFile, null)
    assert.equal(encryption.source, 'the in-memory key')
    assert.notEqual(loadKeyEncryption([], 'sqlite::memory:').encryption.current.id, encryption.current.id)
  })
})

describe('the key file beside a SQLite database', () => {
  it('is created on first start with mode 0600, reused afterwards, and refused once other users may read it', async () => {
    const { url, dir: home } = freshSqlite()
    const file = join(home, KEY_FILE_NAME)
    const logged = await startAndStop(url, {})
    assert.match(logged, /generated the key-encryption key file/)
    assert.equal(statSync(file).mode & 0o777, 0o600)
    const secret = readFileSync(file, 'utf8').trim()
    assert.deepEqual(parseSecrets(secret, undefined), [secret], 'it holds a valid secret')
    const [key] = await storedKeys(url)
    assert.equal(encryptedWith(key?.privateJwk ?? ''), kekFromSecret(secret).id)

    assert.doesNotMatch(await startAndStop(url, {}), /generated/, 'reused, not regenerated')
    assert.equal(readFileSync(file, 'utf8').trim(), secret)

    chmodSync(file, 0o644)
    await assert.rejects(startAndStop(url, {}), new RegExp(`may be read by other users \\(mode 0644\\): run \`chmod 600 ${file}\``))
    const res = await cli(['keys', 'rotate', '--db', url])
    assert.equal(res.code, 1)
    assert.match(res.stderr, /^latchkey: the key file .* may be read by other users/)
    chmodSync(file, 0o600)
  })

  it('is created once when a server and CLI commands start together, and every key is sealed with it', async () => {
    const { url, dir: home } = freshSqlite()
    const results = await Promise.all([1, 2, 3].map(() => cli(['keys', 'rotate', '--delay', '0', '--json', '--db', url], {}, runLatchkeyProcess)))
    for (const res of results) assert.equal(res.code, 0, res.stderr)
    const secret = readFileSync(join(home, KEY_FILE_NAME), 'utf8').trim()
    const listed = await cliJson<{ kid: string; encryption_key_id: string }[]>(['keys', 'list', '--db', url])
    assert.ok(listed.length >= 4)
    assert.ok(listed.every((k) => k.encryption_key_id === kekFromSecret(secret).id))
    await startAndStop(url, {})
  })

  it('keeps opening the keys it sealed once LATCHKEY_SECRET is set, until `keys reencrypt` moves them', async () => {
    const { url, dir: home } = freshSqlite()
    await startAndStop(url, {})
    const fileKek = kekFromSecret(readFileSync(join(home, KEY_FILE_NAME), 'utf8').trim()).id
    const secret = generateSecret()
    await startAndStop(url, { LATCHKEY_SECRET: secret })
    const moved = await cliJson<{ previous_encryption_key_id: string; encryption_key_id: string; reencrypted: boolean }[]>(['keys', 'reencrypt', '--db', url], { LATCHKEY_SECRET: secret })
    assert.deepEqual(moved.map((m) => [m.previous_encryption_key_id, m.encryption_key_id, m.reencrypted]), [[fileKek, kekFromSecret(secret).id, true]])
    rmSync(join(home, KEY_FILE_NAME))
    await startAndStop(url, { LATCHKEY_SECRET: secret })
  })
})

describe('rotating the key-encryption key', () => {
  it('new keys are sealed with the first secret, old ones open by kid, and `latchkey keys reencrypt` moves them all', async () => {
    const { url } = freshSqlite()
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()]
    const [oldKek, newKek] = [kekFromSecret(oldSecret).id, kekFromSecret(newSecret).id]
    await cliJson(['keys', 'rotate', '--delay', '0', '--db', url], { LATCHKEY_SECRET: oldSecret })

    // Step 1: the new secret first, the old one after a comma (or in LATCHKEY_SECRET_PREVIOUS).
    const both = { LATCHKEY_SECRET: `${newSecret},${oldSecret}` }
    const rotated = await cliJson<{ kid: string }>(['keys', 'rotate', '--db', url], both)
    const listed = await cliJson<{ kid: string; encryption_key_id: string }[]>(['keys', 'list', '--db', url])
    assert.equal(listed.find((k) => k.kid === rotated.kid)?.encryption_key_id, newKek, 'a new key is sealed with the first secret')
    assert.ok(listed.filter((k) => k.kid !== rotated.kid).every((k) => k.encryption_key_id === oldKek))
    await startAndStop(url, both)
    await startAndStop(url, { LATCHKEY_SECRET: newSecret, LATCHKEY_SECRET_PREVIOUS: oldSecret })
    await assert.rejects(startAndStop(url, { LATCHKEY_SECRET: newSecret }), /cannot decrypt signing keys? /, 'the old secret is still needed')

    // Step 2: re-encrypt; each key is replaced atomically.
    const moved = await cliJson<{ kid: string; encryption_key_id: string; reencrypted: boolean }[]>(['keys', 'reencrypt', '--db', url], both)
    assert.equal(moved.filter((m) => m.reencrypted).length, listed.length - 1)
    assert.ok(moved.every((m) => m.encryption_key_id === newKek))
    const again = await cli(['keys', 'reencrypt', '--db', url], both)
    assert.match(again.stdout, new RegExp(`^0 signing keys re-encrypted with key-encryption key ${newKek}; ${listed.length} already used it\\.`))

    // Step 3: the old secret can go.
    await startAndStop(url, { LATCHKEY_SECRET: newSecret })
    const res = await cli(['keys', 'reencrypt', '--db', url], { LATCHKEY_SECRET: oldSecret })
    assert.equal(res.code, 1)
    assert.match(res.stderr, /^latchkey: cannot decrypt signing keys /)
    assert.doesNotMatch(res.stderr, /\n\s+at /)
    assert.deepEqual(
      (await storedKeys(url)).map((k) => encryptedWith(k.privateJwk)),
      listed.map(() => newKek),
      'a refused command changed nothing',
    )
  })
})

describe("connections' client secrets", () => {
  it('are sealed as text, survive a KEK rotation with `keys reencrypt`, and a secret that does not open stops start-up', async () => {
    const { url } = freshSqlite()
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()]
    const [oldKek, newKek] = [kekFromSecret(oldSecret), kekFromSecret(newSecret)]
    const upstreamSecret = `upstream-${sha256(generateSecret()).slice(0, 24)}`
    await startAndStop(url, { LATCHKEY_SECRET: oldSecret })
    const created = await cli(
      ['connections', 'create', '--name', 'acme-sso', '--strategy', 'oidc', '--issuer', 'https://acme.example/', '--client-id', 'latchkey', '--client-secret', upstreamSecret, '--json', '--db', url],
      { LATCHKEY_SECRET: oldSecret },
    )
    assert.equal(created.code, 0, created.stderr)
    const sealedOf = async (): Promise<string> => {
      const store = await openAndMigrate(url)
      try {
        return (await store.connections.findByName('acme-sso'))?.sealedClientSecret ?? ''
      } finally {
        await store.close()
      }
    }
    const before = await sealedOf()
    assert.deepEqual(decodeProtectedHeader(before), { alg: 'dir', enc: 'A256GCM', cty: 'text/plain', kid: oldKek.id }, 'a text value, not a JWK')
    assert.equal(await new KeyEncryption([oldKek], 'test').openText(before), upstreamSecret)
    const path = url.slice('sqlite:'.length)
    for (const file of [path, `${path}-wal`]) {
      let bytes: Buffer
      try {
        bytes = readFileSync(file)
      } catch {
        continue
      }
      assert.ok(!bytes.includes(upstreamSecret), `the plaintext secret is not in ${file}`)
    }
    assert.ok(!(await everyStoredValue(url)).some((v) => v.includes(upstreamSecret)))

    // Rotation: the new secret first; `keys reencrypt` moves the connection's secret too.
    const both = { LATCHKEY_SECRET: `${newSecret},${oldSecret}` }
    const moved = await cliJson<{ kid?: string; connection?: string; previous_encryption_key_id: string; encryption_key_id: string; reencrypted: boolean }[]>(
      ['keys', 'reencrypt', '--db', url],
      both,
    )
    const row = moved.find((m) => m.connection === 'acme-sso')
    assert.deepEqual([row?.previous_encryption_key_id, row?.encryption_key_id, row?.reencrypted], [oldKek.id, newKek.id, true])
    const after = await sealedOf()
    assert.equal(encryptedWith(after), newKek.id)
    assert.equal(await new KeyEncryption([newKek], 'test').openText(after), upstreamSecret, 'the same secret, re-sealed')
    const again = await cli(['keys', 'reencrypt', '--db', url], both)
    assert.match(again.stdout, /0 connection client secrets re-encrypted; 1 already used it\./)
    await startAndStop(url, { LATCHKEY_SECRET: newSecret })

    // A secret sealed by a key-encryption key the server does not have: start-up refuses, naming the connection.
    const stranger = await new KeyEncryption([kekFromSecret(generateSecret())], 'test').encrypt(upstreamSecret)
    const store = await openAndMigrate(url)
    try {
      const record = await store.connections.findByName('acme-sso')
      assert.ok(record && (await store.connections.replaceSealedClientSecret(record.id, after, stranger)))
    } finally {
      await store.close()
    }
    await assert.rejects(
      startAndStop(url, { LATCHKEY_SECRET: newSecret }),
      (e: Error) => e instanceof KeyEncryptionError && /cannot decrypt the client secret of connection acme-sso \(key-encryption key /.test(e.message) && !e.message.includes(upstreamSecret),
    )
    const refused = await cli(['keys', 'reencrypt', '--db', url], { LATCHKEY_SECRET: newSecret })
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /^latchkey: cannot decrypt the client secret of connection acme-sso /)
    assert.equal(await sealedOf(), stranger, 'a refused command changed nothing')
  })

  it('opens text values sealed with the older content type (jwk+json)', async () => {
    const kek = kekFromSecret(generateSecret())
    const { CompactEncrypt } = await import('jose')
    const old = await new CompactEncrypt(new TextEncoder().encode('s3cret'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: 'jwk+json', kid: kek.id })
      .encrypt(kek.key)
    assert.equal(await new KeyEncryption([kek], 'test').openText(old), 's3cret')
  })
})

/** Every value of every column of every table, as text. */
async function everyStoredValue(db: string): Promise<string[]> {
  if (db.startsWith('sqlite:')) {
    const sqlite = new Database(db.slice('sqlite:'.length), { readonly: true })
    try {
      const tables = sqlite.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[]
      return tables.flatMap(({ name }) =>
        (sqlite.prepare(`select * from "${name.replace(/"/g, '""')}"`).all() as Record<string, unknown>[]).flatMap((row) =>
          Object.values(row).map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v))),
        ),
      )
    } finally {
      sqlite.close()
    }
  }
  const schema = new URL(db).searchParams.get('schema') as string
  const client = new pg.Client({ connectionString: postgresUrl })
  await client.connect()
  try {
    const tables = await client.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = $1`, [schema])
    const values: string[] = []
    for (const { table_name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`select row_to_json(t)::text as row from ${client.escapeIdentifier(schema)}.${client.escapeIdentifier(table_name)} t`)
      values.push(...rows.rows.map((r) => r.row))
    }
    return values
  } finally {
    await client.end()
  }
}

describe("actions' secrets", () => {
  it('are sealed with the KEK, survive a rotation with `keys reencrypt` (draft and deployed), and one that does not open stops start-up', async () => {
    const { url } = freshSqlite()
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()]
    const [oldKek, newKek] = [kekFromSecret(oldSecret), kekFromSecret(newSecret)]
    const apiKey = `partner-${sha256(generateSecret()).slice(0, 24)}`
    await startAndStop(url, { LATCHKEY_SECRET: oldSecret })
    const sealed = await new KeyEncryption([oldKek], 'test').encrypt(JSON.stringify({ PARTNER_KEY: apiKey }))
    const id = `act-${Date.now()}`
    const store = await openAndMigrate(url)
    try {
      await store.actions.insert({ id, name: 'partner', trigger: 'post-login', code: 'exports.onExecutePostLogin = async () => {}', dependencies: [], secretNames: ['PARTNER_KEY'], sealedSecrets: sealed, deployed: null, createdAt: 1, updatedAt: 1 })
      await store.actions.deploy(id, 2)
    } finally {
      await store.close()
    }
    assert.ok(!(await everyStoredValue(url)).some((v) => v.includes(apiKey)))

    const both = { LATCHKEY_SECRET: `${newSecret},${oldSecret}` }
    const moved = await cliJson<{ action?: string; version?: string; previous_encryption_key_id: string; encryption_key_id: string; reencrypted: boolean }[]>(['keys', 'reencrypt', '--db', url], both)
    assert.deepEqual(
      moved.filter((m) => m.action === 'partner').map((m) => [m.version, m.previous_encryption_key_id, m.encryption_key_id, m.reencrypted]),
      [
        ['draft', oldKek.id, newKek.id, true],
        ['deployed', oldKek.id, newKek.id, true],
      ],
    )
    const reopened = await openAndMigrate(url)
    let after: string
    try {
      const action = await reopened.actions.get(id)
      after = action?.deployed?.sealedSecrets ?? ''
      assert.equal(encryptedWith(after), newKek.id)
      assert.equal(await new KeyEncryption([newKek], 'test').openText(after), JSON.stringify({ PARTNER_KEY: apiKey }))
      // Sealed by a key-encryption key the server does not have: start-up refuses, naming the action.
      const stranger = await new KeyEncryption([kekFromSecret(generateSecret())], 'test').encrypt('{}')
      assert.ok(await reopened.actions.replaceSealedSecrets(id, 'deployed', after, stranger))
    } finally {
      await reopened.close()
    }
    await assert.rejects(startAndStop(url, { LATCHKEY_SECRET: newSecret }), (e: Error) => e instanceof KeyEncryptionError && /cannot decrypt the secrets of action partner \(key-encryption key /.test(e.message))
  })
})

describe('secrets stored only as hashes: a full flow leaves no raw secret in any table', () => {
  for (const database of databases) {
    it(`code, refresh tokens, client secret, session and browser cookies, private keys (${database.name})`, { skip: database.skip }, async () => {
      const db = database.name === 'SQLite' ? freshSqlite().url : database.url()
      const server = await startTestServer({ db })
      try {
        const api = await addApi(server.store)
        const { app, secret } = await addApp(server.store, { name: 'Confidential', type: 'regular', authMethod: 'client_secret_basic' })
        const session = new LoggedInBrowser(server, await addUser(server.store))
        const { code, verifier, redirectUri } = await session.code(app, { audience: api.identifier, scope: 'openid offline_access read:appointments' })
        const auth = { headers: { authorization: basicAuth(app.clientId, secret as string) } }
        const first = await tokenRequest(server, { grant_type: 'authorization_code', code, code_verifier: verifier as string, redirect_uri: redirectUri }, auth)
        assert.equal(first.status, 200, JSON.stringify(first.json))
        const second = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token as string }, auth)
        assert.equal(second.status, 200, JSON.stringify(second.json))

        const raw: Record<string, string> = {
          code,
          code_verifier: verifier as string,
          client_secret: secret as string,
          refresh_token: first.json.refresh_token as string,
          rotated_refresh_token: second.json.refresh_token as string,
          access_token: second.json.access_token as string,
          id_token: first.json.id_token as string,
          key_encryption_secret: TEST_SECRET,
          ...Object.fromEntries([...session.browser.cookies].map(([name, value]) => [`cookie ${name}`, decodeURIComponent(value)])),
        }
        assert.ok(Object.keys(raw).some((k) => k.includes('latchkey_session')), 'the browser holds a session cookie')

        const stored = (await everyStoredValue(db)).join('\n')
        // The scan sees the data: the hashes are there.
        assert.ok(stored.includes(sha256(code)), 'the code is stored as its SHA-256')
        assert.ok(stored.includes(sha256(raw.rotated_refresh_token as string)), 'the refresh token is stored as its SHA-256')
        for (const [what, value] of Object.entries(raw)) assert.ok(!stored.includes(value), `the raw ${what} is not stored`)
        assert.doesNotMatch(stored, /"d"\s*:/, 'no private key in the clear')
        // A JWK's private member `d` is base64url; none appears in any column.
        const { kid } = await server.running.deps.keys.signingKey()
        const [record] = (await server.store.signingKeys.list()).filter((k) => k.kid === kid)
        const d = JSON.parse(await server.running.deps.keys.encryption.open(record as SigningKeyRecord)).d as string
        assert.ok(!stored.includes(d), 'the private exponent is not stored')
      } finally {
        await server.close()
        await database.cleanup()
      }
    })
  }
})
