/**
 * The Management API is itself a registered API, so client grants to it can be made like any other:
 * "Latchkey Management API", identifier `{issuer}api/v2/`, with every scope a route asks for. It is
 * a system API (flagged in the store): kept by the server at every start, never changed or deleted by
 * hand. The flag, not the identifier, finds it, so when the issuer changes the identifier follows
 * (and the client grants with it) instead of a second API appearing. Users' tokens for it go to the
 * admin console's app alone (core's authorization/management-api.ts), which is first party: so the
 * API skips consent for first-party apps and allows offline access (the console's rotating refresh
 * tokens); machine-to-machine apps are unaffected by either.
 */
import { type ApiRecord, type ApiScope, createApi } from '@latchkey/core'
import { ConflictError, type Store } from '@latchkey/storage'
import { managementAudience } from './audience.js'
import { RESOURCES } from './resources/index.js'

export const MANAGEMENT_API_NAME = 'Latchkey Management API'
/** Auth0's Management API tokens live 24 hours. */
const TOKEN_LIFETIME = 86_400

const words = (text: string) => text.split(/[_-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ')

/** `read:client_grants` → `Read Client Grants`, as Auth0 describes its Management API scopes. */
function describeScope(scope: string): string {
  const [verb = '', object = ''] = scope.split(':')
  return `${words(verb)} ${words(object)}`.trim()
}

/** Every scope some route accepts, sorted, with a description. */
export function managementScopes(): ApiScope[] {
  const values = new Set(RESOURCES.flatMap((r) => r.routes.flatMap((route) => route.scopes)))
  return [...values].sort().map((value) => ({ value, description: describeScope(value) }))
}

const sameScopes = (a: readonly ApiScope[], b: readonly ApiScope[]) =>
  a.length === b.length && a.every((s, i) => s.value === b[i]?.value && s.description === b[i]?.description)

/**
 * Makes the Management API's record match this server: created when missing (or adopted, when an
 * API with its identifier was registered by hand), its identifier following the issuer, its name and
 * scopes those of this build. Safe to run from several nodes at once.
 */
export async function ensureManagementApi(store: Store, issuer: string, now: number): Promise<ApiRecord> {
  const identifier = managementAudience(issuer)
  const scopes = managementScopes()
  let api = await store.apis.findSystem()
  if (!api) {
    const existing = await store.apis.findByIdentifier(identifier)
    if (existing) {
      api = (await store.apis.update(existing.id, { isSystem: true, name: MANAGEMENT_API_NAME, scopes, updatedAt: now })) ?? existing
    } else {
      const fields = { name: MANAGEMENT_API_NAME, identifier, scopes, allowOfflineAccess: true, tokenLifetime: TOKEN_LIFETIME, skipConsentForFirstParty: true }
      const created: ApiRecord = { ...createApi(fields, now), isSystem: true }
      try {
        await store.apis.insert(created)
        return created
      } catch (err) {
        // Another node created it first.
        if (!(err instanceof ConflictError)) throw err
        const winner = await store.apis.findSystem()
        if (!winner) throw err
        api = winner
      }
    }
  }
  if (api.identifier !== identifier) api = (await store.apis.changeIdentifier(api.id, identifier, now)) ?? api
  if (api.name !== MANAGEMENT_API_NAME || !sameScopes(api.scopes, scopes) || !api.allowOfflineAccess || !api.skipConsentForFirstParty)
    api = (await store.apis.update(api.id, { name: MANAGEMENT_API_NAME, scopes, allowOfflineAccess: true, skipConsentForFirstParty: true, updatedAt: now })) ?? api
  return api
}
