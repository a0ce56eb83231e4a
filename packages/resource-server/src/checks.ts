/**
 * Authorization checks on verified claims: scopes (all-of, any-of) and permissions (the
 * `permissions` claim of an API with RBAC) answer 403 `insufficient_scope` with the `scope`
 * attribute (RFC 6750 §3.1); claim checks answer 401 `invalid_token`, as
 * express-oauth2-jwt-bearer's `claimCheck` does. A check is a plain function, so every adapter and
 * framework-free code share them.
 */
import { challengeOf, tokenPermissions, tokenScopes, type AccessTokenClaims } from './claims.js'
import { BearerError, insufficientScope, invalidToken } from './errors.js'

export type ClaimCheck = (claims: AccessTokenClaims) => void

type JsonPrimitive = string | number | boolean | null

function scopeList(scopes: readonly string[], name: string, what = 'scope'): string[] {
  const list = scopes.flatMap((s) => s.split(' ')).filter((s) => s !== '')
  if (list.length === 0) throw new TypeError(`${name}() needs at least one ${what}`)
  return list
}

/** Every one of the scopes must have been granted. */
export function requireScopes(...scopes: string[]): ClaimCheck {
  const required = scopeList(scopes, 'requireScopes')
  return function requireScopes(claims) {
    const granted = tokenScopes(claims)
    if (!required.every((s) => granted.has(s))) throw insufficientScope(`The access token needs the scope ${required.join(' ')}.`, required)
  }
}

/** At least one of the scopes must have been granted. */
export function requireAnyScope(...scopes: string[]): ClaimCheck {
  const accepted = scopeList(scopes, 'requireAnyScope')
  return function requireAnyScope(claims) {
    const granted = tokenScopes(claims)
    if (!accepted.some((s) => granted.has(s))) throw insufficientScope(`The access token needs one of the scopes ${accepted.join(' ')}.`, accepted)
  }
}

/**
 * Every one of the permissions must be in the token's `permissions` claim (an array of strings,
 * which Latchkey adds for an API whose token dialect is `access_token_authz`: the user's
 * permissions for that API, from their roles and given directly). A token without the claim fails.
 * A permission is a scope of the API, so the refusal names them in the `scope` attribute.
 */
export function requirePermissions(...permissions: string[]): ClaimCheck {
  const required = scopeList(permissions, 'requirePermissions', 'permission')
  return function requirePermissions(claims) {
    if (!Array.isArray(claims.permissions)) throw insufficientScope('The access token has no permissions claim.', required)
    const granted = tokenPermissions(claims)
    if (!required.every((p) => granted.has(p))) throw insufficientScope(`The access token needs the permission ${required.join(' ')}.`, required)
  }
}

/**
 * The claim must equal `expected` (or, when the claim is an array, contain it), or satisfy the
 * predicate: `requireClaim('org_id', 'org_123')`, `requireClaim('permissions', 'read:x')`,
 * `requireClaim('amr', (amr) => Array.isArray(amr) && amr.includes('mfa'))`.
 */
export function requireClaim(name: string, expected: JsonPrimitive | ((value: unknown, claims: AccessTokenClaims) => boolean)): ClaimCheck {
  const test =
    typeof expected === 'function' ? expected : (value: unknown) => value === expected || (Array.isArray(value) && value.includes(expected))
  return function requireClaim(claims) {
    const value = Object.hasOwn(claims, name) ? claims[name] : undefined
    if (!test(value, claims)) throw invalidToken(value === undefined ? `The access token has no ${name} claim.` : `The access token's ${name} claim is not accepted here.`)
  }
}

/** Runs the checks; a failure is a `BearerError` with the realm of the verifier that made the claims. */
export function checkClaims(claims: AccessTokenClaims, ...checks: readonly ClaimCheck[]): void {
  try {
    for (const check of checks) check(claims)
  } catch (err) {
    const challenge = challengeOf(claims)
    throw err instanceof BearerError && challenge !== undefined ? err.withChallenge(challenge) : err
  }
}
