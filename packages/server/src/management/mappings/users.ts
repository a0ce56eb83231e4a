/**
 * Auth0's user fields ↔ Latchkey's UserRecord. Latchkey has one connection, its own user database,
 * named as Auth0's default database connection: `Username-Password-Authentication`; user ids are
 * `auth0|<24 hex>` as there. Shapes here; the rules (email, password policy, metadata size) in
 * @latchkey/core's registration. Metadata updates merge as in Auth0: top-level keys replace, `null`
 * removes a key.
 */
import type { UserInput, UserRecord } from '@latchkey/core'
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
  verify_email: z.literal(false, { error: 'Latchkey sends no email: verify_email must be false (or left out)' }).describe('Latchkey sends no email: false only.'),
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

export const userSchema = z
  .object({
    user_id: z.string(),
    email: z.string(),
    email_verified: z.boolean(),
    name: z.string(),
    given_name: z.string().optional(),
    family_name: z.string().optional(),
    nickname: z.string(),
    picture: z.string().optional(),
    blocked: z.boolean(),
    user_metadata: z.record(z.string(), z.unknown()),
    app_metadata: z.record(z.string(), z.unknown()),
    identities: z.array(z.object({ connection: z.string(), provider: z.literal('auth0'), user_id: z.string(), isSocial: z.literal(false) })),
    created_at: z.string(),
    updated_at: z.string(),
    last_login: z.string().optional(),
  })
  .describe('A user of Latchkey\'s user database.')

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

export function presentUser(user: UserRecord): Auth0User {
  return {
    user_id: user.id,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name ?? user.email,
    ...(user.givenName ? { given_name: user.givenName } : {}),
    ...(user.familyName ? { family_name: user.familyName } : {}),
    nickname: user.nickname ?? user.email.split('@')[0] ?? user.email,
    ...(user.picture ? { picture: user.picture } : {}),
    blocked: user.blocked,
    user_metadata: { ...user.userMetadata },
    app_metadata: { ...user.appMetadata },
    identities: [{ connection: CONNECTION, provider: 'auth0', user_id: user.id.replace(/^auth0\|/, ''), isSocial: false }],
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
    ...(user.lastLoginAt !== null ? { last_login: iso(user.lastLoginAt) } : {}),
  }
}
