/**
 * Registering an application: the CLI and the Management API validate input here and get a complete
 * record back, with Auth0's defaults per application type. The URLs follow registered-urls.ts, which
 * needs the server's issuer (`rules`): while it is http, so may callbacks be on any host.
 *
 * Refresh tokens (Auth0's `refresh_token` object, see refresh-token-policy.ts for what it means at a
 * refresh): an application created without settings gets DEFAULT_REFRESH_POLICY whatever its type:
 * rotating, expiring after 15 days unused and 30 days in all, no reuse interval (what Auth0 gives a
 * new SPA, and RFC 9700 §4.14.2's advice). Auth0 gives regular web and native apps created through
 * its API non-rotating, non-expiring tokens instead; Latchkey keeps the safer default, and an
 * application moved from Auth0 keeps its own settings, which Auth0's exports always carry. The
 * rules are Auth0's: a rotating token must expire (`expiration_type: expiring`); with both
 * lifetimes in force the absolute one is not shorter than the idle one (and a rotating token keeps
 * at least one of them, as every rotation leaves a row behind until its expiry); each lifetime is 60 s to
 * 157,788,000 s (5 years, Auth0's maximum), the reuse interval 0 to 3,600 s. An update merges the
 * given fields into the current settings.
 */
import { z } from 'zod'
import { randomAlphanumeric, randomToken, sha256 } from '../opaque.js'
import type {
  AppType,
  ApplicationRecord,
  GrantType,
  OrganizationRequireBehavior,
  OrganizationUsage,
  RefreshTokenPolicy,
  RefreshTokenExpiration,
  RefreshTokenRotation,
  SigningKeyAlg,
  TokenEndpointAuthMethod,
} from '../records.js'
import { SIGNING_ALGS } from '../keys/keyset.js'
import { checkRegisteredUrl, type RegisteredUrlKind, type RegisteredUrlRules } from './registered-urls.js'
import { checkClientJwks } from './client-jwks.js'
import { absoluteLifetimeSeconds, idleLifetimeSeconds } from '../grants/refresh-token-policy.js'

/** Auth0 CLI names and Management API names both work. */
const TYPE_ALIASES: Record<string, AppType> = {
  spa: 'spa',
  native: 'native',
  regular: 'regular_web',
  regular_web: 'regular_web',
  m2m: 'non_interactive',
  non_interactive: 'non_interactive',
}
const GRANT_ALIASES: Record<string, GrantType> = {
  authorization_code: 'authorization_code',
  code: 'authorization_code',
  refresh_token: 'refresh_token',
  'refresh-token': 'refresh_token',
  client_credentials: 'client_credentials',
  credentials: 'client_credentials',
}
const AUTH_ALIASES: Record<string, TokenEndpointAuthMethod> = {
  none: 'none',
  post: 'client_secret_post',
  client_secret_post: 'client_secret_post',
  basic: 'client_secret_basic',
  client_secret_basic: 'client_secret_basic',
  jwt: 'private_key_jwt',
  private_key_jwt: 'private_key_jwt',
}

export const DEFAULT_REFRESH_POLICY: RefreshTokenPolicy = {
  rotation: 'rotating',
  expiration: 'expiring',
  reuseIntervalSeconds: 0,
  idleLifetimeSeconds: 1_296_000,
  absoluteLifetimeSeconds: 2_592_000,
  infiniteIdleLifetime: false,
  infiniteAbsoluteLifetime: false,
}

/** Auth0's maximum `token_lifetime` (5 years); the idle lifetime has the same bound here. */
const MAX_REFRESH_LIFETIME_SECONDS = 157_788_000
const ROTATIONS = ['rotating', 'non-rotating'] as const satisfies readonly RefreshTokenRotation[]
const EXPIRATIONS = ['expiring', 'non-expiring'] as const satisfies readonly RefreshTokenExpiration[]

const DEFAULT_GRANTS: Record<AppType, GrantType[]> = {
  spa: ['authorization_code', 'refresh_token'],
  native: ['authorization_code', 'refresh_token'],
  regular_web: ['authorization_code', 'refresh_token'],
  non_interactive: ['client_credentials'],
}

const seconds = (max: number) => z.number().int().min(0).max(max)

export const applicationInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(128),
  type: z.string(),
  callbacks: z.array(z.string()).max(100).optional(),
  logoutUrls: z.array(z.string()).max(100).optional(),
  webOrigins: z.array(z.string()).max(100).optional(),
  allowedOrigins: z.array(z.string()).max(100).optional(),
  grants: z.array(z.string()).optional(),
  authMethod: z.string().optional(),
  /** The public keys of a `private_key_jwt` application: a JWK Set, checked by checkClientJwks. */
  jwks: z.unknown().optional(),
  firstParty: z.boolean().optional(),
  refreshToken: z
    .object({
      rotation: z.enum(ROTATIONS, { error: `expected one of ${ROTATIONS.join(', ')}` }).optional(),
      expiration: z.enum(EXPIRATIONS, { error: `expected one of ${EXPIRATIONS.join(', ')}` }).optional(),
      reuseIntervalSeconds: seconds(3600).optional(),
      idleLifetimeSeconds: seconds(MAX_REFRESH_LIFETIME_SECONDS).min(60).optional(),
      absoluteLifetimeSeconds: seconds(MAX_REFRESH_LIFETIME_SECONDS).min(60).optional(),
      infiniteIdleLifetime: z.boolean().optional(),
      infiniteAbsoluteLifetime: z.boolean().optional(),
    })
    .optional(),
  /** deny (default), allow or require: Auth0's organization_usage. */
  organizationUsage: z.string().optional(),
  /** no_prompt (default) or pre_login_prompt: Auth0's organization_require_behavior. */
  organizationRequireBehavior: z.string().optional(),
  /** Auth0's initiate_login_uri, where invitation links point; '' or null clears it. */
  initiateLoginUri: z.string().max(2000).nullable().optional(),
  /** Auth0's jwt_configuration.alg: RS256 (default), ES256 or EdDSA for the app's ID tokens. */
  idTokenAlg: z.enum(SIGNING_ALGS).optional(),
})
export type ApplicationInput = z.input<typeof applicationInput>

const ORGANIZATION_USAGES: readonly OrganizationUsage[] = ['deny', 'allow', 'require']
const REQUIRE_BEHAVIORS: readonly OrganizationRequireBehavior[] = ['no_prompt', 'pre_login_prompt']

function organizationSettings(
  data: { organizationUsage?: string | undefined; organizationRequireBehavior?: string | undefined; initiateLoginUri?: string | null | undefined },
  current: Pick<ApplicationRecord, 'appType' | 'organizationUsage' | 'organizationRequireBehavior' | 'initiateLoginUri'>,
  rules: RegisteredUrlRules,
): Pick<ApplicationRecord, 'organizationUsage' | 'organizationRequireBehavior' | 'initiateLoginUri'> {
  const usage = data.organizationUsage?.trim().toLowerCase()
  if (usage !== undefined && !(ORGANIZATION_USAGES as readonly string[]).includes(usage))
    throw new RegistrationError(`organizationUsage: expected one of ${ORGANIZATION_USAGES.join(', ')}`)
  const behavior = data.organizationRequireBehavior?.trim().toLowerCase()
  if (behavior !== undefined && !(REQUIRE_BEHAVIORS as readonly string[]).includes(behavior))
    throw new RegistrationError(
      `organizationRequireBehavior: expected one of ${REQUIRE_BEHAVIORS.join(', ')}${behavior === 'post_login_prompt' ? ' (post_login_prompt is not supported)' : ''}`,
    )
  const uri = data.initiateLoginUri
  return {
    organizationUsage: (usage as OrganizationUsage | undefined) ?? current.organizationUsage,
    organizationRequireBehavior: (behavior as OrganizationRequireBehavior | undefined) ?? current.organizationRequireBehavior,
    // Kept when not given; '' or null clears it.
    initiateLoginUri: uri === undefined ? current.initiateLoginUri : uri ? checkLoginUri(uri, current.appType, rules) : null,
  }
}

/** Auth0's Application Login URI: the rules of a callback, without a native app's own scheme; stored as parsed. */
function checkLoginUri(value: string, appType: AppType, rules: RegisteredUrlRules): string {
  const problem = checkRegisteredUrl(value, 'login', appType, rules)
  if (problem) throw new RegistrationError(`initiateLoginUri: ${problem}`)
  return new URL(value).href
}

const NO_ORGANIZATIONS = { organizationUsage: 'deny', organizationRequireBehavior: 'no_prompt', initiateLoginUri: null } as const

export class RegistrationError extends Error {
  readonly code = 'ERR_INVALID_REGISTRATION'
  constructor(message: string) {
    super(message)
    this.name = 'RegistrationError'
  }
}

function resolveAlias<T>(table: Record<string, T>, value: string, what: string): T {
  const found = table[value.trim().toLowerCase()]
  if (found === undefined) throw new RegistrationError(`Unknown ${what}: ${value} (expected one of ${Object.keys(table).join(', ')})`)
  return found
}

/**
 * The URLs as given (never trimmed or repaired: what is stored is what was checked), duplicates
 * dropped, origins without their trailing slash. `field` names the input field in messages
 * (`webOrigins: …`), so callers can point at it.
 */
function checkUrls(urls: readonly string[], kind: RegisteredUrlKind, type: AppType, field: string, rules: RegisteredUrlRules): string[] {
  const unique = [...new Set(urls)]
  for (const url of unique) {
    const problem = checkRegisteredUrl(url, kind, type, rules)
    if (problem) throw new RegistrationError(`${field}: ${problem}`)
  }
  return kind === 'origin' ? unique.map((u) => u.replace(/\/$/, '')) : unique
}

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new RegistrationError(issue ? `${issue.path.join('.') || 'input'}: ${issue.message}` : 'invalid input')
  }
  return parsed.data
}

/** A client_id brought from elsewhere (an Auth0 export): letters, digits, '.', '_' or '-', not starting with '-'. */
export const GIVEN_CLIENT_ID = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,127}$/
/** A client secret brought from elsewhere: 16–512 printable ASCII characters without spaces. */
export const GIVEN_CLIENT_SECRET = /^[\x21-\x7e]{16,512}$/

/** What a migration keeps: the application's client_id and, for a confidential one, its secret. */
export interface GivenCredentials {
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
}

function checkGiven(given: GivenCredentials, method: TokenEndpointAuthMethod): void {
  if (given.clientId !== undefined && !GIVEN_CLIENT_ID.test(given.clientId))
    throw new RegistrationError("clientId: 1–128 letters, digits, '.', '_' or '-', not starting with '-'")
  if (given.clientSecret === undefined) return
  if (!usesSecret(method)) throw new RegistrationError(`clientSecret: a ${method} application has no client secret`)
  if (!GIVEN_CLIENT_SECRET.test(given.clientSecret)) throw new RegistrationError('clientSecret: 16–512 printable characters without spaces')
}

/**
 * A new application and, for confidential types, its secret (shown once; only the hash is kept).
 * `rules.issuer` is the server's issuer, for the URL rules; without it http is accepted only locally.
 * `given` keeps a migrated application's client_id and secret instead of new ones.
 */
export function createApplication(
  input: ApplicationInput,
  now: number,
  rules: RegisteredUrlRules = {},
  given: GivenCredentials = {},
): { record: ApplicationRecord; clientSecret: string | null } {
  const data = parseInput(applicationInput, input)
  const appType = resolveAlias(TYPE_ALIASES, data.type, 'application type')
  const grantTypes = data.grants?.length
    ? [...new Set(data.grants.map((g) => resolveAlias(GRANT_ALIASES, g, 'grant')))]
    : DEFAULT_GRANTS[appType]
  const publicByDefault = appType === 'spa' || appType === 'native'
  const tokenEndpointAuthMethod = data.authMethod
    ? resolveAlias(AUTH_ALIASES, data.authMethod, 'authentication method')
    : publicByDefault
      ? 'none'
      : 'client_secret_post'
  checkGiven(given, tokenEndpointAuthMethod)
  const clientSecret = usesSecret(tokenEndpointAuthMethod) ? (given.clientSecret ?? randomToken(48)) : null
  const record = validateApplication({
    clientId: given.clientId ?? randomAlphanumeric(32),
    name: data.name,
    appType,
    tokenEndpointAuthMethod,
    clientSecretHash: clientSecret === null ? null : sha256(clientSecret),
    ...(data.jwks !== undefined ? { jwks: checkClientJwks(data.jwks) } : {}),
    callbacks: checkUrls(data.callbacks ?? [], 'callback', appType, 'callbacks', rules),
    allowedLogoutUrls: checkUrls(data.logoutUrls ?? [], 'logout', appType, 'logoutUrls', rules),
    webOrigins: checkUrls(data.webOrigins ?? [], 'origin', appType, 'webOrigins', rules),
    allowedOrigins: checkUrls(data.allowedOrigins ?? [], 'origin', appType, 'allowedOrigins', rules),
    grantTypes,
    isFirstParty: data.firstParty ?? true,
    refreshToken: { ...DEFAULT_REFRESH_POLICY, ...data.refreshToken },
    ...organizationSettings(data, { appType, ...NO_ORGANIZATIONS }, rules),
    ...idTokenAlg(data.idTokenAlg, undefined),
    createdAt: now,
    updatedAt: now,
  })
  return { record, clientSecret }
}

const usesSecret = (method: TokenEndpointAuthMethod): boolean => method === 'client_secret_post' || method === 'client_secret_basic'

/**
 * The authentication an update asks for: between the two secret methods, or to `private_key_jwt`
 * or `none` (the secret is dropped). A move to a secret from anything else needs a new secret,
 * which only rotateClientSecret hands out.
 */
function changeAuthMethod(current: ApplicationRecord, requested: string | undefined): Pick<ApplicationRecord, 'tokenEndpointAuthMethod' | 'clientSecretHash'> {
  const method = requested === undefined ? current.tokenEndpointAuthMethod : resolveAlias(AUTH_ALIASES, requested, 'authentication method')
  if (method === current.tokenEndpointAuthMethod) return { tokenEndpointAuthMethod: method, clientSecretHash: current.clientSecretHash }
  if (usesSecret(method) && !usesSecret(current.tokenEndpointAuthMethod))
    throw new RegistrationError(`authMethod: switching to ${method} needs a new client secret: rotate the secret with that method instead`)
  return { tokenEndpointAuthMethod: method, clientSecretHash: usesSecret(method) ? current.clientSecretHash : null }
}

/**
 * Applies an update, re-validating the whole record; URLs are checked when given (stored ones are
 * kept as they are). `rules` as for createApplication.
 */
export function updateApplication(
  current: ApplicationRecord,
  input: Partial<Omit<ApplicationInput, 'type'>>,
  now: number,
  rules: RegisteredUrlRules = {},
): ApplicationRecord {
  const data = parseInput(applicationInput.partial(), input)
  const auth = changeAuthMethod(current, data.authMethod)
  // Keys go with private_key_jwt: given ones replace the stored set; leaving the method drops them.
  const { jwks: currentJwks, idTokenAlg: currentAlg, ...rest } = current
  const jwks = data.jwks !== undefined ? checkClientJwks(data.jwks) : auth.tokenEndpointAuthMethod === 'private_key_jwt' ? currentJwks : undefined
  return validateApplication({
    ...rest,
    ...auth,
    ...(jwks !== undefined ? { jwks } : {}),
    name: data.name ?? current.name,
    callbacks: data.callbacks ? checkUrls(data.callbacks, 'callback', current.appType, 'callbacks', rules) : current.callbacks,
    allowedLogoutUrls: data.logoutUrls ? checkUrls(data.logoutUrls, 'logout', current.appType, 'logoutUrls', rules) : current.allowedLogoutUrls,
    webOrigins: data.webOrigins ? checkUrls(data.webOrigins, 'origin', current.appType, 'webOrigins', rules) : current.webOrigins,
    allowedOrigins: data.allowedOrigins ? checkUrls(data.allowedOrigins, 'origin', current.appType, 'allowedOrigins', rules) : current.allowedOrigins,
    grantTypes: data.grants?.length
      ? [...new Set(data.grants.map((g) => resolveAlias(GRANT_ALIASES, g, 'grant')))]
      : current.grantTypes,
    isFirstParty: data.firstParty ?? current.isFirstParty,
    refreshToken: { ...current.refreshToken, ...data.refreshToken },
    ...organizationSettings(data, current, rules),
    ...idTokenAlg(data.idTokenAlg, currentAlg),
    updatedAt: now,
  })
}

/**
 * RS256 is the default and stays out of the record, except when an update moves back to it from
 * another algorithm (the store then writes it; records read back leave it out again).
 */
function idTokenAlg(requested: SigningKeyAlg | undefined, current: SigningKeyAlg | undefined): Pick<ApplicationRecord, 'idTokenAlg'> {
  const alg = requested ?? current
  return alg === undefined || (alg === 'RS256' && current === undefined) ? {} : { idTokenAlg: alg }
}

/** Cross-field rules every stored application satisfies. */
function validateApplication(record: ApplicationRecord): ApplicationRecord {
  const interactive = record.appType !== 'non_interactive'
  if (record.grantTypes.includes('authorization_code') && record.callbacks.length === 0)
    throw new RegistrationError('callbacks are required for applications that use the authorization_code grant (--callbacks URL[,URL…])')
  if (!interactive && record.grantTypes.includes('authorization_code'))
    throw new RegistrationError('machine-to-machine applications cannot use the authorization_code grant')
  if (record.tokenEndpointAuthMethod === 'none' && record.grantTypes.includes('client_credentials'))
    throw new RegistrationError('public applications (no secret) cannot use the client_credentials grant')
  if (record.grantTypes.includes('client_credentials') && interactive)
    throw new RegistrationError('only machine-to-machine applications (type m2m) may use the client_credentials grant')
  if (record.tokenEndpointAuthMethod === 'private_key_jwt') {
    if (record.appType !== 'regular_web' && record.appType !== 'non_interactive')
      throw new RegistrationError('authMethod: only regular web and machine-to-machine applications can authenticate with private_key_jwt')
    if (!record.jwks) throw new RegistrationError('jwks: private_key_jwt needs the public keys the application signs with')
  } else if (record.jwks) throw new RegistrationError('jwks: public keys are only for applications that authenticate with private_key_jwt')
  if (record.organizationUsage !== 'deny' && !record.grantTypes.includes('authorization_code'))
    throw new RegistrationError('organizationUsage: only applications people log in to (the authorization_code grant) can use organizations')
  if (record.appType !== 'native' && record.callbacks.some((c) => !/^https?:/.test(c)))
    throw new RegistrationError('only native applications may use private-use URI scheme callbacks')
  checkRefreshPolicy(record.refreshToken)
  return record
}

/**
 * Auth0's combinations: a rotating token expires (and has at least one lifetime); the absolute
 * lifetime, when both apply, is not the shorter.
 */
function checkRefreshPolicy(policy: RefreshTokenPolicy): void {
  if (policy.rotation === 'rotating' && policy.expiration === 'non-expiring')
    throw new RegistrationError('refreshToken.expiration: rotating refresh tokens must expire: use expiring, or make them non-rotating')
  const idle = idleLifetimeSeconds(policy)
  const absolute = absoluteLifetimeSeconds(policy)
  // Every rotation leaves the rotated-out token behind, for reuse detection, until its expiry.
  if (policy.rotation === 'rotating' && idle === null && absolute === null)
    throw new RegistrationError('refreshToken.infiniteAbsoluteLifetime: rotating refresh tokens need an idle or an absolute lifetime: turn one of the infinite lifetimes off, or make them non-rotating')
  if (idle !== null && absolute !== null && absolute < idle)
    throw new RegistrationError('refreshToken.absoluteLifetimeSeconds: the absolute refresh-token lifetime must not be shorter than the idle lifetime')
}

/**
 * A fresh secret for a confidential app (rotation); the old one stops working at once. `authMethod`
 * (client_secret_post or client_secret_basic) moves a `private_key_jwt` app to a secret, dropping its
 * keys; such an app has no secret to rotate otherwise.
 */
export function rotateClientSecret(current: ApplicationRecord, now: number, authMethod?: string): { record: ApplicationRecord; clientSecret: string } {
  if (current.tokenEndpointAuthMethod === 'none') throw new RegistrationError('public applications have no client secret')
  const method = authMethod === undefined ? current.tokenEndpointAuthMethod : resolveAlias(AUTH_ALIASES, authMethod, 'authentication method')
  if (!usesSecret(method))
    throw new RegistrationError(
      current.tokenEndpointAuthMethod === 'private_key_jwt' && authMethod === undefined
        ? 'this application authenticates with private_key_jwt and has no client secret: name the secret method to switch to (client_secret_post or client_secret_basic)'
        : `authMethod: ${method} does not use a client secret`,
    )
  const clientSecret = randomToken(48)
  const { jwks: _jwks, ...rest } = current
  return { record: { ...rest, tokenEndpointAuthMethod: method, clientSecretHash: sha256(clientSecret), updatedAt: now }, clientSecret }
}
