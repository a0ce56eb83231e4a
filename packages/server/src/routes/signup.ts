/**
 * The sign-up page (/u/signup): new users create an account in Latchkey's own database, then carry
 * on with the login they started. Open when the deployment turns sign-up on (LATCHKEY_SIGNUP=on),
 * and for the invitee of an invitation either way (the invitation authorises it); closed otherwise,
 * and for an app (or organization being logged in to) that does not use the database connection.
 *
 * The same protections as the login form: the Origin check and the form token bound to this browser
 * and login transaction, a per-IP limit on POST, the password policy of @latchkey/core, and the same
 * argon2 work whether or not the address is taken. An address that already has an account gets one
 * generic answer pointing to the login form: sign-up cannot avoid telling that an account exists
 * (it cannot create a second one), so it says no more than that and is rate-limited.
 */
import { actionDetails, requestFacts, runPreUserRegistration } from '../actions/run-triggers.js'
import { checkPassword, createUser, normalizeEmail, RegistrationError, single, type UserRecord } from '@latchkey/core'
import { ConflictError } from '@latchkey/storage'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { pageResponse } from '../http/page-headers.js'
import { readBody } from '../http/read-params.js'
import { completeLogin } from '../interaction/complete-login.js'
import { showError } from '../interaction/flow.js'
import { InteractionProblem, loadInteraction } from '../interaction/load.js'
import { loginOptions } from '../connections/login-options.js'
import { type Accepted, acceptInvitation, InvitationGone, organizationContext } from '../interaction/organization-context.js'
import { hashPassword } from '../passwords.js'
import { queueVerificationEmail } from '../account/email-verification.js'
import { sendWelcomeEmail } from '../account/welcome.js'
import { limitPerIp } from '../rate-limits/middleware.js'
import { type SignupView, signupPage } from '../views/signup.js'

export const SIGNUP_OFF = 'Sign-up is not available here. Log in with an existing account, or ask the administrator for one.'
export const SIGNUP_REFUSED = 'We could not create an account with this email address. If you already have one, log in instead.'

export function signupRoutes(app: Hono, deps: Deps): void {
  app.get('/u/signup', async (c) => {
    const { interaction, app: client, csrf } = await loadInteraction(c, deps, 'login')
    const { label, invitation } = await organizationContext(deps, interaction.request)
    if (!invitation && !deps.config.signup) return showError(c, new InteractionProblem(SIGNUP_OFF), 404)
    if (!(await loginOptions(deps, client, interaction.request.organization)).password) return showError(c, new InteractionProblem(SIGNUP_OFF), 404)
    return pageResponse(
      c,
      signupPage({
        interactionId: interaction.id,
        csrf,
        appName: client.name,
        email: invitation?.inviteeEmail ?? interaction.request.loginHint,
        organization: label,
        inviter: invitation?.inviterName ?? null,
      }),
    )
  })

  app.post('/u/signup', limitPerIp(deps, 'signup'), async (c) => {
    const form = await readBody(c, { json: false })
    const { interaction, app: client, api, csrf } = await loadInteraction(c, deps, 'login', single(form, 'csrf') ?? null)
    const { label, invitation } = await organizationContext(deps, interaction.request)
    if (!invitation && !deps.config.signup) return showError(c, new InteractionProblem(SIGNUP_OFF), 404)
    if (!(await loginOptions(deps, client, interaction.request.organization)).password) return showError(c, new InteractionProblem(SIGNUP_OFF), 404)

    // An invitation fixes the address: whatever the form says, the account is the invitee's.
    const email = invitation?.inviteeEmail ?? normalizeEmail(single(form, 'email') ?? '')
    const password = single(form, 'password') ?? ''
    const view: Omit<SignupView, 'error'> = { interactionId: interaction.id, csrf, appName: client.name, email, organization: label, inviter: invitation?.inviterName ?? null }
    const refuse = async (error: string, status: number, reason: string) => {
      await deps.audit.record(c, { type: 'fs', clientId: client.clientId, details: { user_name: email.slice(0, 254), reason } })
      return pageResponse(c, signupPage({ ...view, error }), status)
    }

    if (!email || !password) return refuse('Enter your email address and a password.', 400, 'missing fields')
    let user: UserRecord
    try {
      checkPassword(password)
      user = createUser({ email, emailVerified: false }, await hashPassword(password), deps.clock.now())
    } catch (err) {
      if (!(err instanceof RegistrationError)) throw err
      const message = err.message.replace(/^email: /, '')
      return refuse(`${message.charAt(0).toUpperCase()}${message.slice(1)}.`, 400, 'invalid input')
    }

    // Auth0's pre-user-registration actions: they may refuse the sign-up or set the new user's metadata.
    const registration = await runPreUserRegistration(deps, { user, app: client, request: requestFacts(c, deps) })
    if (registration.denied) {
      await deps.audit.record(c, { type: 'fs', clientId: client.clientId, details: { user_name: email.slice(0, 254), reason: registration.denied.reason, action: registration.denied.action, ...actionDetails(registration.reports) } })
      return pageResponse(c, signupPage({ ...view, error: registration.denied.userMessage ?? SIGNUP_REFUSED }), 400)
    }
    user = registration.user

    let accepted: Accepted | null = null
    try {
      accepted = await deps.store.transaction(async (tx) => {
        const done = invitation ? await acceptInvitation(tx, invitation.id, user.id, deps.clock.now()) : null
        await tx.users.insert(user)
        return done
      })
    } catch (err) {
      if (err instanceof ConflictError) return refuse(SIGNUP_REFUSED, 400, 'user exists')
      if (!(err instanceof InvitationGone)) throw err
      await deps.store.interactions.take(interaction.id, 'login', deps.clock.now())
      return showError(c, err)
    }

    // The new address is verified through its link (an invitation link may have travelled any way: it proves no mailbox).
    await queueVerificationEmail(c, deps, { user, app: client })
    await sendWelcomeEmail(deps, user, client)
    return completeLogin(c, deps, { interaction, app: client, api, user, method: { kind: 'signup' }, accepted })
  })
}
