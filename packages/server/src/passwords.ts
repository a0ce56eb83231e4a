/**
 * Passwords: argon2id at OWASP's parameters (19 MiB, t=2, p=1). Verifying an unknown account runs
 * against a dummy hash, so a wrong email costs as much time as a wrong password (no enumeration).
 *
 * @node-rs/argon2 hashes on libuv's threadpool, never on the event loop. That pool also runs
 * WebCrypto, which signs every token: a burst of logins (each hash takes a core for tens of
 * milliseconds) must not take all its threads, nor every core, or token requests wait behind
 * hashes. So at most `MAX_CONCURRENT_HASHES` run at once (half the pool, one core fewer than the
 * machine has, at least one); the others wait their turn in order, costing nothing meanwhile.
 *
 * Users brought from elsewhere keep their old hashes until they log in (@latchkey/core's
 * migration/password-hashes: argon2 at other parameters, bcrypt, and `$latchkey-imported$` custom
 * hashes, verified in migration/legacy-hashes.ts); `needsRehash` tells the login to replace such a
 * hash with ours once the password has been proved. bcrypt, argon2, PBKDF2 and scrypt run in a slot;
 * a single digest (SHA-*, MD5, HMAC, LDAP) costs microseconds and does not.
 */
import { hash, verify } from '@node-rs/argon2'
import { availableParallelism } from 'node:os'
import { BCRYPT_HASH, IMPORTED_HASH_PREFIX, readImportedHash } from '@latchkey/core'
import { isHeavy, verifyBcrypt, verifyImported } from './migration/legacy-hashes.js'

const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, algorithm: 2 } as const
/** How our own hashes begin: argon2id, version 19, OPTIONS' parameters. */
export const CURRENT_HASH_PREFIX = `$argon2id$v=19$m=${OPTIONS.memoryCost},t=${OPTIONS.timeCost},p=${OPTIONS.parallelism}$`

const POOL_SIZE = Number(process.env.UV_THREADPOOL_SIZE) || 4
export const MAX_CONCURRENT_HASHES = Math.max(1, Math.min(Math.floor(POOL_SIZE / 2), availableParallelism() - 1))

let running = 0
const waiting: (() => void)[] = []

/** Hashes running now, and logins waiting for a slot. */
export function hashingLoad(): { readonly running: number; readonly waiting: number } {
  return { running, waiting: waiting.length }
}

/** Runs `fn` when a hashing slot is free; a finished hash hands its slot straight to the next in line. */
async function inTurn<T>(fn: () => Promise<T>): Promise<T> {
  if (running < MAX_CONCURRENT_HASHES) running++
  else await new Promise<void>((resolve) => waiting.push(resolve))
  try {
    return await fn()
  } finally {
    const next = waiting.shift()
    if (next) next()
    else running--
  }
}

export async function hashPassword(password: string): Promise<string> {
  return inTurn(() => hash(password, OPTIONS))
}

let dummy: Promise<string> | undefined

/**
 * Whether `phc` (any stored form) matches the password. No stored hash (an unknown account, or one
 * without a password) costs one dummy argon2 all the same, and answers false.
 */
export async function verifyPassword(phc: string | null, password: string): Promise<boolean> {
  dummy ??= hashPassword('latchkey-dummy-password-for-timing')
  try {
    if (phc === null) {
      const stored = await dummy
      await inTurn(() => verify(stored, password))
      return false
    }
    if (phc.startsWith('$argon2')) return await inTurn(() => verify(phc, password))
    if (BCRYPT_HASH.test(phc)) return await inTurn(() => verifyBcrypt(phc, password))
    const imported = phc.startsWith(IMPORTED_HASH_PREFIX) ? readImportedHash(phc) : null
    if (!imported) return false
    return await (isHeavy(imported) ? inTurn(() => verifyImported(imported, password)) : verifyImported(imported, password))
  } catch {
    return false
  }
}

/** True for every stored hash that is not argon2id at our parameters: replace it at the next successful login. */
export function needsRehash(phc: string): boolean {
  return !phc.startsWith(CURRENT_HASH_PREFIX)
}
