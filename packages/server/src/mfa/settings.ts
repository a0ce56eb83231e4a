/**
 * MFA settings (issue 15), read once at start with the rest of the configuration:
 *
 * - `LATCHKEY_MFA`: the deployment's policy, `never` (default, as at Auth0), `optional` or `always`.
 *   The Management API's guardian policy (`PUT /api/v2/guardian/policies`) overrides it at run time
 *   (kept in the store's settings); an application's own policy overrides both for its logins.
 * - `LATCHKEY_MFA_REMEMBER_DAYS`: how long "Remember this browser" skips the challenge (default 30;
 *   0 does not offer it). A step-up (`acr_values`) is never skipped.
 */
import type { MfaPolicy } from '@latchkey/core'

export interface MfaConfig {
  readonly policy: MfaPolicy
  readonly rememberDays: number
}

export const MFA_POLICIES: readonly MfaPolicy[] = ['never', 'optional', 'always']

export function isMfaPolicy(value: unknown): value is MfaPolicy {
  return typeof value === 'string' && (MFA_POLICIES as readonly string[]).includes(value)
}

export function mfaConfig(env: Readonly<Record<string, string | undefined>>): MfaConfig {
  const raw = env.LATCHKEY_MFA?.trim().toLowerCase()
  const policy = raw === undefined || raw === '' ? 'never' : raw
  if (!isMfaPolicy(policy)) throw new Error(`LATCHKEY_MFA must be never, optional or always (got ${JSON.stringify(env.LATCHKEY_MFA?.slice(0, 40))})`)
  const days = env.LATCHKEY_MFA_REMEMBER_DAYS?.trim()
  const rememberDays = days === undefined || days === '' ? 30 : Number(days)
  if (!/^\d+$/.test(days ?? '30') || rememberDays > 365) throw new Error('LATCHKEY_MFA_REMEMBER_DAYS must be a whole number of days from 0 (not offered) to 365')
  return { policy, rememberDays }
}
