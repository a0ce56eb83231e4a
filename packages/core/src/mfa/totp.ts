/**
 * TOTP (RFC 6238) as authenticator apps implement it: SHA-1, 6 digits, 30-second steps, a 20-byte
 * secret shown as base32 (RFC 4648, no padding). otplib computes and compares the codes (in constant
 * time); this file fixes the parameters, the accepted window and the input rules.
 *
 * A code is accepted for the current step and one step either side (±30 s of clock drift, RFC 6238
 * §5.2). verifyTotp returns the step that matched so the caller can record it and refuse that step and
 * any earlier one next time (§5.2: "the verifier MUST NOT accept the second attempt of the same OTP").
 *
 * Time is epoch milliseconds, as everywhere in core; a step is floor(ms / 30000).
 */
import { generateSecret, generateSync, verifySync } from 'otplib'

export const TOTP_PERIOD_SECONDS = 30
export const TOTP_DIGITS = 6
/** Bytes of a new secret: 160 bits, the HMAC-SHA-1 block RFC 4226 §4 recommends. */
export const TOTP_SECRET_BYTES = 20

/** A new shared secret, base32 (32 characters), for the QR code and the `otpauth://` URI. */
export function newTotpSecret(): string {
  return generateSecret({ length: TOTP_SECRET_BYTES })
}

/**
 * The Key URI Format authenticator apps read from a QR code:
 * `otpauth://totp/{issuer}:{account}?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
 * Issuer and account are percent-encoded (a `:` in either becomes `%3A`, so the label splits once).
 */
export function totpUri(o: { readonly secret: string; readonly issuer: string; readonly account: string }): string {
  const issuer = encodeURIComponent(o.issuer)
  const account = encodeURIComponent(o.account)
  const secret = encodeURIComponent(o.secret)
  return `otpauth://totp/${issuer}:${account}?secret=${secret}&issuer=${issuer}&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_PERIOD_SECONDS}`
}

/** The time step of an instant: floor(ms / 30000). */
export function totpStep(now: number): number {
  return Math.floor(now / (TOTP_PERIOD_SECONDS * 1000))
}

/** What a user typed, without the spaces apps show in the middle ("123 456"); null unless six digits. */
export function normalizeTotpCode(code: unknown): string | null {
  if (typeof code !== 'string' || code.length > 32) return null
  const digits = code.replace(/\s/g, '')
  return /^[0-9]{6}$/.test(digits) ? digits : null
}

/**
 * The step at which `code` is right, searching the current step and one either side; null when it is
 * wrong or malformed. With `lastUsedStep`, steps up to and including it are not searched (replay):
 * the caller stores the returned step and passes it next time.
 */
export function verifyTotp(secret: string, code: string, now: number, lastUsedStep: number | null = null): number | null {
  const token = normalizeTotpCode(code)
  if (token === null) return null
  // Every step of the window already used (a clock that went back): nothing left to accept.
  if (lastUsedStep !== null && lastUsedStep >= totpStep(now) + 1) return null
  const result = verifySync({
    secret,
    token,
    epoch: Math.floor(now / 1000),
    epochTolerance: TOTP_PERIOD_SECONDS,
    ...(lastUsedStep === null || lastUsedStep < 0 ? {} : { afterTimeStep: lastUsedStep }),
  })
  if (!result.valid || !('timeStep' in result)) return null
  // Belt and braces: otplib skips those steps already, but a replay must never pass.
  if (lastUsedStep !== null && result.timeStep <= lastUsedStep) return null
  return result.timeStep
}

/** The code an authenticator app shows at `now`: for tests, and for nothing else in the server. */
export function totpCode(secret: string, now: number): string {
  return generateSync({ secret, epoch: Math.floor(now / 1000) })
}
