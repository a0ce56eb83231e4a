/**
 * The OpenAPI 3.1 document of the Management API (`GET /api/v2/openapi.json`), generated from the
 * routes and the same zod schemas the router validates requests with (`z.toJSONSchema`, JSON Schema
 * 2020-12, which OpenAPI 3.1 uses): a route or a field cannot exist in one and not the other.
 */
import { z } from 'zod'
import { managementAudience } from './audience.js'
import { RESOURCES } from './resources/index.js'
import type { ManagementRoute } from './route.js'
import { managementScopes } from './system-api.js'

type JsonSchema = Record<string, unknown>

const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  description: "Auth0's error shape.",
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string', description: 'The HTTP reason phrase.' },
    message: { type: 'string', description: 'What went wrong, for people.' },
    errorCode: { type: 'string', description: 'Stable code: invalid_body, invalid_query_string, invalid_token, insufficient_scope, inexistent_client, user_exists, …' },
  },
  required: ['statusCode', 'error', 'message', 'errorCode'],
}

const COMMON_ERRORS: Readonly<Record<string, string>> = {
  400: 'Invalid request: path, query string or body (invalid_uri, invalid_query_string, invalid_body).',
  401: 'Missing, invalid or expired token, or a token for another audience (invalid_token).',
  403: 'The token lacks every scope the route accepts (insufficient_scope).',
  429: 'Too many requests (too_many_requests); see Retry-After.',
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  return rest
}

/** One OpenAPI parameter per property of a path or query schema. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return []
  const object = jsonSchema(schema, 'input')
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((object.required ?? []) as string[])
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property
    return { name, in: where, required: where === 'path' || required.has(name), ...(description ? { description } : {}), schema: rest }
  })
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}')

function operationId(route: ManagementRoute): string {
  const words = route.path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (s.startsWith(':') ? `by-${s.slice(1)}` : s))
    .flatMap((s) => s.split(/[-_]/))
  return [route.method, ...words].map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('')
}

function operation(route: ManagementRoute, tag: string): JsonSchema {
  const answer = route.answer
  const responses: Record<string, JsonSchema> = {
    [answer.status]: {
      description: answer.description,
      ...(answer.schema ? { content: { 'application/json': { schema: jsonSchema(answer.schema, 'output') } } } : {}),
    },
  }
  for (const [status, description] of Object.entries({ ...COMMON_ERRORS, ...route.errors }))
    responses[status] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }
  return {
    operationId: operationId(route),
    summary: route.summary,
    description: `Scopes (any of): ${route.scopes.join(', ')}.`,
    tags: [tag],
    security: route.scopes.map((scope) => ({ oauth2: [scope] })),
    parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
    ...(route.body ? { requestBody: { required: true, content: { [route.bodyType === 'multipart' ? 'multipart/form-data' : 'application/json']: { schema: jsonSchema(route.body, 'input') } } } } : {}),
    responses,
  }
}

const documents = new Map<string, JsonSchema>()

/** The document for a server whose issuer is `issuer` (built once per issuer: the routes are fixed). */
export function openApiDocument(issuer: string): JsonSchema {
  let document = documents.get(issuer)
  if (!document) {
    document = buildDocument(issuer)
    documents.set(issuer, document)
  }
  return document
}

function buildDocument(issuer: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {}
  for (const resource of RESOURCES) {
    for (const route of resource.routes) {
      const path = openApiPath(route.path)
      paths[path] = { ...paths[path], [route.method]: operation(route, resource.tag) }
    }
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Latchkey Management API',
      version: '2',
      description:
        "Latchkey's Management API, shaped after Auth0's Management API v2. Call it with an access token from the client_credentials grant " +
        `for the audience ${managementAudience(issuer)} carrying the scopes each operation lists.`,
    },
    servers: [{ url: managementAudience(issuer).replace(/\/$/, '') }],
    tags: RESOURCES.map((r) => ({ name: r.tag, description: r.description })),
    paths,
    components: {
      schemas: { Error: ERROR_SCHEMA },
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: `client_credentials at ${issuer}oauth/token with audience=${managementAudience(issuer)}`,
          flows: {
            clientCredentials: {
              tokenUrl: `${issuer}oauth/token`,
              scopes: Object.fromEntries(managementScopes().map((s) => [s.value, s.description])),
            },
          },
        },
      },
    },
  }
}
