/**
 * "Sign in with a passkey" (issue 15): a first factor on the login page. The options list no
 * credentials (passkeys are discoverable: the authenticator offers the user's own, also through the
 * browser's autofill, `autocomplete="username webauthn"`); the answer names its credential, which
 * names the user. A blocked user, a user of a connection the app (or the organization logged in to)
 * does not use, or another user than an invitation's invitee is refused; otherwise the login
 * completes as every first factor does (interaction/complete-login.ts), and a passkey with user
 * verification counts as multi-factor.
 */
import { single, type UserRecord } from '@latchkey/core'
import type { Context, Hono } from 'hono'
import type { Deps } from '../deps.js'
import { pageResponse, WEBAUTHN_PAGE_CSP } from '../http/page-headers.js'
import { readBody } from '../http/read-params.js'
import { completeLogin } from '../interaction/complete-login.js'
import { type LoadedInteraction, loadInteraction } from '../interaction/load.js'
import { acceptAtLogin, organizationContext } from '../interaction/organization-context.js'
import { authenticationOptions, verifyAssertion, WebAuthnRefused } from '../mfa/webauthn.js'
import { limitPerIp } from '../rate-limits/middleware.js'
import { loginView } from './login.js'
import { loginPage } from '../views/login.js'

/** The login page answers at the login step, and at the upstream step (back from a provider). */
const LOGIN_STEPS = ['login', 'upstream'] as const

const REFUSED = 'That passkey did not work here. Try again, or log in another way.'

/** The login page again, with an error (the passkey form keeps its script). */
async function refuse(c: Context, deps: Deps, loaded: LoadedInteraction, error: string, status: number): Promise<Response> {
  const { view } = await loginView(deps, loaded)
  return pageResponse(c, loginPage({ ...view, error }), status, WEBAUTHN_PAGE_CSP)
}

export function passkeyLogin(app: Hono, deps: Deps): void {
  app.post('/u/login/passkey/options', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, LOGIN_STEPS, single(form, 'csrf') ?? null)
    c.header('Cache-Control', 'no-store')
    return c.json(await authenticationOptions(deps, { interactionId: loaded.interaction.id, user: null }))
  })

  app.post('/u/login/passkey', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, LOGIN_STEPS, single(form, 'csrf') ?? null)
    const { interaction, app: client, api } = loaded
    let verified: Awaited<ReturnType<typeof verifyAssertion>>
    try {
      verified = await verifyAssertion(deps, { interactionId: interaction.id, user: null }, single(form, 'response'))
    } catch (err) {
      if (!(err instanceof WebAuthnRefused)) throw err
      deps.log.info({ client_id: client.clientId, reason: err.message }, 'passkey sign-in refused')
      await deps.audit.record(c, { type: 'f', clientId: client.clientId, details: { reason: `passkey: ${err.message}` } })
      return refuse(c, deps, loaded, REFUSED, 400)
    }
    const user = await deps.store.users.get(verified.authenticator.userId)
    if (!user || user.blocked || !(await usesConnectionOf(deps, client.clientId, user, interaction.request.organization))) {
      deps.log.info({ client_id: client.clientId, user_id: user?.id }, 'passkey sign-in refused: user blocked, gone, or of a connection the app (or organization) does not use')
      await deps.audit.record(c, { type: 'f', clientId: client.clientId, userId: user?.id, details: { user_name: user?.email, reason: 'passkey: user blocked or not allowed for this application' } })
      return refuse(c, deps, loaded, user?.blocked ? 'Your account is blocked.' : REFUSED, user?.blocked ? 403 : 400)
    }
    const { invitation } = await organizationContext(deps, interaction.request)
    if (invitation && user.email !== invitation.inviteeEmail) return refuse(c, deps, loaded, `This invitation is for ${invitation.inviteeEmail}: log in with that account.`, 400)
    const accepted = invitation ? await acceptAtLogin(c, deps, interaction, invitation.id, user, null) : null
    if (accepted instanceof Response) return accepted
    const method = { kind: 'passkey', authenticatorId: verified.authenticator.id, userVerified: verified.userVerified, deviceType: verified.deviceType } as const
    return completeLogin(c, deps, { interaction, app: client, api, user, method, accepted })
  })
}

/** The user's connection is one the application uses (and the organization being logged in to, if any). */
async function usesConnectionOf(deps: Deps, clientId: string, user: UserRecord, organization: string | null): Promise<boolean> {
  const connection = (await deps.store.connections.enabledFor(clientId)).find((c) => c.name === user.connection)
  if (!connection) return false
  return organization === null || deps.store.organizations.connectionEnabled(organization, connection.id)
}

