/**
 * Every stored password format verifies the password it was made from, and only it: hashes are made
 * here with the libraries other systems use (bcryptjs, @node-rs/argon2 at other parameters,
 * node:crypto for PBKDF2, scrypt, salted digests and HMAC), brought in through Auth0's import format
 * (@latchkey/core's importedPasswordHash), then checked with verifyPassword; all but our own argon2id
 * need a rehash.
 */
import assert from 'node:assert/strict'
import { createHash, createHmac, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { importedPasswordHash } from '@latchkey/core'
import { hash as argon2 } from '@node-rs/argon2'
import bcrypt from 'bcryptjs'
import { hashPassword, needsRehash, verifyPassword } from '../src/passwords.js'
import { addApp, addUser, PASSWORD as HARNESS_PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { claims, LoggedInBrowser } from './support/oauth.js'

const PASSWORD = 'correct horse battery staple ✓'
const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '')

/** What the import stores for this entry (it must be accepted). */
function stored(entry: { password_hash?: unknown; custom_password_hash?: unknown }): string {
  const result = importedPasswordHash(entry)
  assert.ok(result.ok, JSON.stringify(result))
  assert.ok(result.stored)
  return result.stored
}

async function assertVerifies(phc: string, rehash = true): Promise<void> {
  assert.equal(await verifyPassword(phc, PASSWORD), true, `${phc} verifies its password`)
  assert.equal(await verifyPassword(phc, `${PASSWORD}!`), false, `${phc} refuses another`)
  assert.equal(await verifyPassword(phc, ''), false)
  assert.equal(needsRehash(phc), rehash)
}

describe('imported password hashes verify with their original password', () => {
  it('our argon2id needs no rehash; argon2 at other parameters and variants does', async () => {
    await assertVerifies(await hashPassword(PASSWORD), false)
    await assertVerifies(stored({ custom_password_hash: { algorithm: 'argon2', hash: { value: await argon2(PASSWORD, { algorithm: 1, memoryCost: 4096, timeCost: 3 }) } } }))
    await assertVerifies(stored({ custom_password_hash: { algorithm: 'argon2', hash: { value: await argon2(PASSWORD, { algorithm: 2, memoryCost: 8192, timeCost: 1, parallelism: 2 }), encoding: 'utf8' } } }))
  })

  it('bcrypt: $2a$ and $2b$ as password_hash, $2y$ as a custom bcrypt hash', async () => {
    const b = await bcrypt.hash(PASSWORD, 4)
    assert.match(b, /^\$2b\$04\$/)
    await assertVerifies(stored({ password_hash: b }))
    await assertVerifies(stored({ password_hash: b.replace('$2b$', '$2a$') }))
    await assertVerifies(stored({ custom_password_hash: { algorithm: 'bcrypt', hash: { value: b.replace('$2b$', '$2y$') } } }))
  })

  it('pbkdf2-sha256 and pbkdf2-sha512 in Auth0\'s PHC form', async () => {
    for (const digest of ['sha256', 'sha512']) {
      const salt = randomBytes(16)
      const key = pbkdf2Sync(PASSWORD, salt, 1000, 32, digest)
      await assertVerifies(stored({ custom_password_hash: { algorithm: 'pbkdf2', hash: { value: `$pbkdf2-${digest}$i=1000,l=32$${b64(salt)}$${b64(key)}`, encoding: 'utf8' } } }))
    }
  })

  it('scrypt with its salt, key length and cost parameters', async () => {
    const salt = randomBytes(16)
    const key = scryptSync(PASSWORD, salt, 32, { N: 1024, r: 8, p: 2 })
    await assertVerifies(
      stored({ custom_password_hash: { algorithm: 'scrypt', hash: { value: key.toString('base64'), encoding: 'base64' }, salt: { value: salt.toString('hex'), encoding: 'hex' }, keylen: 32, cost: 1024, parallelization: 2 } }),
    )
  })

  it('salted sha256 (prefix) and sha512 (suffix), md5 without salt, in hex and base64', async () => {
    const sha256 = createHash('sha256').update(`pepper${PASSWORD}`).digest('hex')
    await assertVerifies(stored({ custom_password_hash: { algorithm: 'sha256', hash: { value: sha256.toUpperCase(), encoding: 'hex' }, salt: { value: 'pepper', position: 'prefix' } } }))
    const salt = randomBytes(8)
    const sha512 = createHash('sha512').update(Buffer.concat([Buffer.from(PASSWORD), salt])).digest('base64')
    await assertVerifies(stored({ custom_password_hash: { algorithm: 'sha512', hash: { value: sha512, encoding: 'base64' }, salt: { value: salt.toString('base64'), encoding: 'base64', position: 'suffix' } } }))
    await assertVerifies(stored({ custom_password_hash: { algorithm: 'md5', hash: { value: createHash('md5').update(PASSWORD).digest('hex') } } }))
    const sha1 = createHash('sha1').update(Buffer.from(PASSWORD, 'utf16le')).digest('hex')
    await assertVerifies(stored({ custom_password_hash: { algorithm: 'sha1', hash: { value: sha1, encoding: 'hex' }, password: { encoding: 'utf16le' } } }))
  })

  it('hmac-sha256 with its key', async () => {
    const value = createHmac('sha256', Buffer.from('c2VjcmV0LWtleQ', 'base64')).update(`s4lt${PASSWORD}`).digest('hex')
    await assertVerifies(
      stored({ custom_password_hash: { algorithm: 'hmac', hash: { value, encoding: 'hex', digest: 'sha256', key: { value: 'c2VjcmV0LWtleQ', encoding: 'base64' } }, salt: { value: 's4lt', position: 'prefix' } } }),
    )
  })

  it('ldap {SSHA} and {SHA512}', async () => {
    const salt = randomBytes(4)
    const ssha = Buffer.concat([createHash('sha1').update(PASSWORD).update(salt).digest(), salt]).toString('base64')
    await assertVerifies(stored({ custom_password_hash: { algorithm: 'ldap', hash: { value: `{SSHA}${ssha}` } } }))
    await assertVerifies(stored({ custom_password_hash: { algorithm: 'ldap', hash: { value: `{SHA512}${createHash('sha512').update(PASSWORD).digest('base64')}`, encoding: 'utf8' } } }))
  })

  it('no hash, a damaged or unknown stored value: false, never a throw', async () => {
    assert.equal(await verifyPassword(null, PASSWORD), false)
    assert.equal(await verifyPassword('$latchkey-imported$not-json', PASSWORD), false)
    assert.equal(await verifyPassword('plaintext', 'plaintext'), false)
    assert.equal(await verifyPassword('$argon2id$v=19$m=19456,t=2,p=1$broken', PASSWORD), false)
  })
})

describe('an imported bcrypt user logs in through the login page', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  it('with the original password; the stored hash becomes our argon2id, and the next login uses it', async () => {
    const { app } = await addApp(server.store)
    const user = await addUser(server.store, { id: 'auth0|imported-bcrypt-1', passwordHash: await bcrypt.hash(HARNESS_PASSWORD, 4) })
    const tokens = await new LoggedInBrowser(server, user).tokens(app, { scope: 'openid' })
    assert.equal(claims(tokens.id_token).sub, 'auth0|imported-bcrypt-1')
    const upgraded = (await server.store.users.get(user.id))?.passwordHash ?? ''
    assert.match(upgraded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    assert.equal(await verifyPassword(upgraded, HARNESS_PASSWORD), true)
    await new LoggedInBrowser(server, user).tokens(app, { scope: 'openid' })
    assert.equal((await server.store.users.get(user.id))?.passwordHash, upgraded, 'not rehashed again')
  })
})
