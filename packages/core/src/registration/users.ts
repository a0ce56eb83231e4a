/**
 * Registering a user in Latchkey's own database (Auth0's "Username-Password-Authentication").
 * Password hashing is the caller's (argon2id in the server); this validates and shapes the record.
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { emailField } from '../email.js'
import type { UserRecord } from '../records.js'
import { parseInput, RegistrationError } from './applications.js'

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
  return {
    id: newUserId(),
    email: data.email,
    emailVerified: data.emailVerified ?? false,
    name: data.name || null,
    givenName: data.givenName || null,
    familyName: data.familyName || null,
    nickname: data.nickname || null,
    picture: data.picture || null,
    userMetadata: data.userMetadata ?? {},
    appMetadata: data.appMetadata ?? {},
    passwordHash,
    blocked: data.blocked ?? false,
    lastLoginAt: null,
    createdAt: now,
    updatedAt: now,
  }
}

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
