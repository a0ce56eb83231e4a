/**
 * Opaque secrets (codes, refresh tokens, session ids, client secrets): 32 random bytes, base64url.
 * Only their SHA-256 is ever stored; lookups go by hash, so no secret comparison happens in SQL.
 */
import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto'

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
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
