/**
 * TOTP enrolment and codes (issue 15), shared by the login flow's steps (routes/mfa.ts) and the
 * user's account page (routes/account.ts): the user's TOTP authenticators, a pending one created on
 * first sight (one at a time, its secret sealed), what the enrolment page shows of it, and the check
 * of a code (±1 step, each step once: a replay is refused).
 */
import { type AuthenticatorRecord, newTotpSecret, randomAlphanumeric, totpUri, type UserRecord, verifyTotp } from '@latchkey/core'
import QRCode from 'qrcode'
import type { Deps } from '../deps.js'

export async function totpFactors(deps: Deps, userId: string, confirmed: boolean): Promise<AuthenticatorRecord[]> {
  return (await deps.store.authenticators.listForUser(userId)).filter((a) => a.type === 'totp' && a.confirmed === confirmed && a.sealedSecret !== null)
}

/** The TOTP authenticator among `factors` that accepts `code` now, its step recorded (a replay is refused); null when none does. */
export async function acceptTotp(deps: Deps, factors: readonly AuthenticatorRecord[], code: string): Promise<AuthenticatorRecord | null> {
  if (code.length > 16) return null
  const now = deps.clock.now()
  for (const factor of factors) {
    const step = verifyTotp(await deps.keys.encryption.openText(factor.sealedSecret as string), code, now)
    if (step !== null && (await deps.store.authenticators.useTotpStep(factor.id, step, now))) return factor
  }
  return null
}

/** What the enrolment page shows of a pending TOTP authenticator. */
export interface TotpEnrolment {
  /** The QR code of the otpauth URI, as an SVG document. */
  readonly qrSvg: string
  readonly otpauthUri: string
  /** The secret in groups of four, for typing by hand. */
  readonly secret: string
}

/** The user's pending TOTP authenticator, created on first sight (one at a time), as the enrolment page shows it. */
export async function pendingTotp(deps: Deps, user: UserRecord): Promise<TotpEnrolment> {
  let pending = (await totpFactors(deps, user.id, false)).at(-1)
  if (!pending) {
    const record: AuthenticatorRecord = {
      id: `totp|dev_${randomAlphanumeric(20)}`,
      userId: user.id,
      type: 'totp',
      name: null,
      confirmed: false,
      sealedSecret: await deps.keys.encryption.encrypt(newTotpSecret()),
      lastUsedStep: null,
      credential: null,
      createdAt: deps.clock.now(),
      lastUsedAt: null,
    }
    await deps.store.authenticators.insert(record)
    pending = record
  }
  const secret = await deps.keys.encryption.openText(pending.sealedSecret as string)
  const uri = totpUri({ secret, issuer: new URL(deps.config.issuer).host, account: user.email || user.id })
  const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })
  return { qrSvg, otpauthUri: uri, secret: secret.replace(/(.{4})/g, '$1 ').trim() }
}

/**
 * Confirms the user's latest pending TOTP authenticator with a first code; the confirmed record, or
 * null for a wrong (or replayed) code or no pending authenticator.
 */
export async function confirmTotp(deps: Deps, userId: string, code: string): Promise<AuthenticatorRecord | null> {
  const pending = await totpFactors(deps, userId, false)
  const factor = await acceptTotp(deps, pending.slice(-1), code)
  if (!factor || !(await deps.store.authenticators.confirm(userId, factor.id, deps.clock.now()))) return null
  return factor
}
