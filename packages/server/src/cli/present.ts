/**
 * How the CLI shows records: JSON with Auth0 Management API field names (snake_case, ISO times), and
 * aligned text for people. Secrets appear only when passed in (on create and rotate); password
 * hashes and private keys never.
 */
import {
  absoluteLifetimeSeconds,
  type ApiRecord,
  type ApplicationRecord,
  type ClientGrantRecord,
  carriesPermissions,
  idleLifetimeSeconds,
  type KeyStatus,
  type UserRecord,
} from '@latchkey/core'
import { encryptedWith } from '../keys/key-encryption.js'

/** A refresh-token lifetime as configured, and whether it applies (null: it does not). */
const lifetime = (configured: number, applied: number | null): string => (applied === null ? `never (configured ${configured} s)` : `${applied} s`)

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

export function presentApp(app: ApplicationRecord, clientSecret?: string) {
  return {
    client_id: app.clientId,
    ...(clientSecret === undefined ? {} : { client_secret: clientSecret }),
    name: app.name,
    app_type: app.appType,
    token_endpoint_auth_method: app.tokenEndpointAuthMethod,
    ...(app.jwks ? { jwks: { keys: app.jwks.keys.map((key) => ({ ...key })) } } : {}),
    callbacks: [...app.callbacks],
    allowed_logout_urls: [...app.allowedLogoutUrls],
    web_origins: [...app.webOrigins],
    allowed_origins: [...app.allowedOrigins],
    grant_types: [...app.grantTypes],
    is_first_party: app.isFirstParty,
    refresh_token: {
      rotation_type: app.refreshToken.rotation,
      expiration_type: app.refreshToken.expiration,
      leeway: app.refreshToken.reuseIntervalSeconds,
      idle_token_lifetime: app.refreshToken.idleLifetimeSeconds,
      token_lifetime: app.refreshToken.absoluteLifetimeSeconds,
      infinite_idle_token_lifetime: app.refreshToken.infiniteIdleLifetime,
      infinite_token_lifetime: app.refreshToken.infiniteAbsoluteLifetime,
    },
    organization_usage: app.organizationUsage,
    organization_require_behavior: app.organizationRequireBehavior,
    initiate_login_uri: app.initiateLoginUri,
    jwt_configuration: { alg: app.idTokenAlg ?? 'RS256' },
    created_at: iso(app.createdAt),
    updated_at: iso(app.updatedAt),
  }
}

/** Auth0's client grant fields, and the times. */
export function presentClientGrant(grant: ClientGrantRecord) {
  return {
    id: grant.id,
    client_id: grant.clientId,
    audience: grant.audience,
    scope: [...grant.scope],
    created_at: iso(grant.createdAt),
    updated_at: iso(grant.updatedAt),
  }
}

export function presentApi(api: ApiRecord) {
  return {
    id: api.id,
    name: api.name,
    identifier: api.identifier,
    scopes: api.scopes.map((s) => ({ value: s.value, description: s.description })),
    allow_offline_access: api.allowOfflineAccess,
    token_lifetime: api.tokenLifetime,
    skip_consent_for_verifiable_first_party_clients: api.skipConsentForFirstParty,
    signing_alg: api.signingAlg,
    enforce_policies: api.enforcePolicies,
    token_dialect: api.tokenDialect,
  }
}

/** RBAC at a glance: off, on, or on with the permissions claim (which an API may also have without RBAC). */
export function rbacSummary(api: ApiRecord): string {
  const claim = carriesPermissions(api.tokenDialect)
  if (!api.enforcePolicies) return claim ? 'off, permissions in token' : 'off'
  return claim ? 'on, permissions in token' : 'on'
}

export function presentUser(user: UserRecord) {
  return {
    user_id: user.id,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name,
    nickname: user.nickname,
    picture: user.picture,
    blocked: user.blocked,
    last_login: iso(user.lastLoginAt),
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
  }
}

export function presentKey(status: KeyStatus) {
  return {
    kid: status.key.kid,
    alg: status.key.alg,
    state: status.state,
    created_at: iso(status.key.createdAt),
    activates_at: iso(status.key.activatesAt),
    unpublish_at: iso(status.unpublishAt),
    /** The key-encryption key sealing the private key; null while unencrypted (until a start or `keys reencrypt`). */
    encryption_key_id: encryptedWith(status.key.privateJwk),
  }
}

// Text for people.

type Cell = string | number | boolean | null | readonly string[]

const cell = (value: Cell): string =>
  value === null ? '-' : Array.isArray(value) ? (value.length ? value.join(', ') : '-') : String(value)

/** `key  value` lines, the values aligned. */
export function fields(rows: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${cell(v)}`).join('\n')
}

/** A table with a header row; columns as wide as their widest cell. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [headers, ...rows.map((r) => r.map(cell))]
  const widths = headers.map((_, i) => Math.max(...text.map((r) => (r[i] as string).length)))
  return text.map((r) => r.map((c, i) => (i === r.length - 1 ? c : (c as string).padEnd(widths[i] ?? 0))).join('  ')).join('\n')
}

export function appFields(app: ApplicationRecord, extra: readonly (readonly [string, Cell])[] = []): string {
  const p = presentApp(app)
  return fields([
    ['name', p.name],
    ['client_id', p.client_id],
    ['type', p.app_type],
    ['auth method', p.token_endpoint_auth_method],
    ...(app.jwks ? [['public keys', app.jwks.keys.map((k) => `${k.kid ?? '(no kid)'} ${k.kty}${k.crv ? ` ${k.crv}` : ''}`)] as const] : []),
    ['grants', p.grant_types],
    ['callbacks', p.callbacks],
    ['logout urls', p.allowed_logout_urls],
    ['web origins', p.web_origins],
    ['allowed origins', p.allowed_origins],
    ['first party', p.is_first_party],
    ['refresh tokens', `${p.refresh_token.rotation_type}, ${p.refresh_token.expiration_type}`],
    ['refresh reuse', `${p.refresh_token.leeway} s`],
    ['refresh idle', lifetime(p.refresh_token.idle_token_lifetime, idleLifetimeSeconds(app.refreshToken))],
    ['refresh absolute', lifetime(p.refresh_token.token_lifetime, absoluteLifetimeSeconds(app.refreshToken))],
    ['organizations', p.organization_usage === 'require' ? `require (${p.organization_require_behavior})` : p.organization_usage],
    ['login uri', p.initiate_login_uri],
    ['id token alg', p.jwt_configuration.alg],
    ['created', p.created_at],
    ['updated', p.updated_at],
    ...extra,
  ])
}

export function clientGrantFields(grant: ClientGrantRecord): string {
  const p = presentClientGrant(grant)
  return fields([
    ['id', p.id],
    ['client_id', p.client_id],
    ['audience', p.audience],
    ['scopes', p.scope],
    ['created', p.created_at],
    ['updated', p.updated_at],
  ])
}

export function apiFields(api: ApiRecord): string {
  const p = presentApi(api)
  return fields([
    ['name', p.name],
    ['id', p.id],
    ['identifier', p.identifier],
    ['scopes', p.scopes.map((s) => s.value)],
    ['offline access', p.allow_offline_access],
    ['token lifetime', `${p.token_lifetime} s`],
    ['skip consent', p.skip_consent_for_verifiable_first_party_clients],
    ['signing alg', p.signing_alg],
    ['rbac', p.enforce_policies],
    ['token dialect', p.token_dialect],
  ])
}

export function userFields(user: UserRecord): string {
  const p = presentUser(user)
  return fields([
    ['user_id', p.user_id],
    ['email', p.email],
    ['email verified', p.email_verified],
    ['name', p.name],
    ['nickname', p.nickname],
    ['picture', p.picture],
    ['blocked', p.blocked],
    ['last login', p.last_login],
    ['created', p.created_at],
    ['updated', p.updated_at],
  ])
}
