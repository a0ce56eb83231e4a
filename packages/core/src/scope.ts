/** Scope strings (RFC 6749 §3.3): space-delimited, case-sensitive, no duplicates. */

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const

export function parseScope(value: string | null | undefined): string[] | null {
  if (value == null) return []
  const parts = value.split(' ').filter((part) => part.length > 0)
  if (!parts.every((part) => SCOPE_TOKEN.test(part))) return null
  return [...new Set(parts)]
}

export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ')
}

export function hasScope(scopes: readonly string[], scope: string): boolean {
  return scopes.includes(scope)
}
