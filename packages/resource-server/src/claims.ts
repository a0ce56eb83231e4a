/** The claims of a verified Latchkey access token (RFC 9068 §2.2), and reading its scopes. */

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
  readonly [claim: string]: unknown
}

/** The token's scopes as a set (from the space-delimited `scope` string, or an array of strings). */
export function tokenScopes(claims: AccessTokenClaims): ReadonlySet<string> {
  const raw = claims.scope
  const list = typeof raw === 'string' ? raw.split(' ') : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : []
  return new Set(list.filter((s) => s !== ''))
}

const REALM = Symbol('@latchkey/resource-server realm')

/**
 * Marks verified claims with the verifier's realm (a hidden, non-enumerable property), so checks
 * run later answer with it, then deep-freezes them: the verifier may hand the same object to
 * several requests.
 */
export function sealClaims(claims: AccessTokenClaims, realm: string): AccessTokenClaims {
  Object.defineProperty(claims, REALM, { value: realm })
  return freeze(claims)
}

/** The realm of the verifier that returned these claims. */
export function realmOf(claims: AccessTokenClaims): string | undefined {
  return (claims as { [REALM]?: string })[REALM]
}

function freeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key in value) freeze(value[key])
  }
  return value
}
