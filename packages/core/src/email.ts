/**
 * One form of an email address for every use: the account's lookup and its uniqueness, sign-up,
 * invitations, the per-account rate-limit bucket and the audit log. Unicode NFKC (full-width and other
 * compatibility forms fold into one address), surrounding whitespace trimmed, lower case (as Auth0:
 * addresses are case-insensitive in practice, although RFC 5321 lets a local part be otherwise).
 * Variants of one address are one account, one bucket and one line in the log.
 */
import { z } from 'zod'

export function normalizeEmail(value: string): string {
  return value.normalize('NFKC').trim().toLowerCase()
}

/** An email address field: normalised first, then checked (at most 254 characters, RFC 5321 §4.5.3.1.3). */
export function emailField(message: string) {
  return z.string().transform(normalizeEmail).pipe(z.string().max(254).pipe(z.email(message)))
}
