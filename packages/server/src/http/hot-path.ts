/**
 * The hot path: `POST /oauth/token` and `GET|POST /userinfo`, the requests an app sends all day,
 * served straight on Node's request and response. Hono serves them too (routes/token.ts,
 * routes/userinfo.ts: tests call `app.request()`), but through the web-standard layer: a `Request`
 * and `Headers` built from Node's, a `Context`, the middleware chain, a `Response` and its `Headers`
 * copied back, which costs more than the rest of a /userinfo call (docs/performance.md).
 *
 * What the app's middleware does for these two routes, this does too, and the tests compare the two
 * answer for answer (hot-path.test.ts): the same security headers (read once from the app's own
 * middleware), the same CORS rule and origin registry (http/cors.ts), one log line per request,
 * the same metrics. Then the endpoint code both serve (token/token-endpoint.ts,
 * userinfo/userinfo-endpoint.ts) answers. Anything else, OPTIONS preflights and other methods
 * included, goes on to Hono.
 */
import { InvalidRequest } from '@latchkey/core'
import { Hono } from 'hono'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Deps } from '../deps.js'
import { tokenEndpoint } from '../token/token-endpoint.js'
import { tokenRequest } from '../token/token-request.js'
import { userinfoEndpoint } from '../userinfo/userinfo-endpoint.js'
import { clientIpOf } from './client-ip.js'
import { corsAnswerHeaders, originRegistryOf } from './cors.js'
import { errorAnswer, errorSummary, type JsonAnswer } from './json-answer.js'
import { securityHeaders } from './page-headers.js'
import { bodyParams, decodeBody, MAX_BODY_BYTES } from './read-params.js'

/** Takes the request when it is one of the hot routes (and answers it); false: not one, pass it on. */
export type HotPath = (req: IncomingMessage, res: ServerResponse) => boolean

/** The headers the app's security middleware puts on an answer (page-headers.ts), read once from it. */
async function appSecurityHeaders(): Promise<Readonly<Record<string, string>>> {
  const probe = new Hono()
  probe.use(...securityHeaders())
  probe.get('/', (c) => c.body(null, 204))
  const headers: Record<string, string> = {}
  for (const [name, value] of (await probe.request('/')).headers) headers[name] = value
  return headers
}

/** The body's text, within MAX_BODY_BYTES (declared or streamed), as UTF-8. */
function readText(req: IncomingMessage): Promise<string> {
  if (Number(req.headers['content-length'] ?? '0') > MAX_BODY_BYTES) return Promise.reject(new InvalidRequest('The request body is too large.'))
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk)
      // Answered at once; Node discards the rest of the body.
      req.off('data', onData)
      reject(new InvalidRequest('The request body is too large.'))
    }
    req.on('data', onData)
    req.once('end', () => {
      try {
        resolve(decodeBody(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)))
      } catch (err) {
        reject(err)
      }
    })
    req.once('error', reject)
  })
}

export async function hotPath(deps: Deps): Promise<HotPath> {
  const security = await appSecurityHeaders()
  const origins = originRegistryOf(deps.store, () => deps.clock.now())
  const lines = deps.log.child({}, { redact: { paths: [] } })
  const token = tokenEndpoint(deps)
  const userinfo = userinfoEndpoint(deps)
  const { trustProxy } = deps.config

  async function answerToken(req: IncomingMessage): Promise<JsonAnswer> {
    let params: Map<string, string[]>
    try {
      params = await bodyParams(req.headers['content-type'], () => readText(req), { json: true })
    } catch (err) {
      return errorAnswer(err, { log: deps.log, where: 'token' }).answer
    }
    const headers = { authorization: req.headers.authorization, dpop: single(req.headers.dpop) }
    return token(tokenRequest(params, headers, { ip: clientIpOf(req, trustProxy), userAgent: req.headers['user-agent'] }))
  }

  function answerUserinfo(req: IncomingMessage, method: string): Promise<JsonAnswer> {
    const { authorization, 'content-type': contentType } = req.headers
    return userinfo({ method, authorization, contentType, dpop: single(req.headers.dpop), text: () => readText(req) })
  }

  async function serve(req: IncomingMessage, res: ServerResponse, path: string, answer: Promise<JsonAnswer>): Promise<void> {
    const started = performance.now()
    const origin = req.headers.origin
    const [result, allowed] = await Promise.all([
      answer.catch((err: unknown) => errorAnswer(err, { log: deps.log, where: path }).answer),
      origin !== undefined && origin.length < 512 ? origins.allows(origin) : false,
    ])
    const body = result.body ?? ''
    res.writeHead(result.status, {
      ...result.headers,
      ...security,
      ...(allowed ? corsAnswerHeaders(origin as string) : {}),
      'Content-Length': Buffer.byteLength(body),
    })
    res.end(body)
    lines.info({ method: req.method, path, status: result.status, ms: Math.round(performance.now() - started), ...result.logFields }, 'request')
    if (deps.metrics) {
      const labels = { method: req.method as string, route: path, status_class: `${Math.floor(result.status / 100)}xx` }
      deps.metrics.httpRequests.inc(labels)
      deps.metrics.httpDuration.observe(labels, (performance.now() - started) / 1000)
    }
  }

  return function hot(req, res) {
    const url = req.url ?? '/'
    const query = url.indexOf('?')
    const path = query === -1 ? url : url.slice(0, query)
    const method = req.method ?? ''
    let served: Promise<void>
    if (path === '/oauth/token' && method === 'POST') served = serve(req, res, path, answerToken(req))
    else if (path === '/userinfo' && (method === 'GET' || method === 'POST')) served = serve(req, res, path, answerUserinfo(req, method))
    else return false
    // Only writing the answer can fail here (every error of the endpoints is an answer already).
    served.catch((err: unknown) => {
      deps.log.error({ err: errorSummary(err), where: path }, 'unexpected error')
      if (!res.headersSent) res.writeHead(500, { 'Content-Length': 0 })
      res.end()
    })
    return true
  }
}

/** A header Node may give as a list (only a few are joined): the one value, or none when repeated. */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value
}
