/**
 * What an application's refresh-token settings (Auth0's `refresh_token` object, records.ts'
 * RefreshTokenPolicy) mean for its tokens: whether a refresh rotates, and which lifetimes apply.
 * A lifetime applies when the tokens expire (`expiring`) and its `infinite_*` switch is off.
 *
 * "Never" is a date, not a NULL: NEVER_EXPIRES, the last millisecond of year 9999. The store's
 * statements then stay what they are (`expires_at > now`, the sweeper's `expires_at < before`,
 * the same on SQLite and PostgreSQL) and a token that never expires is simply never past it.
 */
import type { RefreshTokenPolicy } from '../records.js'

/** 9999-12-31T23:59:59.999Z in milliseconds: the expiry of what does not expire. */
export const NEVER_EXPIRES = 253_402_300_799_999

/** Seconds a token stays valid unused, or null when it never idles out. */
export function idleLifetimeSeconds(policy: RefreshTokenPolicy): number | null {
  return policy.expiration === 'expiring' && !policy.infiniteIdleLifetime ? policy.idleLifetimeSeconds : null
}

/** Seconds a grant's tokens live at most, or null when they have no absolute lifetime. */
export function absoluteLifetimeSeconds(policy: RefreshTokenPolicy): number | null {
  return policy.expiration === 'expiring' && !policy.infiniteAbsoluteLifetime ? policy.absoluteLifetimeSeconds : null
}

/** The absolute expiry of a grant whose first refresh token is issued at `now`. */
export function grantExpiry(policy: RefreshTokenPolicy, now: number): number {
  const lifetime = absoluteLifetimeSeconds(policy)
  return lifetime === null ? NEVER_EXPIRES : now + lifetime * 1000
}

/** The idle expiry of a token issued or used at `now`, never past its grant's. */
export function idleExpiry(policy: RefreshTokenPolicy, now: number, grantExpiresAt: number): number {
  const lifetime = idleLifetimeSeconds(policy)
  return lifetime === null ? grantExpiresAt : Math.min(now + lifetime * 1000, grantExpiresAt)
}
