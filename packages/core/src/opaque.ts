/**
 * Opaque secrets (codes, refresh tokens, session ids, client secrets): 32 random bytes, base64url.
 * Only their SHA-256 is ever stored; lookups go by hash, so no secret comparison happens in SQL.
 */
import { createHash, randomBytes, randomFillSync, randomInt, randomUUID, timingSafeEqual } from 'node:crypto'

/**
 * Random bytes from a pool filled 4 KiB at a time: one call into the CSPRNG for about a hundred
 * tokens instead of one each (each call costs about 5 µs; the tokens of one request need several).
 * Every byte is handed out once and the pool is never exposed, as Node's own randomUUID pool does.
 */
const POOL_SIZE = 4096
const pool = Buffer.allocUnsafe(POOL_SIZE)
let poolOffset = POOL_SIZE

export function pooledRandomBytes(bytes: number): Buffer {
  if (bytes > POOL_SIZE / 4) return randomBytes(bytes)
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool)
    poolOffset = 0
  }
  // A copy: the pool's bytes are overwritten by the next fill.
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + bytes))
  pool.fill(0, poolOffset, poolOffset + bytes)
  poolOffset += bytes
  return out
}

export function randomToken(bytes = 32): string {
  return pooledRandomBytes(bytes).toString('base64url')
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/**
 * `length` random letters and digits (uniform: randomInt rejects biased draws). Client ids use it,
 * as Auth0's do: such an id never starts with `-`, which a command line would read as an option.
 */
export function randomAlphanumeric(length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]
  return out
}

export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url')
}

export function randomId(): string {
  return randomUUID()
}

/** Constant-time comparison of a presented secret with a stored SHA-256 hash. */
export function matchesHash(secret: string, hash: string): boolean {
  const a = Buffer.from(sha256(secret), 'utf8')
  const b = Buffer.from(hash, 'utf8')
  return a.length === b.length && timingSafeEqual(a, b)
}
