/** Registering an API (an Auth0 "resource server"): the identifier is the audience. */
import { z } from 'zod'
import { randomId } from '../opaque.js'
import { type ApiRecord, type ApiScope, TOKEN_DIALECTS } from '../records.js'
import { SIGNING_ALGS } from '../keys/keyset.js'
import { parseInput, RegistrationError } from './applications.js'

export const DEFAULT_TOKEN_LIFETIME = 86_400
export const MAX_TOKEN_LIFETIME = 2_592_000
const SCOPE_VALUE = /^[\x21\x23-\x5B\x5D-\x7E]{1,280}$/
const RESERVED_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access'])

export const apiInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(128),
  identifier: z.string().trim().min(1, 'identifier is required').max(600),
  scopes: z.array(z.union([z.string(), z.object({ value: z.string(), description: z.string().optional() })])).max(1000).optional(),
  allowOfflineAccess: z.boolean().optional(),
  tokenLifetime: z.number().int().min(60).max(MAX_TOKEN_LIFETIME).optional(),
  skipConsentForFirstParty: z.boolean().optional(),
  /** Auth0's signing_alg: RS256 (default), ES256 or EdDSA for the API's access tokens. */
  signingAlg: z.enum(SIGNING_ALGS).optional(),
  /** Auth0's enforce_policies: RBAC for users' access tokens (authorization/rbac.ts). */
  enforcePolicies: z.boolean().optional(),
  /** Auth0's token_dialect: an `_authz` dialect adds the `permissions` claim. */
  tokenDialect: z.enum(TOKEN_DIALECTS).optional(),
})
export type ApiInput = z.input<typeof apiInput>

function checkScopes(scopes: NonNullable<ApiInput['scopes']>): ApiScope[] {
  const seen = new Map<string, ApiScope>()
  for (const entry of scopes) {
    const scope = typeof entry === 'string' ? { value: entry.trim(), description: '' } : { value: entry.value.trim(), description: entry.description ?? '' }
    if (scope.value === '') continue
    if (!SCOPE_VALUE.test(scope.value)) throw new RegistrationError(`invalid scope: ${JSON.stringify(scope.value)} (no spaces, quotes or backslashes)`)
    if (RESERVED_SCOPES.has(scope.value)) throw new RegistrationError(`${scope.value} is an OpenID Connect scope and cannot be an API scope`)
    seen.set(scope.value, scope)
  }
  return [...seen.values()]
}

export function createApi(input: ApiInput, now: number): ApiRecord {
  const data = parseInput(apiInput, input)
  if (/\s/.test(data.identifier)) throw new RegistrationError('identifier must not contain spaces')
  return {
    id: randomId(),
    name: data.name,
    identifier: data.identifier,
    scopes: checkScopes(data.scopes ?? []),
    allowOfflineAccess: data.allowOfflineAccess ?? false,
    tokenLifetime: data.tokenLifetime ?? DEFAULT_TOKEN_LIFETIME,
    skipConsentForFirstParty: data.skipConsentForFirstParty ?? true,
    signingAlg: data.signingAlg ?? 'RS256',
    enforcePolicies: data.enforcePolicies ?? false,
    tokenDialect: data.tokenDialect ?? 'access_token',
    isSystem: false,
    createdAt: now,
    updatedAt: now,
  }
}

/**
 * Latchkey's own APIs (the Management API) belong to the server, which keeps them at every start:
 * refused for any change or deletion by hand.
 */
export function checkApiChangeable(api: ApiRecord, action: 'changed' | 'deleted'): void {
  if (api.isSystem) throw new RegistrationError(`${api.name} (${api.identifier}) is Latchkey's own API: it cannot be ${action}`)
}

/** The identifier is immutable (as in Auth0); everything else may change, except on a system API. */
export function updateApi(current: ApiRecord, input: Partial<Omit<ApiInput, 'identifier'>>, now: number): ApiRecord {
  checkApiChangeable(current, 'changed')
  const data = parseInput(apiInput.omit({ identifier: true }).partial(), input)
  return {
    ...current,
    name: data.name ?? current.name,
    scopes: data.scopes ? checkScopes(data.scopes) : current.scopes,
    allowOfflineAccess: data.allowOfflineAccess ?? current.allowOfflineAccess,
    tokenLifetime: data.tokenLifetime ?? current.tokenLifetime,
    skipConsentForFirstParty: data.skipConsentForFirstParty ?? current.skipConsentForFirstParty,
    signingAlg: data.signingAlg ?? current.signingAlg,
    enforcePolicies: data.enforcePolicies ?? current.enforcePolicies,
    tokenDialect: data.tokenDialect ?? current.tokenDialect,
    updatedAt: now,
  }
}
