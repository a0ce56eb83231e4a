/**
 * Checking a password of the database connection, as every form that asks for one does (the login
 * page, and the link step proving an existing account): attempts limited per IP and, per account and
 * IP, delayed then locked after repeated failures (rate-limits/login-attempts.ts); the same argon2
 * work whether or not the account exists; one message for every credential failure; each failure
 * audited (Auth0's `fu` / `fp`, `limit_wc` when it locks) and a blocked user refused (`f`).
 *
 * A hash brought from elsewhere (an import) is replaced by our argon2id once the password matched it.
 * With trickle migration on (migration/trickle-migration.ts), a user unknown here or imported without
 * a password is checked by the old Auth0 tenant and saved; when that tenant cannot answer, the page
 * says so (503), which never concerns users who have a password here.
 */
import { type ApplicationRecord, DATABASE_CONNECTION, type UserRecord } from '@latchkey/core'
import { ConflictError } from '@latchkey/storage'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { clientIp } from '../http/client-ip.js'
import { KeyEncryptionError } from '../keys/key-encryption.js'
import { askOldTenant, migratedUser, trickleSettings } from '../migration/trickle-migration.js'
import { hashPassword, needsRehash, verifyPassword } from '../passwords.js'
import type { LoginAttempt } from '../rate-limits/login-attempts.js'
import { RateLimited } from '../rate-limits/too-many-requests.js'

export const WRONG_CREDENTIALS = 'Wrong email or password.'
const BLOCKED = 'Your account is blocked. Contact the administrator.'
export const OLD_TENANT_UNAVAILABLE = "We couldn't reach the old sign-in service to check your password; try again in a few minutes."

export type PasswordCheck =
  | { readonly ok: true; readonly user: UserRecord }
  /** `message` is for the page; `status` its HTTP status (400 wrong, 403 blocked, 429 limited, with Retry-After set; 503 the old tenant of a trickle migration did not answer). */
  | { readonly ok: false; readonly message: string; readonly status: 400 | 403 | 429 | 503 }

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
  const plausible = username.length <= 254 && password.length <= 256
  let user = plausible ? await deps.store.users.findByEmail(username) : null
  let ok: boolean
  const migration = plausible && !user?.passwordHash ? await migrateFromOldTenant(c, deps, client, username, password, user) : null
  if (migration === null) {
    ok = await verifyPassword(user?.passwordHash ?? null, password.slice(0, 256))
  } else if (migration.kind === 'unavailable') {
    await attempt.abandoned()
    return { ok: false, message: OLD_TENANT_UNAVAILABLE, status: 503 }
  } else if (migration.kind === 'blocked') {
    await attempt.abandoned()
    return { ok: false, message: BLOCKED, status: 403 }
  } else {
    ok = migration.kind === 'migrated'
    if (migration.kind === 'migrated') user = migration.user
  }
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
    return { ok: false, message: BLOCKED, status: 403 }
  }
  await attempt.succeeded()
  if (user.passwordHash && needsRehash(user.passwordHash)) user = await upgradeHash(deps, user, password)
  return { ok: true, user }
}

/** Replaces an imported (or older) hash by our argon2id of the password just proved; a failed write leaves the old one, which still works. */
async function upgradeHash(deps: Deps, user: UserRecord, password: string): Promise<UserRecord> {
  try {
    const updated = await deps.store.users.update(user.id, { passwordHash: await hashPassword(password), updatedAt: deps.clock.now() })
    deps.log.info({ user_id: user.id }, 'password hash upgraded to argon2id')
    return updated ?? user
  } catch (err) {
    deps.log.error({ user_id: user.id, err: (err as Error).message }, 'could not upgrade the password hash; the old one stays')
    return user
  }
}

type Migration = { readonly kind: 'migrated'; readonly user: UserRecord } | { readonly kind: 'wrong' } | { readonly kind: 'blocked' } | { readonly kind: 'unavailable' }

/**
 * Trickle migration for a user without a password here (unknown, or imported without a hash): null
 * when it is off (the caller then spends the dummy hash, as for any unknown account). The old
 * tenant's failures are audited (`f`) and logged without the password.
 */
async function migrateFromOldTenant(c: Context, deps: Deps, client: ApplicationRecord, username: string, password: string, existing: UserRecord | null): Promise<Migration | null> {
  const connection = await deps.store.connections.findByName(DATABASE_CONNECTION.name)
  const source = connection ? trickleSettings(connection.options) : null
  if (!connection || !source) return null
  const unavailable = async (reason: string): Promise<Migration> => {
    deps.log.warn({ client_id: client.clientId, old_tenant: source.baseUrl, reason }, 'trickle migration: the old tenant could not check a password')
    await deps.audit.record(c, { type: 'f', clientId: client.clientId, userId: existing?.id, details: { user_name: username, reason: `the old tenant could not check the password (${reason})` } })
    return { kind: 'unavailable' }
  }
  let secret: string
  try {
    if (connection.sealedClientSecret === null) return await unavailable('no client secret is configured for the old tenant')
    secret = await deps.keys.encryption.openText(connection.sealedClientSecret)
  } catch (err) {
    if (!(err instanceof KeyEncryptionError)) throw err
    return unavailable('the sealed client secret does not open with the configured key-encryption keys')
  }
  const answer = await askOldTenant(source, secret, username, password)
  if (answer.kind === 'wrong') return answer
  if (answer.kind === 'blocked') {
    deps.log.info({ client_id: client.clientId }, 'trickle migration: the old tenant blocks this user')
    await deps.audit.record(c, { type: 'f', clientId: client.clientId, userId: existing?.id, details: { user_name: username, reason: 'user is blocked at the old tenant' } })
    return answer
  }
  if (answer.kind === 'unavailable') return unavailable(answer.reason)
  const now = deps.clock.now()
  const record = migratedUser(answer.profile, username, await hashPassword(password), now)
  let saved: UserRecord | null
  try {
    saved = await deps.store.users.saveMigrated(record, now)
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err
    saved = null
  }
  if (saved) {
    deps.log.info({ client_id: client.clientId, user_id: saved.id }, 'trickle migration: user migrated from the old tenant')
    return { kind: 'migrated', user: saved }
  }
  // Another login saved this user meanwhile: check the password as for anyone with a password here.
  const meanwhile = await deps.store.users.findByEmail(username)
  if (meanwhile?.passwordHash && (await verifyPassword(meanwhile.passwordHash, password))) return { kind: 'migrated', user: meanwhile }
  return unavailable(`the old tenant's user ${answer.profile.sub} cannot be saved here (its id or email belongs to another user)`)
}
