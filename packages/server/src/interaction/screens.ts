/**
 * Which page a login starts on: the sign-up form for an invitation whose invitee has no account yet,
 * or when the app asked for it (`screen_hint=signup`) and sign-up is on; the login form otherwise.
 */
import type { AuthorizationRequest } from '@latchkey/core'
import type { Deps } from '../deps.js'

export async function loginScreen(deps: Deps, request: AuthorizationRequest): Promise<'/u/login' | '/u/signup'> {
  if (request.invitation !== null) {
    const invitation = await deps.store.invitations.get(request.invitation)
    if (invitation && !(await deps.store.users.findByEmail(invitation.inviteeEmail))) return '/u/signup'
    return '/u/login'
  }
  return request.screenHint === 'signup' && deps.config.signup ? '/u/signup' : '/u/login'
}
