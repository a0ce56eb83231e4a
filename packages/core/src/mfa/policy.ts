/**
 * Whether a login must go through a second factor (issue 15), decided once the first factor is known.
 * The first matching row wins:
 *
 * | # | when                                         | step                                     |
 * | - | -------------------------------------------- | ---------------------------------------- |
 * | 1 | the authentication is already multi-factor   | none                                     |
 * | 2 | the app asked for it (acr_values, step-up)   | challenge if enrolled, else enroll       |
 * | 3 | policy `never`                               | none (enrolled users too, as at Auth0)   |
 * | 4 | policy `optional`                            | challenge if enrolled and not remembered, else none |
 * | 5 | policy `always`                              | enroll if not enrolled; else challenge unless remembered |
 *
 * "Already multi-factor" is an `amr` holding `mfa`: an SSO session that did MFA, a passkey with user
 * verification, or an upstream provider's MFA on a connection that trusts it. A remembered browser
 * skips the challenge the policy asks for, never one the app asks for (row 2). The policy is the
 * app's when it has one, else the deployment's.
 */
import type { MfaPolicy } from '../records.js'

/** Auth0's `acr_values` for MFA (OpenID PAPE's multi-factor policy URI); also the `acr` claim then. */
export const ACR_MULTI_FACTOR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor'

export type MfaStep = 'none' | 'challenge' | 'enroll'

export interface MfaDecisionInput {
  /** Effective policy: the app's, else the deployment's. */
  readonly policy: MfaPolicy
  /** acr_values asked for multi-factor (step-up). */
  readonly requested: boolean
  /** The user has at least one confirmed factor. */
  readonly enrolled: boolean
  /** This authentication already counts as multi-factor (its amr has `mfa`). */
  readonly multiFactorAlready: boolean
  /** A valid "remember this browser" marker for this user. */
  readonly remembered: boolean
}

export function mfaStep(input: MfaDecisionInput): MfaStep {
  const { policy, requested, enrolled, multiFactorAlready, remembered } = input
  if (multiFactorAlready) return 'none'
  if (requested) return enrolled ? 'challenge' : 'enroll'
  switch (policy) {
    case 'never':
      return 'none'
    case 'optional':
      return enrolled && !remembered ? 'challenge' : 'none'
    case 'always':
      if (!enrolled) return 'enroll'
      return remembered ? 'none' : 'challenge'
  }
}

/** The app's policy when it sets one, else the deployment's. */
export function effectivePolicy(deployment: MfaPolicy, app: MfaPolicy | null | undefined): MfaPolicy {
  return app ?? deployment
}

/** Whether `acr_values` (a space-separated list, OIDC Core §3.1.2.1) holds ACR_MULTI_FACTOR. */
export function requestsMultiFactor(acrValues: string | null | undefined): boolean {
  if (typeof acrValues !== 'string') return false
  return acrValues.split(' ').includes(ACR_MULTI_FACTOR)
}
