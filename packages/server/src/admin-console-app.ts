/**
 * The admin console's application: a first-party, public SPA with the fixed client_id
 * `latchkey-admin-console` (core's ADMIN_CONSOLE_CLIENT_ID), the only application that may ask a
 * user's access token for the Management API (authorization code with PKCE, rotating refresh
 * tokens, no consent screen). The server keeps it at every start: created when missing, its URLs
 * following the issuer, or the console's own origin (LATCHKEY_ADMIN_CONSOLE_ORIGIN); with
 * LATCHKEY_ADMIN_CONSOLE=off it is deleted (and so are its refresh tokens), and no user can get a
 * Management API token at all.
 *
 * Its URLs, under the console's base `{origin}/admin/` (the issuer's origin by default):
 * callback `{base}callback`, logout URL `{base}`, web origin `{origin}`.
 */
import { ADMIN_CONSOLE_CLIENT_ID, type ApplicationRecord, createApplication } from '@latchkey/core'
import { ConflictError, type Store } from '@latchkey/storage'
import { parseBoolean } from './settings/boolean.js'

export const ADMIN_CONSOLE_APP_NAME = 'Latchkey Admin Console'

export interface AdminConsoleConfig {
  /** LATCHKEY_ADMIN_CONSOLE (on by default): the console's app exists and /admin is served. */
  readonly enabled: boolean
  /** The console's base URL, `{origin}/admin/`: the issuer's origin unless LATCHKEY_ADMIN_CONSOLE_ORIGIN. */
  readonly baseUrl: string
}

/** Reads LATCHKEY_ADMIN_CONSOLE (on|off) and LATCHKEY_ADMIN_CONSOLE_ORIGIN (an http(s) origin). */
export function adminConsoleConfig(env: Readonly<Record<string, string | undefined>>, issuer: string): AdminConsoleConfig {
  const enabled = parseBoolean('LATCHKEY_ADMIN_CONSOLE', env.LATCHKEY_ADMIN_CONSOLE, true)
  const given = env.LATCHKEY_ADMIN_CONSOLE_ORIGIN
  let origin = new URL(issuer).origin
  if (given !== undefined) {
    let url: URL | null = null
    try {
      url = new URL(given)
    } catch {
      url = null
    }
    const bare = url !== null && (url.protocol === 'https:' || url.protocol === 'http:') && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password
    if (!url || !bare) throw new Error(`LATCHKEY_ADMIN_CONSOLE_ORIGIN must be an origin such as https://admin.example.com (got ${JSON.stringify(given)})`)
    if (url.protocol === 'http:' && new URL(issuer).protocol === 'https:')
      throw new Error('LATCHKEY_ADMIN_CONSOLE_ORIGIN must use https when the issuer does: the console holds Management API tokens')
    origin = url.origin
  }
  return { enabled, baseUrl: `${origin}/admin/` }
}

/** The URLs the console's app registers. */
export function adminConsoleUrls(config: AdminConsoleConfig) {
  return {
    callbacks: [`${config.baseUrl}callback`],
    logoutUrls: [config.baseUrl],
    webOrigins: [new URL(config.baseUrl).origin],
  }
}

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i])

/**
 * Makes the console's app match the configuration: created (or put back in shape) when the console
 * is on, deleted when it is off. Safe to run from several nodes at once. Returns the app, or null.
 */
export async function ensureAdminConsoleApp(store: Store, issuer: string, config: AdminConsoleConfig, now: number): Promise<ApplicationRecord | null> {
  const current = await store.applications.get(ADMIN_CONSOLE_CLIENT_ID)
  if (!config.enabled) {
    if (current) await store.applications.delete(ADMIN_CONSOLE_CLIENT_ID)
    return null
  }
  const urls = adminConsoleUrls(config)
  const { record } = createApplication({ name: ADMIN_CONSOLE_APP_NAME, type: 'spa', ...urls }, now, { issuer })
  const wanted: ApplicationRecord = { ...record, clientId: ADMIN_CONSOLE_CLIENT_ID, isFirstParty: true }
  if (!current) {
    try {
      await store.applications.insert(wanted)
      return wanted
    } catch (err) {
      // Another node created it first.
      if (!(err instanceof ConflictError)) throw err
      return store.applications.get(ADMIN_CONSOLE_CLIENT_ID)
    }
  }
  const inShape =
    current.name === wanted.name &&
    current.isFirstParty &&
    current.tokenEndpointAuthMethod === 'none' &&
    same(current.callbacks, wanted.callbacks) &&
    same(current.allowedLogoutUrls, wanted.allowedLogoutUrls) &&
    same(current.webOrigins, wanted.webOrigins) &&
    same(current.grantTypes, wanted.grantTypes) &&
    current.refreshToken.rotation === 'rotating'
  if (inShape) return current
  const patch = {
    name: wanted.name,
    appType: wanted.appType,
    tokenEndpointAuthMethod: wanted.tokenEndpointAuthMethod,
    clientSecretHash: null,
    isFirstParty: true,
    callbacks: wanted.callbacks,
    allowedLogoutUrls: wanted.allowedLogoutUrls,
    webOrigins: wanted.webOrigins,
    grantTypes: wanted.grantTypes,
    refreshToken: wanted.refreshToken,
    updatedAt: now,
  }
  return (await store.applications.update(ADMIN_CONSOLE_CLIENT_ID, patch)) ?? current
}
