/**
 * The login page (/u/login): a server-rendered form that works without JavaScript. The password is
 * checked as every form that asks for one checks it (interaction/password-check.ts: one message for
 * every credential failure, the same argon2 work whether or not the account exists, attempts limited
 * and locked, the same answer for every email). The page names the organization being logged in to; for an invitation only
 * its invitee may log in, and a successful login accepts it (interaction/organization-context.ts).
 */
import { normalizeEmail, single } from '@latchkey/core'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { pageResponse, WEBAUTHN_PAGE_CSP } from '../http/page-headers.js'
import { readBody } from '../http/read-params.js'
import { completeLogin } from '../interaction/complete-login.js'
import { showError } from '../interaction/flow.js'
import { InteractionProblem, type LoadedInteraction, loadInteraction } from '../interaction/load.js'
import { connectionButtons, homeRealm, type LoginOptions, loginOptions } from '../connections/login-options.js'
import { beginUpstream, upstreamConnectionFor } from '../connections/upstream-login.js'
import { acceptAtLogin, organizationContext } from '../interaction/organization-context.js'
import { checkPassword } from '../interaction/password-check.js'
import { limitPerIp } from '../rate-limits/middleware.js'
import { type LoginView, loginPage } from '../views/login.js'


/** The login page answers at the login step, and at the upstream step (back from a provider: start over). */
const LOGIN_STEPS = ['login', 'upstream'] as const

/** "Forgot your password?": for an app that uses passwords, when email can be sent (routes/password-reset.ts). */
function resetUrl(deps: Deps, options: LoginOptions, interactionId: string): string | null {
  return options.password && deps.email.available ? `/u/reset-password/request?state=${encodeURIComponent(interactionId)}` : null
}

/**
 * The login page of this transaction, as every answer shows it (the page, a refused password, a
 * refused passkey): the organization and invitation, the app's connections, sign-up and reset links.
 * `email`: what the email field shows (the invitee's address always wins).
 */
export async function loginView(deps: Deps, loaded: Pick<LoadedInteraction, 'interaction' | 'app' | 'csrf'>, email?: string | null) {
  const { interaction, app: client, csrf } = loaded
  const { label, invitation } = await organizationContext(deps, interaction.request)
  const options = await loginOptions(deps, client, interaction.request.organization)
  const view: LoginView = {
    interactionId: interaction.id,
    csrf,
    appName: client.name,
    email: invitation?.inviteeEmail ?? email ?? interaction.request.loginHint,
    organization: label,
    inviter: invitation?.inviterName ?? null,
    signupUrl: deps.config.signup && !invitation ? `/u/signup?state=${encodeURIComponent(interaction.id)}` : null,
    connections: connectionButtons(options),
    passwordForm: options.password,
    resetUrl: resetUrl(deps, options, interaction.id),
  }
  return { view, options, invitation }
}

export function loginRoutes(app: Hono, deps: Deps): void {
  // The login step's page; also the way back from a provider (the `upstream` step starts over here).
  app.get('/u/login', async (c) => {
    const loaded = await loadInteraction(c, deps, LOGIN_STEPS)
    const { interaction, app: client } = loaded
    const { view } = await loginView(deps, loaded)
    // Auth0's `connection=`: straight to that provider, no page.
    const named = interaction.request.connection ?? null
    if (named !== null) {
      const connection = await upstreamConnectionFor(deps, client, named, interaction.request.organization)
      if (connection)
        return beginUpstream(c, deps, { request: interaction.request, app: client, connection, interaction, afterPost: false, reauthenticate: interaction.request.prompt.includes('login') })
    }
    return pageResponse(c, loginPage(view), 200, WEBAUTHN_PAGE_CSP)
  })

  // A "Continue with …" button: the chosen connection, if it is one of the app's.
  app.post('/u/login/connection', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const { interaction, app: client } = await loadInteraction(c, deps, LOGIN_STEPS, single(form, 'csrf') ?? null)
    const connection = await upstreamConnectionFor(deps, client, single(form, 'connection') ?? '', interaction.request.organization)
    if (!connection) return showError(c, new InteractionProblem(interaction.request.organization === null ? 'This application does not offer that way to log in.' : 'This application or organization does not offer that way to log in.', `/u/login?state=${encodeURIComponent(interaction.id)}`))
    return beginUpstream(c, deps, { request: interaction.request, app: client, connection, interaction, afterPost: true, reauthenticate: interaction.request.prompt.includes('login') })
  })

  app.post('/u/login', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, LOGIN_STEPS, single(form, 'csrf') ?? null)
    const { interaction, app: client, api } = loaded
    const username = normalizeEmail(single(form, 'username') ?? '')
    const { view, options, invitation } = await loginView(deps, loaded, username)
    // Home-realm discovery: an address of a domain an enterprise connection claims goes to its provider.
    const realm = homeRealm(options, username)
    if (realm)
      return beginUpstream(c, deps, { request: { ...interaction.request, loginHint: username }, app: client, connection: realm, interaction, afterPost: true, reauthenticate: interaction.request.prompt.includes('login') })
    if (!options.password) return showError(c, new InteractionProblem(interaction.request.organization === null ? 'This application does not use passwords. Choose how to log in on the login page.' : 'This application or organization does not use passwords. Choose how to log in on the login page.', `/u/login?state=${encodeURIComponent(interaction.id)}`))
    const password = single(form, 'password') ?? ''
    const rerender = (error: string, status: number) => pageResponse(c, loginPage({ ...view, error }), status, WEBAUTHN_PAGE_CSP)

    if (!username || !password) return rerender('Enter your email address and password.', 400)
    if (invitation && username !== invitation.inviteeEmail) return rerender(`This invitation is for ${invitation.inviteeEmail}: log in with that address.`, 400)
    const checked = await checkPassword(c, deps, client, username, password)
    if (!checked.ok) return rerender(checked.message, checked.status)
    const { user } = checked
    const accepted = invitation ? await acceptAtLogin(c, deps, interaction, invitation.id, user, null) : null
    if (accepted instanceof Response) return accepted
    return completeLogin(c, deps, { interaction, app: client, api, user, method: { kind: 'password' }, accepted })
  })
}
