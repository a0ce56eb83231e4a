/**
 * The login page (/u/login): a server-rendered form that works without JavaScript. One message for
 * every credential failure, and the same argon2 work whether or not the account exists, so the page
 * reveals nothing about which emails are registered. Attempts are limited per IP and, per account
 * and IP, delayed then locked after repeated failures (rate-limits/login-attempts.ts), with the same
 * answer for every email. The page names the organization being logged in to; for an invitation only
 * its invitee may log in, and a successful login accepts it (interaction/organization-context.ts).
 */
import { normalizeEmail, single } from '@latchkey/core'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { clientIp } from '../http/client-ip.js'
import { pageResponse } from '../http/page-headers.js'
import { readBody } from '../http/read-params.js'
import { completeLogin } from '../interaction/complete-login.js'
import { showError } from '../interaction/flow.js'
import { loadInteraction } from '../interaction/load.js'
import { type Accepted, acceptInvitation, InvitationGone, organizationContext } from '../interaction/organization-context.js'
import { verifyPassword } from '../passwords.js'
import type { LoginAttempt } from '../rate-limits/login-attempts.js'
import { limitPerIp } from '../rate-limits/middleware.js'
import { RateLimited } from '../rate-limits/too-many-requests.js'
import { type LoginView, loginPage } from '../views/login.js'

export const WRONG_CREDENTIALS = 'Wrong email or password.'

export function loginRoutes(app: Hono, deps: Deps): void {
  app.get('/u/login', async (c) => {
    const { interaction, app: client, csrf } = await loadInteraction(c, deps, 'login')
    const { label, invitation } = await organizationContext(deps, interaction.request)
    return pageResponse(
      c,
      loginPage({
        interactionId: interaction.id,
        csrf,
        appName: client.name,
        email: invitation?.inviteeEmail ?? interaction.request.loginHint,
        organization: label,
        inviter: invitation?.inviterName ?? null,
        signupUrl: deps.config.signup && !invitation ? `/u/signup?state=${encodeURIComponent(interaction.id)}` : null,
      }),
    )
  })

  app.post('/u/login', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, 'login', single(form, 'csrf') ?? null)
    const { interaction, app: client, api, csrf } = loaded
    const { label, invitation } = await organizationContext(deps, interaction.request)
    const username = normalizeEmail(single(form, 'username') ?? '')
    const password = single(form, 'password') ?? ''
    const view: Omit<LoginView, 'error'> = {
      interactionId: interaction.id,
      csrf,
      appName: client.name,
      email: invitation?.inviteeEmail ?? username,
      organization: label,
      inviter: invitation?.inviterName ?? null,
      signupUrl: deps.config.signup && !invitation ? `/u/signup?state=${encodeURIComponent(interaction.id)}` : null,
    }
    const rerender = (error: string, status: number) => pageResponse(c, loginPage({ ...view, error }), status)

    if (!username || !password) return rerender('Enter your email address and password.', 400)
    if (invitation && username !== invitation.inviteeEmail) return rerender(`This invitation is for ${invitation.inviteeEmail}: log in with that address.`, 400)
    let attempt: LoginAttempt
    try {
      attempt = await deps.limits.admitLogin(clientIp(c, deps.config.trustProxy), username)
    } catch (err) {
      if (!(err instanceof RateLimited)) throw err
      for (const [name, value] of Object.entries(err.headers)) c.header(name, value)
      return rerender(err.description, 429)
    }
    const user = username.length <= 254 && password.length <= 256 ? await deps.store.users.findByEmail(username) : null
    const ok = await verifyPassword(user?.passwordHash ?? null, password.slice(0, 256))
    if (!ok || !user) {
      const locked = await attempt.failed()
      deps.log.info({ client_id: client.clientId }, 'login failed')
      await deps.audit.record(c, { type: user ? 'fp' : 'fu', clientId: client.clientId, userId: user?.id, details: { user_name: username } })
      if (locked) await deps.audit.record(c, { type: 'limit_wc', clientId: client.clientId, userId: user?.id, details: { user_name: username } })
      return rerender(WRONG_CREDENTIALS, 400)
    }
    if (user.blocked) {
      await attempt.abandoned()
      deps.log.info({ client_id: client.clientId, user_id: user.id }, 'login refused: user is blocked')
      await deps.audit.record(c, { type: 'f', clientId: client.clientId, userId: user.id, details: { user_name: user.email, reason: 'user is blocked' } })
      return rerender('Your account is blocked. Contact the administrator.', 403)
    }

    await attempt.succeeded()
    let accepted: Accepted | null = null
    if (invitation) {
      try {
        accepted = await deps.store.transaction((tx) => acceptInvitation(tx, invitation.id, user.id, deps.clock.now()))
      } catch (err) {
        if (!(err instanceof InvitationGone)) throw err
        await deps.store.interactions.take(interaction.id, 'login', deps.clock.now())
        return showError(c, err)
      }
    }
    return completeLogin(c, deps, { interaction, app: client, api, user, method: { kind: 'password' }, accepted })
  })
}
