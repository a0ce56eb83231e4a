/**
 * Registering a user in Latchkey's own database (Auth0's "Username-Password-Authentication").
 * Password hashing is the caller's (argon2id in the server); this validates and shapes the record.
 */
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { UserRecord } from '../records.js'
import { parseInput, RegistrationError } from './applications.js'

export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 256

export const userInput = z.object({
  email: z.string().trim().max(254).pipe(z.email('email must be a valid address')),
  password: z.string().optional(),
  name: z.string().trim().max(200).optional(),
  nickname: z.string().trim().max(200).optional(),
  picture: z.string().trim().max(2000).pipe(z.url()).optional(),
  emailVerified: z.boolean().optional(),
  blocked: z.boolean().optional(),
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
    email: data.email.toLowerCase(),
    emailVerified: data.emailVerified ?? false,
    name: data.name || null,
    nickname: data.nickname || null,
    picture: data.picture || null,
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
    email: data.email?.toLowerCase() ?? current.email,
    emailVerified: data.emailVerified ?? current.emailVerified,
    name: data.name ?? current.name,
    nickname: data.nickname ?? current.nickname,
    picture: data.picture ?? current.picture,
    blocked: data.blocked ?? current.blocked,
    passwordHash: passwordHash ?? current.passwordHash,
    updatedAt: now,
  }
}
