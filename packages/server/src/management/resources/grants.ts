/**
 * /grants: the consents users gave applications (Auth0's user grants). Deleting one means the user
 * is asked for consent again next time; it does not revoke refresh tokens already issued (the
 * application's session with the user ends with `DELETE /users/{id}` or blocking the user).
 */
import { z } from 'zod'
import { badRequest, notFound } from '../errors.js'
import { grantSchema, parseGrantId, presentGrant, storedAudience } from '../mappings/grants.js'
import { pageAnswer, pagedSchema, pageWindow } from '../paging.js'
import { pagingParams } from '../query.js'
import { type Resource, route } from '../route.js'

const filters = {
  user_id: z.string().min(1).max(256).optional().describe('Only the grants of this user.'),
  client_id: z.string().min(1).max(256).optional().describe('Only the grants to this application.'),
  audience: z.string().min(1).max(600).optional().describe('Only the grants for this API (identifier).'),
}
const listQuery = z.strictObject({ ...pagingParams, ...filters })
const deleteQuery = z.strictObject({ user_id: z.string().min(1).max(256).describe('Delete every grant of this user.') })
const idParams = z.strictObject({ id: z.string().min(1).max(2000).describe('The id of the grant.') })

const GRANT_NOT_FOUND = () => notFound('The grant does not exist.', 'inexistent_grant')

export const grants: Resource = {
  tag: 'grants',
  description: "Users' consents to applications.",
  routes: [
    route({
      method: 'get',
      path: '/grants',
      summary: 'Get grants',
      scopes: ['read:grants'],
      query: listQuery,
      answer: { status: 200, description: 'The grants, oldest first.', schema: pagedSchema('grants', grantSchema) },
      async handle({ deps, query }) {
        const issuer = deps.config.issuer
        const filter = {
          ...(query.user_id !== undefined ? { userId: query.user_id } : {}),
          ...(query.client_id !== undefined ? { clientId: query.client_id } : {}),
          ...(query.audience !== undefined ? { audience: storedAudience(query.audience, issuer) } : {}),
        }
        const { page, perPage } = pageWindow(query)
        const rows = await deps.store.consents.list({ ...filter, page, perPage })
        return pageAnswer('grants', query, rows.map((g) => presentGrant(g, issuer)), () => deps.store.consents.count(filter))
      },
    }),
    route({
      method: 'delete',
      path: '/grants/:id',
      summary: 'Delete a grant',
      scopes: ['delete:grants'],
      params: idParams,
      answer: { status: 204, description: 'Deleted: the user will be asked for consent again.' },
      errors: { 404: 'The grant does not exist (inexistent_grant).' },
      async handle({ deps, params, audit }) {
        const key = parseGrantId(params.id)
        if (!key || !(await deps.store.consents.delete(key.userId, key.clientId, key.audience))) throw GRANT_NOT_FOUND()
        await audit.change({
          action: 'grant.deleted',
          description: 'Delete a grant',
          userId: key.userId,
          details: { target_client_id: key.clientId, audience: key.audience === '' ? null : key.audience },
        })
        return { status: 204 }
      },
    }),
    route({
      method: 'delete',
      path: '/grants',
      summary: 'Delete the grants of a user',
      scopes: ['delete:grants'],
      query: deleteQuery,
      answer: { status: 204, description: 'Every grant of the user deleted.' },
      async handle({ deps, query, audit }) {
        if (query.user_id.trim() === '') throw badRequest("Query validation error: 'Missing required property: user_id'.", 'invalid_query_string')
        const removed = await deps.store.consents.deleteForUser(query.user_id)
        await audit.change({ action: 'grant.deleted', description: 'Delete the grants of a user', userId: query.user_id, details: { deleted: removed } })
        return { status: 204 }
      },
    }),
  ],
}
