/**
 * Password reset pages (account/password-reset.ts does the work):
 *
 * - `/u/reset-password/request?state=…`: "Forgot your password?" from the login page. A page of the
 *   login step (it answers only there, in the browser that owns the login, with its form token) that
 *   does not move the step: after asking, the user is still at the login page of the same login.
 * - `/u/reset-password?ticket=…`: the link of the reset email: the new-password form while the
 *   ticket is usable (a 4xx page otherwise), and its POST, which spends the ticket once.
 */
import { isTicketValue, normalizeEmail, single } from '@latchkey/core'
import type { Context, Hono } from 'hono'
import { requestPasswordReset, resetPassword, usableResetTicket } from '../account/password-reset.js'
import { loginOptions } from '../connections/login-options.js'
import type { Deps } from '../deps.js'
import { pageResponse } from '../http/page-headers.js'
import { readBody } from '../http/read-params.js'
import { showError } from '../interaction/flow.js'
import { InteractionProblem, type LoadedInteraction, loadInteraction } from '../interaction/load.js'
import { limitPerIp } from '../rate-limits/middleware.js'
import { errorPage } from '../views/message.js'
import { newPasswordPage, passwordChangedPage, resetRequestedPage, resetRequestPage } from '../views/password-reset.js'

const LINK_GONE = 'This password reset link has expired or was already used. Ask for a new one from the login page.'

/** Whether this app's login offers the reset: it uses passwords and email can be sent. */
async function offersReset(deps: Deps, loaded: LoadedInteraction): Promise<boolean> {
  return deps.email.available && (await loginOptions(deps, loaded.app, loaded.interaction.request.organization)).password
}

function ticketOf(c: Context): string | null {
  const values = new URL(c.req.url).searchParams.getAll('ticket')
  return values.length === 1 && isTicketValue(values[0]) ? (values[0] as string) : null
}

export function passwordResetRoutes(app: Hono, deps: Deps): void {
  app.get('/u/reset-password/request', async (c) => {
    const loaded = await loadInteraction(c, deps, 'login')
    if (!(await offersReset(deps, loaded))) return showError(c, new InteractionProblem('Password reset is not available here. Contact the administrator.', `/u/login?state=${encodeURIComponent(loaded.interaction.id)}`), 404)
    return pageResponse(c, resetRequestPage({ interactionId: loaded.interaction.id, csrf: loaded.csrf, appName: loaded.app.name, email: loaded.interaction.request.loginHint }))
  })

  app.post('/u/reset-password/request', limitPerIp(deps, 'passwordReset'), async (c) => {
    const form = await readBody(c, { json: false })
    const loaded = await loadInteraction(c, deps, 'login', single(form, 'csrf') ?? null)
    if (!(await offersReset(deps, loaded))) return showError(c, new InteractionProblem('Password reset is not available here. Contact the administrator.', `/u/login?state=${encodeURIComponent(loaded.interaction.id)}`), 404)
    const email = normalizeEmail(single(form, 'email') ?? '')
    if (email === '' || email.length > 254 || !email.includes('@'))
      return pageResponse(c, resetRequestPage({ interactionId: loaded.interaction.id, csrf: loaded.csrf, appName: loaded.app.name, email, error: 'Enter the email address of your account.' }), 400)
    // After the reset the user comes back to this very login (its page), if it is still going.
    await requestPasswordReset(c, deps, { email, app: loaded.app, resultUrl: `/u/login?state=${encodeURIComponent(loaded.interaction.id)}` })
    return pageResponse(c, resetRequestedPage(loaded.interaction.id, email, deps.devOutbox !== null))
  })

  app.get('/u/reset-password', async (c) => {
    const value = ticketOf(c)
    const ticket = value ? await usableResetTicket(deps, value) : null
    if (!value || !ticket) return pageResponse(c, errorPage('invalid_request', LINK_GONE), 400)
    return pageResponse(c, newPasswordPage({ ticket: value, email: ticket.email }))
  })

  app.post('/u/reset-password', limitPerIp(deps, 'passwordReset'), async (c) => {
    const value = ticketOf(c)
    const form = await readBody(c, { json: false })
    const ticket = value ? await usableResetTicket(deps, value) : null
    if (!value || !ticket) return pageResponse(c, errorPage('invalid_request', LINK_GONE), 400)
    const password = single(form, 'password') ?? ''
    const again = (error: string) => pageResponse(c, newPasswordPage({ ticket: value, email: ticket.email, error }), 400)
    if (password !== (single(form, 'password_confirm') ?? '')) return again('The two passwords are not the same.')
    const result = await resetPassword(c, deps, value, password)
    if (!result.ok) return result.problem === 'policy' ? again(result.message) : pageResponse(c, errorPage('invalid_request', LINK_GONE), 400)
    const client = result.ticket.clientId ? await deps.store.applications.get(result.ticket.clientId) : null
    return pageResponse(c, passwordChangedPage(result.ticket.resultUrl ?? client?.initiateLoginUri ?? null, client?.name ?? null))
  })
}
