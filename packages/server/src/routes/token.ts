/**
 * POST /oauth/token on Hono: the request read once (body as form or JSON, the two headers, who sent
 * it), answered by the token endpoint's pipeline (token/token-endpoint.ts). The hot-path server
 * serves the same pipeline without Hono (http/hot-path.ts).
 */
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { clientIp } from '../http/client-ip.js'
import { errorAnswer, send } from '../http/json-answer.js'
import { readBody } from '../http/read-params.js'
import { tokenEndpoint } from '../token/token-endpoint.js'
import { tokenRequest } from '../token/token-request.js'

export function tokenRoutes(app: Hono, deps: Deps): void {
  const answer = tokenEndpoint(deps)
  app.post('/oauth/token', async (c) => {
    let params: Map<string, string[]>
    try {
      params = await readBody(c, { json: true })
    } catch (err) {
      return send(c, errorAnswer(err, { log: deps.log, where: 'token' }).answer)
    }
    const headers = { authorization: c.req.header('authorization'), dpop: c.req.header('dpop') }
    return send(c, await answer(tokenRequest(params, headers, { ip: clientIp(c, deps.config.trustProxy), userAgent: c.req.header('user-agent') })))
  })
}
