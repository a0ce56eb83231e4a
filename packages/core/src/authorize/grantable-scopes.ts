/**
 * Which requested scopes can be granted. Like Auth0, scopes the API does not define are dropped
 * rather than refused; `offline_access` survives only when a refresh token could be issued: the app
 * has the refresh_token grant and the API allows offline access (a /userinfo-only request has no
 * API to forbid it).
 */
import type { ApiRecord, ApplicationRecord } from '../records.js'

const OPENID_SCOPES = new Set(['openid', 'profile', 'email'])

export function grantableScopes(requested: readonly string[], app: ApplicationRecord, api: ApiRecord | null): string[] {
  const apiScopes = new Set(api?.scopes.map((s) => s.value) ?? [])
  return requested.filter((scope) => {
    if (OPENID_SCOPES.has(scope)) return true
    if (scope === 'offline_access') return allowsOfflineAccess(app, api)
    return apiScopes.has(scope)
  })
}

export function allowsOfflineAccess(app: ApplicationRecord, api: ApiRecord | null): boolean {
  return app.grantTypes.includes('refresh_token') && (api === null || api.allowOfflineAccess)
}
