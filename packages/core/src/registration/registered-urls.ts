/**
 * The URLs an application registers: callbacks, logout URLs, web and allowed origins, and the login
 * URI. One rule for the CLI and the Management API, checked on the string as typed and not only on
 * what WHATWG `URL` makes of it (which reads `https:evil.com` as `https://evil.com/`, drops tabs and
 * newlines, and trims spaces):
 * - nothing invisible: no whitespace (Unicode's too), control or formatting character, no backslash;
 * - absolute, already in the form it denotes (`scheme://host/…` for http(s), no dot segments, no
 *   default port, lower-case scheme and host, nothing left to percent-encode), no fragment, no user
 *   name or password;
 * - https; http only for localhost (`*.localhost`) and loopback addresses (127.0.0.0/8, [::1]), or
 *   on any host while the issuer itself uses http (a development deployment);
 * - a native app's own scheme (callbacks and logout URLs) only as a reverse domain name it controls,
 *   `com.example.app:/callback` (RFC 8252 §7.1); `javascript:`, `data:`, `ms-settings:` and the
 *   like never;
 * - origins are `scheme://host[:port]` alone: no path, no query.
 * Records already stored are not checked again: they keep working as they were registered.
 */
import type { AppType } from '../records.js'

export type RegisteredUrlKind = 'callback' | 'logout' | 'origin' | 'login'

export interface RegisteredUrlRules {
  /**
   * The server's issuer. While it uses http (a development deployment) http is accepted on any host;
   * without one, the https rule applies.
   */
  readonly issuer?: string | undefined
}

const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:', 'filesystem:', 'view-source:'])
/** Whitespace, control and formatting (bidi, zero-width) characters: Cc, Cf, Z* and \s. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}\s]/u
const INVISIBLE_ALL = /[\p{Cc}\p{Cf}\p{Z}\s]/gu
/** RFC 8252 §7.1: a reverse domain name, e.g. com.example.app (at least two labels). */
const REVERSE_DOMAIN_SCHEME = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/
const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/

/** localhost, *.localhost, 127.0.0.0/8 or [::1]: where plain http stays on the device. */
export function isLocalHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || LOOPBACK_V4.test(hostname)
}

/** The value quoted, its invisible characters written as \uXXXX, so a message shows them and stays on one line. */
function visible(value: string): string {
  const escaped = value.replace(INVISIBLE_ALL, (c) => (c === ' ' ? c : `\\u${c.codePointAt(0)?.toString(16).padStart(4, '0')}`))
  return `"${escaped}"`
}

function parse(value: string): URL | null {
  try {
    return new URL(value)
  } catch {
    return null
  }
}

/**
 * Why `value` cannot be registered as a `kind` URL of an application of type `appType`, or null when
 * it can. Messages start with the value, so callers can prefix the field.
 */
export function checkRegisteredUrl(value: string, kind: RegisteredUrlKind, appType: AppType, rules: RegisteredUrlRules = {}): string | null {
  const invisible = INVISIBLE.test(value)
  const url = parse(value)
  if (!url) return invisible ? `${visible(value)} is not an absolute URL (and must not contain whitespace or control characters)` : `${value === '' ? '""' : value} is not an absolute URL`
  if (invisible) return `${visible(value)} must not contain whitespace or control characters`
  if (value.includes('\\')) return `${value} must not contain a backslash`
  if (value.includes('#')) return `${value} must not contain a fragment (#)`
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `${value} uses a forbidden scheme (${url.protocol})`
  if (url.username || url.password || /^[^/?]*\/\/[^/?]*@/.test(value)) return `${value} must not contain a user name or password`
  if (url.protocol === 'https:' || url.protocol === 'http:') return checkWebUrl(value, url, kind, rules)
  if (kind === 'origin') return `${value} is not an http(s) origin (scheme://host[:port])`
  if (appType !== 'native' || kind === 'login') return `${value} must use https (only native applications may use their own URI scheme)`
  return checkPrivateUseUrl(value, url)
}

function checkWebUrl(value: string, url: URL, kind: RegisteredUrlKind, rules: RegisteredUrlRules): string | null {
  if (!value.toLowerCase().startsWith(`${url.protocol}//`)) return `${value} must start with ${url.protocol}// (it would be read as ${url.href})`
  if (kind === 'origin') {
    if (url.pathname !== '/' || url.search !== '') return `${value} is not an origin (scheme://host[:port], no path or query)`
    if (value !== url.origin && value !== `${url.origin}/`) return `${value} must be written as ${url.origin}`
  } else if (value !== url.href && !(url.pathname === '/' && url.search === '' && `${value}/` === url.href)) {
    return `${value} must be written as ${url.href}`
  }
  if (url.protocol === 'http:' && !isLocalHost(url.hostname) && !/^http:/i.test(rules.issuer ?? ''))
    return `${value} must use https (http is allowed only for localhost and loopback addresses, or on any host while the issuer itself uses http)`
  return null
}

/** RFC 8252 §7.1: `com.example.app:/callback`, in the form it denotes. */
function checkPrivateUseUrl(value: string, url: URL): string | null {
  if (!REVERSE_DOMAIN_SCHEME.test(url.protocol))
    return `${value}: a native application's own URI scheme must be a reverse domain name it controls, such as com.example.app:/callback (RFC 8252 §7.1)`
  if (value !== url.href) return `${value} must be written as ${url.href}`
  if (url.host === '' && url.pathname === '') return `${value} needs a path, such as ${url.protocol}/callback`
  return null
}
