/**
 * Importing users from Auth0's bulk-import file (the JSON array its users-imports job takes), for
 * `latchkey import users` and the Management API's users-imports job:
 *
 *   const result = await importUsers(store, { connection: 'Username-Password-Authentication', upsert: false, encryption, audit }, text)
 *   // result.ok === false: the file is unusable (not JSON, not an array, empty): nothing imported
 *   // result.ok === true: { total, inserted, updated, unchanged, failed, errors, warnings }
 *
 * - `file`: the file's text (a string; a leading BOM is ignored), or the already parsed JSON value.
 * - `connection`: a connection record or name (default: the database connection). Unknown: throws
 *   UnknownImportConnection (a caller error, not a file error).
 * - Each entry is checked by core's planUserImport (Auth0's rules, errors `{ code, message, path }`)
 *   and stored by `store.users.importUser` in its own transaction: an entry is imported whole or not
 *   at all, and one entry's failure never stops the others. Without `upsert`, a user that exists is
 *   `DUPLICATED_USER` (Auth0's behaviour); with it, only what differs is written and the same file
 *   run twice changes nothing the second time (`unchanged`). A password hash in the file replaces
 *   the stored one only while that is still an imported hash: once a login upgraded it to argon2id
 *   (or the password was changed or reset in Latchkey) a re-run never brings the old password back.
 * - TOTP secrets of `mfa_factors` are sealed with `encryption` (the key-encryption key, as the MFA
 *   enrolment seals them) into confirmed TOTP factors. Their ids derive from the entry (its user_id,
 *   else its email) and the secret, so a second run finds them instead of adding them again.
 * - `audit` is called once per user inserted (`user.created`) or updated (`user.updated`), after the
 *   write, with what identifies the user (never a hash or a secret); the caller writes it as its own
 *   admin changes are (the CLI's actor, or the Management API's).
 *
 * The report's `errors` list each failed entry: its position in the array (from 0), its email and
 * user_id (as the file gave them when the entry was refused as written; as stored, normalised and
 * prefixed, when the store refused it), and Auth0-shaped errors. `warnings` list, for any entry,
 * what Latchkey did not keep (a username, a phone or email factor, an identity of a connection it
 * does not have): those entries are imported without it.
 */
import { createHash } from 'node:crypto'
import {
  type AuthenticatorRecord,
  type ConnectionRecord,
  DATABASE_CONNECTION,
  type ImportConnection,
  parseUserImportText,
  planUserImport,
  type UserImportIssue,
  type UserImportPlan,
} from '@latchkey/core'
import { ConflictError, type Store, type UserImportResult } from '@latchkey/storage'
import type { KeyEncryption } from '../keys/key-encryption.js'
import { CURRENT_HASH_PREFIX } from '../passwords.js'

/** What one imported user's audit event says. */
export interface ImportAuditChange {
  readonly action: 'user.created' | 'user.updated'
  readonly description: string
  readonly userId: string
  readonly details: { readonly user_name: string; readonly connection: string; readonly source: 'users-import' }
}

export interface ImportUsersOptions {
  /** The connection's record or name; default the database connection (Username-Password-Authentication). */
  readonly connection?: ConnectionRecord | string
  /** Update users that exist (Auth0's `upsert`); otherwise they are DUPLICATED_USER. */
  readonly upsert: boolean
  /** Seals imported TOTP secrets (the key-encryption key). */
  readonly encryption: Pick<KeyEncryption, 'encrypt'>
  /** Called after each user inserted or updated. */
  readonly audit?: (change: ImportAuditChange) => Promise<void>
  /** Epoch milliseconds; default Date.now. */
  readonly now?: () => number
}

/** An entry, as a report names it: its position in the file (from 0), and its email and user_id as given. */
export interface ImportedEntryRef {
  readonly index: number
  readonly user: { readonly email?: string; readonly user_id?: string }
}

export interface ImportReport {
  readonly ok: true
  /** The connection the users went to. */
  readonly connection: { readonly id: string; readonly name: string }
  /** Entries in the file. */
  readonly total: number
  readonly inserted: number
  /** Existing users changed (upsert). */
  readonly updated: number
  /** Existing users already as the file says (upsert): nothing written. */
  readonly unchanged: number
  readonly failed: number
  readonly errors: readonly (ImportedEntryRef & { readonly errors: readonly UserImportIssue[] })[]
  readonly warnings: readonly (ImportedEntryRef & { readonly warnings: readonly UserImportIssue[] })[]
}

/** The file as a whole is unusable: nothing was imported. */
export interface ImportFileFailure {
  readonly ok: false
  readonly error: { readonly code: string; readonly message: string }
}

/** The connection to import into does not exist. */
export class UnknownImportConnection extends Error {
  constructor(readonly connection: string) {
    super(`no connection ${JSON.stringify(connection)}`)
    this.name = 'UnknownImportConnection'
  }
}

export async function importUsers(store: Store, options: ImportUsersOptions, file: unknown): Promise<ImportReport | ImportFileFailure> {
  const now = options.now ?? Date.now
  const connection = await resolveConnection(store, options.connection ?? DATABASE_CONNECTION.name)
  const parsed = typeof file === 'string' ? parseUserImportText(file) : { ok: true as const, value: file }
  if (!parsed.ok) return { ok: false, error: parsed.error }
  const connections = await allConnections(store)
  const plan = planUserImport(parsed.value, { connection, connections, now: now() })
  if (!plan.ok) return { ok: false, error: plan.error }

  const counts = { inserted: 0, updated: 0, unchanged: 0 }
  const errors: (ImportedEntryRef & { errors: readonly UserImportIssue[] })[] = []
  const warnings: (ImportedEntryRef & { warnings: readonly UserImportIssue[] })[] = []
  for (const entry of plan.entries) {
    const ref = { index: entry.index, user: entry.ok ? refOf(entry) : entry.user }
    if (entry.warnings.length > 0) warnings.push({ ...ref, warnings: entry.warnings })
    if (!entry.ok) {
      errors.push({ ...ref, errors: entry.errors })
      continue
    }
    const outcome = await importOne(store, options, connection, entry, now())
    if ('code' in outcome) errors.push({ ...ref, errors: [outcome] })
    else counts[outcome.status]++
  }
  return { ok: true, connection: { id: connection.id, name: connection.name }, total: plan.entries.length, ...counts, failed: errors.length, errors, warnings }
}

/** One planned entry stored (its factors sealed) and audited; or why not, as an Auth0 job error. */
async function importOne(
  store: Store,
  options: ImportUsersOptions,
  connection: ConnectionRecord,
  plan: UserImportPlan,
  now: number,
): Promise<{ status: 'inserted' | 'updated' | 'unchanged' } | UserImportIssue> {
  const key = plan.idGiven || connection.name !== DATABASE_CONNECTION.name ? plan.user.id : `email:${plan.user.email}`
  const authenticators: AuthenticatorRecord[] = []
  for (const secret of plan.totpSecrets) {
    authenticators.push({
      id: importedFactorId(key, secret),
      userId: plan.user.id,
      type: 'totp',
      name: null,
      confirmed: true,
      sealedSecret: await options.encryption.encrypt(secret),
      lastUsedStep: null,
      credential: null,
      createdAt: now,
      lastUsedAt: null,
    })
  }
  let result: UserImportResult
  try {
    const entry = { user: plan.user, idGiven: plan.idGiven, changes: plan.changes, identities: plan.identities, authenticators, ownHashPrefix: CURRENT_HASH_PREFIX }
    result = await store.users.importUser(entry, { upsert: options.upsert, now })
  } catch (err) {
    // Another writer took the email or account between the check and the insert, or a factor clashes.
    if (err instanceof ConflictError) return { code: 'DUPLICATED_USER', message: err.message, path: '' }
    throw err
  }
  if (!('user' in result)) return { code: result.status === 'duplicate' ? 'DUPLICATED_USER' : 'CONFLICT', message: result.message, path: '' }
  if (result.status !== 'unchanged' && options.audit) {
    const created = result.status === 'inserted'
    await options.audit({
      action: created ? 'user.created' : 'user.updated',
      description: created ? 'Create a user' : 'Update a user',
      userId: result.user.id,
      details: { user_name: result.user.email, connection: connection.name, source: 'users-import' },
    })
  }
  return { status: result.status }
}

/**
 * A stable id for an imported TOTP factor: the same entry and secret give the same id on every run
 * (so a second import finds the factor), in Auth0's `totp|dev_…` shape. One-way: the secret is at
 * least 80 random bits, and only a SHA-256 of it (with the entry's key) is in the id.
 */
function importedFactorId(key: string, secret: string): string {
  return `totp|dev_${createHash('sha256').update(`latchkey users-import totp\u0000${key}\u0000${secret}`).digest('hex').slice(0, 24)}`
}

async function resolveConnection(store: Store, connection: ConnectionRecord | string): Promise<ConnectionRecord> {
  if (typeof connection !== 'string') return connection
  const found = connection.length <= 128 ? await store.connections.findByName(connection) : null
  if (!found) throw new UnknownImportConnection(connection)
  return found
}

/** Every connection, for the identities an entry names. */
async function allConnections(store: Store): Promise<ImportConnection[]> {
  const all: ImportConnection[] = []
  for (let page = 0; ; page++) {
    const rows = await store.connections.list({ page, perPage: 100 })
    all.push(...rows.map(({ id, name, strategy }) => ({ id, name, strategy })))
    if (rows.length < 100) return all
  }
}

function refOf(plan: UserImportPlan): ImportedEntryRef['user'] {
  return { ...(plan.user.email ? { email: plan.user.email } : {}), user_id: plan.user.id }
}
