/**
 * The consent page (/u/consent): what the app asks for, Accept or Decline. Accepting is remembered
 * per user, app and API; declining sends `access_denied` to the app.
 */
import { AccessDenied, OAuthError, single, type ApiRecord } from '@latchkey/core'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { deliverError } from '../http/authorization-response.js'
import { pageResponse } from '../http/page-headers.js'
import { readBody } from '../http/read-params.js'
import { readSession } from '../http/session.js'
import { proceed, showError, targetOf } from '../interaction/flow.js'
import { loadInteraction } from '../interaction/load.js'
import { consentPage } from '../views/consent.js'

const OPENID_DESCRIPTIONS: Record<string, string> = {
  openid: 'Confirm your identity',
  profile: 'Your name, nickname and picture',
  email: 'Your email address',
  offline_access: 'Stay signed in: access your data while you are away',
}

function describe(scope: readonly string[], api: ApiRecord | null) {
  return scope.map((value) => ({
    value,
    description: OPENID_DESCRIPTIONS[value] ?? api?.scopes.find((s) => s.value === value)?.description ?? '',
  }))
}

const SESSION_ENDED = 'Your session has ended. Go back to the application and log in again.'

export function consentRoutes(app: Hono, deps: Deps): void {
  app.get('/u/consent', async (c) => {
    const { interaction, app: client, api, csrf } = await loadInteraction(c, deps, 'consent')
    const session = await readSession(c, deps)
    if (!session || session.user.blocked || (interaction.userId !== null && session.user.id !== interaction.userId))
      return showError(c, new OAuthError('invalid_request', SESSION_ENDED))
    return pageResponse(
      c,
      consentPage({
        interactionId: interaction.id,
        csrf,
        appName: client.name,
        apiName: api?.name ?? null,
        userEmail: session.user.email,
        scopes: describe(interaction.request.scope, api),
      }),
    )
  })

  app.post('/u/consent', async (c) => {
    const form = await readBody(c, { json: false })
    const { interaction, app: client, api } = await loadInteraction(c, deps, 'consent', single(form, 'csrf') ?? null)
    const session = await readSession(c, deps)
    if (!session || session.user.blocked || (interaction.userId !== null && session.user.id !== interaction.userId))
      return showError(c, new OAuthError('invalid_request', SESSION_ENDED))
    const { request } = interaction
    const now = deps.clock.now()
    const action = single(form, 'action')
    if (action === 'deny') {
      if (!(await deps.store.interactions.take(interaction.id, 'consent', now)))
        return showError(c, new OAuthError('invalid_request', 'This login has already been completed.'))
      deps.log.info({ client_id: client.clientId, user_id: session.user.id }, 'consent denied')
      return deliverError(c, deps, targetOf(request, client), new AccessDenied('User did not authorize the request'), true)
    }
    if (action !== 'accept') return showError(c, new OAuthError('invalid_request', 'Choose Accept or Decline.'))
    await deps.store.consents.grant(session.user.id, client.clientId, request.audience ?? '', request.scope, now)
    deps.log.info({ client_id: client.clientId, user_id: session.user.id }, 'consent granted')
    return proceed(c, deps, { request, app: client, api, session, interaction, consentedNow: true, afterPost: true })
  })
}
