/**
 * "Remember this browser" (issue 15): a marker, kept in a cookie, that spares a user the second factor
 * the policy asks for, for a configured number of days. It is
 *
 *   `v1.{user}.{issuedAt}.{expiresAt}.{mac}`
 *
 * where `user` is a keyed hash of the user id (HMAC-SHA-256, 16 bytes, base64url: the cookie names
 * nobody, and cannot be matched to a user id without the key), the times are epoch milliseconds,
 * and `mac` is HMAC-SHA-256 over everything before it, base64url. A marker is valid for one user,
 * until it expires, and only when issued after the user's last revocation (Auth0's
 * invalidate-remember-browser sets that instant), so revoking needs no list of markers.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export type RememberKey = Uint8Array | string

const VERSION = 'v1'
const DAY_MS = 24 * 3600 * 1000
/** A marker never outlives this: longer lifetimes are cut to it. */
export const MAX_REMEMBER_DAYS = 365
const MIN_KEY_BYTES = 16
const MAX_MARKER_LENGTH = 200

function hmac(key: RememberKey, label: string, data: string): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key
  if (bytes.length < MIN_KEY_BYTES) throw new RangeError(`remember-browser key must be at least ${MIN_KEY_BYTES} bytes`)
  return createHmac('sha256', bytes).update(`${label}\0${data}`, 'utf8').digest()
}

function userHash(key: RememberKey, userId: string): string {
  return hmac(key, 'latchkey remember-browser user', userId).subarray(0, 16).toString('base64url')
}

function mac(key: RememberKey, payload: string): string {
  return hmac(key, 'latchkey remember-browser mac', payload).toString('base64url')
}

/** A marker for `userId`, issued at `issuedAt` (epoch ms), valid for `days` days (at most MAX_REMEMBER_DAYS). */
export function rememberMarker(key: RememberKey, userId: string, issuedAt: number, days: number): string {
  if (!Number.isSafeInteger(issuedAt) || issuedAt < 0) throw new RangeError('issuedAt must be epoch milliseconds')
  if (!(days > 0)) throw new RangeError('days must be positive')
  const lifetime = Math.round(Math.min(days, MAX_REMEMBER_DAYS) * DAY_MS)
  const payload = `${VERSION}.${userHash(key, userId)}.${issuedAt}.${issuedAt + lifetime}`
  return `${payload}.${mac(key, payload)}`
}

/**
 * Whether `marker` (the cookie's value, or anything a browser sent) remembers `userId`'s browser at
 * `now`: its MAC is right (compared in constant time), it is this user's, it has not expired, and it
 * was issued after `revokedAt` (null: never revoked).
 */
export function checkRememberMarker(key: RememberKey, marker: unknown, userId: string, now: number, revokedAt: number | null): boolean {
  if (typeof marker !== 'string' || marker.length > MAX_MARKER_LENGTH) return false
  const parts = marker.split('.')
  if (parts.length !== 5) return false
  const [version, user, issued, expires, presented] = parts as [string, string, string, string, string]
  if (version !== VERSION || !/^[0-9]{1,16}$/.test(issued) || !/^[0-9]{1,16}$/.test(expires)) return false
  // The MAC is recomputed for the expected user: a marker of another user fails here, as does any edit.
  const expected = Buffer.from(mac(key, `${VERSION}.${userHash(key, userId)}.${issued}.${expires}`), 'utf8')
  const given = Buffer.from(presented, 'utf8')
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false
  if (user !== userHash(key, userId)) return false
  const issuedAt = Number(issued)
  if (now >= Number(expires)) return false
  if (revokedAt !== null && issuedAt <= revokedAt) return false
  return true
}
