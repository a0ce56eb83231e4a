/**
 * Registering a user in Latchkey's own database (Auth0's "Username-Password-Authentication").
 * Password hashing is the caller's (argon2id in the server); this validates and shapes the record.
 * Users whose first login came through an upstream connection are shaped by createConnectionUser.
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { emailField, normalizeEmail } from '../email.js'
import type { UserRecord } from '../records.js'
import { parseInput, RegistrationError } from './applications.js'
import { DATABASE_CONNECTION } from './connections.js'

export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 256
/** The largest user_metadata or app_metadata, as JSON (Auth0's limit). */
export const MAX_METADATA_BYTES = 16_384

/** A JSON object of at most MAX_METADATA_BYTES, its keys free of `$` and `.` as in Auth0. */
const metadata = z
  .record(z.string().min(1).max(255).regex(/^[^$.]+$/, 'metadata keys must not contain "$" or "."'), z.json())
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_METADATA_BYTES, `metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON`)

export const userInput = z.object({
  email: emailField('email must be a valid address'),
  password: z.string().optional(),
  name: z.string().trim().max(200).optional(),
  givenName: z.string().trim().max(150).optional(),
  familyName: z.string().trim().max(150).optional(),
  nickname: z.string().trim().max(200).optional(),
  picture: z.string().trim().max(2000).pipe(z.url()).optional(),
  emailVerified: z.boolean().optional(),
  blocked: z.boolean().optional(),
  userMetadata: metadata.optional(),
  appMetadata: metadata.optional(),
})
export type UserInput = z.input<typeof userInput>

/** The password policy: length only, per NIST SP 800-63B; no composition rules. */
export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) throw new RegistrationError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  if (password.length > MAX_PASSWORD_LENGTH) throw new RegistrationError(`password must be at most ${MAX_PASSWORD_LENGTH} characters`)
}

export function newUserId(): string {
  return `auth0|${randomBytes(12).toString('hex')}`
}

export function createUser(input: UserInput, passwordHash: string, now: number): UserRecord {
  const data = parseInput(userInput, input)
  return userRecordOf(data, { id: newUserId(), email: data.email, passwordHash, connection: DATABASE_CONNECTION.name, now })
}

/** A user's profile fields as parsed (by userInput or its variants); empty strings and absences become null. */
export interface UserProfileFields {
  readonly emailVerified?: boolean | undefined
  readonly name?: string | null | undefined
  readonly givenName?: string | null | undefined
  readonly familyName?: string | null | undefined
  readonly nickname?: string | null | undefined
  readonly picture?: string | null | undefined
  readonly userMetadata?: Record<string, unknown> | undefined
  readonly appMetadata?: Record<string, unknown> | undefined
  readonly blocked?: boolean | undefined
}

/**
 * A new user record from checked profile fields: the one shape of a user nobody has logged in as yet
 * (created, imported, or migrated from an old tenant).
 */
export function userRecordOf(
  data: UserProfileFields,
  rest: { readonly id: string; readonly email: string; readonly passwordHash: string | null; readonly connection: string; readonly now: number },
): UserRecord {
  return {
    id: rest.id,
    email: rest.email,
    emailVerified: data.emailVerified ?? false,
    name: data.name || null,
    givenName: data.givenName || null,
    familyName: data.familyName || null,
    nickname: data.nickname || null,
    picture: data.picture || null,
    userMetadata: data.userMetadata ?? {},
    appMetadata: data.appMetadata ?? {},
    passwordHash: rest.passwordHash,
    connection: rest.connection,
    blocked: data.blocked ?? false,
    lastLoginAt: null,
    loginsCount: 0,
    createdAt: rest.now,
    updatedAt: rest.now,
  }
}

/** `passwordHash` null keeps the current one. */
export function updateUser(current: UserRecord, input: Partial<UserInput>, passwordHash: string | null, now: number): UserRecord {
  const data = parseInput(userInput.partial(), input)
  return {
    ...current,
    email: data.email ?? current.email,
    emailVerified: data.emailVerified ?? current.emailVerified,
    name: data.name ?? current.name,
    givenName: data.givenName ?? current.givenName ?? null,
    familyName: data.familyName ?? current.familyName ?? null,
    nickname: data.nickname ?? current.nickname,
    picture: data.picture ?? current.picture,
    userMetadata: data.userMetadata ?? current.userMetadata ?? {},
    appMetadata: data.appMetadata ?? current.appMetadata ?? {},
    blocked: data.blocked ?? current.blocked,
    passwordHash: passwordHash ?? current.passwordHash,
    updatedAt: now,
  }
}

/** The profile an upstream provider sent, as the user record keeps it (absent: none). */
export interface ConnectionUserProfile {
  readonly email?: string | null
  readonly emailVerified?: boolean | null
  readonly name?: string | null
  readonly givenName?: string | null
  readonly familyName?: string | null
  readonly nickname?: string | null
  readonly picture?: string | null
}

const text = (value: string | null | undefined, max: number): string | null => {
  const trimmed = value?.trim()
  return trimmed ? trimmed.slice(0, max) : null
}

/** The profile fields of a user record, from what a provider sent: trimmed, bounded, the email normalised. */
export function connectionUserFields(
  profile: ConnectionUserProfile,
): Pick<UserRecord, 'email' | 'emailVerified' | 'name' | 'givenName' | 'familyName' | 'nickname' | 'picture'> {
  const email = normalizeEmail(profile.email ?? '')
  return {
    email: email.length <= 254 ? email : '',
    emailVerified: email !== '' && profile.emailVerified === true,
    name: text(profile.name, 200),
    givenName: text(profile.givenName, 150),
    familyName: text(profile.familyName, 150),
    nickname: text(profile.nickname, 200),
    picture: text(profile.picture, 2000),
  }
}

/**
 * A user created by their first login through an upstream connection: `id` from connectionUserId
 * (Auth0's shape for the strategy), no password, `connection` the connection's name. The email is
 * the provider's (normalised, '' when it sent none) and is not unique: never link accounts by it.
 */
export function createConnectionUser(input: { id: string; connection: string; profile: ConnectionUserProfile }, now: number): UserRecord {
  if (input.connection === DATABASE_CONNECTION.name) throw new RegistrationError('users of the database connection are created with createUser')
  return {
    id: input.id,
    ...connectionUserFields(input.profile),
    userMetadata: {},
    appMetadata: {},
    passwordHash: null,
    connection: input.connection,
    blocked: false,
    lastLoginAt: null,
    loginsCount: 0,
    createdAt: now,
    updatedAt: now,
  }
}
