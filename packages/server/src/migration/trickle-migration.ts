/**
 * Trickle migration from an Auth0 tenant: the database connection's `options.import_mode: true`
 * (Auth0's "Import Users to Auth0") with `options.migration_source` naming the old tenant and one
 * of its applications (its client secret sealed in the connection's `sealedClientSecret`, given as
 * `options.client_secret` as for upstream connections). A login whose user is unknown here, or was
 * imported without a password, asks the old tenant (Auth0's Resource Owner Password grant,
 * `http://auth0.com/oauth/grant-type/password-realm`), then its /userinfo for the profile; the user
 * is saved with the old `user_id` (so `sub` does not change) and an argon2id hash of the typed
 * password, and is an ordinary local user from then on. Users with a local hash never cause a call.
 *
 * Requests go through the upstream fetch (connections/strategies/http.ts: https only, http to
 * loopback for tests, no redirects, bounded answers) with a time limit (`timeout_ms`, default
 * 5 s). The password travels only in the token request's body; nothing here logs a request.
 */
import { DATABASE_CONNECTION, RegistrationError, type UserRecord, userRecordOf } from '@latchkey/core'
import * as oauth from 'oauth4webapi'
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT_MS, oauthOptions, upstreamFetch, upstreamUrlProblem } from '../connections/strategies/http.js'
import { cleanEmail, cleanText, cleanUrl, isTrue } from '../connections/strategies/profile.js'

export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm'
export const MIGRATION_SCOPE = 'openid profile email'
/** `auth0|` and printable ASCII without `|` or spaces, as Auth0's database users' ids are. */
const OLD_DATABASE_USER_ID = /^auth0\|[\x21-\x7b\x7d\x7e]{1,249}$/
const MIN_TIMEOUT_MS = 100
const MAX_TIMEOUT_MS = 30_000
const SOURCE_KEYS = ['type', 'domain', 'client_id', 'realm', 'audience', 'timeout_ms']

/** The old tenant, as `options.migration_source` names it, checked. */
export interface MigrationSource {
  /** The tenant's base URL (`https://old-tenant.eu.auth0.com`, or a custom domain), without a trailing slash. */
  readonly baseUrl: string
  readonly clientId: string
  /** The old tenant's database connection (default Username-Password-Authentication). */
  readonly realm: string
  readonly audience: string | null
  readonly timeoutMs: number
}

/** The database connection's migration settings: on only with `import_mode: true` and a source. */
export function trickleSettings(options: Readonly<Record<string, unknown>>): MigrationSource | null {
  if (options.import_mode !== true || options.migration_source === undefined) return null
  try {
    return migrationSource(options.migration_source)
  } catch {
    return null
  }
}

/**
 * Checks the database connection's options (the Management API's and the CLI's): only `import_mode`
 * and `migration_source` (plus `client_secret`, taken apart before); `import_mode: true` needs a source.
 */
export function checkDatabaseOptions(options: Record<string, unknown>): Record<string, unknown> {
  const others = Object.keys(options).filter((key) => key !== 'import_mode' && key !== 'migration_source')
  if (others.length > 0)
    throw new RegistrationError(
      `options: the database connection (${DATABASE_CONNECTION.name}) takes no options in Latchkey but import_mode and migration_source (trickle migration from Auth0); not ${others.join(', ')}`,
    )
  if (options.import_mode !== undefined && typeof options.import_mode !== 'boolean') throw new RegistrationError('options.import_mode must be true or false')
  if (options.migration_source !== undefined) migrationSource(options.migration_source)
  if (options.import_mode === true && options.migration_source === undefined)
    throw new RegistrationError('options.migration_source is required with import_mode: true (the old Auth0 tenant: domain, client_id, client secret in options.client_secret)')
  return options
}

function migrationSource(value: unknown): MigrationSource {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RegistrationError('options.migration_source must be an object')
  const source = value as Record<string, unknown>
  const unknown = Object.keys(source).filter((key) => !SOURCE_KEYS.includes(key))
  if (unknown.length > 0) throw new RegistrationError(`options.migration_source: unknown ${unknown.join(', ')} (known: ${SOURCE_KEYS.join(', ')})`)
  if (source.type !== undefined && source.type !== 'auth0') throw new RegistrationError("options.migration_source.type: only 'auth0' is supported")
  const text = (key: string, required: boolean): string | undefined => {
    const field = source[key]
    if (field === undefined && !required) return undefined
    if (typeof field !== 'string' || field.trim() === '' || field.length > 512) throw new RegistrationError(`options.migration_source.${key} must be a non-empty string${required ? ' (required)' : ''}`)
    return field.trim()
  }
  const timeout = source.timeout_ms
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < MIN_TIMEOUT_MS || timeout > MAX_TIMEOUT_MS))
    throw new RegistrationError(`options.migration_source.timeout_ms must be an integer from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}`)
  return {
    baseUrl: tenantUrl(text('domain', true) as string),
    clientId: text('client_id', true) as string,
    realm: text('realm', false) ?? DATABASE_CONNECTION.name,
    audience: text('audience', false) ?? null,
    timeoutMs: (timeout as number | undefined) ?? DEFAULT_TIMEOUT_MS,
  }
}

/** A tenant's domain (`old-tenant.eu.auth0.com`) or base URL, as an origin with its path, no trailing slash. */
function tenantUrl(domain: string): string {
  const value = /^[a-z][a-z0-9+.-]*:\/\//i.test(domain) ? domain : `https://${domain}`
  const problem = upstreamUrlProblem(value)
  if (problem) throw new RegistrationError(`options.migration_source.domain ${problem}`)
  const url = new URL(value)
  if (url.search) throw new RegistrationError('options.migration_source.domain must not contain a query')
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

/** What the old tenant said of a login. */
export type OldTenantAnswer =
  | { readonly kind: 'verified'; readonly profile: OldTenantProfile }
  | { readonly kind: 'wrong' }
  /** The old tenant blocks this user (Auth0's 401 `unauthorized`, "user is blocked"). */
  | { readonly kind: 'blocked' }
  /** Down, too slow, or answering what is not Auth0's: `reason` is for the log and audit (no secret in it). */
  | { readonly kind: 'unavailable'; readonly reason: string }

/** The old tenant's /userinfo, as far as Latchkey keeps it. */
export interface OldTenantProfile {
  readonly sub: string
  readonly email: string | null
  readonly emailVerified: boolean
  readonly name: string | null
  readonly givenName: string | null
  readonly familyName: string | null
  readonly nickname: string | null
  readonly picture: string | null
}

/** Asks the old tenant whether `username` / `password` is right, and for the profile when it is. */
export async function askOldTenant(source: MigrationSource, clientSecret: string, username: string, password: string): Promise<OldTenantAnswer> {
  const as: oauth.AuthorizationServer = {
    // Auth0's issuer ends with a slash (https://tenant.auth0.com/); an ID token in the answer is checked against it.
    issuer: `${source.baseUrl}/`,
    token_endpoint: `${source.baseUrl}/oauth/token`,
    userinfo_endpoint: `${source.baseUrl}/userinfo`,
  }
  const client: oauth.Client = { client_id: source.clientId }
  const options = oauthOptions(upstreamFetch({ timeoutMs: source.timeoutMs, maxBodyBytes: DEFAULT_MAX_BODY_BYTES, fetch: globalThis.fetch }), source.baseUrl)
  const parameters = new URLSearchParams({ username, password, realm: source.realm, scope: MIGRATION_SCOPE })
  if (source.audience) parameters.set('audience', source.audience)
  let accessToken: string
  try {
    const response = await oauth.genericTokenEndpointRequest(as, client, oauth.ClientSecretPost(clientSecret), PASSWORD_REALM_GRANT, parameters, options)
    accessToken = (await oauth.processGenericTokenEndpointResponse(as, client, response)).access_token
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant') return { kind: 'wrong' }
    if (err instanceof oauth.ResponseBodyError && err.error === 'unauthorized' && /blocked/i.test(err.error_description ?? '')) return { kind: 'blocked' }
    return { kind: 'unavailable', reason: `token request: ${reasonOf(err)}` }
  }
  try {
    const response = await oauth.userInfoRequest(as, client, accessToken, options)
    const info = await oauth.processUserInfoResponse(as, client, oauth.skipSubjectCheck, response)
    // A database user's id at Auth0 is `auth0|…`: it becomes the user's id (and `sub`) here.
    if (typeof info.sub !== 'string' || !OLD_DATABASE_USER_ID.test(info.sub)) return { kind: 'unavailable', reason: 'userinfo: no usable sub (expected auth0|…)' }
    return { kind: 'verified', profile: profileOf(info) }
  } catch (err) {
    return { kind: 'unavailable', reason: `userinfo: ${reasonOf(err)}` }
  }
}

/** What failed, without anything the request carried. */
function reasonOf(err: unknown): string {
  if (err instanceof oauth.ResponseBodyError) return `${err.status} ${err.error}`
  if (err instanceof oauth.OperationProcessingError) return `${err.code}: ${err.message}`
  if (err instanceof Error && err.cause instanceof Error) return err.cause.message
  return err instanceof Error ? err.message : 'unknown error'
}

/** The profile as upstream connections' profiles are read: no control characters, bounded, a picture only as an http(s) URL. */
function profileOf(info: oauth.UserInfoResponse): OldTenantProfile {
  return {
    sub: info.sub,
    email: cleanEmail(info.email),
    emailVerified: isTrue(info.email_verified),
    name: cleanText(info.name, 200),
    givenName: cleanText(info.given_name, 150),
    familyName: cleanText(info.family_name, 150),
    nickname: cleanText(info.nickname, 200),
    picture: cleanUrl(info.picture),
  }
}

/** The user to save for a login the old tenant vouched for: its id and profile, the login's email, our hash. */
export function migratedUser(profile: OldTenantProfile, email: string, passwordHash: string, now: number): UserRecord {
  return userRecordOf(profile, { id: profile.sub, email, passwordHash, connection: DATABASE_CONNECTION.name, now })
}
