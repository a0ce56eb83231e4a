/**
 * Opaque secrets (codes, refresh tokens, session ids, client secrets): 32 random bytes, base64url.
 * Only their SHA-256 is ever stored; lookups go by hash, so no secret comparison happens in SQL.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
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
