/**
 * Redirect URIs: exact string matching (RFC 9700 §2.1, RFC 6749 §3.1.2.3), with the single exception
 * RFC 8252 §7.3 makes for native apps: a loopback IP callback matches on any port.
 */
import type { ApplicationRecord } from './records.js'

// What may be registered is checked once, at registration (CLI and Management API alike).
export { checkRegisteredUrl } from './registration/registered-urls.js'

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]'])

function parse(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}

function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)
}

/** RFC 8252 §7.3: same loopback host, path and query; the port may differ. */
function loopbackMatches(registered: string, requested: string): boolean {
  const a = parse(registered)
  const b = parse(requested)
  if (!a || !b || !isLoopback(a) || !isLoopback(b)) return false
  if (a.username || a.password || b.username || b.password) return false
  if (requested.includes('#')) return false
  return a.hostname === b.hostname && a.pathname === b.pathname && a.search === b.search
}

/** Whether `requested` is one of the app's callbacks. */
export function isRegisteredRedirectUri(app: ApplicationRecord, requested: string): boolean {
  if (app.callbacks.includes(requested)) return true
  if (app.appType !== 'native') return false
  return app.callbacks.some((registered) => loopbackMatches(registered, requested))
}

/**
 * The redirect URI an /authorize request resolves to, or a reason it has none. A missing
 * redirect_uri resolves to the app's callback only when exactly one is registered. With
 * `response_mode=web_message` the response is posted to an origin, not navigated to, so (as with
 * Auth0) one of the app's web origins is accepted too: spa-js sends `window.location.origin`.
 */
export function resolveRedirectUri(
  app: ApplicationRecord,
  requested: string | undefined,
  opts: { webMessage?: boolean } = {},
): { ok: true; uri: string; provided: boolean } | { ok: false; reason: string } {
  if (requested === undefined) {
    const [only, ...rest] = app.callbacks
    if (only !== undefined && rest.length === 0) return { ok: true, uri: only, provided: false }
    return {
      ok: false,
      reason:
        app.callbacks.length === 0
          ? 'The application has no allowed callback URLs.'
          : 'redirect_uri is required: the application has several allowed callback URLs.',
    }
  }
  if (isRegisteredRedirectUri(app, requested)) return { ok: true, uri: requested, provided: true }
  if (opts.webMessage && app.webOrigins.includes(requested)) return { ok: true, uri: requested, provided: true }
  return {
    ok: false,
    reason: 'The redirect_uri is not in the application\'s list of allowed callback URLs.',
  }
}

/** The origin a URL belongs to, for CORS and postMessage. */
export function originOf(value: string): string | null {
  const url = parse(value)
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null
  return url.origin
}
