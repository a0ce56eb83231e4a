/**
 * Auth0's user fields ↔ Latchkey's UserRecord. Users are created here only in Latchkey's own user
 * database, named as Auth0's default database connection: `Username-Password-Authentication`, with
 * ids `auth0|<24 hex>` as there; users whose first login came through an upstream connection have
 * that connection's id shape (`github|…`, `oidc|acme|…`). `identities` are Auth0's: the database
 * identity for users with a password, and one per upstream account (the primary one first, the
 * others with their `profileData`). Shapes here; the rules (email, password policy, metadata size)
 * in @latchkey/core's registration. Metadata updates merge as in Auth0: top-level keys replace,
 * `null` removes a key.
 */
import type { IdentityRecord, UserInput, UserRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { z } from 'zod'
import { badRequest } from '../errors.js'
import { defined, partialOf } from './shape.js'

export const CONNECTION = 'Username-Password-Authentication'

const metadata = (what: string) => z.record(z.string(), z.unknown()).describe(what)

const userFields = {
  connection: z.string().describe(`The connection: only ${CONNECTION}, Latchkey's user database.`),
  email: z.string().describe('The email address: the login name.'),
  password: z.string().describe('The password (the policy applies: at least 8 characters). Never returned.'),
  email_verified: z.boolean().describe('Whether the email address is verified.'),
  verify_email: z.boolean().describe('Whether to send the verification email (through the outbox). On creation: by default, when email_verified is not true (Auth0\'s rule); on update: when the email changes and this is true.'),
  name: z.string().describe('Full name.'),
  given_name: z.string().describe('Given name.'),
  family_name: z.string().describe('Family name.'),
  nickname: z.string().describe('Nickname.'),
  picture: z.string().describe('URL of a picture.'),
  blocked: z.boolean().describe('A blocked user cannot log in; their sessions end and refresh tokens are revoked.'),
  user_metadata: metadata('Data the user may know and change (preferences); at most 16 KB.'),
  app_metadata: metadata('Data about the user for applications (plan, roles); at most 16 KB.'),
}

export const createUserBody = z
  .strictObject({ connection: userFields.connection, ...partialOf(userFields, 'connection') })
  .describe('A new user of the Username-Password-Authentication connection; email and password are required.')

export const updateUserBody = z
  .strictObject(partialOf(userFields))
  .describe('The fields to change. A new password or blocked=true ends the user\'s sessions and revokes their refresh tokens; a new email is unverified unless email_verified is given.')

export type CreateUserBody = z.output<typeof createUserBody>
export type UpdateUserBody = z.output<typeof updateUserBody>

export const identitySchema = z
  .object({
    connection: z.string().describe('The name of the connection.'),
    provider: z.string().describe('The strategy: auth0 (the user database), oidc, google-oauth2, github or oauth2.'),
    user_id: z.string().describe('The id of the account at that connection.'),
    isSocial: z.boolean(),
    profileData: z.record(z.string(), z.unknown()).optional().describe('What the provider last sent, for identities other than the first (the primary one).'),
  })
  .describe('One way the user logs in; the first is the primary one (its connection is the user\'s).')

export type Auth0Identity = z.output<typeof identitySchema>

/** Auth0's body of POST /users/{id}/identities, as an administrator sends it (update:users). */
export const linkBody = z
  .strictObject({
    provider: z.string().min(1).max(64).optional().describe("The secondary user's provider (strategy): the secondary user is `{provider}|{user_id}`."),
    user_id: z.string().min(1).max(256).optional().describe("The secondary user's id without the `{provider}|` prefix (`github|583231` → 583231, `oidc|acme|sub` → acme|sub)."),
    connection_id: z.string().min(1).max(64).optional().describe("The secondary user's connection (con_…); checked when given."),
    link_with: z.string().max(16384).optional().describe("Not supported: Latchkey links only with an administrator's update:users token (provider and user_id)."),
  })
  .describe('The secondary user to link into the primary one: their identities move to the primary user and they are deleted.')

export type LinkBody = z.output<typeof linkBody>

export const userSchema = z
  .object({
    user_id: z.string(),
    email: z.string().optional().describe('Absent for a user whose provider sent none.'),
    email_verified: z.boolean(),
    name: z.string(),
    given_name: z.string().optional(),
    family_name: z.string().optional(),
    nickname: z.string(),
    picture: z.string().optional(),
    blocked: z.boolean(),
    user_metadata: z.record(z.string(), z.unknown()),
    app_metadata: z.record(z.string(), z.unknown()),
    identities: z.array(identitySchema),
    created_at: z.string(),
    updated_at: z.string(),
    last_login: z.string().optional(),
    logins_count: z.number().int().describe('Logins so far.'),
  })
  .describe('A user.')

export type Auth0User = z.output<typeof userSchema>

export const USER_FIELD_NAMES: Readonly<Record<string, string>> = {
  email: 'email',
  password: 'password',
  name: 'name',
  givenName: 'given_name',
  familyName: 'family_name',
  nickname: 'nickname',
  picture: 'picture',
  emailVerified: 'email_verified',
  blocked: 'blocked',
  userMetadata: 'user_metadata',
  appMetadata: 'app_metadata',
}

/** Only Latchkey's own connection exists (Auth0's 400 for any other). */
export function checkConnection(connection: string | undefined): void {
  if (connection !== undefined && connection !== CONNECTION)
    throw badRequest(`The connection does not exist: Latchkey has only ${CONNECTION}.`, 'inexistent_connection')
}

/** Auth0's metadata update: top-level keys replace the stored ones, `null` removes a key. */
export function mergeMetadata(current: Readonly<Record<string, unknown>> | undefined, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current }
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key]
    else merged[key] = value
  }
  return merged
}

/** The Auth0 body → the input of @latchkey/core's createUser / updateUser (password apart). */
export function userInput(body: UpdateUserBody, current?: UserRecord): Partial<UserInput> {
  // Metadata values are checked as JSON by the registration rules.
  return defined({
    email: body.email,
    name: body.name,
    givenName: body.given_name,
    familyName: body.family_name,
    nickname: body.nickname,
    picture: body.picture,
    emailVerified: body.email_verified,
    blocked: body.blocked,
    userMetadata: body.user_metadata === undefined ? undefined : mergeMetadata(current?.userMetadata, body.user_metadata),
    appMetadata: body.app_metadata === undefined ? undefined : mergeMetadata(current?.appMetadata, body.app_metadata),
  }) as Partial<UserInput>
}

const iso = (ms: number) => new Date(ms).toISOString()

/** The database identity (Auth0's `auth0` provider), for users of the database connection and users with a password. */
function databaseIdentity(user: UserRecord): Auth0Identity[] {
  if (user.connection !== CONNECTION && user.passwordHash === null) return []
  return [{ connection: CONNECTION, provider: 'auth0', user_id: user.id.replace(/^auth0\|/, ''), isSocial: false }]
}

/**
 * Auth0's `identities`: the database identity and the upstream ones, the primary one (whose
 * connection is the user's) first; the others carry the profile their provider last sent.
 */
export function presentIdentities(user: UserRecord, identities: readonly IdentityRecord[], connectionName: ReadonlyMap<string, string>): Auth0Identity[] {
  const upstream = identities.map((identity) => {
    const connection = connectionName.get(identity.connectionId) ?? identity.connectionId
    // Stored as Auth0 shows it (`acme|{sub}` for oidc and oauth2, the bare id for public providers):
    // Auth0's invariant is that a user id is `{provider}|{identity user_id}` (`oidc|acme|{sub}`).
    return { identity, shown: { connection, provider: identity.provider, user_id: identity.providerUserId, isSocial: identity.isSocial } }
  })
  // The database is never an upstream identity's connection: a database user's own identity is the database one.
  // The primary identity is the one the user's id was made from (a linked account of the same connection is not).
  const primary = upstream.find((u) => `${u.shown.provider}|${u.shown.user_id}` === user.id) ?? upstream.find((u) => u.shown.connection === user.connection)
  return [
    ...(primary ? [primary.shown] : []),
    ...databaseIdentity(user),
    ...upstream.filter((u) => u !== primary).map((u) => ({ ...u.shown, profileData: { ...u.identity.profileData } })),
  ]
}

/** Users in Auth0's shape, with their identities (one read for all of them, one per connection they use). */
export async function presentUsers(store: Store, users: readonly UserRecord[]): Promise<Auth0User[]> {
  const byUser = await store.identities.listForUsers(users.map((user) => user.id))
  const identities = users.map((user) => byUser.get(user.id) ?? [])
  const ids = new Set(identities.flat().map((i) => i.connectionId))
  const names = new Map<string, string>()
  for (const id of ids) {
    const connection = await store.connections.get(id)
    if (connection) names.set(id, connection.name)
  }
  return users.map((user, i) => presentUser(user, presentIdentities(user, identities[i] ?? [], names)))
}

/** One user in Auth0's shape, with their identities. */
export async function presentOneUser(store: Store, user: UserRecord): Promise<Auth0User> {
  const [shown] = await presentUsers(store, [user])
  return shown as Auth0User
}

export function presentUser(user: UserRecord, identities: readonly Auth0Identity[] = databaseIdentity(user)): Auth0User {
  return {
    user_id: user.id,
    ...(user.email ? { email: user.email } : {}),
    email_verified: user.emailVerified,
    name: user.name ?? user.email,
    ...(user.givenName ? { given_name: user.givenName } : {}),
    ...(user.familyName ? { family_name: user.familyName } : {}),
    nickname: user.nickname ?? user.email.split('@')[0] ?? user.email,
    ...(user.picture ? { picture: user.picture } : {}),
    blocked: user.blocked,
    user_metadata: { ...user.userMetadata },
    app_metadata: { ...user.appMetadata },
    identities: identities.map((identity) => ({ ...identity, ...(identity.profileData ? { profileData: { ...identity.profileData } } : {}) })),
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
    ...(user.lastLoginAt !== null ? { last_login: iso(user.lastLoginAt) } : {}),
    logins_count: user.loginsCount ?? 0,
  }
}
