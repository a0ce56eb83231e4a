/**
 * Who may hold a user's access token for the Management API (Latchkey's own API, the system API):
 * only the admin console's application (a first-party SPA the server keeps, with this fixed
 * client_id), and only for a user who holds some of the Management API's scopes as permissions
 * (the built-in roles `Latchkey Admin` and `Latchkey Read-only`, or any role or direct permission).
 * The token's API scopes are then all of the user's permissions, whatever was requested, checked
 * again at every refresh: an administrator removed loses access at the next refresh.
 */
import { AccessDenied } from '../errors.js'
import type { ApiRecord, ApplicationRecord } from '../records.js'

/** The admin console's application: its client_id, documented (docs/management-api.md). */
export const ADMIN_CONSOLE_CLIENT_ID = 'latchkey-admin-console'

/** Why the console's application cannot be changed, deleted or given a secret by hand (Management API, CLI). */
export const ADMIN_CONSOLE_APP_KEPT = "The admin console's application is Latchkey's own: the server keeps it (LATCHKEY_ADMIN_CONSOLE turns it off)."

export const MANAGEMENT_API_NOT_FOR_APP = 'The Management API is not available to this application'
export const NOT_AN_ADMINISTRATOR = 'The user is not an administrator: the Management API is not available to them'

/** Whether `app` may ask for a user's token for `api` (any API but the system one, or the console). */
export function mayRequestUserToken(app: Pick<ApplicationRecord, 'clientId'>, api: ApiRecord): boolean {
  return !api.isSystem || app.clientId === ADMIN_CONSOLE_CLIENT_ID
}

/**
 * A user's scope for the Management API: the requested scopes that are not the API's (openid,
 * offline_access, …) and every scope of the API the user holds. Refused (access_denied) for another
 * application or a user holding none.
 */
export function managementApiScope(app: Pick<ApplicationRecord, 'clientId'>, api: ApiRecord, requested: readonly string[], permissions: ReadonlySet<string>): string[] {
  if (!mayRequestUserToken(app, api)) throw new AccessDenied(MANAGEMENT_API_NOT_FOR_APP)
  const apiScopes = api.scopes.map((s) => s.value)
  const held = apiScopes.filter((scope) => permissions.has(scope))
  if (held.length === 0) throw new AccessDenied(NOT_AN_ADMINISTRATOR)
  const own = new Set(apiScopes)
  return [...requested.filter((scope) => !own.has(scope)), ...held]
}
