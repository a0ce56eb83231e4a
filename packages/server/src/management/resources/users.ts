/**
 * /users and /users-by-email, as Auth0's Management API serves them: users are created in Latchkey's
 * own database (the Username-Password-Authentication connection); users of upstream connections
 * appear after their first login, with their `identities`. Passwords follow the policy of
 * @latchkey/core and are stored as argon2id hashes (only for database users); a new password or a
 * block ends the user's sessions and revokes their refresh tokens (as the CLI does). User search
 * (`q`) is reduced to what Latchkey can answer exactly: `email:"<address>"`, every connection's users.
 */
import { checkPassword, createUser, type UserInput, type UserRecord, updateUser } from '@latchkey/core'
import { ConflictError, type Store } from '@latchkey/storage'
import { z } from 'zod'
import { hashPassword } from '../../passwords.js'
import { badRequest, conflict, notFound, registration } from '../errors.js'
import {
  CONNECTION,
  checkConnection,
  createUserBody,
  presentOneUser,
  presentUsers,
  updateUserBody,
  USER_FIELD_NAMES,
  userInput,
  userSchema,
} from '../mappings/users.js'
import { pageAnswer, pagedSchema, pageWindow, slicePage } from '../paging.js'
import { booleanParam, fieldParams, pagingParams, selectFields } from '../query.js'
import { type Resource, route } from '../route.js'

const idParams = z.strictObject({ id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.') })
const fieldsQuery = z.strictObject(fieldParams)
const listQuery = z.strictObject({
  ...pagingParams,
  ...fieldParams,
  q: z.string().max(1000).optional().describe('Search: Latchkey supports email:"<address>" (an exact, case-insensitive match).'),
  search_engine: z.enum(['v1', 'v2', 'v3']).optional().describe('Accepted for compatibility; the search is the same.'),
  sort: z.literal('created_at:1', { error: 'Latchkey lists users oldest first: sort may only be created_at:1' }).optional().describe('created_at:1 only (the order of the list).'),
  connection: z.string().max(200).optional().describe('Only the users whose (primary) connection this is.'),
  primary_order: booleanParam.optional().describe('Accepted for compatibility; without effect.'),
})
const byEmailQuery = z.strictObject({ ...fieldParams, email: z.string().min(1).max(254).describe('The email address (case-insensitive).') })

const EMAIL_QUERY = /^\s*email\s*:\s*(?:"([^"]+)"|([^\s"]+))\s*$/

/** `email:"jane@example.com"` → the address; anything else is a query Latchkey cannot answer. */
function emailOfQuery(q: string): string {
  const match = EMAIL_QUERY.exec(q)
  const email = match?.[1] ?? match?.[2]
  if (email === undefined)
    throw badRequest(`Query validation error: 'Latchkey's user search supports only q=email:"<address>"' on property q.`, 'invalid_query_string')
  return email.replace(/\\(.)/g, '$1')
}

const USER_NOT_FOUND = () => notFound('The user does not exist.', 'inexistent_user')

export async function findUser(store: Store, id: string): Promise<UserRecord> {
  const user = await store.users.get(id)
  if (!user) throw USER_NOT_FOUND()
  return user
}

async function hashChecked(password: string): Promise<string> {
  registration(USER_FIELD_NAMES, () => checkPassword(password))
  return hashPassword(password)
}

/** Ends every session and revokes every refresh token of the user, in the caller's transaction. */
async function signOutEverywhere(store: Store, userId: string, now: number): Promise<void> {
  await store.sessions.endAllForUser(userId, now)
  await store.refreshTokens.revokeForUser(userId, now)
}

const userConflict = (err: unknown): never => {
  if (err instanceof ConflictError) throw conflict('The user already exists.', 'user_exists')
  throw err
}

const ERRORS_404 = { 404: 'The user does not exist (inexistent_user).' }

export const users: Resource = {
  tag: 'users',
  description: `Users of Latchkey's own database (the ${CONNECTION} connection).`,
  routes: [
    route({
      method: 'get',
      path: '/users',
      summary: 'List or search users',
      scopes: ['read:users'],
      query: listQuery,
      answer: { status: 200, description: 'The users, oldest first.', schema: pagedSchema('users', userSchema) },
      async handle({ deps, query }) {
        const present = async (users: readonly UserRecord[]) => (await presentUsers(deps.store, users)).map((user) => selectFields(user, query))
        const ofConnection = (user: UserRecord) => query.connection === undefined || user.connection === query.connection
        if (query.q !== undefined && query.q.trim() !== '') {
          const found = (await deps.store.users.listByEmail(emailOfQuery(query.q))).filter(ofConnection)
          return pageAnswer('users', query, await present(slicePage(found, query)), async () => found.length)
        }
        const filter = query.connection !== undefined ? { connection: query.connection } : {}
        const rows = await deps.store.users.list({ ...filter, ...pageWindow(query) })
        return pageAnswer('users', query, await present(rows), () => deps.store.users.count(filter))
      },
    }),
    route({
      method: 'get',
      path: '/users-by-email',
      summary: 'Search users by email',
      scopes: ['read:users'],
      query: byEmailQuery,
      answer: { status: 200, description: 'The users with this email, whatever their connection (users of different connections may share one).', schema: z.array(userSchema) },
      async handle({ deps, query }) {
        const users = await deps.store.users.listByEmail(query.email.trim())
        return { status: 200, body: (await presentUsers(deps.store, users)).map((user) => selectFields(user, query)) }
      },
    }),
    route({
      method: 'post',
      path: '/users',
      summary: 'Create a user',
      scopes: ['create:users'],
      body: createUserBody,
      answer: { status: 201, description: 'The new user.', schema: userSchema },
      errors: { 409: 'A user with this email exists (user_exists).' },
      async handle({ deps, body, audit }) {
        checkConnection(body.connection)
        if (body.email === undefined) throw badRequest("Payload validation error: 'Missing required property: email'.")
        if (body.password === undefined) throw badRequest("Payload validation error: 'Missing required property: password'.")
        const input = { ...userInput(body), email: body.email } as UserInput
        const user = registration(USER_FIELD_NAMES, () => createUser(input, '', deps.clock.now()))
        const record = { ...user, passwordHash: await hashChecked(body.password) }
        await deps.store.users.insert(record).catch(userConflict)
        await audit.change({ action: 'user.created', description: 'Create a user', userId: record.id, details: { user_name: record.email } })
        return { status: 201, body: await presentOneUser(deps.store, record) }
      },
    }),
    route({
      method: 'get',
      path: '/users/:id',
      summary: 'Get a user',
      scopes: ['read:users'],
      params: idParams,
      query: fieldsQuery,
      answer: { status: 200, description: 'The user.', schema: userSchema },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        return { status: 200, body: selectFields(await presentOneUser(deps.store, await findUser(deps.store, params.id)), query) }
      },
    }),
    route({
      method: 'patch',
      path: '/users/:id',
      summary: 'Update a user',
      scopes: ['update:users'],
      params: idParams,
      body: updateUserBody,
      answer: { status: 200, description: 'The user as changed.', schema: userSchema },
      errors: { ...ERRORS_404, 409: 'Another user has this email (user_exists).' },
      async handle({ deps, params, body, audit }) {
        checkConnection(body.connection)
        const hash = body.password === undefined ? null : await hashChecked(body.password)
        const updated = await deps.store
          .transaction(async (tx) => {
            const current = await findUser(tx, params.id)
            if (hash !== null && current.connection !== CONNECTION)
              throw badRequest(`Payload validation error: password: ${current.connection} is not a database connection: its users have no password here.`, 'operation_not_supported')
            const now = deps.clock.now()
            const next = registration(USER_FIELD_NAMES, () => updateUser(current, userInput(body, current), hash, now))
            // As in Auth0: a changed email is unverified unless the request says otherwise.
            const record = next.email !== current.email && body.email_verified === undefined ? { ...next, emailVerified: false } : next
            const { id, createdAt: _createdAt, ...patch } = record
            const saved = await tx.users.update(id, patch)
            if (!saved) throw USER_NOT_FOUND()
            if (hash !== null || (record.blocked && !current.blocked)) await signOutEverywhere(tx, id, now)
            return saved
          })
          .catch(userConflict)
        const fields = Object.keys(body).filter((f) => f !== 'connection')
        await audit.change({ action: 'user.updated', description: 'Update a user', userId: updated.id, details: { user_name: updated.email, fields } })
        return { status: 200, body: await presentOneUser(deps.store, updated) }
      },
    }),
    route({
      method: 'delete',
      path: '/users/:id',
      summary: 'Delete a user',
      scopes: ['delete:users'],
      params: idParams,
      answer: { status: 204, description: 'Deleted, with their sessions, consents and tokens.' },
      errors: ERRORS_404,
      async handle({ deps, params, audit }) {
        const user = await findUser(deps.store, params.id)
        await deps.store.transaction(async (tx) => {
          await signOutEverywhere(tx, user.id, deps.clock.now())
          if (!(await tx.users.delete(user.id))) throw USER_NOT_FOUND()
        })
        await audit.change({ action: 'user.deleted', description: 'Delete a user', userId: user.id, details: { user_name: user.email } })
        return { status: 204 }
      },
    }),
  ],
}
