/** The claims of a verified Latchkey access token (RFC 9068 §2.2), and reading its scopes and permissions. */
import type { Challenge } from './errors.js'


export interface AccessTokenClaims {
  /** The issuer, exactly as configured (`http://localhost:3000/`). */
  readonly iss: string
  /** The user (or, for machine tokens, the client) the token was issued for. */
  readonly sub: string
  /** The API identifier, or an array holding it (plus the issuer's `/userinfo` when `openid` was granted). */
  readonly aud: string | readonly string[]
  readonly exp: number
  readonly iat: number
  readonly nbf?: number
  readonly jti?: string
  /** Granted scopes, space-delimited (an array is accepted too). */
  readonly scope?: string | readonly string[]
  readonly client_id?: string
  readonly azp?: string
  readonly auth_time?: number
  readonly org_id?: string
  /** The user's permissions for this API (an API whose token dialect is `access_token_authz`). */
  readonly permissions?: readonly string[]
  /** RFC 9449 §6.1: a DPoP-bound token names its key's thumbprint in `cnf.jkt`. */
  readonly cnf?: { readonly jkt?: string; readonly [member: string]: unknown }
  readonly [claim: string]: unknown
}

/** The token's scopes as a set (from the space-delimited `scope` string, or an array of strings). */
export function tokenScopes(claims: AccessTokenClaims): ReadonlySet<string> {
  const raw = claims.scope
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : []
  return new Set(list.filter((s) => s !== ''))
}

/** The token's `permissions` claim as a set (empty when the claim is missing or not an array). */
export function tokenPermissions(claims: AccessTokenClaims): ReadonlySet<string> {
  const raw = claims.permissions as unknown
  return new Set(Array.isArray(raw) ? raw.filter((p): p is string => typeof p === 'string' && p !== '') : [])
}

const CHALLENGE = Symbol('@latchkey/resource-server challenge')

/**
 * Marks verified claims with the verifier's challenge (its realm, and DPoP when the token is
 * DPoP-bound) as a hidden, non-enumerable property, so checks run later answer with it, then
 * deep-freezes them: the verifier may hand the same object to several requests.
 */
export function sealClaims(claims: AccessTokenClaims, challenge: Challenge): AccessTokenClaims {
  Object.defineProperty(claims, CHALLENGE, { value: challenge })
  return freeze(claims)
}

/** The challenge of the verifier that returned these claims. */
export function challengeOf(claims: AccessTokenClaims): Challenge | undefined {
  return (claims as { [CHALLENGE]?: Challenge })[CHALLENGE]
}

/** The realm of the verifier that returned these claims. */
export function realmOf(claims: AccessTokenClaims): string | undefined {
  return challengeOf(claims)?.realm
}

function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key in value) freeze(value[key])
  }
  return value
}
