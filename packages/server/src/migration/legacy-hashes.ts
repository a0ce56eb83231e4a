/**
 * Verifying the password hashes users brought from elsewhere (@latchkey/core's migration/password-hashes:
 * bcrypt strings and `$latchkey-imported$` custom hashes), each with a well-kept implementation:
 * bcryptjs for bcrypt, node:crypto for PBKDF2, scrypt, HMAC and the plain digests. Every comparison
 * of digests is constant-time. Which of these are CPU-heavy (and so take a hashing slot) is
 * passwords.ts's business: `heavy` says it.
 */
import { createHash, createHmac, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { type BinaryEncoding, type ImportedHash, LDAP_HASH, LDAP_SCHEMES, PBKDF2_HASH } from '@latchkey/core'
import bcrypt from 'bcryptjs'

const pbkdf2Async = promisify(pbkdf2)
const scryptAsync = promisify(scrypt) as (password: Buffer, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>

export function verifyBcrypt(stored: string, password: string): Promise<boolean> {
  return bcrypt.compare(password, stored)
}

/** Whether checking this custom hash costs real CPU (a key-derivation function) rather than one digest. */
export const isHeavy = (hash: ImportedHash): boolean => hash.algorithm === 'pbkdf2' || hash.algorithm === 'scrypt' || hash.algorithm === 'bcrypt' || hash.algorithm === 'argon2'

/** The typed password against a validated custom hash (bcrypt and argon2 in that form are passwords.ts's). */
export async function verifyImported(hash: ImportedHash, password: string): Promise<boolean> {
  const typed = Buffer.from(password, hash.password.encoding)
  switch (hash.algorithm) {
    case 'md5':
    case 'sha1':
    case 'sha256':
    case 'sha512':
      return sameBytes(createHash(hash.algorithm).update(salted(hash, typed)).digest(), decode(hash.hash.value, hash.hash.encoding))
    case 'hmac': {
      const { digest, key } = hash.hash
      if (!digest || !key) return false
      return sameBytes(createHmac(digest, decode(key.value, key.encoding)).update(salted(hash, typed)).digest(), decode(hash.hash.value, hash.hash.encoding))
    }
    case 'ldap':
      return verifyLdap(hash.hash.value, typed)
    case 'pbkdf2':
      return verifyPbkdf2(hash.hash.value, typed)
    case 'scrypt': {
      if (!hash.salt || !hash.keylen || !hash.cost || !hash.blockSize || !hash.parallelization) return false
      const { cost: N, blockSize: r, parallelization: p } = hash
      const derived = await scryptAsync(typed, decode(hash.salt.value, hash.salt.encoding), hash.keylen, { N, r, p, maxmem: 128 * N * r + 128 * r * p + 32 * 1024 * 1024 })
      return sameBytes(derived, decode(hash.hash.value, hash.hash.encoding))
    }
    default:
      // bcrypt and argon2 under a non-UTF-8 password encoding are refused at import (core).
      return false
  }
}

/** RFC 2307: `{SSHA}` base64(digest ‖ salt), the digest over password ‖ salt; unsalted schemes over the password alone. */
function verifyLdap(value: string, typed: Buffer): boolean {
  const match = LDAP_HASH.exec(value)
  const scheme = match ? LDAP_SCHEMES[(match[1] as string).toUpperCase()] : undefined
  if (!match || !scheme) return false
  const bytes = Buffer.from(match[2] as string, 'base64')
  const size = createHash(scheme.digest).digest().length
  const salt = scheme.salted ? bytes.subarray(size) : Buffer.alloc(0)
  return sameBytes(createHash(scheme.digest).update(typed).update(salt).digest(), bytes.subarray(0, size))
}

/** Auth0's `$pbkdf2-<digest>$i=<iterations>,l=<key length>$<B64 salt>$<B64 hash>`. */
async function verifyPbkdf2(value: string, typed: Buffer): Promise<boolean> {
  const match = PBKDF2_HASH.exec(value)
  if (!match) return false
  const [, digest, iterations, keylen, salt, expected] = match as unknown as [string, string, string, string, string, string]
  const derived = await pbkdf2Async(typed, ab64(salt), Number(iterations), Number(keylen), digest)
  return sameBytes(derived, ab64(expected))
}

/** PHC's B64 (standard alphabet, no padding), also in passlib's adapted form ('.' for '+'). */
const ab64 = (value: string): Buffer => Buffer.from(value.replaceAll('.', '+'), 'base64')

function salted(hash: ImportedHash, typed: Buffer): Buffer {
  if (!hash.salt) return typed
  const salt = decode(hash.salt.value, hash.salt.encoding)
  return hash.salt.position === 'suffix' ? Buffer.concat([typed, salt]) : Buffer.concat([salt, typed])
}

/** Hex in either case; base64 standard or URL-safe, padded or not (Node's decoder takes both). */
const decode = (value: string, encoding: BinaryEncoding): Buffer => Buffer.from(value, encoding)

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b)
}
