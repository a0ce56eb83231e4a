/**
 * The deployment's second factors as Auth0's guardian: the factors there are (`GET /guardian/factors`,
 * read only: Latchkey's are built in, not switched at run time), and the MFA policy (issue 15):
 * `GET /guardian/policies` and
 * `PUT /guardian/policies`, whose body and answer are an array of policy names:
 *
 * | array                    | Latchkey policy | who is asked for a second factor                |
 * | ------------------------ | --------------- | ----------------------------------------------- |
 * | `[]`                     | `never`         | nobody (unless an app asks, with `acr_values`)  |
 * | `["all-applications"]`   | `always`        | everyone; users without a factor enrol first    |
 * | `["latchkey-optional"]`  | `optional`      | the users who enrolled (Latchkey's own name)    |
 *
 * Auth0's `confidence-score` (adaptive MFA) is refused with a 400. The value is kept in the store's
 * settings (MFA_POLICY_SETTING), overrides LATCHKEY_MFA from then on, and reaches every node's
 * logins within seconds (at once where the store's change notices reach it). An application's own
 * policy still wins for its logins (`latchkey mfa policy --app`).
 */
import type { MfaPolicy } from '@latchkey/core'
import { z } from 'zod'
import type { Deps } from '../../deps.js'
import { MFA_POLICY_SETTING } from '../../mfa/requirement.js'
import { isMfaPolicy } from '../../mfa/settings.js'
import { badRequest } from '../errors.js'
import { type Resource, route } from '../route.js'

export const ALL_APPLICATIONS = 'all-applications'
export const LATCHKEY_OPTIONAL = 'latchkey-optional'
const CONFIDENCE_SCORE = 'confidence-score'

const POLICY_NAMES = [ALL_APPLICATIONS, LATCHKEY_OPTIONAL, CONFIDENCE_SCORE] as const

/**
 * Auth0's factor names and whether Latchkey offers each: TOTP apps, security keys and platform
 * authenticators (WebAuthn, passkeys among them) and recovery codes always; no SMS, push, email or
 * Duo. Enrolment offers every enabled one; the policy decides who is asked.
 */
export const GUARDIAN_FACTORS: readonly { readonly name: string; readonly enabled: boolean }[] = [
  { name: 'sms', enabled: false },
  { name: 'push-notification', enabled: false },
  { name: 'otp', enabled: true },
  { name: 'email', enabled: false },
  { name: 'duo', enabled: false },
  { name: 'webauthn-roaming', enabled: true },
  { name: 'webauthn-platform', enabled: true },
  { name: 'recovery-code', enabled: true },
]

const factorsSchema = z
  .array(z.object({ name: z.string(), enabled: z.boolean(), trial_expired: z.boolean() }))
  .describe("Every factor Auth0 names, enabled when Latchkey offers it (otp, webauthn-roaming, webauthn-platform, recovery-code); trial_expired is always false.")

const policiesSchema = z
  .array(z.enum(POLICY_NAMES, { error: `Expected one of: ${POLICY_NAMES.join(', ')}` }))
  .max(3)
  .describe('[] (never), ["all-applications"] (always) or ["latchkey-optional"] (optional: only users who enrolled are asked).')

/** The deployment's policy as Auth0's array. */
export function guardianPolicies(policy: MfaPolicy): string[] {
  return policy === 'always' ? [ALL_APPLICATIONS] : policy === 'optional' ? [LATCHKEY_OPTIONAL] : []
}

function policyOf(names: readonly string[]): MfaPolicy {
  if (names.includes(CONFIDENCE_SCORE))
    throw badRequest('confidence-score (adaptive MFA) is not supported: use ["all-applications"] (always), ["latchkey-optional"] (optional) or [] (never).', 'operation_not_supported')
  const set = new Set(names)
  if (set.size > 1) throw badRequest('Payload validation error: all-applications and latchkey-optional exclude each other.', 'invalid_body')
  return set.has(ALL_APPLICATIONS) ? 'always' : set.has(LATCHKEY_OPTIONAL) ? 'optional' : 'never'
}

/** The policy in force for the deployment: the stored one, else LATCHKEY_MFA (read fresh, not from the login's cache). */
export async function storedPolicy(deps: Pick<Deps, 'store' | 'config'>): Promise<MfaPolicy> {
  const stored = await deps.store.settings.get(MFA_POLICY_SETTING)
  return isMfaPolicy(stored) ? stored : deps.config.mfa.policy
}

export const guardian: Resource = {
  tag: 'guardian',
  description: "The deployment's second factors and its multi-factor authentication policy.",
  routes: [
    route({
      method: 'get',
      path: '/guardian/factors',
      summary: 'Get multi-factor authentication factors',
      scopes: ['read:guardian_factors'],
      answer: { status: 200, description: 'The factors and whether each is enabled (built in: they cannot be switched).', schema: factorsSchema },
      async handle() {
        return { status: 200, body: GUARDIAN_FACTORS.map((factor) => ({ ...factor, trial_expired: false })) }
      },
    }),
    route({
      method: 'get',
      path: '/guardian/policies',
      summary: 'Get multi-factor authentication policies',
      scopes: ['read:mfa_policies'],
      answer: { status: 200, description: 'The policy in force: [] (never), ["all-applications"] (always) or ["latchkey-optional"] (optional).', schema: policiesSchema },
      async handle({ deps }) {
        return { status: 200, body: guardianPolicies(await storedPolicy(deps)) }
      },
    }),
    route({
      method: 'put',
      path: '/guardian/policies',
      summary: 'Update multi-factor authentication policies',
      scopes: ['update:mfa_policies'],
      body: policiesSchema,
      answer: { status: 200, description: 'The policy now in force, as given.', schema: policiesSchema },
      async handle({ deps, body, audit }) {
        const policy = policyOf(body)
        await deps.store.settings.set(MFA_POLICY_SETTING, policy, deps.clock.now())
        await audit.change({ action: 'mfa_policy.updated', description: 'Update the multi-factor authentication policy', details: { policy } })
        return { status: 200, body: guardianPolicies(policy) }
      },
    }),
  ],
}
