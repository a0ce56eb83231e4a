/**
 * The user-export writer shared by `latchkey export users` and the Management API's users-exports
 * job: users read from the store a page at a time (never all at once) and written as text chunks.
 *
 * - `json`: one JSON array; `ndjson`: one JSON object a line (what Auth0's export jobs write as
 *   `json`); `csv`: a header row, then one row a user (RFC 4180 quoting; objects as JSON text).
 *   Each object or row holds the chosen `fields` (Auth0's user fields, `app_metadata.plan` or
 *   `identities[0].connection` style paths), named by their `export_as` or their path. Password
 *   hashes and factor secrets are never among them.
 * - `auth0`: Auth0's bulk-import file (the JSON array `latchkey import users` and Auth0's
 *   users-imports job take), for moving users to another Latchkey or back to Auth0: the user_id
 *   without its connection's prefix (the import puts it back), the profile, the password hash as
 *   `password_hash` (bcrypt) or `custom_password_hash` (argon2id and imported hashes), and confirmed
 *   TOTP factors as `mfa_factors` with their secrets opened: the file holds secrets.
 */
import { passwordHashForExport, type UserRecord, userIdPrefix } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { presentUsers } from '../management/mappings/users.js'

export const EXPORT_FORMATS = ['json', 'ndjson', 'csv', 'auth0'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportField {
  /** A user field or a path into one: `email`, `app_metadata.plan`, `identities[0].connection`. */
  readonly name: string
  /** The column (CSV) or key (JSON) it is written as; the name by default. */
  readonly export_as?: string | undefined
}

/** The user fields an export may name (Auth0's), the first segment of every field path. */
export const EXPORTABLE_FIELDS = [
  'user_id',
  'email',
  'email_verified',
  'name',
  'given_name',
  'family_name',
  'nickname',
  'picture',
  'created_at',
  'updated_at',
  'last_login',
  'logins_count',
  'blocked',
  'app_metadata',
  'user_metadata',
  'identities',
] as const

const SCALAR_FIELDS = EXPORTABLE_FIELDS.filter((f) => !['app_metadata', 'user_metadata', 'identities'].includes(f))
/** At most this many fields (Auth0 allows 30 in a CSV). */
export const MAX_EXPORT_FIELDS = 30
/** Users read per page. */
const PAGE_SIZE = 100

const FIELD_PATH = /^[A-Za-z_][\w-]*(?:\[\d{1,3}\])?(?:\.[\w-]+(?:\[\d{1,3}\])?)*$/

/** Why a field list cannot be exported, or null when it can. */
export function fieldsProblem(fields: readonly ExportField[]): string | null {
  if (fields.length > MAX_EXPORT_FIELDS) return `at most ${MAX_EXPORT_FIELDS} fields can be exported`
  for (const field of fields) {
    if (!FIELD_PATH.test(field.name) || field.name.length > 200) return `${JSON.stringify(field.name)} is not a field name (a user field, or a path such as app_metadata.plan)`
    const top = field.name.split(/[.[]/)[0] ?? ''
    if (!(EXPORTABLE_FIELDS as readonly string[]).includes(top)) return `${JSON.stringify(top)} is not an exportable user field (one of ${EXPORTABLE_FIELDS.join(', ')})`
  }
  return null
}

/** The fields written when none are named: every one for JSON, the scalar ones for CSV. */
export function defaultFields(format: ExportFormat): ExportField[] {
  return (format === 'csv' ? SCALAR_FIELDS : EXPORTABLE_FIELDS).map((name) => ({ name }))
}

export interface UserExportOptions {
  readonly format: ExportFormat
  /** json, ndjson and csv: the fields written (`defaultFields` by default). */
  readonly fields?: readonly ExportField[] | undefined
  /** Only the users whose primary connection this is (its name). */
  readonly connection?: string | undefined
  /** At most this many users. */
  readonly limit?: number | undefined
  /** auth0: opens a sealed TOTP secret (the key-encryption key). Without it, factors are left out. */
  readonly openSecret?: ((sealed: string) => Promise<string>) | undefined
  /** Called with the number of users in each chunk written (to count them). */
  readonly onUsers?: ((count: number) => void) | undefined
}

/** The value at a path such as `identities[0].connection` (undefined when absent). */
function valueAt(object: unknown, path: string): unknown {
  let current: unknown = object
  for (const segment of path.split('.')) {
    const match = /^([\w-]+)(?:\[(\d+)\])?$/.exec(segment)
    if (!match?.[1] || current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[match[1]]
    if (match[2] !== undefined) current = Array.isArray(current) ? current[Number(match[2])] : undefined
  }
  return current
}

/** RFC 4180: quoted when it holds a comma, a quote or a line break (quotes doubled). */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return ''
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

async function* pagesOf(store: Store, options: UserExportOptions): AsyncGenerator<UserRecord[]> {
  let left = options.limit ?? Number.POSITIVE_INFINITY
  for (let page = 0; left > 0; page++) {
    const users = await store.users.list({ ...(options.connection !== undefined ? { connection: options.connection } : {}), page, perPage: PAGE_SIZE })
    const taken = users.slice(0, Math.min(users.length, left))
    if (taken.length > 0) yield taken
    left -= taken.length
    if (users.length < PAGE_SIZE) return
  }
}

/** One user in Auth0's bulk-import format. */
async function importEntry(store: Store, user: UserRecord, options: UserExportOptions, prefixes: Map<string, string>): Promise<Record<string, unknown>> {
  let prefix = prefixes.get(user.connection)
  if (prefix === undefined) {
    const connection = await store.connections.findByName(user.connection)
    prefix = connection ? userIdPrefix(connection) : ''
    prefixes.set(user.connection, prefix)
  }
  const factors: { totp: { secret: string } }[] = []
  if (options.openSecret) {
    for (const authenticator of await store.authenticators.listForUser(user.id)) {
      if (authenticator.type === 'totp' && authenticator.confirmed && authenticator.sealedSecret !== null)
        factors.push({ totp: { secret: await options.openSecret(authenticator.sealedSecret) } })
    }
  }
  return {
    user_id: prefix !== '' && user.id.startsWith(prefix) ? user.id.slice(prefix.length) : user.id,
    ...(user.email ? { email: user.email } : {}),
    email_verified: user.emailVerified,
    ...(user.name ? { name: user.name } : {}),
    ...(user.givenName ? { given_name: user.givenName } : {}),
    ...(user.familyName ? { family_name: user.familyName } : {}),
    ...(user.nickname ? { nickname: user.nickname } : {}),
    ...(user.picture ? { picture: user.picture } : {}),
    blocked: user.blocked,
    ...(user.appMetadata && Object.keys(user.appMetadata).length > 0 ? { app_metadata: user.appMetadata } : {}),
    ...(user.userMetadata && Object.keys(user.userMetadata).length > 0 ? { user_metadata: user.userMetadata } : {}),
    ...(user.passwordHash !== null ? passwordHashForExport(user.passwordHash) : {}),
    ...(factors.length > 0 ? { mfa_factors: factors } : {}),
  }
}

/** The chosen fields of one user in Auth0's shape, keyed by their `export_as` or name. */
function picked(shown: unknown, fields: readonly ExportField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of fields) {
    const value = valueAt(shown, field.name)
    if (value !== undefined) out[field.export_as ?? field.name] = value
  }
  return out
}

/**
 * The export as text chunks (a page of users each, or less), in order; the caller writes them to
 * a file, stdout or a compressed download. Throws TypeError for fields `fieldsProblem` refuses.
 */
export async function* exportUsers(store: Store, options: UserExportOptions): AsyncGenerator<string> {
  const fields = options.fields && options.fields.length > 0 ? options.fields : defaultFields(options.format)
  const problem = fieldsProblem(fields)
  if (problem) throw new TypeError(problem)
  const array = options.format === 'json' || options.format === 'auth0'
  if (array) yield '['
  if (options.format === 'csv') yield `${fields.map((f) => csvCell(f.export_as ?? f.name)).join(',')}\r\n`
  let first = true
  const prefixes = new Map<string, string>()
  for await (const users of pagesOf(store, options)) {
    const lines: string[] = []
    if (options.format === 'auth0') {
      for (const user of users) lines.push(JSON.stringify(await importEntry(store, user, options, prefixes)))
    } else {
      for (const shown of await presentUsers(store, users)) {
        const entry = picked(shown, fields)
        lines.push(options.format === 'csv' ? fields.map((f) => csvCell(entry[f.export_as ?? f.name])).join(',') : JSON.stringify(entry))
      }
    }
    options.onUsers?.(users.length)
    if (array) {
      yield `${first ? '\n' : ',\n'}${lines.join(',\n')}`
      first = false
    } else yield lines.map((line) => `${line}${options.format === 'csv' ? '\r\n' : '\n'}`).join('')
  }
  if (array) yield first ? ']\n' : '\n]\n'
}
