/**
 * Auth0's Authentication API for the database connection (`/dbconnections/*`), in its shapes, so
 * Auth0's SDKs (`AuthenticationClient.database`, Lock, auth0.js) work unchanged:
 *
 * - `POST /dbconnections/change_password` {client_id, email, connection}: queues the reset email
 *   (account/password-reset.ts) and always answers `200 "We've just sent you an email to reset your
 *   password."`, whether or not the address has an account. Limited per IP.
 * - `POST /dbconnections/signup` {client_id, email, password, connection, name, given_name,
 *   family_name, nickname, picture, user_metadata}: creates a user of the database connection when
 *   sign-up is on (LATCHKEY_SIGNUP), sends the verification email, answers `{ _id, email,
 *   email_verified, … }`; errors in Auth0's sign-up shape (`{ name, code, description, statusCode }`),
 *   with one answer for an address that is taken (`invalid_signup`). Limited per IP.
 *
 * Requests are JSON or form-encoded; the body is parsed once into a typed request (zod) and every
 * refusal is answered by `refuse`.
 */
import { actionDetails, requestFacts, runPreUserRegistration } from '../actions/run-triggers.js'
import { checkPassword as checkPasswordPolicy, createUser, DATABASE_CONNECTION, emailField, MIN_PASSWORD_LENGTH, RegistrationError, type ApplicationRecord, type UserRecord } from '@latchkey/core'
import { ConflictError } from '@latchkey/storage'
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { queueVerificationEmail } from '../account/email-verification.js'
import { requestPasswordReset } from '../account/password-reset.js'
import { sendWelcomeEmail } from '../account/welcome.js'
import { loginOptions } from '../connections/login-options.js'
import type { Deps } from '../deps.js'
import { readBodyBytes, parseUrlEncoded } from '../http/read-params.js'
import { hashPassword } from '../passwords.js'
import { limitPerIp } from '../rate-limits/middleware.js'

export const RESET_EMAIL_SENT = "We've just sent you an email to reset your password."

/** An Auth0-shaped refusal of /dbconnections/*. */
class DbConnectionError extends Error {
  constructor(
    readonly code: string,
    readonly description: string | Record<string, unknown>,
    readonly status: 400 | 403 | 404 = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(typeof description === 'string' ? description : code)
  }
}

function refuse(c: Context, err: DbConnectionError): Response {
  const name = err.code === 'invalid_password' ? 'PasswordStrengthError' : err.status === 404 ? 'NotFoundError' : 'BadRequestError'
  return c.json({ name, code: err.code, description: err.description, ...err.extra, statusCode: err.status }, err.status)
}

/** The body as a plain object: JSON (an object) or form-encoded (each name once). */
async function readObject(c: Context): Promise<Record<string, unknown>> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  const text = await readBodyBytes(c)
  if (type === 'application/x-www-form-urlencoded') {
    const out: Record<string, unknown> = {}
    for (const [name, values] of parseUrlEncoded(text)) {
      if (values.length > 1) throw new DbConnectionError('invalid_body', `Parameter "${name}" is repeated.`)
      out[name] = values[0]
    }
    return out
  }
  if (type !== 'application/json') throw new DbConnectionError('invalid_body', 'The body must be JSON (application/json) or form-encoded.')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new DbConnectionError('invalid_body', 'The body is not valid JSON.')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DbConnectionError('invalid_body', 'The body must be a JSON object.')
  return value as Record<string, unknown>
}

function parse<T>(schema: z.ZodType<T>, body: Record<string, unknown>): T {
  const result = schema.safeParse(body)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const field = issue?.path.join('.') || 'body'
  throw new DbConnectionError('invalid_body', `${field}: ${issue?.message ?? 'invalid'}`)
}

const text = (max: number) => z.string().max(max)

const changePasswordRequest = z.object({
  client_id: text(256).min(1, 'is required'),
  email: text(512),
  connection: text(128).min(1, 'is required'),
  organization: text(64).optional(),
})

/** Auth0's rule for sign-up metadata: at most ten properties, names ≤ 100 characters, string values ≤ 500. */
const signupMetadata = z
  .record(z.string().max(100), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 10, 'at most 10 properties')

const signupRequest = z.object({
  client_id: text(256).min(1, 'is required'),
  email: text(512),
  password: text(1024),
  connection: text(128).min(1, 'is required'),
  username: text(128).optional(),
  name: text(200).optional(),
  given_name: text(150).optional(),
  family_name: text(150).optional(),
  nickname: text(200).optional(),
  picture: text(2000).optional(),
  user_metadata: signupMetadata.optional(),
})

/** The app and the database connection, which must be enabled for it (Auth0: "connection not found" otherwise). */
async function databaseConnectionFor(deps: Deps, clientId: string, connection: string): Promise<ApplicationRecord> {
  const app = await deps.store.applications.get(clientId)
  if (!app) throw new DbConnectionError('invalid_client', 'Unknown client.', 400)
  if (connection !== DATABASE_CONNECTION.name || !(await loginOptions(deps, app, null)).password) throw new DbConnectionError('connection_not_found', 'Connection does not exist or is not enabled for this application.', 400)
  return app
}

function signupResponse(user: UserRecord): Record<string, unknown> {
  return {
    _id: user.id.replace(/^auth0\|/, ''),
    email: user.email,
    email_verified: user.emailVerified,
    ...(user.name ? { name: user.name } : {}),
    ...(user.givenName ? { given_name: user.givenName } : {}),
    ...(user.familyName ? { family_name: user.familyName } : {}),
    ...(user.nickname ? { nickname: user.nickname } : {}),
    ...(user.picture ? { picture: user.picture } : {}),
    ...(Object.keys(user.userMetadata ?? {}).length > 0 ? { user_metadata: user.userMetadata } : {}),
  }
}

async function answering(c: Context, fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof DbConnectionError) return refuse(c, err)
    throw err
  }
}

export function dbConnectionRoutes(app: Hono, deps: Deps): void {
  app.post('/dbconnections/change_password', limitPerIp(deps, 'passwordReset'), (c) =>
    answering(c, async () => {
      const body = parse(changePasswordRequest, await readObject(c))
      const client = await databaseConnectionFor(deps, body.client_id, body.connection)
      await requestPasswordReset(c, deps, { email: body.email, app: client })
      return c.text(RESET_EMAIL_SENT, 200)
    }),
  )

  app.post('/dbconnections/signup', limitPerIp(deps, 'signup'), (c) =>
    answering(c, async () => {
      const body = parse(signupRequest, await readObject(c))
      const client = await databaseConnectionFor(deps, body.client_id, body.connection)
      if (!deps.config.signup) throw new DbConnectionError('operation_not_allowed', 'Public signup is disabled', 403)
      const email = emailField('is not a valid email address').safeParse(body.email)
      if (!email.success) throw new DbConnectionError('invalid_signup', 'Invalid sign up')
      let user: UserRecord
      try {
        checkPasswordPolicy(body.password)
      } catch (err) {
        if (!(err instanceof RegistrationError)) throw err
        throw new DbConnectionError(
          'invalid_password',
          { rules: [{ message: 'At least %d characters in length', format: [MIN_PASSWORD_LENGTH], code: 'lengthAtLeast', verified: false }], verified: false },
          400,
          { message: 'Password is too weak', policy: `* At least ${MIN_PASSWORD_LENGTH} characters in length` },
        )
      }
      try {
        user = createUser(
          {
            email: email.data,
            emailVerified: false,
            name: body.name,
            givenName: body.given_name,
            familyName: body.family_name,
            nickname: body.nickname,
            picture: body.picture,
            userMetadata: body.user_metadata,
          },
          await hashPassword(body.password),
          deps.clock.now(),
        )
      } catch (err) {
        if (!(err instanceof RegistrationError)) throw err
        throw new DbConnectionError('invalid_body', err.message)
      }
      const registration = await runPreUserRegistration(deps, { user, app: client, request: requestFacts(c, deps) })
      if (registration.denied) {
        await deps.audit.record(c, { type: 'fs', clientId: client.clientId, details: { user_name: user.email, reason: registration.denied.reason, action: registration.denied.action, ...actionDetails(registration.reports) } })
        throw new DbConnectionError('invalid_signup', registration.denied.userMessage ?? 'Invalid sign up')
      }
      user = registration.user
      try {
        await deps.store.users.insert(user)
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err
        await deps.audit.record(c, { type: 'fs', clientId: client.clientId, details: { user_name: user.email, reason: 'user exists' } })
        // Auth0's answer for a taken address: nothing more specific to learn.
        throw new DbConnectionError('invalid_signup', 'Invalid sign up')
      }
      deps.log.info({ client_id: client.clientId, user_id: user.id }, 'signup succeeded (dbconnections)')
      await deps.audit.record(c, { type: 'ss', clientId: client.clientId, userId: user.id, details: { user_name: user.email } })
      await queueVerificationEmail(c, deps, { user, app: client })
      await sendWelcomeEmail(deps, user, client)
      return c.json(signupResponse(user), 200)
    }),
  )
}
