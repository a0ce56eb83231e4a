/**
 * POST /oauth/revoke (RFC 7009): the client authenticates as at the token endpoint; a refresh token
 * it owns is revoked with its grant (every refresh token rotated from the same authorization code,
 * §2.1: "invalidate ... other tokens based on the same authorization grant"). The answer is 200 with
 * an empty body whatever the token was (unknown, another client's, an access token), so it reveals
 * nothing. Failed client authentication counts against the token endpoint's limit
 * (rate-limits/revoke-admission.ts), reserved once the body is read, before any other work.
 */
import { InvalidRequest, repeatedNames, sha256, single } from '@latchkey/core'
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { authenticateClient, clientAuthContext, presentedClient } from '../http/client-auth.js'
import { clientIp } from '../http/client-ip.js'
import { errorAnswer, send } from '../http/json-answer.js'
import { readBody } from '../http/read-params.js'
import type { TokenAdmission } from '../rate-limits/token-admission.js'

export function revokeRoutes(app: Hono, deps: Deps): void {
  const auth = clientAuthContext(deps)
  app.post('/oauth/revoke', async (c) => {
    let admission: TokenAdmission | undefined
    try {
      const params = await readBody(c, { json: true })
      const presented = presentedClient(params, c.req.header('authorization'))
      admission = await deps.limits.admitRevoke({ ip: clientIp(c, deps.config.trustProxy), clientId: presented.claimedId })
      const repeated = repeatedNames(params)
      if (repeated.length > 0) throw new InvalidRequest(`Parameter "${repeated[0]}" is repeated.`)
      const { client } = await authenticateClient(auth, presented, 'oauth/revoke')
      const token = single(params, 'token')
      if (token === undefined) throw new InvalidRequest('Missing required parameter: token')
      if (token.length <= 512) {
        const record = await deps.store.refreshTokens.findByHash(sha256(token))
        if (record && record.clientId === client.clientId) {
          const revoked = await deps.store.refreshTokens.revokeGrant(record.grantId, deps.clock.now())
          deps.log.info({ client_id: client.clientId, revoked }, 'refresh token grant revoked')
          await deps.audit.record(c, { type: 'srrt', clientId: client.clientId, userId: record.userId, details: { grant_id: record.grantId, revoked_refresh_tokens: revoked } })
        }
      }
      await admission.settle(null)
      return c.body(null, 200, { 'Cache-Control': 'no-store' })
    } catch (err) {
      const { error, answer } = errorAnswer(err, { log: deps.log, where: 'revoke' })
      await admission?.settle(error)
      return send(c, answer)
    }
  })
}
