/**
 * Logout: Auth0's GET /v2/logout (client_id, returnTo) and OpenID Connect RP-initiated logout at
 * /oidc/logout (id_token_hint, client_id, post_logout_redirect_uri, state). Both end the SSO session
 * and redirect only to one of the app's registered logout URLs; anything else gets a page.
 */
import { InvalidRequest, OAuthError, quoteValue, repeatedNames, SIGNING_ALGS, single, type ApplicationRecord, type RawParams } from '@latchkey/core'
import type { Context, Hono } from 'hono'
import { jwtVerify } from 'jose'
import type { Deps } from '../deps.js'
import { pageResponse } from '../http/page-headers.js'
import { readBody, readQuery } from '../http/read-params.js'
import { endSession, readSession } from '../http/session.js'
import { showError } from '../interaction/flow.js'
import { messagePage } from '../views/message.js'

async function clientFromHint(deps: Deps, hint: string): Promise<string> {
  try {
    // Expired hints are fine (the user may log out long after login); the signature and issuer are not optional.
    const { payload } = await jwtVerify(hint, await deps.keys.verificationKeys(), {
      issuer: deps.config.issuer,
      algorithms: [...SIGNING_ALGS],
      currentDate: new Date(0),
    })
    const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud
    if (typeof aud !== 'string') throw new Error('no audience')
    return aud
  } catch {
    throw new InvalidRequest('id_token_hint is not an ID token issued by this server.')
  }
}

async function finish(c: Context, deps: Deps, app: ApplicationRecord | null, returnTo: string | undefined, state: string | undefined) {
  if (returnTo !== undefined) {
    if (!app) throw new InvalidRequest('client_id or id_token_hint is required to redirect after logout.')
    if (!app.allowedLogoutUrls.includes(returnTo))
      throw new InvalidRequest('The returnTo URL is not in the application\'s list of allowed logout URLs.')
  }
  const session = await readSession(c, deps)
  await endSession(c, deps)
  deps.log.info({ client_id: app?.clientId }, 'logged out')
  if (session) await deps.audit.record(c, { type: 'slo', clientId: app?.clientId, userId: session.user.id, details: { return_to: returnTo ?? null } })
  if (returnTo === undefined) return pageResponse(c, messagePage('Logged out', 'You are now logged out.'))
  const url = new URL(returnTo)
  if (state !== undefined) url.searchParams.set('state', state)
  return c.redirect(url.toString(), 302)
}

async function loadApp(deps: Deps, clientId: string | undefined): Promise<ApplicationRecord | null> {
  if (clientId === undefined) return null
  const app = clientId.length <= 256 ? await deps.store.applications.get(clientId) : null
  if (!app) throw new InvalidRequest(`Unknown client: ${quoteValue(clientId)}`)
  return app
}

function refuseRepeats(params: RawParams) {
  const repeated = repeatedNames(params)
  if (repeated.length > 0) throw new InvalidRequest(`Parameter "${repeated[0]}" is repeated.`)
}

export function logoutRoutes(app: Hono, deps: Deps): void {
  app.get('/v2/logout', async (c) => {
    try {
      const params = readQuery(c)
      refuseRepeats(params)
      const client = await loadApp(deps, single(params, 'client_id'))
      return await finish(c, deps, client, single(params, 'returnTo'), undefined)
    } catch (err) {
      if (err instanceof OAuthError) return showError(c, err)
      throw err
    }
  })

  app.on(['GET', 'POST'], '/oidc/logout', async (c) => {
    try {
      const params = c.req.method === 'GET' ? readQuery(c) : await readBody(c, { json: false })
      refuseRepeats(params)
      const hint = single(params, 'id_token_hint')
      const hintedClient = hint !== undefined ? await clientFromHint(deps, hint) : undefined
      const clientId = single(params, 'client_id')
      if (clientId !== undefined && hintedClient !== undefined && clientId !== hintedClient)
        throw new InvalidRequest('client_id does not match the audience of id_token_hint.')
      const client = await loadApp(deps, clientId ?? hintedClient)
      return await finish(c, deps, client, single(params, 'post_logout_redirect_uri'), single(params, 'state'))
    } catch (err) {
      if (err instanceof OAuthError) return showError(c, err)
      throw err
    }
  })
}
