/**
 * "Remember this browser" (issue 15): after a second factor, the user may let this browser skip the
 * challenge for LATCHKEY_MFA_REMEMBER_DAYS. The cookie holds a marker MACed with a key derived from
 * the key-encryption key (the same on every node), naming the user only by a hash; it is void once
 * expired, for another user, or issued before the user's remembered browsers were revoked (Auth0's
 * invalidate-remember-browser, and every factor reset). A step-up is never skipped (mfa/policy in core).
 */
import { checkRememberMarker, rememberMarker } from '@latchkey/core'
import type { Context } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'
import { hkdfSync } from 'node:crypto'
import type { Deps } from '../deps.js'

const cookieName = (deps: Deps) => (deps.config.secureCookies ? '__Host-latchkey_mfa' : 'latchkey_mfa')

function markerKey(deps: Deps): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', deps.keys.encryption.current.key, 'latchkey', 'latchkey mfa remember browser v1', 32))
}

export async function isRemembered(c: Context, deps: Deps, userId: string): Promise<boolean> {
  if (deps.config.mfa.rememberDays === 0) return false
  const marker = getCookie(c, cookieName(deps))
  if (!marker || marker.length > 512) return false
  const revokedAt = await deps.store.authenticators.rememberedBrowsersRevokedAt(userId)
  return checkRememberMarker(markerKey(deps), marker, userId, deps.clock.now(), revokedAt)
}

export function rememberBrowser(c: Context, deps: Deps, userId: string): void {
  const days = deps.config.mfa.rememberDays
  if (days === 0) return
  setCookie(c, cookieName(deps), rememberMarker(markerKey(deps), userId, deps.clock.now(), days), {
    path: '/',
    httpOnly: true,
    secure: deps.config.secureCookies,
    sameSite: 'Lax',
    maxAge: days * 86_400,
  })
}
