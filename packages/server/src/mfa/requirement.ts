/**
 * Whether this login must pass a second factor before it goes on (issue 15): the policy in effect
 * (the application's, else the deployment's: the guardian policy the Management API set, else
 * LATCHKEY_MFA), a step-up asked for with `acr_values`, whether the user has a confirmed factor,
 * whether the session already counts as multi-factor (its `amr`), and a remembered browser. The rules
 * are @latchkey/core's `mfaStep`; this gathers their inputs, reading nothing for the default policy
 * (`never`, no step-up): the login path pays for MFA only where it is used.
 */
import { type ApplicationRecord, type AuthorizationRequest, effectivePolicy, isMultiFactor, type MfaPolicy, type MfaStep, mfaStep, requestsMultiFactor } from '@latchkey/core'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import type { ActiveSession } from '../http/session.js'
import { isRemembered } from './remember-browser.js'
import { isMfaPolicy } from './settings.js'

/** The key of the deployment's policy in the store's settings (Auth0's guardian policy). */
export const MFA_POLICY_SETTING = 'mfa_policy'

/** How long a node uses the stored policy it read when no change notice arrives (on SQLite, a CLI change). */
const POLICY_CACHE_MS = 5_000
const cached = new WeakMap<Deps['store'], { at: number; value: Promise<string | null> }>()
const listening = new WeakSet<Deps['store']>()

/** The deployment's policy: the stored one (read at most every few seconds, at once after a change notice), else LATCHKEY_MFA. */
export async function deploymentPolicy(deps: Deps): Promise<MfaPolicy> {
  const now = deps.clock.now()
  let entry = cached.get(deps.store)
  if (!entry || now - entry.at > POLICY_CACHE_MS || now < entry.at) {
    if (!listening.has(deps.store)) {
      listening.add(deps.store)
      deps.store.changes.listen((topic) => (topic === 'settings' || topic === 'all') && cached.delete(deps.store))
    }
    entry = { at: now, value: deps.store.settings.get(MFA_POLICY_SETTING).catch(() => null) }
    cached.set(deps.store, entry)
  }
  const stored = await entry.value
  return isMfaPolicy(stored) ? stored : deps.config.mfa.policy
}

export interface SecondFactorInput {
  readonly app: ApplicationRecord
  readonly request: AuthorizationRequest
  readonly session: ActiveSession | null
}

export async function secondFactorStep(c: Context, deps: Deps, input: SecondFactorInput): Promise<MfaStep> {
  const { session } = input
  if (!session) return 'none'
  const requested = requestsMultiFactor(input.request.acrValues)
  const policy = effectivePolicy(await deploymentPolicy(deps), input.app.mfaPolicy)
  if (policy === 'never' && !requested) return 'none'
  if (isMultiFactor(session.record.amr)) return 'none'
  const factors = (await deps.store.authenticators.listForUser(session.user.id)).filter((a) => a.confirmed)
  return mfaStep({
    policy,
    requested,
    enrolled: factors.length > 0,
    multiFactorAlready: false,
    remembered: !requested && (await isRemembered(c, deps, session.user.id)),
  })
}

/**
 * A second factor an action asked for (`api.multifactor.enable(provider, { allowRememberBrowser })`):
 * a challenge, or enrolment when the user has no factor, unless the session is multi-factor already
 * (or, when the action allows it, the browser is remembered).
 */
export async function actionSecondFactorStep(c: Context, deps: Deps, session: ActiveSession, options: unknown): Promise<MfaStep> {
  if (isMultiFactor(session.record.amr)) return 'none'
  const allowRemember = typeof options === 'object' && options !== null && (options as { allowRememberBrowser?: unknown }).allowRememberBrowser === true
  if (allowRemember && (await isRemembered(c, deps, session.user.id))) return 'none'
  const enrolled = (await deps.store.authenticators.listForUser(session.user.id)).some((a) => a.confirmed)
  return enrolled ? 'challenge' : 'enroll'
}
