/**
 * /clients: applications (OAuth clients), as Auth0's Management API serves them. Creating, changing
 * and rotating go through @latchkey/core's registration rules, the ones the CLI uses (the URL rules
 * with this server's issuer: http on any host only while it is http); a client secret appears only in
 * the answers to create and rotate-secret.
 */
import { ADMIN_CONSOLE_APP_KEPT, ADMIN_CONSOLE_CLIENT_ID, type ApplicationRecord, createApplication, rotateClientSecret, updateApplication } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { z } from 'zod'
import { badRequest, notFound, registration } from '../errors.js'
import {
  APP_TYPES,
  applicationInput,
  CLIENT_FIELD_NAMES,
  clientSchema,
  createClientBody,
  presentClient,
  updateClientBody,
} from '../mappings/clients.js'
import { everyPage, pageAnswer, pagedSchema, pageWindow, slicePage } from '../paging.js'
import { booleanParam, fieldParams, listParam, pagingParams, selectFields } from '../query.js'
import { type Resource, route } from '../route.js'

const idParams = z.strictObject({ id: z.string().min(1).max(256).describe('The client_id of the application.') })
const fieldsQuery = z.strictObject(fieldParams)
const listQuery = z.strictObject({
  ...pagingParams,
  ...fieldParams,
  app_type: listParam.pipe(z.array(z.enum(APP_TYPES))).optional().describe('Only applications of these types (comma-separated).'),
  is_first_party: booleanParam.optional().describe('Only first-party (true) or third-party (false) applications.'),
})

/** The admin console's app belongs to the server (admin-console-app.ts): kept at every start, never changed here. */
async function findChangeableClient(store: Store, clientId: string): Promise<ApplicationRecord> {
  const app = await findClient(store, clientId)
  if (app.clientId === ADMIN_CONSOLE_CLIENT_ID)
    throw badRequest(ADMIN_CONSOLE_APP_KEPT, 'operation_not_supported')
  return app
}

export async function findClient(store: Store, clientId: string): Promise<ApplicationRecord> {
  const app = await store.applications.get(clientId)
  if (!app) throw notFound('The client does not exist', 'inexistent_client')
  return app
}

async function save(store: Store, record: ApplicationRecord): Promise<ApplicationRecord> {
  const { clientId, createdAt: _createdAt, ...patch } = record
  const saved = await store.applications.update(clientId, patch)
  if (!saved) throw notFound('The client does not exist', 'inexistent_client')
  return saved
}

const ERRORS_404 = { 404: 'The client does not exist (inexistent_client).' }

export const clients: Resource = {
  tag: 'clients',
  description: 'Applications (OAuth clients).',
  routes: [
    route({
      method: 'get',
      path: '/clients',
      summary: 'Get clients',
      scopes: ['read:clients'],
      query: listQuery,
      answer: { status: 200, description: 'The applications, oldest first.', schema: pagedSchema('clients', clientSchema) },
      async handle({ deps, query }) {
        const filtered = query.app_type !== undefined || query.is_first_party !== undefined
        const present = (app: ApplicationRecord) => selectFields(presentClient(app), query)
        if (!filtered) {
          const { page, perPage } = pageWindow(query)
          const rows = await deps.store.applications.list({ page, perPage })
          return pageAnswer('clients', query, rows.map(present), () => deps.store.applications.count())
        }
        const types = new Set<string>(query.app_type ?? APP_TYPES)
        const all = (await everyPage((p) => deps.store.applications.list(p))).filter(
          (app) => types.has(app.appType) && (query.is_first_party === undefined || app.isFirstParty === query.is_first_party),
        )
        return pageAnswer('clients', query, slicePage(all, query).map(present), async () => all.length)
      },
    }),
    route({
      method: 'post',
      path: '/clients',
      summary: 'Create a client',
      scopes: ['create:clients'],
      body: createClientBody,
      answer: { status: 201, description: 'The new application, with its client_secret when it has one.', schema: clientSchema },
      async handle({ deps, body, audit }) {
        const input = applicationInput(body)
        const { record, clientSecret } = registration(CLIENT_FIELD_NAMES, () =>
          createApplication({ ...input, name: body.name, type: body.app_type ?? 'regular_web' }, deps.clock.now(), { issuer: deps.config.issuer }),
        )
        await deps.store.applications.insert(record)
        await audit.change({
          action: 'application.created',
          description: 'Create an application',
          details: { target_client_id: record.clientId, name: record.name, app_type: record.appType },
        })
        return { status: 201, body: presentClient(record, clientSecret) }
      },
    }),
    route({
      method: 'get',
      path: '/clients/:id',
      summary: 'Get a client',
      scopes: ['read:clients'],
      params: idParams,
      query: fieldsQuery,
      answer: { status: 200, description: 'The application.', schema: clientSchema },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        return { status: 200, body: selectFields(presentClient(await findClient(deps.store, params.id)), query) }
      },
    }),
    route({
      method: 'patch',
      path: '/clients/:id',
      summary: 'Update a client',
      scopes: ['update:clients'],
      params: idParams,
      body: updateClientBody,
      answer: { status: 200, description: 'The application as changed.', schema: clientSchema },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const current = await findChangeableClient(deps.store, params.id)
        if (body.app_type !== undefined && body.app_type !== current.appType)
          throw badRequest(`Payload validation error: app_type cannot change (${current.appType} to ${body.app_type}): register a new application instead.`)
        const { type: _type, ...input } = applicationInput(body)
        const updated = await save(deps.store, registration(CLIENT_FIELD_NAMES, () => updateApplication(current, input, deps.clock.now(), { issuer: deps.config.issuer })))
        await audit.change({
          action: 'application.updated',
          description: 'Update an application',
          details: { target_client_id: updated.clientId, name: updated.name, fields: Object.keys(body) },
        })
        return { status: 200, body: presentClient(updated) }
      },
    }),
    route({
      method: 'delete',
      path: '/clients/:id',
      summary: 'Delete a client',
      scopes: ['delete:clients'],
      params: idParams,
      answer: { status: 204, description: 'Deleted, with everything issued to it.' },
      errors: ERRORS_404,
      async handle({ deps, params, audit }) {
        const app = await findChangeableClient(deps.store, params.id)
        if (!(await deps.store.applications.delete(app.clientId))) throw notFound('The client does not exist', 'inexistent_client')
        await audit.change({ action: 'application.deleted', description: 'Delete an application', details: { target_client_id: app.clientId, name: app.name } })
        return { status: 204 }
      },
    }),
    route({
      method: 'post',
      path: '/clients/:id/rotate-secret',
      summary: "Rotate a client's secret",
      scopes: ['update:client_keys', 'update:clients'],
      params: idParams,
      answer: { status: 200, description: 'The application with its new client_secret; the old one stops working at once.', schema: clientSchema },
      errors: ERRORS_404,
      async handle({ deps, params, audit }) {
        const current = await findChangeableClient(deps.store, params.id)
        const { record, clientSecret } = registration(CLIENT_FIELD_NAMES, () => rotateClientSecret(current, deps.clock.now()))
        const updated = await save(deps.store, record)
        await audit.change({ action: 'application.secret_rotated', description: 'Rotate a client secret', details: { target_client_id: updated.clientId, name: updated.name } })
        return { status: 200, body: presentClient(updated, clientSecret) }
      },
    }),
  ],
}
