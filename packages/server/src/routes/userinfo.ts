/**
 * GET|POST /userinfo on Hono: the request read once (a form-encoded POST body only), answered by
 * userinfo/userinfo-endpoint.ts. The hot path serves the same endpoint without Hono (http/hot-path.ts).
 */
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { errorAnswer, send } from '../http/json-answer.js'
import { mediaType, readBody } from '../http/read-params.js'
import { schemeOf } from '../dpop/presented-token.js'
import { userinfoEndpoint } from '../userinfo/userinfo-endpoint.js'

export function userinfoRoutes(app: Hono, deps: Deps): void {
  const answer = userinfoEndpoint(deps)
  app.on(['GET', 'POST'], '/userinfo', async (c) => {
    const authorization = c.req.header('authorization')
    let form = null
    if (c.req.method === 'POST' && mediaType(c.req.header('content-type')) === 'application/x-www-form-urlencoded') {
      try {
        form = await readBody(c, { json: false })
      } catch (err) {
        return send(c, errorAnswer(err, { log: deps.log, where: 'userinfo', resource: { realm: deps.config.issuer, scheme: schemeOf(authorization) } }).answer)
      }
    }
    return send(c, await answer({ method: c.req.method, authorization, dpop: c.req.header('dpop'), form }))
  })
}
