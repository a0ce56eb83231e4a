/**
 * POST /oauth/token (RFC 6749 §3.2, §5): read the body (form or JSON), refuse repeated parameters,
 * authenticate the client, check it may use the grant, and hand over to the grant module from
 * @latchkey/core. Answers are JSON with `Cache-Control: no-store`, errors included. The rate limits
 * (rate-limits/token-admission.ts) are taken once the body is read, before any other work.
 */
import {
  grants,
  InvalidRequest,
  quoteValue,
  repeatedNames,
  single,
  UnauthorizedClient,
  UnsupportedGrantType,
} from '@latchkey/core'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { dpopEndpoints, setDpopErrorHeaders, setDpopNonce } from '../dpop/proofs.js'
import { authenticateClient, clientAuthContext, InvalidBasicClient } from '../http/client-auth.js'
import { clientIp } from '../http/client-ip.js'
import { oauthErrorResponse, toOAuthError } from '../http/oauth-error.js'
import { readBody } from '../http/read-params.js'
import { type TokenAttempt, tokenIssuedEvent, tokenRefusedEvent } from '../http/token-audit.js'
import { RateLimited } from '../rate-limits/too-many-requests.js'
import type { TokenAdmission } from '../rate-limits/token-admission.js'

export function tokenRoutes(app: Hono, deps: Deps): void {
  app.post('/oauth/token', async (c) => {
    let admission: TokenAdmission | undefined
    const attempt: TokenAttempt = {}
    try {
      const params = await readBody(c, { json: true })
      attempt.params = params
      attempt.authorization = c.req.header('authorization')
      admission = await deps.limits.admitToken({ ip: clientIp(c, deps.config.trustProxy), params, authorization: c.req.header('authorization') })
      const repeated = repeatedNames(params)
      if (repeated.length > 0) throw new InvalidRequest(`Parameter "${repeated[0]}" is repeated.`)
      const grantType = single(params, 'grant_type')
      if (grantType === undefined) throw new InvalidRequest('Missing required parameter: grant_type')
      const grant = grants.get(grantType)
      if (!grant) throw new UnsupportedGrantType(`Unsupported grant type: ${quoteValue(grantType)}`)
      const { client } = await authenticateClient(clientAuthContext(deps), params, c.req.header('authorization'), 'oauth/token')
      attempt.clientId = client.clientId
      if (!(client.grantTypes as readonly string[]).includes(grantType))
        throw new UnauthorizedClient(`The application is not allowed the ${grantType} grant.`)
      // RFC 9449 §5: a DPoP proof, when sent, is checked before the grant, so a bad one never burns a code.
      const dpop = await dpopEndpoints(deps).verify(c, 'oauth/token')
      const response = await grant.handle({
        params,
        client,
        store: deps.store,
        issuer: deps.config.issuer,
        clock: deps.clock,
        signingKey: (alg) => deps.keys.signingKey(alg),
        dpop,
      })
      setDpopNonce(c, dpop)
      deps.log.info({ client_id: client.clientId, grant_type: grantType, refresh: response.refresh_token !== undefined }, 'tokens issued')
      await deps.audit.record(c, tokenIssuedEvent(attempt, response, deps.config.issuer))
      await admission.settle(null)
      return c.json(response, 200, { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...admission.headers })
    } catch (err) {
      const error = toOAuthError(err, deps.log, 'token')
      setDpopErrorHeaders(c, err)
      if (error.error !== 'server_error') deps.log.info({ error: error.error }, 'token request refused')
      await admission?.settle(error)
      await deps.audit.record(c, tokenRefusedEvent(attempt, err, error))
      const challenge: Record<string, string> = err instanceof InvalidBasicClient ? { 'WWW-Authenticate': 'Basic realm="latchkey"' } : err instanceof RateLimited ? { ...err.headers } : {}
      return oauthErrorResponse(c, error, { ...admission?.headers, ...challenge })
    }
  })
}
