/**
 * /client-grants: which APIs machine-to-machine applications may call, with which scopes (the
 * client_credentials grant). `latchkey grants create` does the same from the command line. Lists page
 * by offset (`page`, `per_page`) or, as Auth0's SDKs ask by default, by checkpoint (`from`, `take`).
 */
import { type ClientGrantRecord, createClientGrant, updateClientGrant } from '@latchkey/core'
import { ConflictError, type Store } from '@latchkey/storage'
import { z } from 'zod'
import { conflict, notFound, registration } from '../errors.js'
import {
  CLIENT_GRANT_FIELD_NAMES,
  clientGrantSchema,
  createClientGrantBody,
  presentClientGrant,
  updateClientGrantBody,
} from '../mappings/client-grants.js'
import { checkpointPage, checkpointSchema, everyPage, MAX_PER_PAGE, pageAnswer, pagedSchema, pageWindow } from '../paging.js'
import { integerParam, pagingParams } from '../query.js'
import { type Resource, route } from '../route.js'

const listQuery = z.strictObject({
  ...pagingParams,
  from: z.string().max(200).optional().describe('Checkpoint: the `next` of the previous page.'),
  take: integerParam(1, MAX_PER_PAGE).optional().describe(`Checkpoint: how many grants (at most ${MAX_PER_PAGE}; 50 by default).`),
  client_id: z.string().min(1).max(256).optional().describe('Only the grants of this application.'),
  audience: z.string().min(1).max(600).optional().describe('Only the grants for this API.'),
})
const idParams = z.strictObject({ id: z.string().min(1).max(64).describe('The id of the client grant (cgr_…).') })

const GRANT_NOT_FOUND = () => notFound('The client grant does not exist.', 'inexistent_client_grant')

async function findGrant(store: Store, id: string): Promise<ClientGrantRecord> {
  const grant = await store.clientGrants.get(id)
  if (!grant) throw GRANT_NOT_FOUND()
  return grant
}

const ERRORS_404 = { 404: 'The client grant does not exist (inexistent_client_grant).' }

export const clientGrants: Resource = {
  tag: 'client-grants',
  description: 'Which APIs machine-to-machine applications may call (client_credentials), with which scopes.',
  routes: [
    route({
      method: 'get',
      path: '/client-grants',
      summary: 'Get client grants',
      scopes: ['read:client_grants'],
      query: listQuery,
      answer: {
        status: 200,
        description: 'The grants, oldest first: by offset, or by checkpoint when from or take is given.',
        schema: z.union([pagedSchema('client_grants', clientGrantSchema), checkpointSchema('client_grants', clientGrantSchema)]),
      },
      async handle({ deps, query }) {
        const filter = {
          ...(query.client_id !== undefined ? { clientId: query.client_id } : {}),
          ...(query.audience !== undefined ? { audience: query.audience } : {}),
        }
        if (query.from !== undefined || query.take !== undefined) {
          const all = await everyPage((p) => deps.store.clientGrants.list({ ...filter, ...p }))
          return { status: 200, body: checkpointPage('client_grants', all.map(presentClientGrant), query.from, query.take ?? 50) }
        }
        const { page, perPage } = pageWindow(query)
        const rows = await deps.store.clientGrants.list({ ...filter, page, perPage })
        return pageAnswer('client_grants', query, rows.map(presentClientGrant), () => deps.store.clientGrants.count(filter))
      },
    }),
    route({
      method: 'post',
      path: '/client-grants',
      summary: 'Create a client grant',
      scopes: ['create:client_grants'],
      body: createClientGrantBody,
      answer: { status: 201, description: 'The new grant.', schema: clientGrantSchema },
      errors: { 409: 'The application already has a grant for this API (client_grant_exists).' },
      async handle({ deps, body, audit }) {
        const [application, api] = await Promise.all([deps.store.applications.get(body.client_id), deps.store.apis.findByIdentifier(body.audience)])
        const grant = registration(CLIENT_GRANT_FIELD_NAMES, () =>
          createClientGrant({ clientId: body.client_id, audience: body.audience, scope: body.scope }, { application, api }, deps.clock.now()),
        )
        try {
          await deps.store.clientGrants.insert(grant)
        } catch (err) {
          if (err instanceof ConflictError) throw conflict('A client grant for this application and API already exists.', 'client_grant_exists')
          throw err
        }
        await audit.change({
          action: 'client_grant.created',
          description: 'Create a client grant',
          details: { client_grant_id: grant.id, target_client_id: grant.clientId, audience: grant.audience, scope: grant.scope },
        })
        return { status: 201, body: presentClientGrant(grant) }
      },
    }),
    route({
      method: 'get',
      path: '/client-grants/:id',
      summary: 'Get a client grant',
      scopes: ['read:client_grants'],
      params: idParams,
      answer: { status: 200, description: 'The grant.', schema: clientGrantSchema },
      errors: ERRORS_404,
      async handle({ deps, params }) {
        return { status: 200, body: presentClientGrant(await findGrant(deps.store, params.id)) }
      },
    }),
    route({
      method: 'patch',
      path: '/client-grants/:id',
      summary: 'Update a client grant',
      scopes: ['update:client_grants'],
      params: idParams,
      body: updateClientGrantBody,
      answer: { status: 200, description: 'The grant as changed; tokens already issued keep their scopes until they expire.', schema: clientGrantSchema },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const current = await findGrant(deps.store, params.id)
        const api = await deps.store.apis.findByIdentifier(current.audience)
        const next = registration(CLIENT_GRANT_FIELD_NAMES, () => updateClientGrant(current, { scope: body.scope }, api, deps.clock.now()))
        const updated = await deps.store.clientGrants.update(current.id, { scope: next.scope, updatedAt: next.updatedAt })
        if (!updated) throw GRANT_NOT_FOUND()
        await audit.change({
          action: 'client_grant.updated',
          description: 'Update a client grant',
          details: { client_grant_id: updated.id, target_client_id: updated.clientId, audience: updated.audience, scope: updated.scope },
        })
        return { status: 200, body: presentClientGrant(updated) }
      },
    }),
    route({
      method: 'delete',
      path: '/client-grants/:id',
      summary: 'Delete a client grant',
      scopes: ['delete:client_grants'],
      params: idParams,
      answer: { status: 204, description: 'Deleted: the application gets no new tokens for the API (tokens issued stay valid until they expire).' },
      errors: ERRORS_404,
      async handle({ deps, params, audit }) {
        const grant = await findGrant(deps.store, params.id)
        if (!(await deps.store.clientGrants.delete(grant.id))) throw GRANT_NOT_FOUND()
        await audit.change({
          action: 'client_grant.deleted',
          description: 'Delete a client grant',
          details: { client_grant_id: grant.id, target_client_id: grant.clientId, audience: grant.audience },
        })
        return { status: 204 }
      },
    }),
  ],
}
