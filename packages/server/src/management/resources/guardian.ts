/**
 * The deployment's MFA policy as Auth0's guardian policy (issue 15): `GET /guardian/policies` and
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
  description: "The deployment's multi-factor authentication policy.",
  routes: [
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
