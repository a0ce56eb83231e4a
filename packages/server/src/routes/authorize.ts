/**
 * GET|POST /authorize (RFC 6749 §4.1.1, OIDC Core §3.1.2.1). Parse and check with @latchkey/core;
 * errors before the redirect URI is trusted become a page, later ones go back to the app.
 */
import { OAuthError, parseAuthorizeRequest } from '@latchkey/core'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { deliverError } from '../http/authorization-response.js'
import { readBody, readQuery } from '../http/read-params.js'
import { readSession } from '../http/session.js'
import { proceed, showError } from '../interaction/flow.js'
import { limitPerIp } from '../rate-limits/middleware.js'

export function authorizeRoutes(app: Hono, deps: Deps): void {
  app.on(['GET', 'POST'], '/authorize', limitPerIp(deps, 'authorize'), async (c) => {
    let params: Map<string, string[]>
    try {
      params = c.req.method === 'GET' ? readQuery(c) : await readBody(c, { json: false })
    } catch (err) {
      if (err instanceof OAuthError) return showError(c, err)
      throw err
    }
    const { applications, apis, organizations, invitations, connections } = deps.store
    const parsed = await parseAuthorizeRequest(params, { applications, apis, organizations, invitations, connections, now: deps.clock.now() })
    if (parsed.kind === 'page') return showError(c, parsed.error)
    if (parsed.kind === 'redirect-error') {
      deps.log.info({ client_id: parsed.app.clientId, error: parsed.error.error }, 'authorize request refused')
      return deliverError(c, deps, { redirectUri: parsed.redirectUri, responseMode: parsed.responseMode, state: parsed.state, app: parsed.app }, parsed.error, false)
    }
    const session = await readSession(c, deps)
    return proceed(c, deps, { ...parsed, session, interaction: null, afterPost: false })
  })
}
