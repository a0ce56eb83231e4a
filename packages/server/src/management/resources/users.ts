/**
 * /users and /users-by-email, as Auth0's Management API serves them: users are created in Latchkey's
 * own database (the Username-Password-Authentication connection); users of upstream connections
 * appear after their first login, with their `identities`. Passwords follow the policy of
 * @latchkey/core and are stored as argon2id hashes (only for database users); a new password or a
 * block ends the user's sessions and revokes their refresh tokens (as the CLI does). User search
 * (`q`) is Auth0's syntax reduced to what Latchkey answers exactly from its indexes (core's
 * parseUserSearch: email, names, nickname, user_id, a bare prefix), every connection's users, paged
 * within the first 1000 results as in Auth0.
 * Linking (Auth0's POST/DELETE /users/{id}/identities) moves upstream identities between users: an
 * administrator's act only, never automatic (see docs/connections.md#linking).
 */
import {
  type ConnectionRecord,
  type ConnectionStrategy,
  type ConnectionUserProfile,
  checkPassword,
  createConnectionUser,
  createUser,
  type IdentityRecord,
  parseUserSearch,
  isPublicProviderStrategy,
  type UserInput,
  type UserRecord,
  updateUser,
} from '@latchkey/core'
import { ConflictError, type Store } from '@latchkey/storage'
import { z } from 'zod'
import { queueVerificationEmail } from '../../account/email-verification.js'
import { hashPassword } from '../../passwords.js'
import { badRequest, conflict, ManagementError, notFound, registration } from '../errors.js'
import {
  CONNECTION,
  checkConnection,
  createUserBody,
  identitySchema,
  linkBody,
  presentOneUser,
  presentUsers,
  updateUserBody,
  USER_FIELD_NAMES,
  userInput,
  userSchema,
} from '../mappings/users.js'
import { type PageQuery, pageAnswer, pagedSchema, pageWindow } from '../paging.js'
import { booleanParam, fieldParams, pagingParams, selectFields } from '../query.js'
import { type Resource, route } from '../route.js'

const idParams = z.strictObject({ id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.') })
const identityParams = z.strictObject({
  id: z.string().min(1).max(256).describe('The primary user_id, URL-encoded.'),
  provider: z.string().min(1).max(64).describe('The provider (strategy) of the linked identity: oidc, google-oauth2, github or oauth2.'),
  user_id: z.string().min(1).max(256).describe("The identity's user_id as in the user's identities (`583231`, `acme|sub`), URL-encoded."),
})
const fieldsQuery = z.strictObject(fieldParams)
const listQuery = z.strictObject({
  ...pagingParams,
  ...fieldParams,
  q: z
    .string()
    .max(1000)
    .optional()
    .describe(
      'Search (Auth0\'s query syntax, the part Latchkey answers): email, name, given_name, family_name, nickname as field:"exact value" or field:prefix* (case-insensitive), user_id:"…" (exact), a bare term (jane) as a prefix of the email or the name; terms joined by AND. Results are paged within the first 1000.',
    ),
  search_engine: z.enum(['v1', 'v2', 'v3']).optional().describe('Accepted for compatibility; the search is the same.'),
  sort: z.literal('created_at:1', { error: 'Latchkey lists users oldest first: sort may only be created_at:1' }).optional().describe('created_at:1 only (the order of the list).'),
  connection: z.string().max(200).optional().describe('Only the users whose (primary) connection this is.'),
  primary_order: booleanParam.optional().describe('Accepted for compatibility; without effect.'),
})
const byEmailQuery = z.strictObject({ ...fieldParams, email: z.string().min(1).max(254).describe('The email address (case-insensitive).') })

/** Auth0 pages a search's results only within the first 1000 (page × per_page). */
export const SEARCH_RESULTS_LIMIT = 1000

/** The search `q` as core's terms, and the page within the first 1000 results; else Auth0's 400s. */
function searchOf(q: string, query: PageQuery) {
  const parsed = parseUserSearch(q)
  if ('error' in parsed) throw badRequest(`Query validation error: '${parsed.error}' on property q.`, 'invalid_query_string')
  const { page, perPage } = pageWindow(query)
  if ((page + 1) * perPage > SEARCH_RESULTS_LIMIT)
    throw new ManagementError(
      400,
      'invalid_paging',
      `You can only page through the first ${SEARCH_RESULTS_LIMIT} records. Narrow the search, or export the users (POST /api/v2/jobs/users-exports).`,
    )
  return parsed.search
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

/**
 * The user id of the user an identity's first login makes: `{provider}|{identity user_id}` (Auth0's
 * invariant). The identity's user_id is stored as Auth0 shows it, as upstream logins and imports write
 * it: the account's id for public providers (`583231`), `{connection}|{id}` for the others (`acme|sub-1`).
 */
const identityUserId = (identity: IdentityRecord) => `${identity.provider}|${identity.providerUserId}`

/**
 * The identity whose Auth0 user id is `{provider}|{userId}`, whoever it belongs to: the ids of public
 * providers (Google, GitHub) name no connection (every connection of that strategy is tried), the
 * others (`oidc`, `oauth2`) carry the connection's name.
 */
async function findIdentity(store: Store, provider: string, userId: string): Promise<{ identity: IdentityRecord; connection: ConnectionRecord } | null> {
  const candidates = isPublicProviderStrategy(provider as ConnectionStrategy)
    ? (await store.connections.list({ strategy: [provider] })).map((connection) => ({ connection, providerUserId: userId }))
    : await (async () => {
        const bar = userId.indexOf('|')
        const connection = bar > 0 ? await store.connections.findByName(userId.slice(0, bar)) : null
        return connection && connection.strategy === provider ? [{ connection, providerUserId: userId }] : []
      })()
  for (const { connection, providerUserId } of candidates) {
    const identity = await store.identities.find(connection.id, providerUserId)
    if (identity) return { identity, connection }
  }
  return null
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null)

/** A user's profile from what the provider last sent (OpenID claims, GitHub's login and avatar_url); refreshed at the next login. */
function profileOf(data: Readonly<Record<string, unknown>>): ConnectionUserProfile {
  return {
    email: str(data.email),
    emailVerified: data.email_verified === true,
    name: str(data.name),
    givenName: str(data.given_name),
    familyName: str(data.family_name),
    nickname: str(data.nickname) ?? str(data.login),
    picture: str(data.picture) ?? str(data.avatar_url),
  }
}

const identitiesAnswer = z.array(identitySchema)

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
      errors: { 400: 'A search Latchkey cannot answer (invalid_query_string), or a page beyond the first 1000 results of a search (invalid_paging).' },
      async handle({ deps, query }) {
        const present = async (users: readonly UserRecord[]) => (await presentUsers(deps.store, users)).map((user) => selectFields(user, query))
        const filter = query.connection !== undefined ? { connection: query.connection } : {}
        if (query.q !== undefined && query.q.trim() !== '') {
          const found = await deps.store.users.search(searchOf(query.q, query), { ...filter, ...pageWindow(query) })
          return pageAnswer('users', query, await present(found.items), async () => found.total)
        }
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
      async handle({ c, deps, body, audit }) {
        checkConnection(body.connection)
        if (body.email === undefined) throw badRequest("Payload validation error: 'Missing required property: email'.")
        if (body.password === undefined) throw badRequest("Payload validation error: 'Missing required property: password'.")
        const input = { ...userInput(body), email: body.email } as UserInput
        const user = registration(USER_FIELD_NAMES, () => createUser(input, '', deps.clock.now()))
        const record = { ...user, passwordHash: await hashChecked(body.password) }
        await deps.store.users.insert(record).catch(userConflict)
        await audit.change({ action: 'user.created', description: 'Create a user', userId: record.id, details: { user_name: record.email } })
        // Auth0: a new user whose address is not verified gets the verification email, unless verify_email is false
        // (by default only where email can be sent; asked for explicitly, a failure is audited `fvr`).
        if (body.verify_email ?? (!record.emailVerified && deps.email.available)) await queueVerificationEmail(c, deps, { user: record, app: null })
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
      async handle({ c, deps, params, body, audit }) {
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
        if (body.verify_email === true && !updated.emailVerified) await queueVerificationEmail(c, deps, { user: updated, app: null })
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
    route({
      method: 'post',
      path: '/users/:id/identities',
      summary: 'Link a user account',
      scopes: ['update:users'],
      params: idParams,
      body: linkBody,
      answer: {
        status: 201,
        description: "The primary user's identities. The secondary user's identities moved to the primary user and the secondary user was deleted (with their sessions, tokens, consents, memberships and metadata).",
        schema: identitiesAnswer,
      },
      errors: { 404: 'The primary or secondary user does not exist (inexistent_user).', 409: 'The identity is already linked to a user (identity_conflict).' },
      async handle({ deps, params, body, audit }) {
        if (body.link_with !== undefined)
          throw badRequest("link_with is not supported: Latchkey links accounts only at an administrator's request (provider and user_id, with update:users).", 'operation_not_supported')
        if (body.provider === undefined) throw badRequest("Payload validation error: 'Missing required property: provider'.")
        if (body.user_id === undefined) throw badRequest("Payload validation error: 'Missing required property: user_id'.")
        const { provider, user_id: userId } = body
        const secondaryId = `${provider}|${userId}`
        const now = deps.clock.now()
        const { primary, secondary, moved } = await deps.store.transaction(async (tx) => {
          const primary = await findUser(tx, params.id)
          if (secondaryId === primary.id) throw badRequest('Main identity and the new one are the same.', 'invalid_body')
          const secondary = await tx.users.get(secondaryId)
          if (!secondary) {
            // No such user: the account may be an identity linked already (to this user or another).
            const linked = await findIdentity(tx, provider, userId)
            if (linked?.identity.userId === primary.id) throw conflict('The identity is already linked to this user.', 'identity_conflict')
            if (linked) throw conflict('The identity is already linked to another user: unlink it there first.', 'identity_conflict')
            throw notFound('The secondary user does not exist.', 'inexistent_user')
          }
          if (body.connection_id !== undefined && (await tx.connections.get(body.connection_id))?.name !== secondary.connection)
            throw badRequest("Payload validation error: connection_id is not the secondary user's connection.", 'invalid_body')
          // A password is not an identity in Latchkey: it belongs to the user record (and its email is the login name).
          if (secondary.connection === CONNECTION || secondary.passwordHash !== null)
            throw badRequest(`Linking a user of the ${CONNECTION} connection (a password user) as the secondary account is not supported: link the upstream accounts into them instead.`, 'operation_not_supported')
          const identities = await tx.identities.listForUser(secondary.id)
          for (const identity of identities) {
            if (!(await tx.identities.move(identity.connectionId, identity.providerUserId, primary.id, now))) throw conflict('The identity changed meanwhile: try again.', 'identity_conflict')
          }
          await signOutEverywhere(tx, secondary.id, now)
          if (!(await tx.users.delete(secondary.id))) throw notFound('The secondary user does not exist.', 'inexistent_user')
          return { primary, secondary, moved: identities.length }
        })
        await audit.change({
          action: 'user.linked',
          description: 'Link a user account',
          userId: primary.id,
          details: { user_name: primary.email, secondary_user_id: secondary.id, secondary_user_name: secondary.email, provider, identities: moved },
        })
        return { status: 201, body: (await presentOneUser(deps.store, primary)).identities }
      },
    }),
    route({
      method: 'delete',
      path: '/users/:id/identities/:provider/:user_id',
      summary: 'Unlink a user identity',
      scopes: ['update:users'],
      params: identityParams,
      answer: {
        status: 200,
        description: "The primary user's remaining identities. The unlinked account is its own user again (a new user, its profile from what its provider last sent).",
        schema: identitiesAnswer,
      },
      errors: { 404: 'The user does not exist (inexistent_user), or has no such identity (inexistent_identity).', 409: 'A user with the unlinked account\'s id exists (user_exists).' },
      async handle({ deps, params, audit }) {
        const now = deps.clock.now()
        const { primary, created } = await deps.store
          .transaction(async (tx) => {
            const primary = await findUser(tx, params.id)
            if (`${params.provider}|${params.user_id}` === primary.id) throw badRequest('Main identity cannot be removed.', 'operation_not_supported')
            let found: { identity: IdentityRecord; connection: ConnectionRecord } | null = null
            for (const identity of await tx.identities.listForUser(primary.id)) {
              const connection = await tx.connections.get(identity.connectionId)
              if (connection && identity.provider === params.provider && identityUserId(identity) === `${params.provider}|${params.user_id}`) found = { identity, connection }
            }
            if (!found) throw notFound('The user has no such identity.', 'inexistent_identity')
            const { identity, connection } = found
            const created = createConnectionUser({ id: identityUserId(identity), connection: connection.name, profile: profileOf(identity.profileData) }, now)
            await tx.users.insert(created)
            if (!(await tx.identities.move(connection.id, identity.providerUserId, created.id, now))) throw notFound('The user has no such identity.', 'inexistent_identity')
            return { primary, created }
          })
          .catch(userConflict)
        await audit.change({
          action: 'user.unlinked',
          description: 'Unlink a user identity',
          userId: primary.id,
          details: { user_name: primary.email, provider: params.provider, unlinked_user_id: created.id },
        })
        return { status: 200, body: (await presentOneUser(deps.store, primary)).identities }
      },
    }),
  ],
}
