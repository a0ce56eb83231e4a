/**
 * Checking a password of the database connection, as every form that asks for one does (the login
 * page, and the link step proving an existing account): attempts limited per IP and, per account and
 * IP, delayed then locked after repeated failures (rate-limits/login-attempts.ts); the same argon2
 * work whether or not the account exists; one message for every credential failure; each failure
 * audited (Auth0's `fu` / `fp`, `limit_wc` when it locks) and a blocked user refused (`f`).
 */
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { clientIp } from '../http/client-ip.js'
import { verifyPassword } from '../passwords.js'
import type { LoginAttempt } from '../rate-limits/login-attempts.js'
import { RateLimited } from '../rate-limits/too-many-requests.js'

export const WRONG_CREDENTIALS = 'Wrong email or password.'

export type PasswordCheck =
  | { readonly ok: true; readonly user: UserRecord }
  /** `message` is for the page; `status` its HTTP status (400 wrong, 403 blocked, 429 limited, with Retry-After set). */
  | { readonly ok: false; readonly message: string; readonly status: 400 | 403 | 429 }

/** The database user with this (normalised) email and password, or why not. */
export async function checkPassword(c: Context, deps: Deps, client: ApplicationRecord, username: string, password: string): Promise<PasswordCheck> {
  let attempt: LoginAttempt
  try {
    attempt = await deps.limits.admitLogin(clientIp(c, deps.config.trustProxy), username)
  } catch (err) {
    if (!(err instanceof RateLimited)) throw err
    for (const [name, value] of Object.entries(err.headers)) c.header(name, value)
    return { ok: false, message: err.description, status: 429 }
  }
  const user = username.length <= 254 && password.length <= 256 ? await deps.store.users.findByEmail(username) : null
  const ok = await verifyPassword(user?.passwordHash ?? null, password.slice(0, 256))
  if (!ok || !user) {
    const locked = await attempt.failed()
    deps.log.info({ client_id: client.clientId }, 'login failed')
    await deps.audit.record(c, { type: user ? 'fp' : 'fu', clientId: client.clientId, userId: user?.id, details: { user_name: username } })
    if (locked) await deps.audit.record(c, { type: 'limit_wc', clientId: client.clientId, userId: user?.id, details: { user_name: username } })
    return { ok: false, message: WRONG_CREDENTIALS, status: 400 }
  }
  if (user.blocked) {
    await attempt.abandoned()
    deps.log.info({ client_id: client.clientId, user_id: user.id }, 'login refused: user is blocked')
    await deps.audit.record(c, { type: 'f', clientId: client.clientId, userId: user.id, details: { user_name: user.email, reason: 'user is blocked' } })
    return { ok: false, message: 'Your account is blocked. Contact the administrator.', status: 403 }
  }
  await attempt.succeeded()
  return { ok: true, user }
}
