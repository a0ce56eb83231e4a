/**
 * /sessions and /users/{id}/sessions, as Auth0's Management API serves them: a user's live login
 * sessions (the SSO session the browser's cookie names), by their public id, the ID token's `sid`.
 * Deleting one ends it: the next /authorize from that browser asks for a login (`prompt=none`
 * answers `login_required`). Its refresh tokens stay (Auth0's DELETE); POST /sessions/{id}/revoke
 * revokes them too. Lists page by checkpoint (`from`, `take`). Every deletion goes to the audit log.
 */
import type { Deps } from '../../deps.js'
import { z } from 'zod'
import { notFound } from '../errors.js'
import { presentSession, sessionSchema } from '../mappings/sessions.js'
import { checkpointSchema, decodeCursor, encodeCursor, MAX_PER_PAGE } from '../paging.js'
import { integerParam } from '../query.js'
import { type Resource, route } from '../route.js'
import { findUser } from './users.js'

const idParams = z.strictObject({ id: z.string().min(1).max(256).describe('The id of the session (its `sid`).') })
const userParams = z.strictObject({ id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.') })
export const checkpointQuery = z.strictObject({
  from: z.string().max(200).optional().describe('Checkpoint: the `next` of the previous page.'),
  take: integerParam(1, MAX_PER_PAGE).optional().describe(`Checkpoint: how many results (at most ${MAX_PER_PAGE}; 50 by default).`),
})

const SESSION_NOT_FOUND = () => notFound('The session does not exist.', 'inexistent_session')
const USER_404 = { 404: 'The user does not exist (inexistent_user).' }

/** Every refresh token issued in the session, revoked with its grant; how many grants. */
async function revokeTokensOf(deps: Deps, userId: string, sid: string, now: number): Promise<number> {
  let revoked = 0
  for (let offset = 0; ; offset += MAX_PER_PAGE) {
    const grants = await deps.store.refreshTokens.listLiveForUser(userId, now, { offset, limit: MAX_PER_PAGE })
    for (const grant of grants) if (grant.sid === sid && (await deps.store.refreshTokens.revokeGrant(grant.grantId, now)) > 0) revoked++
    if (grants.length < MAX_PER_PAGE) return revoked
  }
}

export const sessions: Resource = {
  tag: 'sessions',
  description: "Users' login sessions.",
  routes: [
    route({
      method: 'get',
      path: '/users/:id/sessions',
      summary: 'Get sessions for user',
      scopes: ['read:sessions'],
      params: userParams,
      query: checkpointQuery,
      answer: { status: 200, description: "The user's live sessions, oldest first, by checkpoint.", schema: checkpointSchema('sessions', sessionSchema) },
      errors: USER_404,
      async handle({ deps, params, query }) {
        const user = await findUser(deps.store, params.id)
        const offset = decodeCursor(query.from)
        const take = query.take ?? 50
        const rows = await deps.store.sessions.listActiveForUser(user.id, deps.clock.now(), { offset, limit: take + 1 })
        const page = rows.slice(0, take).map(presentSession)
        return { status: 200, body: rows.length > take ? { sessions: page, next: encodeCursor(offset + take) } : { sessions: page } }
      },
    }),
    route({
      method: 'delete',
      path: '/users/:id/sessions',
      summary: 'Delete sessions for user',
      scopes: ['delete:sessions'],
      params: userParams,
      answer: { status: 202, description: 'Every session of the user ended.' },
      errors: USER_404,
      async handle({ deps, params, audit }) {
        const user = await findUser(deps.store, params.id)
        const ended = await deps.store.sessions.endAllForUser(user.id, deps.clock.now())
        await audit.change({ action: 'session.deleted', description: 'Delete sessions for user', userId: user.id, details: { deleted: ended } })
        return { status: 202 }
      },
    }),
    route({
      method: 'get',
      path: '/sessions/:id',
      summary: 'Get session',
      scopes: ['read:sessions'],
      params: idParams,
      answer: { status: 200, description: 'The session.', schema: sessionSchema },
      errors: { 404: 'No live session has this id (inexistent_session).' },
      async handle({ deps, params }) {
        const found = await deps.store.sessions.findActiveBySid(params.id, deps.clock.now())
        if (!found) throw SESSION_NOT_FOUND()
        return { status: 200, body: presentSession(found) }
      },
    }),
    route({
      method: 'delete',
      path: '/sessions/:id',
      summary: 'Delete session',
      scopes: ['delete:sessions'],
      params: idParams,
      answer: { status: 202, description: 'Ended (also when it had already ended): the browser is asked to log in again.' },
      async handle({ deps, params, audit }) {
        const now = deps.clock.now()
        const found = await deps.store.sessions.findActiveBySid(params.id, now)
        if (found && (await deps.store.sessions.endBySid(params.id, now)))
          await audit.change({ action: 'session.deleted', description: 'Delete session', userId: found.session.userId, details: { session_id: params.id } })
        return { status: 202 }
      },
    }),
    route({
      method: 'post',
      path: '/sessions/:id/revoke',
      summary: 'Revoke session',
      scopes: ['delete:sessions'],
      params: idParams,
      answer: { status: 202, description: 'Ended, and every refresh token issued in it revoked.' },
      errors: { 404: 'No live session has this id (inexistent_session).' },
      async handle({ deps, params, audit }) {
        const now = deps.clock.now()
        const found = await deps.store.sessions.findActiveBySid(params.id, now)
        if (!found) throw SESSION_NOT_FOUND()
        await deps.store.sessions.endBySid(params.id, now)
        const revoked = await revokeTokensOf(deps, found.session.userId, params.id, now)
        await audit.change({ action: 'session.revoked', description: 'Revoke session', userId: found.session.userId, details: { session_id: params.id, revoked_refresh_tokens: revoked } })
        return { status: 202 }
      },
    }),
  ],
}
