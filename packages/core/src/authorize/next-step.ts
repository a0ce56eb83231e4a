/**
 * What an accepted /authorize request needs next: the organization's name (an app that requires one
 * and asks for it), a login, a consent, or nothing (issue the code). With prompt=none, anything but
 * "issue" becomes interaction_required, login_required or consent_required (OIDC Core §3.1.2.6).
 *
 * Organizations: only members log in to one. An SSO session of someone who is not a member does not
 * pass (they log in again, perhaps as someone else); a login within this interaction by a non-member
 * is refused with Auth0's access_denied. Accepting an invitation always takes a login or sign-up in
 * the interaction itself, which makes the invitee a member first.
 */
import { ConsentRequired, InteractionRequired, InvalidRequest, LoginRequired } from '../errors.js'
import { mayChooseOrganization } from './interaction-step.js'
import { notAMember, ORGANIZATION_REQUIRED, ORGANIZATIONS_NOT_USED } from './organization.js'
import type { ApiRecord, ApplicationRecord, AuthorizationRequest, ConsentRecord, SsoSessionRecord, UserRecord } from '../records.js'

export type NextStep = 'organization' | 'login' | 'mfa' | 'mfa_enroll' | 'consent' | 'issue'

export interface NextStepInput {
  readonly request: AuthorizationRequest
  readonly app: ApplicationRecord
  readonly api: ApiRecord | null
  /** The SSO session, with its user, when the browser has an active one. */
  readonly session: { readonly record: SsoSessionRecord; readonly user: UserRecord } | null
  /** The user's remembered consent for this app and API. */
  readonly consent: ConsentRecord | null
  /** True once the user has logged in within this very interaction (prompt=login, max_age satisfied). */
  readonly authenticatedNow: boolean
  /** True once the user has answered the consent form within this interaction. */
  readonly consentedNow: boolean
  /** Whether the session's user is a member of `request.organization` (false without either). */
  readonly isMember: boolean
  readonly now: number
  /** What the second-factor policy asks of this session (mfa/policy.ts `mfaStep`); absent: nothing. */
  readonly mfa?: 'none' | 'challenge' | 'enroll'
}

export function needsLogin(input: NextStepInput): boolean {
  const { session, request, now, authenticatedNow } = input
  if (!session || session.user.blocked) return true
  if (authenticatedNow) return false
  if (request.invitation !== null) return true
  if (request.organization !== null && !input.isMember) return true
  if (request.prompt.includes('login')) return true
  if (request.maxAge !== null && now - session.record.authTime > request.maxAge * 1000) return true
  return false
}

/** First-party apps skip consent for APIs that allow it (and for /userinfo alone): no remembered consent matters then. */
export function consentSkippable(app: ApplicationRecord, api: ApiRecord | null): boolean {
  return app.isFirstParty && (api === null || api.skipConsentForFirstParty)
}

/** Consent is asked of third-party apps, and of first-party apps for APIs that do not allow skipping it. */
export function needsConsent(input: NextStepInput): boolean {
  const { app, api, request, consent, consentedNow } = input
  if (consentedNow) return false
  if (request.prompt.includes('consent')) return true
  if (consentSkippable(app, api)) return false
  const granted = new Set(consent?.scopes ?? [])
  return !request.scope.every((scope) => granted.has(scope))
}

export function nextStep(input: NextStepInput): NextStep {
  const { request, app } = input
  // The app's settings as they are now, not as they were at /authorize: an app that stopped using
  // organizations gets none, and one that requires an organization gets one.
  if (request.organization !== null && app.organizationUsage === 'deny') throw new InvalidRequest(ORGANIZATIONS_NOT_USED)
  if (request.organization === null && app.organizationUsage === 'require') {
    if (!mayChooseOrganization(request, app)) throw new InvalidRequest(ORGANIZATION_REQUIRED)
    if (request.prompt.includes('none')) throw new InteractionRequired(ORGANIZATION_REQUIRED)
    return 'organization'
  }
  if (needsLogin(input)) {
    if (input.request.prompt.includes('none')) throw new LoginRequired('Login required')
    return 'login'
  }
  if (request.organization !== null && !input.isMember && input.session) throw notAMember(input.session.user.id, request.organization)
  if (input.mfa !== undefined && input.mfa !== 'none') {
    if (input.request.prompt.includes('none')) throw new InteractionRequired('Multifactor authentication required')
    return input.mfa === 'challenge' ? 'mfa' : 'mfa_enroll'
  }
  if (needsConsent(input)) {
    if (input.request.prompt.includes('none')) throw new ConsentRequired('Consent required')
    return 'consent'
  }
  return 'issue'
}
