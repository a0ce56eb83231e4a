/**
 * What an accepted /authorize request needs next: a login, a consent, or nothing (issue the code).
 * With prompt=none, anything but "issue" becomes login_required or consent_required (OIDC Core §3.1.2.6).
 */
import { ConsentRequired, LoginRequired } from '../errors.js'
import type { ApiRecord, ApplicationRecord, AuthorizationRequest, ConsentRecord, SsoSessionRecord, UserRecord } from '../records.js'

export type NextStep = 'login' | 'consent' | 'issue'

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
  readonly now: number
}

export function needsLogin(input: NextStepInput): boolean {
  const { session, request, now, authenticatedNow } = input
  if (!session || session.user.blocked) return true
  if (authenticatedNow) return false
  if (request.prompt.includes('login')) return true
  if (request.maxAge !== null && now - session.record.authTime > request.maxAge * 1000) return true
  return false
}

/** Consent is asked of third-party apps, and of first-party apps for APIs that do not allow skipping it. */
export function needsConsent(input: NextStepInput): boolean {
  const { app, api, request, consent, consentedNow } = input
  if (consentedNow) return false
  if (request.prompt.includes('consent')) return true
  const skippable = app.isFirstParty && (api === null || api.skipConsentForFirstParty)
  if (skippable) return false
  const granted = new Set(consent?.scopes ?? [])
  return !request.scope.every((scope) => granted.has(scope))
}

export function nextStep(input: NextStepInput): NextStep {
  if (needsLogin(input)) {
    if (input.request.prompt.includes('none')) throw new LoginRequired('Login required')
    return 'login'
  }
  if (needsConsent(input)) {
    if (input.request.prompt.includes('none')) throw new ConsentRequired('Consent required')
    return 'consent'
  }
  return 'issue'
}
