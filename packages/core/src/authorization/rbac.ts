/**
 * Role-based access control for an API, as Auth0's "Enable RBAC" and "Add Permissions in the Access
 * Token" settings define it:
 * - with `enforcePolicies`, the access token's scope is the requested scope narrowed to what the
 *   user's permissions allow (their direct permissions, their roles', and their roles' within the
 *   organization they logged in to). OpenID Connect scopes and `offline_access` are not the API's,
 *   so they pass. A user allowed none of the requested API scopes still gets a token, without them;
 * - with an `_authz` token dialect, the access token carries `permissions`: every permission the
 *   user has for the API, whatever was requested (Auth0: "all permissions assigned to the user").
 * Without either setting, nothing changes and no permission is read.
 */
import type { ApiRecord, TokenDialect } from '../records.js'

/** Scopes that belong to OpenID Connect or to the refresh token, never to an API's permissions. */
const NOT_API_SCOPES = new Set(['openid', 'profile', 'email', 'address', 'phone', 'offline_access'])

/** Whether issuing a user's token for `api` needs their permissions. */
export function needsPermissions(api: ApiRecord | null): api is ApiRecord {
  return api !== null && (api.enforcePolicies || carriesPermissions(api.tokenDialect))
}

export function carriesPermissions(dialect: TokenDialect): boolean {
  return dialect.endsWith('_authz')
}

/** The scope a user's access token for `api` carries, given the permissions they have for it. */
export function authorizedScope(requested: readonly string[], api: ApiRecord | null, permissions: ReadonlySet<string>): readonly string[] {
  if (api === null || !api.enforcePolicies) return requested
  return requested.filter((scope) => NOT_API_SCOPES.has(scope) || permissions.has(scope))
}

/**
 * The `permissions` claim: the user's permissions that are still scopes of the API (a scope removed
 * from the API no longer grants anything), in the API's order; undefined when the dialect has none.
 */
export function permissionsClaim(api: ApiRecord | null, permissions: ReadonlySet<string>): string[] | undefined {
  if (api === null || !carriesPermissions(api.tokenDialect)) return undefined
  return api.scopes.map((s) => s.value).filter((scope) => permissions.has(scope))
}
