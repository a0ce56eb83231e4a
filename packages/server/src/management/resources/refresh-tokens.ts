/**
 * /refresh-tokens and /users/{id}/refresh-tokens, as Auth0's Management API serves them: a user's
 * live refresh tokens, each named by its grant's id (one id for a rotating token and every token
 * rotated from it; never the token or its hash). Deleting one revokes its grant: the next refresh
 * with it fails with `invalid_grant`, and the access tokens issued from it are refused at /userinfo.
 * Lists page by checkpoint (`from`, `take`). Every deletion goes to the audit log.
 */
import type { ApplicationRecord } from '@latchkey/core'
import type { LiveRefreshGrant } from '@latchkey/storage'
import { z } from 'zod'
import type { Deps } from '../../deps.js'
import { notFound } from '../errors.js'
import { presentRefreshToken, refreshTokenSchema } from '../mappings/sessions.js'
import { checkpointSchema, decodeCursor, encodeCursor } from '../paging.js'
import { type Resource, route } from '../route.js'
import { checkpointQuery } from './sessions.js'
import { findUser } from './users.js'

const idParams = z.strictObject({ id: z.string().min(1).max(256).describe('The id of the refresh token.') })
const userParams = z.strictObject({ id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.') })

const TOKEN_NOT_FOUND = () => notFound('The refresh token does not exist.', 'inexistent_refresh_token')
const USER_404 = { 404: 'The user does not exist (inexistent_user).' }

/** The grants in Auth0's shape, with their applications read once each (whether they rotate). */
async function present(deps: Deps, grants: readonly LiveRefreshGrant[]) {
  const ids = [...new Set(grants.map((g) => g.clientId))]
  const apps = new Map<string, ApplicationRecord | null>(await Promise.all(ids.map(async (id) => [id, await deps.store.applications.get(id)] as const)))
  return grants.map((grant) => presentRefreshToken(grant, apps.get(grant.clientId) ?? null, deps.config.issuer))
}

export const refreshTokens: Resource = {
  tag: 'refresh-tokens',
  description: "Users' refresh tokens.",
  routes: [
    route({
      method: 'get',
      path: '/users/:id/refresh-tokens',
      summary: 'Get refresh tokens for a user',
      scopes: ['read:refresh_tokens'],
      params: userParams,
      query: checkpointQuery,
      answer: { status: 200, description: "The user's live refresh tokens, oldest first, by checkpoint.", schema: checkpointSchema('tokens', refreshTokenSchema) },
      errors: USER_404,
      async handle({ deps, params, query }) {
        const user = await findUser(deps.store, params.id)
        const offset = decodeCursor(query.from)
        const take = query.take ?? 50
        const rows = await deps.store.refreshTokens.listLiveForUser(user.id, deps.clock.now(), { offset, limit: take + 1 })
        const page = await present(deps, rows.slice(0, take))
        return { status: 200, body: rows.length > take ? { tokens: page, next: encodeCursor(offset + take) } : { tokens: page } }
      },
    }),
    route({
      method: 'delete',
      path: '/users/:id/refresh-tokens',
      summary: 'Delete refresh tokens for a user',
      scopes: ['delete:refresh_tokens'],
      params: userParams,
      answer: { status: 202, description: 'Every refresh token of the user revoked.' },
      errors: USER_404,
      async handle({ deps, params, audit }) {
        const user = await findUser(deps.store, params.id)
        const revoked = await deps.store.refreshTokens.revokeForUser(user.id, deps.clock.now())
        await audit.change({ action: 'refresh_token.deleted', description: 'Delete refresh tokens for a user', userId: user.id, details: { revoked_refresh_tokens: revoked } })
        return { status: 202 }
      },
    }),
    route({
      method: 'get',
      path: '/refresh-tokens/:id',
      summary: 'Get a refresh token',
      scopes: ['read:refresh_tokens'],
      params: idParams,
      answer: { status: 200, description: 'The refresh token.', schema: refreshTokenSchema },
      errors: { 404: 'No live refresh token has this id (inexistent_refresh_token).' },
      async handle({ deps, params }) {
        const found = await deps.store.refreshTokens.findLive(params.id, deps.clock.now())
        if (!found) throw TOKEN_NOT_FOUND()
        const [token] = await present(deps, [found])
        return { status: 200, body: token }
      },
    }),
    route({
      method: 'delete',
      path: '/refresh-tokens/:id',
      summary: 'Delete a refresh token',
      scopes: ['delete:refresh_tokens'],
      params: idParams,
      answer: { status: 202, description: 'Revoked (also when it was no longer live): the next refresh with it fails with invalid_grant.' },
      async handle({ deps, params, audit }) {
        const now = deps.clock.now()
        const found = await deps.store.refreshTokens.findLive(params.id, now)
        if (found) {
          const revoked = await deps.store.refreshTokens.revokeGrant(found.grantId, now)
          await audit.change({
            action: 'refresh_token.deleted',
            description: 'Delete a refresh token',
            userId: found.userId,
            details: { refresh_token_id: found.grantId, target_client_id: found.clientId, revoked_refresh_tokens: revoked },
          })
        }
        return { status: 202 }
      },
    }),
  ],
}
