/**
 * GET|POST /userinfo on Hono: the request read once (a form-encoded POST body only), answered by
 * userinfo/userinfo-endpoint.ts. The hot path serves the same endpoint without Hono (http/hot-path.ts).
 */
import type { Hono } from 'hono'
import type { Deps } from '../deps.js'
import { send } from '../http/json-answer.js'
import { readBodyBytes } from '../http/read-params.js'
import { userinfoEndpoint } from '../userinfo/userinfo-endpoint.js'

export function userinfoRoutes(app: Hono, deps: Deps): void {
  const answer = userinfoEndpoint(deps)
  app.on(['GET', 'POST'], '/userinfo', async (c) => {
    const request = { method: c.req.method, authorization: c.req.header('authorization'), contentType: c.req.header('content-type'), dpop: c.req.header('dpop') }
    return send(c, await answer({ ...request, text: () => readBodyBytes(c) }))
  })
}
