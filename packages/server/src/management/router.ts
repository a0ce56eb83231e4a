/**
 * The Management API at /api/v2, shaped after Auth0's: every route of every resource in
 * `resources/index.ts`, each request handled in the same order — rate limit, Bearer token, the
 * route's scopes, then path, query and body validated by the route's zod schemas — before the
 * handler runs. Answers are JSON with `Cache-Control: no-store`; errors are Auth0's
 * `{statusCode, error, message, errorCode}`. No CORS (this API is for servers), except for the admin
 * console's own origin when it is served from one (LATCHKEY_ADMIN_CONSOLE_ORIGIN).
 */
import { InvalidRequest } from '@latchkey/core'
import { type Context, Hono } from 'hono'
import { z } from 'zod'
import type { Deps } from '../deps.js'
import { clientIp } from '../http/client-ip.js'
import { appCors } from '../http/cors.js'
import { MAX_BODY_BYTES, readBodyBytes, readQuery } from '../http/read-params.js'
import { ManagementAudit } from './audit.js'
import { authenticate, requireScope } from './auth.js'
import { MANAGEMENT_BASE_PATH } from './audience.js'
import { badRequest, errorResponse, ManagementError, toManagementError, validationError } from './errors.js'
import { openApiDocument } from './openapi.js'
import { mountJobFiles } from './job-files.js'
import { readMultipartBody } from './multipart.js'
import { RESOURCES } from './resources/index.js'
import type { ManagementRoute, RouteResult } from './route.js'

const NO_QUERY = z.strictObject({})

/**
 * The query string as an object: a name given once has its string, a repeated one the array of its
 * values, so only the parameters whose schema takes a list (`identifiers`) may repeat.
 */
function readQueryObject(c: Context): Record<string, string | string[]> {
  let params: Map<string, string[]>
  try {
    params = readQuery(c)
  } catch (err) {
    if (err instanceof InvalidRequest) throw badRequest(`Query validation error: '${err.description}'.`, 'invalid_query_string')
    throw err
  }
  return Object.fromEntries([...params].map(([name, values]) => [name, values.length === 1 ? (values[0] ?? '') : values]))
}

async function readJsonBody(c: Context, limit: number | undefined): Promise<unknown> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (type !== 'application/json') throw badRequest('Content-Type must be application/json.', 'invalid_body')
  let text: string
  try {
    text = await readBodyBytes(c, limit)
  } catch (err) {
    if (err instanceof InvalidRequest) throw badRequest(err.description, 'invalid_body')
    throw err
  }
  if (text.trim() === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw badRequest('Invalid request payload JSON format', 'invalid_body')
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, part: 'Payload' | 'Query' | 'Path'): T {
  const result = schema.safeParse(value)
  if (!result.success) throw validationError(part, result.error.issues)
  return result.data
}

function respond(c: Context, result: RouteResult): Response {
  c.header('Cache-Control', 'no-store')
  if (result.status === 204) return c.body(null, 204)
  return c.json(result.body ?? {}, result.status)
}

function handler(deps: Deps, route: ManagementRoute) {
  return async (c: Context): Promise<Response> => {
    if (deps.limits.enabled) await deps.limits.perIp('management', clientIp(c, deps.config.trustProxy))
    const caller = await authenticate(c, deps)
    requireScope(caller, route.scopes)
    const params = route.params ? parse(route.params, c.req.param(), 'Path') : undefined
    const query = parse(route.query ?? NO_QUERY, readQueryObject(c), 'Query')
    const raw = route.bodyType === 'multipart' ? () => readMultipartBody(c, route.maxBodyBytes ?? MAX_BODY_BYTES) : () => readJsonBody(c, route.maxBodyBytes)
    const body = route.body ? parse(route.body, await raw(), 'Payload') : undefined
    const audit = new ManagementAudit(c, deps, caller)
    return respond(c, await route.handle({ c, deps, caller, params, query, body, audit }))
  }
}

/** Every route, in the order the resources list them. */
export function managementRoutes(): readonly ManagementRoute[] {
  return RESOURCES.flatMap((resource) => resource.routes)
}

/** Mounts the Management API on `app` at /api/v2. */
export function mountManagementApi(app: Hono, deps: Deps): void {
  const api = new Hono()
  // The admin console served from its own origin (LATCHKEY_ADMIN_CONSOLE_ORIGIN) calls from there: that origin alone.
  const consoleOrigin = deps.config.adminConsole.enabled ? new URL(deps.config.adminConsole.baseUrl).origin : null
  if (consoleOrigin !== null && consoleOrigin !== new URL(deps.config.issuer).origin)
    api.use('*', appCors({ allows: async (origin: string) => origin === consoleOrigin }, 'GET, POST, PATCH, PUT, DELETE'))
  api.get('/openapi.json', (c) => c.json(openApiDocument(deps.config.issuer), 200, { 'Cache-Control': 'public, max-age=300' }))
  for (const route of managementRoutes()) api.on(route.method.toUpperCase(), route.path, handler(deps, route))
  mountJobFiles(api, deps)
  api.all('*', () => {
    throw new ManagementError(404, 'not_found', 'Not Found')
  })
  api.onError((err, c) => errorResponse(c, toManagementError(err, deps.log)))
  app.route(MANAGEMENT_BASE_PATH, api)
}
