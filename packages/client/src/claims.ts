/**
 * The user as the app sees it: the ID token's claims without the protocol ones (the same list
 * Auth0's SPA SDK drops), so `sub`, `name`, `email`, ... remain.
 */
import type { Claims } from './session-store.js'

const PROTOCOL_CLAIMS = new Set([
  'iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'azp', 'nonce', 'auth_time', 'at_hash', 'c_hash', 'acr', 'amr', 'sub_jwk', 'cnf', 'sip_from_tag', 'sip_date', 'sip_callid', 'sip_cseq_num', 'sip_via_branch', 'orig', 'dest', 'mky', 'events', 'toe', 'txn', 'rph', 'sid', 'vot', 'vtm',
])

/** The profile of the logged-in user: `sub` plus whatever profile claims the ID token carries. */
export type User = Readonly<Record<string, unknown>> & { readonly sub: string }

export function userFromClaims(claims: Claims): User {
  const user: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(claims)) if (!PROTOCOL_CLAIMS.has(name)) user[name] = value
  return user as User
}
