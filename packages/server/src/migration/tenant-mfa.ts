/**
 * Multi-factor settings from a tenant.yaml, as far as Latchkey has them. `guardianPolicies`
 * becomes the deployment's MFA policy, as `PUT /api/v2/guardian/policies` sets it
 * (management/resources/guardian.ts): `["all-applications"]` always, `[]` never; adaptive MFA
 * (`confidence-score`) is not carried over. `guardianFactors`: Latchkey's second factors are TOTP
 * (`otp`), WebAuthn and recovery codes, always offered; each other factor the export enables is
 * reported.
 */
import type { MfaPolicy } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { z } from 'zod'
import { recordAdminChange } from '../cli/audit.js'
import { ALL_APPLICATIONS, LATCHKEY_OPTIONAL } from '../management/resources/guardian.js'
import { MFA_POLICY_SETTING } from '../mfa/requirement.js'
import type { PlanContext } from './tenant-plan.js'
import { item, type LeftOut, type PlanItem, skip } from './tenant-items.js'

const policiesEntry = z.looseObject({ policies: z.array(z.string().max(100)).max(10).optional() })
const factorsEntry = z.array(z.looseObject({ name: z.string().max(100), enabled: z.boolean().nullable().optional() })).max(50)

const SUPPORTED_FACTORS = new Set(['otp', 'webauthn-roaming', 'webauthn-platform', 'recovery-code'])

/** The deployment's MFA policy from `guardianPolicies`, or null when the file does not set it. */
export async function planMfaPolicy(ctx: PlanContext, value: unknown, store: Store): Promise<PlanItem | null> {
  if (value === undefined) return null
  const parsed = policiesEntry.safeParse(value)
  if (!parsed.success) return skip('guardianPolicies', 'guardianPolicies', 'expected { policies: [...] }')
  const names = parsed.data.policies
  if (names === undefined) return null
  if (names.includes('confidence-score'))
    return skip('guardianPolicies', 'guardianPolicies', 'adaptive MFA (confidence-score) is not supported: set always or never with latchkey mfa policy')
  const unknown = names.filter((n) => n !== ALL_APPLICATIONS && n !== LATCHKEY_OPTIONAL)
  if (unknown.length > 0) return skip('guardianPolicies', 'guardianPolicies', `unknown policy ${JSON.stringify(unknown[0])}`)
  const policy: MfaPolicy = names.includes(ALL_APPLICATIONS) ? 'always' : names.includes(LATCHKEY_OPTIONAL) ? 'optional' : 'never'
  const current = await store.settings.get(MFA_POLICY_SETTING)
  const name = `MFA policy: ${policy}`
  if (current === policy) return item({ section: 'guardianPolicies', name, action: 'unchanged' })
  return item({
    section: 'guardianPolicies',
    name,
    action: 'update',
    changes: ['policy'],
    apply: async (s) => {
      await s.settings.set(MFA_POLICY_SETTING, policy, ctx.now)
      await recordAdminChange(s, { action: 'mfa_policy.updated', details: { policy, source: 'tenant.yaml' } })
    },
  })
}

/** The factors the export enables that Latchkey does not have, reported; null when the file lists none. */
export function planFactors(value: unknown): PlanItem | null {
  const parsed = factorsEntry.safeParse(value)
  if (!parsed.success) return skip('guardianFactors', 'guardianFactors', 'expected a list of { name, enabled }')
  if (parsed.data.length === 0) return null
  const leftOut: LeftOut[] = parsed.data
    .filter((f) => f.enabled === true && !SUPPORTED_FACTORS.has(f.name))
    .map((f) => ({ field: f.name, reason: "not supported: Latchkey's second factors are TOTP (otp), WebAuthn and recovery codes" }))
  return item({ section: 'guardianFactors', name: 'guardianFactors', action: 'unchanged', leftOut })
}
