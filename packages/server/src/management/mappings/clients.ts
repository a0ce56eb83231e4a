/**
 * Auth0's client (application) fields ↔ Latchkey's ApplicationRecord. The zod schemas here check
 * shape and types only and describe the wire format (they feed the OpenAPI document); the rules
 * (URLs, grant and type combinations, lifetimes, keys) stay in @latchkey/core's registration, which
 * the CLI uses too. Settings Latchkey does not have are refused with a reason, never ignored.
 * `refresh_token` is Auth0's object field for field, both ways (core's RefreshTokenPolicy): fields
 * left out keep the current values (an update) or Latchkey's defaults (a create).
 * applicationInput is also what the tenant import turns a Deploy CLI client into an application with.
 */
import { createPublicKey } from 'node:crypto'
import { type ApplicationInput, type ApplicationRecord, ID_TOKEN_LIFETIME_SECONDS, SIGNING_ALGS } from '@latchkey/core'
import type { JWK } from 'jose'
import { z } from 'zod'
import { badRequest } from '../errors.js'
import { defined, partialOf } from './shape.js'

export const APP_TYPES = ['native', 'spa', 'regular_web', 'non_interactive'] as const
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const
export const AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic', 'private_key_jwt'] as const

const urls = (what: string) => z.array(z.string().max(2000)).max(100).describe(what)
/** What @latchkey/core's registered-urls.ts checks, for the OpenAPI document. */
const URL_RULES =
  'Absolute and written as the URL it denotes (https://host/path, nothing left to normalise), without fragment, user name, whitespace or control characters; https, or http for localhost and loopback addresses (on any host while the issuer uses http).'

const ROTATION_TYPES = ['rotating', 'non-rotating'] as const
const EXPIRATION_TYPES = ['expiring', 'non-expiring'] as const

const refreshTokenFields = {
  rotation_type: z
    .enum(ROTATION_TYPES)
    .describe('rotating: a new refresh token at every refresh, with reuse detection; non-rotating: the refresh answer carries no refresh token and the same one keeps working.'),
  expiration_type: z.enum(EXPIRATION_TYPES).describe('expiring: the lifetimes below apply (required with rotating); non-expiring: neither does.'),
  leeway: z.number().int().describe('Seconds a rotated-out refresh token may still be used (tabs racing), 0 to 3600.'),
  token_lifetime: z.number().int().describe('Absolute lifetime of a refresh-token family, in seconds (60 to 157788000).'),
  idle_token_lifetime: z.number().int().describe('Seconds a refresh token stays valid unused (60 to 157788000); each use starts it again.'),
  infinite_token_lifetime: z.boolean().describe('No absolute lifetime (takes precedence over token_lifetime).'),
  infinite_idle_token_lifetime: z.boolean().describe('No idle lifetime (takes precedence over idle_token_lifetime).'),
}

const refreshTokenIn = z
  .strictObject({
    ...partialOf(refreshTokenFields),
    policies: z
      .array(z.unknown())
      .max(0, { error: 'Latchkey has no multi-resource refresh token policies: refresh_token.policies must be empty' })
      .nullable()
      .describe("Auth0's multi-resource refresh token policies: only empty (or null), as exports of apps without them carry.")
      .optional(),
  })
  .describe('Refresh-token rotation and lifetimes, as Auth0\'s refresh_token object.')

const jwtConfigurationIn = z
  .strictObject({ alg: z.enum(SIGNING_ALGS, { error: 'Latchkey signs ID tokens with RS256, ES256 or EdDSA' }).optional() })
  .describe('ID-token signing: RS256 (the default, what Auth0\'s SDKs expect), ES256 or EdDSA.')

const credentialIn = z.strictObject({
  credential_type: z.literal('public_key'),
  name: z.string().max(128).optional(),
  pem: z.string().max(16_384).describe('The public key (or certificate) in PEM.'),
  alg: z.enum(['RS256', 'PS256', 'ES256', 'EdDSA']).optional(),
  kid: z.string().max(256).optional(),
})

const authenticationMethodsIn = z
  .strictObject({ private_key_jwt: z.strictObject({ credentials: z.array(credentialIn).min(1).max(10) }) })
  .describe('private_key_jwt (RFC 7523): the public keys the application signs its client assertions with.')

const clientFields = {
  name: z.string().describe('The name of the application.'),
  app_type: z.enum(APP_TYPES).describe('The type of application.'),
  callbacks: urls(`Allowed callback URLs. ${URL_RULES} A native application may also use its own scheme as a reverse domain name, com.example.app:/callback (RFC 8252 §7.1).`),
  allowed_logout_urls: urls(`URLs the application may return to after logout. ${URL_RULES} A native application may also use its own scheme, as for callbacks.`),
  web_origins: urls('Origins allowed for web_message responses and cross-origin authentication: scheme://host[:port], no path or query; https, http as for callbacks.'),
  allowed_origins: urls('Origins allowed to call the token endpoint (CORS): scheme://host[:port], no path or query; https, http as for callbacks.'),
  grant_types: z.array(z.enum(GRANT_TYPES)).describe('Grants the application may use.'),
  token_endpoint_auth_method: z.enum(AUTH_METHODS).describe('How the application authenticates at the token endpoint.'),
  client_authentication_methods: authenticationMethodsIn,
  is_first_party: z.boolean().describe('First-party applications may skip consent for APIs that allow it.'),
  oidc_conformant: z.literal(true, { error: 'Latchkey is always OIDC conformant: oidc_conformant must be true' }),
  refresh_token: refreshTokenIn,
  jwt_configuration: jwtConfigurationIn,
  organization_usage: z.enum(['deny', 'allow', 'require']).describe('Whether people log in to organizations: deny (the default), allow or require.'),
  organization_require_behavior: z
    .enum(['no_prompt', 'pre_login_prompt', 'post_login_prompt'])
    .describe('With require and no organization given: no_prompt (an error) or pre_login_prompt (the organization is asked for); post_login_prompt is not supported.'),
  initiate_login_uri: z.string().max(2000).describe(`The application's login URI, where invitation links point; an empty string clears it. ${URL_RULES}`),
}

export const createClientBody = z
  .strictObject({ name: clientFields.name, ...partialOf(clientFields, 'name') })
  .describe('A new application. app_type defaults to regular_web.')

export const updateClientBody = z.strictObject(partialOf(clientFields)).describe('The fields to change; lists replace the stored ones.')

export type CreateClientBody = z.output<typeof createClientBody>
export type UpdateClientBody = z.output<typeof updateClientBody>

export const clientSchema = z
  .object({
    client_id: z.string(),
    client_secret: z.string().optional().describe('Only in the answers to create and rotate-secret: store it then.'),
    name: z.string(),
    app_type: z.enum(APP_TYPES),
    is_first_party: z.boolean(),
    oidc_conformant: z.boolean(),
    callbacks: z.array(z.string()),
    allowed_logout_urls: z.array(z.string()),
    web_origins: z.array(z.string()),
    allowed_origins: z.array(z.string()),
    grant_types: z.array(z.string()),
    token_endpoint_auth_method: z.enum(AUTH_METHODS),
    client_authentication_methods: z.object({ private_key_jwt: z.object({ credentials: z.array(z.object({ id: z.string() })) }) }).optional(),
    refresh_token: z.object(refreshTokenFields),
    jwt_configuration: z.object({ alg: z.enum(SIGNING_ALGS), lifetime_in_seconds: z.number().int() }),
    organization_usage: z.enum(['deny', 'allow', 'require']),
    organization_require_behavior: z.enum(['no_prompt', 'pre_login_prompt']),
    initiate_login_uri: z.string().optional(),
  })
  .describe('An application (OAuth client).')

export type Auth0Client = z.output<typeof clientSchema>

/** Core's field paths → the Management API's, for messages from the registration rules. */
export const CLIENT_FIELD_NAMES: Readonly<Record<string, string>> = {
  name: 'name',
  type: 'app_type',
  callbacks: 'callbacks',
  logoutUrls: 'allowed_logout_urls',
  webOrigins: 'web_origins',
  allowedOrigins: 'allowed_origins',
  grants: 'grant_types',
  authMethod: 'token_endpoint_auth_method',
  jwks: 'client_authentication_methods.private_key_jwt.credentials',
  firstParty: 'is_first_party',
  'refreshToken.rotation': 'refresh_token.rotation_type',
  'refreshToken.expiration': 'refresh_token.expiration_type',
  'refreshToken.infiniteIdleLifetime': 'refresh_token.infinite_idle_token_lifetime',
  'refreshToken.infiniteAbsoluteLifetime': 'refresh_token.infinite_token_lifetime',
  'refreshToken.reuseIntervalSeconds': 'refresh_token.leeway',
  'refreshToken.idleLifetimeSeconds': 'refresh_token.idle_token_lifetime',
  'refreshToken.absoluteLifetimeSeconds': 'refresh_token.token_lifetime',
  organizationUsage: 'organization_usage',
  organizationRequireBehavior: 'organization_require_behavior',
  initiateLoginUri: 'initiate_login_uri',
  idTokenAlg: 'jwt_configuration.alg',
}

/** A PEM public key (or certificate) as a JWK; the registration rules then check it. */
function credentialJwk(credential: z.output<typeof credentialIn>, index: number): JWK {
  let jwk: JWK
  try {
    jwk = createPublicKey(credential.pem).export({ format: 'jwk' }) as JWK
  } catch {
    throw badRequest(`Payload validation error: client_authentication_methods.private_key_jwt.credentials.${index}.pem is not a PEM public key or certificate.`)
  }
  return { ...jwk, ...(credential.alg ? { alg: credential.alg } : {}), ...(credential.kid ? { kid: credential.kid } : credential.name ? { kid: credential.name } : {}) }
}

/** The Auth0 body → the input of @latchkey/core's createApplication / updateApplication. */
export function applicationInput(body: UpdateClientBody): Partial<ApplicationInput> {
  const refreshToken = refreshPolicyInput(body.refresh_token)
  const credentials = body.client_authentication_methods?.private_key_jwt.credentials
  const method = body.token_endpoint_auth_method ?? (credentials ? 'private_key_jwt' : undefined)
  if (credentials && method !== 'private_key_jwt')
    throw badRequest('Payload validation error: client_authentication_methods.private_key_jwt goes with token_endpoint_auth_method private_key_jwt (or none given).')
  return defined({
    name: body.name,
    type: body.app_type,
    callbacks: body.callbacks,
    logoutUrls: body.allowed_logout_urls,
    webOrigins: body.web_origins,
    allowedOrigins: body.allowed_origins,
    grants: body.grant_types,
    authMethod: method,
    jwks: credentials ? { keys: credentials.map(credentialJwk) } : undefined,
    firstParty: body.is_first_party,
    refreshToken,
    organizationUsage: body.organization_usage,
    organizationRequireBehavior: body.organization_require_behavior,
    initiateLoginUri: body.initiate_login_uri,
    idTokenAlg: body.jwt_configuration?.alg,
  }) as Partial<ApplicationInput>
}

/** Auth0's `refresh_token` object → core's refreshToken input (only the fields given; undefined for none). */
export function refreshPolicyInput(refresh: z.output<typeof refreshTokenIn> | undefined): ApplicationInput['refreshToken'] {
  if (!refresh) return undefined
  const policy = defined({
    rotation: refresh.rotation_type,
    expiration: refresh.expiration_type,
    reuseIntervalSeconds: refresh.leeway,
    idleLifetimeSeconds: refresh.idle_token_lifetime,
    absoluteLifetimeSeconds: refresh.token_lifetime,
    infiniteIdleLifetime: refresh.infinite_idle_token_lifetime,
    infiniteAbsoluteLifetime: refresh.infinite_token_lifetime,
  })
  return Object.keys(policy).length > 0 ? policy : undefined
}

/** The record in Auth0's shape; `clientSecret` only when one was just issued. */
export function presentClient(app: ApplicationRecord, clientSecret?: string | null): Auth0Client {
  const keys = app.tokenEndpointAuthMethod === 'private_key_jwt' ? (app.jwks?.keys ?? []) : []
  return {
    client_id: app.clientId,
    ...(clientSecret ? { client_secret: clientSecret } : {}),
    name: app.name,
    app_type: app.appType,
    is_first_party: app.isFirstParty,
    oidc_conformant: true,
    callbacks: [...app.callbacks],
    allowed_logout_urls: [...app.allowedLogoutUrls],
    web_origins: [...app.webOrigins],
    allowed_origins: [...app.allowedOrigins],
    grant_types: [...app.grantTypes],
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    ...(app.tokenEndpointAuthMethod === 'private_key_jwt'
      ? { client_authentication_methods: { private_key_jwt: { credentials: keys.map((k, i) => ({ id: k.kid ?? `key-${i + 1}` })) } } }
      : {}),
    refresh_token: {
      rotation_type: app.refreshToken.rotation,
      expiration_type: app.refreshToken.expiration,
      leeway: app.refreshToken.reuseIntervalSeconds,
      token_lifetime: app.refreshToken.absoluteLifetimeSeconds,
      idle_token_lifetime: app.refreshToken.idleLifetimeSeconds,
      infinite_token_lifetime: app.refreshToken.infiniteAbsoluteLifetime,
      infinite_idle_token_lifetime: app.refreshToken.infiniteIdleLifetime,
    },
    jwt_configuration: { alg: app.idTokenAlg ?? 'RS256', lifetime_in_seconds: ID_TOKEN_LIFETIME_SECONDS },
    organization_usage: app.organizationUsage,
    organization_require_behavior: app.organizationRequireBehavior,
    ...(app.initiateLoginUri !== null ? { initiate_login_uri: app.initiateLoginUri } : {}),
  }
}
