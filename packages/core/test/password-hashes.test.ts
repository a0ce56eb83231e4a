/**
 * Auth0's bulk-import password fields, checked as Auth0 documents them: `password_hash` is bcrypt
 * $2a$/$2b$ only, `custom_password_hash` follows its schema per algorithm, and each refusal names
 * the field at fault with Auth0's error codes. What is accepted is stored in a form the export gives back.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IMPORTED_HASH_PREFIX, type ImportFieldError, importedPasswordHash, passwordHashForExport, readImportedHash } from '../src/index.js'

const BCRYPT = '$2b$10$C9hB01.YxRSTcn/ZOOo4j.TW7xCKKFKBSF.C7E0xiUwumqIDqWUXG'
const ARGON2 = '$argon2id$v=19$m=65536,t=2,p=1$J6Q/82PCyaNpYKRELJyTZg$m04qUAB8rexWDR4+/0f+SFB+4XMFxt7YAvAq2UycYos'
const SHA256 = { algorithm: 'sha256', hash: { value: 'd24e794fce503c3ddb1cd1ba1dd5d9b250cf9917336a0316fefd87fecf79200f', encoding: 'hex' }, salt: { value: 'abc123', position: 'prefix' } }

/** The errors of a refused entry, as [path, code] pairs. */
function refusals(entry: Record<string, unknown>): [string, string][] {
  const result = importedPasswordHash(entry)
  assert.equal(result.ok, false, 'refused')
  return (result as { errors: ImportFieldError[] }).errors.map((e) => [e.path, e.code])
}

describe('imported password hashes: what is stored', () => {
  it('no hash: null; bcrypt and argon2 strings as they are; other algorithms wrapped', () => {
    assert.deepEqual(importedPasswordHash({}), { ok: true, stored: null })
    assert.deepEqual(importedPasswordHash({ password_hash: BCRYPT }), { ok: true, stored: BCRYPT })
    assert.deepEqual(importedPasswordHash({ custom_password_hash: { algorithm: 'argon2', hash: { value: ARGON2 } } }), { ok: true, stored: ARGON2 })
    const sha = importedPasswordHash({ custom_password_hash: SHA256 })
    assert.ok(sha.ok && sha.stored?.startsWith(IMPORTED_HASH_PREFIX))
    assert.deepEqual(readImportedHash(sha.stored as string), { ...SHA256, salt: { ...SHA256.salt, encoding: 'utf8' }, password: { encoding: 'utf8' } })
  })

  it('exports each stored form in the import format, and an export imports again unchanged', () => {
    assert.deepEqual(passwordHashForExport(BCRYPT), { password_hash: BCRYPT })
    assert.deepEqual(passwordHashForExport(ARGON2), { custom_password_hash: { algorithm: 'argon2', hash: { value: ARGON2, encoding: 'utf8' } } })
    const y = BCRYPT.replace('$2b$', '$2y$')
    assert.deepEqual(passwordHashForExport(y), { custom_password_hash: { algorithm: 'bcrypt', hash: { value: y, encoding: 'utf8' } } })
    const stored = (importedPasswordHash({ custom_password_hash: SHA256 }) as { stored: string }).stored
    const exported = passwordHashForExport(stored)
    assert.deepEqual(importedPasswordHash(exported), { ok: true, stored })
    assert.throws(() => passwordHashForExport('plaintext'), /not a stored password hash/)
  })

  it('infers a digest\'s encoding when the file leaves it out, fills scrypt\'s defaults', () => {
    const md5 = importedPasswordHash({ custom_password_hash: { algorithm: 'md5', hash: { value: '5f4dcc3b5aa765d61d8327deb882cf99' } } })
    assert.equal(readImportedHash((md5 as { stored: string }).stored)?.hash.encoding, 'hex')
    const scrypt = importedPasswordHash({ custom_password_hash: { algorithm: 'scrypt', hash: { value: 'q83vEjRWeJA', encoding: 'base64' }, salt: { value: 'NaCl' }, keylen: 8 } })
    assert.deepEqual(readImportedHash((scrypt as { stored: string }).stored), {
      algorithm: 'scrypt',
      hash: { value: 'q83vEjRWeJA', encoding: 'base64' },
      salt: { value: 'NaCl', encoding: 'utf8' },
      password: { encoding: 'utf8' },
      keylen: 8,
      cost: 16384,
      blockSize: 8,
      parallelization: 1,
    })
  })
})

describe('imported password hashes: refusals name the field', () => {
  it('password_hash: bcrypt $2a$/$2b$ only, and not with custom_password_hash', () => {
    assert.deepEqual(refusals({ password_hash: BCRYPT.replace('$2b$', '$2y$') }), [['password_hash', 'INVALID_FORMAT']])
    assert.deepEqual(refusals({ password_hash: 'secret' }), [['password_hash', 'INVALID_FORMAT']])
    assert.deepEqual(refusals({ password_hash: 42 }), [['password_hash', 'INVALID_TYPE']])
    assert.deepEqual(refusals({ password_hash: BCRYPT, custom_password_hash: SHA256 }), [['custom_password_hash', 'INVALID_FORMAT']])
  })

  it('malformed custom_password_hash objects', () => {
    assert.deepEqual(refusals({ custom_password_hash: 'sha256' }), [['custom_password_hash', 'INVALID_TYPE']])
    assert.deepEqual(refusals({ custom_password_hash: {} }), [
      ['custom_password_hash.algorithm', 'OBJECT_MISSING_REQUIRED_PROPERTY'],
      ['custom_password_hash.hash', 'OBJECT_MISSING_REQUIRED_PROPERTY'],
    ])
    assert.deepEqual(refusals({ custom_password_hash: { ...SHA256, algorithm: 'crc32' } }), [['custom_password_hash.algorithm', 'ENUM_MISMATCH']])
    assert.deepEqual(refusals({ custom_password_hash: { ...SHA256, rounds: 3 } }), [['custom_password_hash.rounds', 'OBJECT_ADDITIONAL_PROPERTIES']])
    assert.deepEqual(refusals({ custom_password_hash: { ...SHA256, hash: { ...SHA256.hash, encoding: 'utf8' } } }), [['custom_password_hash.hash.encoding', 'ENUM_MISMATCH']])
    assert.deepEqual(refusals({ custom_password_hash: { ...SHA256, hash: { value: 'abcd', encoding: 'hex' } } }), [['custom_password_hash.hash.value', 'INVALID_FORMAT']])
    assert.deepEqual(refusals({ custom_password_hash: { ...SHA256, salt: { value: 'abc' } } }), [['custom_password_hash.salt.position', 'OBJECT_MISSING_REQUIRED_PROPERTY']])
    assert.deepEqual(refusals({ custom_password_hash: { ...SHA256, password: { encoding: 'ebcdic' } } }), [['custom_password_hash.password.encoding', 'ENUM_MISMATCH']])
  })

  it('per algorithm: hmac needs digest and key, scrypt its salt and keylen, pbkdf2 and argon2 their string forms', () => {
    assert.deepEqual(refusals({ custom_password_hash: { algorithm: 'hmac', hash: { value: 'ab'.repeat(32), encoding: 'hex' } } }), [
      ['custom_password_hash.hash.digest', 'OBJECT_MISSING_REQUIRED_PROPERTY'],
      ['custom_password_hash.hash.key', 'OBJECT_MISSING_REQUIRED_PROPERTY'],
    ])
    assert.deepEqual(refusals({ custom_password_hash: { algorithm: 'scrypt', hash: { value: 'abcd', encoding: 'hex' }, cost: 1000 } }), [
      ['custom_password_hash.salt', 'OBJECT_MISSING_REQUIRED_PROPERTY'],
      ['custom_password_hash.keylen', 'OBJECT_MISSING_REQUIRED_PROPERTY'],
      ['custom_password_hash.cost', 'INVALID_FORMAT'],
    ])
    assert.deepEqual(refusals({ custom_password_hash: { algorithm: 'pbkdf2', hash: { value: 'pbkdf2_sha256$1000$salt$hash' } } }), [['custom_password_hash.hash.value', 'INVALID_FORMAT']])
    assert.deepEqual(refusals({ custom_password_hash: { algorithm: 'pbkdf2', hash: { value: '$pbkdf2-sha256$i=1000,l=32$c2FsdA$aGFzaA' } } }), [['custom_password_hash.hash.value', 'INVALID_FORMAT']])
    assert.deepEqual(refusals({ custom_password_hash: { algorithm: 'argon2', hash: { value: ARGON2, encoding: 'base64' } } }), [['custom_password_hash.hash.encoding', 'ENUM_MISMATCH']])
    assert.deepEqual(refusals({ custom_password_hash: { algorithm: 'argon2', hash: { value: ARGON2.replace('m=65536', 'm=4194304') } } }), [['custom_password_hash.hash.value', 'INVALID_FORMAT']])
    assert.deepEqual(refusals({ custom_password_hash: { algorithm: 'ldap', hash: { value: '{CRYPT}aa12345' } } }), [['custom_password_hash.hash.value', 'INVALID_FORMAT']])
  })

  it('md4 (and pbkdf2 or hmac over md4 or whirlpool) is refused: OpenSSL 3 cannot check it', () => {
    assert.deepEqual(refusals({ custom_password_hash: { algorithm: 'md4', hash: { value: 'AbuUujgF0pPPkJPSFRTpmA==', encoding: 'base64' } } }), [['custom_password_hash.algorithm', 'UNSUPPORTED_ALGORITHM']])
    assert.deepEqual(refusals({ custom_password_hash: { algorithm: 'pbkdf2', hash: { value: '$pbkdf2-md4$i=1000,l=4$c2FsdA$aGFzaA' } } }), [['custom_password_hash.hash.value', 'UNSUPPORTED_ALGORITHM']])
    assert.deepEqual(refusals({ custom_password_hash: { algorithm: 'hmac', hash: { value: 'ab'.repeat(64), encoding: 'hex', digest: 'whirlpool', key: { value: 'k' } } } }), [
      ['custom_password_hash.hash.digest', 'UNSUPPORTED_ALGORITHM'],
    ])
  })
})
