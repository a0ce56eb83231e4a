/**
 * Anti-CSRF for the login and consent forms, bound to the login transaction and to the browser.
 * The browser holds a random HttpOnly, SameSite=Lax cookie; the interaction stores its SHA-256, so
 * only that browser can continue it; each form carries a token derived from the cookie and the
 * interaction id, which a cross-site page can neither read nor compute. hono/csrf's Origin /
 * Sec-Fetch-Site check runs in front as another layer.
 *
 * The logout confirmation (routes/logout.ts) has no interaction: its token is derived from the same
 * cookie and the `sid` of the session it ends, so it is good for this browser and this session only.
 */
import { sha256 } from '@latchkey/core'
import { timingSafeEqual } from 'node:crypto'

/** What the interaction stores: the hash of the browser-binding cookie. */
export function bindingHash(binding: string): string {
  return sha256(binding)
}

/** The per-transaction form token. */
export function formToken(binding: string, interactionId: string): string {
  return sha256(`csrf.${binding}.${interactionId}`)
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Whether this browser owns the interaction (cookie) and, for form posts, sent its token. */
export function ownsInteraction(binding: string | null, interactionId: string, storedHash: string, token?: string | null): boolean {
  if (binding === null || !equal(bindingHash(binding), storedHash)) return false
  if (token === undefined) return true
  return token !== null && token.length <= 128 && equal(token, formToken(binding, interactionId))
}

/** The logout confirmation's form token: this browser, this session, and nothing else (a distinct prefix). */
export function logoutToken(binding: string, sid: string): string {
  return sha256(`logout.${binding}.${sid}`)
}

/** Whether the logout form came with this browser's token for the session it would end. */
export function sentLogoutToken(binding: string | null, sid: string, token: string | undefined): boolean {
  return binding !== null && token !== undefined && token.length <= 128 && equal(token, logoutToken(binding, sid))
}

/** The account page's form token (routes/account.ts): this browser, this session, and nothing else (its own prefix). */
export function accountToken(binding: string, sid: string): string {
  return sha256(`account.${binding}.${sid}`)
}

/** Whether an account-page form came with this browser's token for the session it acts in. */
export function sentAccountToken(binding: string | null, sid: string, token: string | undefined): boolean {
  return binding !== null && token !== undefined && token.length <= 128 && equal(token, accountToken(binding, sid))
}
