/**
 * /resource-servers: APIs, as Auth0's Management API serves them. An API is found by its id or by
 * its identifier (the audience), as in Auth0. Latchkey's own Management API is listed with
 * `is_system: true` and cannot be changed or deleted here.
 */
import { type ApiRecord, checkApiChangeable, createApi, updateApi } from '@latchkey/core'
import { ConflictError, type Store } from '@latchkey/storage'
import { z } from 'zod'
import { conflict, ManagementError, notFound, registration } from '../errors.js'
import {
  apiInput,
  createResourceServerBody,
  presentResourceServer,
  RESOURCE_SERVER_FIELD_NAMES,
  resourceServerSchema,
  updateResourceServerBody,
} from '../mappings/resource-servers.js'
import { pageAnswer, pagedSchema, pageWindow, slicePage } from '../paging.js'
import { booleanParam, fieldParams, pagingParams, repeatableParam } from '../query.js'
import { type Resource, route } from '../route.js'

const idParams = z.strictObject({ id: z.string().min(1).max(600).describe('The id of the API, or its identifier (URL-encoded).') })
const listQuery = z.strictObject({
  ...pagingParams,
  include_fields: booleanParam.optional().describe('Accepted for compatibility: every field is returned.'),
  identifiers: repeatableParam.optional().describe('Only the APIs with these identifiers (the parameter may repeat).'),
})
const getQuery = z.strictObject({ include_fields: fieldParams.include_fields })

export async function findResourceServer(store: Store, idOrIdentifier: string): Promise<ApiRecord> {
  const api = (await store.apis.get(idOrIdentifier)) ?? (await store.apis.findByIdentifier(idOrIdentifier))
  if (!api) throw notFound('The resource server does not exist', 'inexistent_resource_server')
  return api
}

/** The Management API itself is a system API: 403 for any change (the rule is @latchkey/core's). */
function changeable(api: ApiRecord, action: 'changed' | 'deleted'): void {
  try {
    checkApiChangeable(api, action)
  } catch (err) {
    throw new ManagementError(403, 'operation_not_supported', (err as Error).message)
  }
}

const conflictOnDuplicate = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work()
  } catch (err) {
    if (err instanceof ConflictError) throw conflict('A resource server with the same identifier already exists', 'resource_server_exists')
    throw err
  }
}

const ERRORS_404 = { 404: 'The resource server does not exist (inexistent_resource_server).' }

export const resourceServers: Resource = {
  tag: 'resource-servers',
  description: 'APIs (resource servers): the identifier is the audience of their access tokens.',
  routes: [
    route({
      method: 'get',
      path: '/resource-servers',
      summary: 'Get resource servers',
      scopes: ['read:resource_servers'],
      query: listQuery,
      answer: { status: 200, description: 'The APIs, oldest first.', schema: pagedSchema('resource_servers', resourceServerSchema) },
      async handle({ deps, query }) {
        if (query.identifiers === undefined) {
          const { page, perPage } = pageWindow(query)
          const rows = await deps.store.apis.list({ page, perPage })
          return pageAnswer('resource_servers', query, rows.map(presentResourceServer), () => deps.store.apis.count())
        }
        const found = await Promise.all([...new Set(query.identifiers)].map((identifier) => deps.store.apis.findByIdentifier(identifier)))
        const all = found.filter((api): api is ApiRecord => api !== null).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
        return pageAnswer('resource_servers', query, slicePage(all, query).map(presentResourceServer), async () => all.length)
      },
    }),
    route({
      method: 'post',
      path: '/resource-servers',
      summary: 'Create a resource server',
      scopes: ['create:resource_servers'],
      body: createResourceServerBody,
      answer: { status: 201, description: 'The new API.', schema: resourceServerSchema },
      errors: { 409: 'An API with this identifier exists (resource_server_exists).' },
      async handle({ deps, body, audit }) {
        const input = apiInput(body)
        const api = registration(RESOURCE_SERVER_FIELD_NAMES, () =>
          createApi({ ...input, name: body.name ?? body.identifier, identifier: body.identifier }, deps.clock.now()),
        )
        await conflictOnDuplicate(() => deps.store.apis.insert(api))
        await audit.change({ action: 'api.created', description: 'Create an API', details: { api_id: api.id, identifier: api.identifier, name: api.name } })
        return { status: 201, body: presentResourceServer(api) }
      },
    }),
    route({
      method: 'get',
      path: '/resource-servers/:id',
      summary: 'Get a resource server',
      scopes: ['read:resource_servers'],
      params: idParams,
      query: getQuery,
      answer: { status: 200, description: 'The API.', schema: resourceServerSchema },
      errors: ERRORS_404,
      async handle({ deps, params }) {
        return { status: 200, body: presentResourceServer(await findResourceServer(deps.store, params.id)) }
      },
    }),
    route({
      method: 'patch',
      path: '/resource-servers/:id',
      summary: 'Update a resource server',
      scopes: ['update:resource_servers'],
      params: idParams,
      body: updateResourceServerBody,
      answer: { status: 200, description: 'The API as changed.', schema: resourceServerSchema },
      errors: { ...ERRORS_404, 403: 'The Management API cannot be changed (operation_not_supported).' },
      async handle({ deps, params, body, audit }) {
        const current = await findResourceServer(deps.store, params.id)
        changeable(current, 'changed')
        const next = registration(RESOURCE_SERVER_FIELD_NAMES, () => updateApi(current, apiInput(body, current), deps.clock.now()))
        const { id, identifier: _identifier, createdAt: _createdAt, ...patch } = next
        const updated = await deps.store.apis.update(id, patch)
        if (!updated) throw notFound('The resource server does not exist', 'inexistent_resource_server')
        await audit.change({ action: 'api.updated', description: 'Update an API', details: { api_id: id, identifier: updated.identifier, fields: Object.keys(body) } })
        return { status: 200, body: presentResourceServer(updated) }
      },
    }),
    route({
      method: 'delete',
      path: '/resource-servers/:id',
      summary: 'Delete a resource server',
      scopes: ['delete:resource_servers'],
      params: idParams,
      answer: { status: 204, description: 'Deleted, with the client grants for it.' },
      errors: { ...ERRORS_404, 403: 'The Management API cannot be deleted (operation_not_supported).' },
      async handle({ deps, params, audit }) {
        const api = await findResourceServer(deps.store, params.id)
        changeable(api, 'deleted')
        if (!(await deps.store.apis.delete(api.id))) throw notFound('The resource server does not exist', 'inexistent_resource_server')
        await audit.change({ action: 'api.deleted', description: 'Delete an API', details: { api_id: api.id, identifier: api.identifier, name: api.name } })
        return { status: 204 }
      },
    }),
  ],
}
