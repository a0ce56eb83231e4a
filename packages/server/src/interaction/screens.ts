/**
 * Which page each step of a login shows. The login step starts on the sign-up form for an invitation
 * whose invitee has no account yet, or when the app asked for it (`screen_hint=signup`) and sign-up is
 * on; on the login form otherwise (and always for `connection=`, which the login page sends straight to
 * the provider). Both forms belong to the login step.
 */
import type { AuthorizationRequest, InteractionStep } from '@latchkey/core'
import type { Deps } from '../deps.js'

// At the provider (`upstream`), the way back into the login is its login page, which starts over.
const STEP_PAGES: Record<InteractionStep, string> = { organization: '/u/organization', login: '/u/login', upstream: '/u/login', link: '/u/link', mfa: '/u/mfa', mfa_enroll: '/u/mfa/enroll', consent: '/u/consent' }

export async function loginScreen(deps: Deps, request: AuthorizationRequest): Promise<'/u/login' | '/u/signup'> {
  // `connection=`: the login page, which goes straight to that provider.
  if (request.connection) return '/u/login'
  if (request.invitation !== null) {
    const invitation = await deps.store.invitations.get(request.invitation)
    if (invitation && !(await deps.store.users.findByEmail(invitation.inviteeEmail))) return '/u/signup'
    return '/u/login'
  }
  return request.screenHint === 'signup' && deps.config.signup ? '/u/signup' : '/u/login'
}

/** The page the transaction shows at `step` (without its `?state=`). */
export async function stepPage(deps: Deps, step: InteractionStep, request: AuthorizationRequest): Promise<string> {
  return step === 'login' ? loginScreen(deps, request) : STEP_PAGES[step]
}
