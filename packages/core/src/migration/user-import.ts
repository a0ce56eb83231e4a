/**
 * Auth0's bulk-import file (a JSON array of users, as its users-imports job takes it) turned into a
 * plan per entry: the user record to insert, what an upsert changes on an existing user, the
 * upstream identities to create and the TOTP secrets to enrol; or the entry's errors in Auth0's
 * shape (`{ code, message, path }`: `INVALID_FORMAT`, `DUPLICATED_USER`). Storage, sealing and
 * password hashes' verification are the caller's; this checks and shapes.
 *
 * Rules, as Auth0's schema (and where Latchkey differs, why):
 * - `user_id` is kept so `sub` does not change: the file holds it without its strategy and the
 *   connection's prefix is prepended (`auth0|` for the database connection, `github|`,
 *   `google-oauth2|`, `{strategy}|{connection}|` for upstream ones, as connectionUserId); a value
 *   already carrying the prefix is not doubled. No `user_id`: a new one.
 * - `email` is required for the database connection (its login name, unique there); optional for
 *   an upstream connection's users.
 * - `username`, `phone_number`, `phone_verified` and `password_set_date` are accepted and not kept
 *   (Latchkey logs in by email and has no phone numbers): a warning says so. Other unknown
 *   properties are refused, as Auth0's schema (`additionalProperties: false`) does.
 * - `app_metadata` may not hold Auth0's reserved keys (APP_METADATA_RESERVED_KEYS).
 * - `mfa_factors`: `{ totp: { secret } }` becomes a confirmed TOTP factor; `phone` and `email`
 *   factors are not supported by Latchkey: a warning, and the user is imported without them.
 * - `identities` (Latchkey's addition; Auth0's file has none): upstream accounts that log in as this
 *   user, `{ connection, provider, user_id, isSocial?, profileData? }`, for connections that exist in
 *   Latchkey; `user_id` is Auth0's identity id (`acme|{sub}` for oidc and oauth2 connections: the
 *   connection's name is prepended when missing, never doubled). A user of an upstream connection always gets the identity of that connection (from
 *   `identities`, else from its `user_id`), so its next login through it lands on the same user.
 *   Identities of the database connection describe the user itself and are skipped; those of
 *   connections Latchkey does not have are skipped with a warning.
 * - A file may also be Auth0's users-exports output (one JSON object per line, with `created_at`,
 *   `logins_count` and the like, which are ignored).
 * - Within one file, a second entry with the same user_id, the same email (database connection)
 *   or the same upstream account is DUPLICATED_USER.
 */
import type { z } from 'zod'
import { emailField } from '../email.js'
import type { ConnectionRecord, ConnectionStrategy, UserRecord } from '../records.js'
import { connectionUserId, DATABASE_CONNECTION, isConnectionStrategy, isSocialStrategy } from '../registration/connections.js'
import { newUserId, userInput, userRecordOf } from '../registration/users.js'
import { importedPasswordHash } from './password-hashes.js'

/** An error or warning about one entry, as Auth0's job errors list them. */
export interface UserImportIssue {
  readonly code: string
  readonly message: string
  /** The property it is about (`email`, `mfa_factors[1].totp.secret`); '' for the entry as a whole. */
  readonly path: string
}

/** A connection as the import needs it. */
export type ImportConnection = Pick<ConnectionRecord, 'id' | 'name' | 'strategy'>

/**
 * An upstream account that logs in as the imported user (the user id is the store's to fill in).
 * `providerUserId` is Auth0's identity `user_id`, as upstream logins store it: the user id without
 * its strategy (`583231` for `github|583231`, `acme|{sub}` for `oidc|acme|{sub}`).
 */
export interface ImportedIdentity {
  readonly connectionId: string
  readonly provider: ConnectionStrategy
  readonly providerUserId: string
  readonly isSocial: boolean
  readonly profileData: Readonly<Record<string, unknown>>
}

/** What an upsert changes on an existing user: only what the entry gave (Auth0: metadata given replaces the whole object). */
export type ImportedUserChanges = Partial<
  Pick<UserRecord, 'emailVerified' | 'name' | 'givenName' | 'familyName' | 'nickname' | 'picture' | 'blocked' | 'userMetadata' | 'appMetadata' | 'passwordHash'>
>

/** One entry that can be imported. */
export interface UserImportPlan {
  /** Its position in the file, from 0. */
  readonly index: number
  /** The user to insert when none matches. */
  readonly user: UserRecord
  /** Whether the file gave the user_id (else `user.id` is new, and a match is by email or identity only). */
  readonly idGiven: boolean
  /** What an upsert changes on the matching user. */
  readonly changes: ImportedUserChanges
  readonly identities: readonly ImportedIdentity[]
  /** Base32 TOTP secrets, upper case, to become confirmed TOTP factors (the caller seals them). */
  readonly totpSecrets: readonly string[]
  readonly warnings: readonly UserImportIssue[]
}

/** One entry that cannot: its errors (and what identifies it, for the report). */
export interface UserImportFailure {
  readonly index: number
  readonly user: { readonly email?: string; readonly user_id?: string }
  readonly errors: readonly UserImportIssue[]
  readonly warnings: readonly UserImportIssue[]
}

export type UserImportEntry = ({ readonly ok: true } & UserImportPlan) | ({ readonly ok: false } & UserImportFailure)

/** The file as a whole: unusable (not JSON, not an array, empty), or one result per entry. */
export type UserImportFilePlan = { readonly ok: false; readonly error: { readonly code: string; readonly message: string } } | { readonly ok: true; readonly entries: readonly UserImportEntry[] }

/** Auth0's reserved `app_metadata` keys (its app_metadata restrictions). */
export const APP_METADATA_RESERVED_KEYS: readonly string[] = [
  '__tenant',
  '_id',
  'blocked',
  'clientID',
  'created_at',
  'email_verified',
  'email',
  'globalClientID',
  'global_client_id',
  'identities',
  'lastIP',
  'lastLogin',
  'loginsCount',
  'metadata',
  'multifactor_last_modified',
  'multifactor',
  'updated_at',
  'user_id',
]

/** Auth0's documented fields Latchkey accepts and does not keep. */
const NOT_KEPT: Readonly<Record<string, string>> = {
  username: 'Latchkey has no usernames (users log in with their email)',
  phone_number: 'Latchkey keeps no phone numbers',
  phone_verified: 'Latchkey keeps no phone numbers',
  password_set_date: 'Latchkey does not keep when a password was set',
}

/**
 * What Auth0's users-exports job writes beside the import format's fields: Auth0's own bookkeeping,
 * accepted and ignored, so an export imports as it is (Latchkey counts logins from its own).
 */
const EXPORT_ONLY = ['created_at', 'updated_at', 'last_login', 'last_ip', 'logins_count', 'last_password_reset', 'multifactor']

const KNOWN = new Set([
  'email',
  'email_verified',
  'user_id',
  'given_name',
  'family_name',
  'name',
  'nickname',
  'picture',
  'blocked',
  'app_metadata',
  'user_metadata',
  'password_hash',
  'custom_password_hash',
  'identities',
  'mfa_factors',
  ...Object.keys(NOT_KEPT),
  ...EXPORT_ONLY,
])

/** The file's property for each field of userInput. */
const FILE_FIELDS: Readonly<Record<string, string>> = {
  email: 'email',
  emailVerified: 'email_verified',
  name: 'name',
  givenName: 'given_name',
  familyName: 'family_name',
  nickname: 'nickname',
  picture: 'picture',
  blocked: 'blocked',
  userMetadata: 'user_metadata',
  appMetadata: 'app_metadata',
}

export const MAX_IMPORTED_USER_ID_LENGTH = 255
/** TOTP secrets: base32, 80 to 640 bits (RFC 4226 asks for at least 128; Auth0's and older apps' 80-bit ones are accepted). */
const TOTP_SECRET = /^[A-Z2-7]{16,128}$/

const profile = userInput.omit({ password: true })
const upstreamProfile = profile.extend({ email: emailField('email must be a valid address').optional() })

const invalid = (path: string, message: string): UserImportIssue => ({ code: 'INVALID_FORMAT', message: `Error in ${path || 'user'} property - ${message}`, path })
const notKept = (path: string, why: string): UserImportIssue => ({ code: 'NOT_IMPORTED', message: `${path} is not imported: ${why}`, path })
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const printable = (value: string) => ![...value].some((ch) => (ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f')

/**
 * Parses the file's text: a JSON array (the bulk-import format), or one JSON object per line (what
 * Auth0's users-exports job writes, so its output can be imported as it is). Anything else is unusable.
 */
export function parseUserImportText(text: string): { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } } {
  const body = text.replace(/^\uFEFF/, '')
  try {
    const value: unknown = JSON.parse(body)
    // One object alone is an export of one user, one per line.
    return { ok: true, value: isObject(value) ? [value] : value }
  } catch (err) {
    if (body.trimStart().startsWith('{')) return parseJsonLines(body)
    return { ok: false, error: { code: 'INVALID_FILE', message: `the file is not JSON (${(err as Error).message})` } }
  }
}

function parseJsonLines(body: string): { ok: true; value: unknown[] } | { ok: false; error: { code: string; message: string } } {
  const users: unknown[] = []
  const lines = body.split('\n')
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue
    try {
      users.push(JSON.parse(line))
    } catch (err) {
      return { ok: false, error: { code: 'INVALID_FILE', message: `the file is neither a JSON array nor one JSON object per line: line ${i + 1} is not JSON (${(err as Error).message})` } }
    }
  }
  return { ok: true, value: users }
}

/** The id prefix of a connection's users (`auth0|`, `github|`, `oidc|acme|`). */
export function userIdPrefix(connection: Pick<ConnectionRecord, 'name' | 'strategy'>): string {
  return connection.strategy === DATABASE_CONNECTION.strategy ? `${DATABASE_CONNECTION.strategy}|` : connectionUserId(connection, '')
}

/**
 * Every entry of a parsed file planned for `connection`; `connections` are the upstream connections
 * identities may name (by name). `now` stamps the records.
 */
export function planUserImport(file: unknown, ctx: { connection: ImportConnection; connections: readonly ImportConnection[]; now: number }): UserImportFilePlan {
  if (!Array.isArray(file)) return { ok: false, error: { code: 'INVALID_FILE', message: 'the file must be a JSON array of users' } }
  if (file.length === 0) return { ok: false, error: { code: 'INVALID_FILE', message: 'the file holds no users (an empty array)' } }
  const seen = { ids: new Map<string, number>(), emails: new Map<string, number>(), accounts: new Map<string, number>() }
  return {
    ok: true,
    entries: file.map((raw, index): UserImportEntry => {
      const entry = planEntry(raw, index, ctx)
      if (!entry.ok) return entry
      const duplicate = duplicateOf(entry, seen, ctx.connection)
      return duplicate === null ? entry : { ok: false, index, user: identify(raw), errors: [duplicate], warnings: entry.warnings }
    }),
  }
}

/** An entry's first occurrence wins; a later one with the same id, email (database) or account is DUPLICATED_USER. */
function duplicateOf(
  plan: UserImportPlan,
  seen: { ids: Map<string, number>; emails: Map<string, number>; accounts: Map<string, number> },
  connection: ImportConnection,
): UserImportIssue | null {
  const keys: [Map<string, number>, string, string][] = []
  if (plan.idGiven) keys.push([seen.ids, plan.user.id, 'user_id'])
  if (connection.strategy === DATABASE_CONNECTION.strategy) keys.push([seen.emails, plan.user.email, 'email'])
  for (const identity of plan.identities) keys.push([seen.accounts, `${identity.connectionId}\u0000${identity.providerUserId}`, 'identities'])
  for (const [map, key, path] of keys) {
    const first = map.get(key)
    if (first !== undefined)
      return { code: 'DUPLICATED_USER', message: `the user at position ${first} of the file has the same ${path === 'identities' ? 'upstream account' : path}`, path }
  }
  for (const [map, key] of keys) map.set(key, plan.index)
  return null
}

/** What names an entry in a report: its email and user_id, when they are strings. */
function identify(raw: unknown): { email?: string; user_id?: string } {
  if (!isObject(raw)) return {}
  return {
    ...(typeof raw.email === 'string' ? { email: raw.email.slice(0, 320) } : {}),
    ...(typeof raw.user_id === 'string' ? { user_id: raw.user_id.slice(0, MAX_IMPORTED_USER_ID_LENGTH + 64) } : {}),
  }
}

function planEntry(raw: unknown, index: number, ctx: { connection: ImportConnection; connections: readonly ImportConnection[]; now: number }): UserImportEntry {
  if (!isObject(raw)) return { ok: false, index, user: {}, errors: [invalid('', 'each user must be a JSON object')], warnings: [] }
  const { connection } = ctx
  const database = connection.strategy === DATABASE_CONNECTION.strategy
  const errors: UserImportIssue[] = []
  const warnings: UserImportIssue[] = []

  for (const key of Object.keys(raw)) {
    if (!KNOWN.has(key)) errors.push(invalid(key, "unknown property (not in Auth0's bulk-import schema)"))
    else if (NOT_KEPT[key] !== undefined) warnings.push(notKept(key, NOT_KEPT[key]))
  }

  const data = checkProfile(raw, database, errors)
  const id = checkUserId(raw.user_id, connection, errors)
  const password = checkPassword(raw, database, errors)
  const totpSecrets = checkFactors(raw.mfa_factors, errors, warnings)
  const identities = checkIdentities(raw.identities, ctx, errors, warnings)

  if (errors.length === 0 && !database && !identities.some((i) => i.connectionId === connection.id)) {
    if (id === null) errors.push(invalid('user_id', `a user of the upstream connection ${connection.name} needs a user_id (or an identity of that connection)`))
    else
      identities.unshift({
        connectionId: connection.id,
        provider: connection.strategy,
        providerUserId: id.slice(connection.strategy.length + 1),
        isSocial: isSocialStrategy(connection.strategy),
        profileData: {},
      })
  }
  if (errors.length > 0 || data === null) return { ok: false, index, user: identify(raw), errors, warnings }

  const own = identities.find((i) => i.connectionId === connection.id)
  const userId = id ?? (database ? newUserId() : `${connection.strategy}|${own?.providerUserId ?? ''}`)
  const given = <K extends keyof typeof data>(key: K) => data[key] !== undefined
  const changes: ImportedUserChanges = {
    ...(given('emailVerified') ? { emailVerified: data.emailVerified } : {}),
    ...(given('name') ? { name: data.name || null } : {}),
    ...(given('givenName') ? { givenName: data.givenName || null } : {}),
    ...(given('familyName') ? { familyName: data.familyName || null } : {}),
    ...(given('nickname') ? { nickname: data.nickname || null } : {}),
    ...(given('picture') ? { picture: data.picture || null } : {}),
    ...(given('blocked') ? { blocked: data.blocked } : {}),
    ...(given('userMetadata') ? { userMetadata: data.userMetadata } : {}),
    ...(given('appMetadata') ? { appMetadata: data.appMetadata } : {}),
    ...(password !== null ? { passwordHash: password } : {}),
  }
  const user = userRecordOf(data, { id: userId, email: data.email ?? '', passwordHash: password, connection: connection.name, now: ctx.now })
  return { ok: true, index, user, idGiven: id !== null, changes, identities, totpSecrets, warnings }
}

/** The profile fields through the user rules of registration/users.ts, errors named by the file's properties. */
function checkProfile(raw: Record<string, unknown>, database: boolean, errors: UserImportIssue[]): z.output<typeof upstreamProfile> | null {
  const input = Object.fromEntries(Object.entries(FILE_FIELDS).flatMap(([field, property]) => (raw[property] === undefined ? [] : [[field, raw[property]]])))
  const appMetadata = raw.app_metadata
  if (isObject(appMetadata)) {
    for (const key of APP_METADATA_RESERVED_KEYS)
      if (Object.hasOwn(appMetadata, key)) errors.push(invalid(`app_metadata.${key}`, `${key} is reserved by Auth0 and may not be in app_metadata`))
  }
  if (!database && input.email === '') delete input.email
  const parsed = (database ? profile : upstreamProfile).safeParse(input)
  if (parsed.success) return parsed.data
  for (const issue of parsed.error.issues) {
    const [field, ...rest] = issue.path.map(String)
    const path = [FILE_FIELDS[field ?? ''] ?? field ?? '', ...rest].filter((p) => p !== '').join('.')
    const message = path === 'email' && raw.email === undefined ? 'email is required' : issue.message
    errors.push(invalid(path, message))
  }
  return null
}

/** The user_id with the connection's prefix (not doubled); null when the file gave none. */
function checkUserId(value: unknown, connection: ImportConnection, errors: UserImportIssue[]): string | null {
  if (value === undefined) return null
  if (typeof value !== 'string' || value.trim() === '' || !printable(value)) {
    errors.push(invalid('user_id', 'user_id must be a non-empty string without control characters'))
    return null
  }
  const prefix = userIdPrefix(connection)
  const id = value.startsWith(prefix) ? value : `${prefix}${value}`
  if (id.length > MAX_IMPORTED_USER_ID_LENGTH || id === prefix) {
    errors.push(invalid('user_id', `user_id must be 1 to ${MAX_IMPORTED_USER_ID_LENGTH - prefix.length} characters after ${prefix}`))
    return null
  }
  return id
}

/** The stored form of the entry's password hash (password-hashes.ts), null for none. */
function checkPassword(raw: Record<string, unknown>, database: boolean, errors: UserImportIssue[]): string | null {
  if (raw.password_hash === undefined && raw.custom_password_hash === undefined) return null
  if (!database) {
    errors.push(invalid(raw.password_hash === undefined ? 'custom_password_hash' : 'password_hash', 'users of an upstream connection have no password'))
    return null
  }
  if (raw.password_hash !== undefined && raw.custom_password_hash !== undefined) {
    errors.push(invalid('custom_password_hash', 'give password_hash or custom_password_hash, not both'))
    return null
  }
  const result = importedPasswordHash({ password_hash: raw.password_hash, custom_password_hash: raw.custom_password_hash })
  if (result.ok) return result.stored
  errors.push(...result.errors)
  return null
}

/** TOTP secrets, normalised; phone and email factors are warnings (Latchkey has neither). */
function checkFactors(value: unknown, errors: UserImportIssue[], warnings: UserImportIssue[]): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    errors.push(invalid('mfa_factors', 'mfa_factors must be an array'))
    return []
  }
  const secrets: string[] = []
  value.forEach((factor, i) => {
    const path = `mfa_factors[${i}]`
    const kinds = isObject(factor) ? Object.keys(factor) : []
    if (kinds.length !== 1) {
      errors.push(invalid(path, 'each factor must be an object with one of totp, phone or email'))
      return
    }
    const kind = kinds[0] as string
    const detail = (factor as Record<string, unknown>)[kind]
    if (kind === 'totp') {
      const secret = isObject(detail) && typeof detail.secret === 'string' ? detail.secret.replace(/[\s=]/g, '').toUpperCase() : null
      if (secret === null || !TOTP_SECRET.test(secret)) errors.push(invalid(`${path}.totp.secret`, 'a TOTP secret must be base32 (A-Z, 2-7), 16 to 128 characters'))
      else if (!secrets.includes(secret)) secrets.push(secret)
    } else if (kind === 'phone' || kind === 'email') {
      if (!isObject(detail) || typeof detail.value !== 'string') errors.push(invalid(`${path}.${kind}.value`, `a ${kind} factor needs a value`))
      else warnings.push(notKept(path, `Latchkey has no ${kind === 'phone' ? 'SMS or voice' : 'email'} factor; the user is imported without it`))
    } else errors.push(invalid(path, `unknown factor ${JSON.stringify(kind.slice(0, 40))}: expected totp, phone or email`))
  })
  return secrets
}

/** The upstream accounts of the entry's `identities` that Latchkey can log in with. */
function checkIdentities(
  value: unknown,
  ctx: { connection: ImportConnection; connections: readonly ImportConnection[] },
  errors: UserImportIssue[],
  warnings: UserImportIssue[],
): ImportedIdentity[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) {
    errors.push(invalid('identities', 'identities must be an array'))
    return []
  }
  const identities: ImportedIdentity[] = []
  value.forEach((raw, i) => {
    const path = `identities[${i}]`
    const checked = checkIdentity(raw, path, ctx, identities)
    if (checked === null) return
    if ('connectionId' in checked) identities.push(checked)
    else if (checked.code === 'NOT_IMPORTED') warnings.push(checked)
    else errors.push(checked)
  })
  return identities
}

/** One identity of the file: what to create, an issue (an error, or a NOT_IMPORTED warning), or null (the database user itself). */
function checkIdentity(
  identity: unknown,
  path: string,
  ctx: { connection: ImportConnection; connections: readonly ImportConnection[] },
  earlier: readonly ImportedIdentity[],
): ImportedIdentity | UserImportIssue | null {
  if (!isObject(identity)) return invalid(path, 'each identity must be an object')
  const { connection: name, provider, user_id: providerUserId, profileData } = identity
  if (typeof provider !== 'string' || provider === '') return invalid(`${path}.provider`, 'provider is required')
  if (typeof providerUserId !== 'string' || providerUserId === '' || providerUserId.length > 255 || !printable(providerUserId))
    return invalid(`${path}.user_id`, 'user_id must be a string of 1 to 255 characters')
  if (name !== undefined && typeof name !== 'string') return invalid(`${path}.connection`, 'connection must be a string')
  if (profileData !== undefined && !isObject(profileData)) return invalid(`${path}.profileData`, 'profileData must be an object')
  if (profileData !== undefined && JSON.stringify(profileData).length > 16_384) return invalid(`${path}.profileData`, 'profileData must be at most 16384 bytes as JSON')
  if (provider === DATABASE_CONNECTION.strategy) return null
  // Named by connection; without one, the importing connection when it has that strategy.
  const target = name === undefined ? (ctx.connection.strategy === provider ? ctx.connection : undefined) : [ctx.connection, ...ctx.connections].find((c) => c.name === name)
  if (!target || !isConnectionStrategy(provider))
    return notKept(path, `Latchkey has no connection ${JSON.stringify(name ?? provider)} for it; import that connection's users into it once it exists`)
  if (target.strategy !== provider) return invalid(`${path}.provider`, `the connection ${target.name} has the strategy ${target.strategy}, not ${provider}`)
  if (earlier.some((x) => x.connectionId === target.id)) return invalid(path, `a user has one identity per connection (${target.name} twice)`)
  // Auth0's identity user_id: the user id without its strategy (`acme|{sub}` for oidc and oauth2, which name the connection).
  const prefix = userIdPrefix(target).slice(provider.length + 1)
  const accountId = providerUserId.startsWith(prefix) ? providerUserId : `${prefix}${providerUserId}`
  return { connectionId: target.id, provider, providerUserId: accountId, isSocial: isSocialStrategy(provider), profileData: profileData ?? {} }
}
