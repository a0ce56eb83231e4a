/**
 * The organization prompt (/u/organization), Auth0's "pre-login prompt": an app whose users must log
 * in to an organization (`organization_usage: require`, `organization_require_behavior:
 * pre_login_prompt`), opened without one, asks for the organization's name here. The answer goes into
 * the login transaction, which then carries on to the login form. Limited per IP like the login form.
 *
 * The prompt answers only at its own step (the transaction showed it and nothing answered it yet),
 * and only while the app's settings still call for it: a request's organization is never replaced,
 * and an app that does not use organizations never gets one.
 */
import { findOrganization, mayChooseOrganization, single } from '@latchkey/core'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { pageResponse } from '../http/page-headers.js'
import { readBody } from '../http/read-params.js'
import { readSession } from '../http/session.js'
import { proceed } from '../interaction/flow.js'
import { InteractionProblem, loadInteraction } from '../interaction/load.js'
import { limitPerIp } from '../rate-limits/middleware.js'
import { organizationPromptPage } from '../views/organization-prompt.js'

export const NO_SUCH_ORGANIZATION = 'We could not find an organization with that name.'
const NOT_ASKED = 'This application does not ask for an organization here. Go back to the application and start again.'

export function organizationPromptRoutes(app: Hono, deps: Deps): void {
  app.get('/u/organization', async (c) => {
    const { interaction, app: client, csrf } = await loadInteraction(c, deps, 'organization')
    if (!mayChooseOrganization(interaction.request, client)) throw new InteractionProblem(NOT_ASKED)
    return pageResponse(c, organizationPromptPage({ interactionId: interaction.id, csrf, appName: client.name }))
  })

  app.post('/u/organization', limitPerIp(deps, 'login'), async (c) => {
    const form = await readBody(c, { json: false })
    const { interaction, app: client, api, csrf } = await loadInteraction(c, deps, 'organization', single(form, 'csrf') ?? null)
    if (!mayChooseOrganization(interaction.request, client)) throw new InteractionProblem(NOT_ASKED)
    const name = (single(form, 'organization') ?? '').trim().toLowerCase()
    const rerender = (error: string, status: number) =>
      pageResponse(c, organizationPromptPage({ interactionId: interaction.id, csrf, appName: client.name, name, error }), status)
    if (!name) return rerender('Enter the name of your organization.', 400)
    const organization = name.length <= 64 ? await findOrganization(deps.store.organizations, name) : null
    if (!organization) return rerender(NO_SUCH_ORGANIZATION, 400)

    // The transaction's request gains the organization as it moves on from this step (once: proceed's
    // compare-and-set on the step refuses a second answer).
    const request = { ...interaction.request, organization: organization.id }
    const session = await readSession(c, deps)
    return proceed(c, deps, { request, app: client, api, session, interaction, changes: { request }, afterPost: true })
  })
}
