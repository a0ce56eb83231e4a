/**
 * Auth0's resource-server fields ↔ Latchkey's ApiRecord. Shapes and types here; the rules
 * (identifier, scope values, lifetimes) in @latchkey/core's registration. Latchkey issues one
 * access-token lifetime per API, so `token_lifetime_for_web` always equals `token_lifetime` (a
 * different value is refused). `signing_alg` is RS256 (the default), ES256 or EdDSA.
 * `enforce_policies` and `token_dialect` are Auth0's RBAC settings (@latchkey/core's
 * authorization/rbac.ts): every dialect is an RFC 9068 JWT here; the `_authz` ones add `permissions`.
 */
import { type ApiInput, type ApiRecord, SIGNING_ALGS, TOKEN_DIALECTS } from '@latchkey/core'
import { z } from 'zod'
import { badRequest } from '../errors.js'
import { defined, partialOf } from './shape.js'

const scopeSchema = z.strictObject({
  value: z.string().describe('The scope, e.g. read:appointments.'),
  description: z.string().max(500).optional().describe('What the scope allows, shown on the consent page.'),
})

const resourceServerFields = {
  name: z.string().describe('A friendly name for the API.'),
  identifier: z.string().describe('The audience: an exact string, usually a URL. It cannot change later.'),
  scopes: z.array(scopeSchema).max(1000).describe('The scopes (permissions) of the API.'),
  signing_alg: z.enum(SIGNING_ALGS, { error: 'Latchkey signs access tokens with RS256, ES256 or EdDSA' }).describe('RS256 (default), ES256 or EdDSA.'),
  allow_offline_access: z.boolean().describe('Whether refresh tokens (offline_access) may be issued for this API.'),
  token_lifetime: z.number().int().describe('Access-token lifetime in seconds.'),
  token_lifetime_for_web: z.number().int().describe('Equal to token_lifetime in Latchkey (one lifetime for every kind of application).'),
  skip_consent_for_verifiable_first_party_clients: z.boolean().describe('First-party applications skip the consent page.'),
  enforce_policies: z.boolean().describe("RBAC: a user's access token carries only the requested scopes their roles and permissions allow."),
  token_dialect: z
    .enum(TOKEN_DIALECTS, { error: `token_dialect must be one of ${TOKEN_DIALECTS.join(', ')}` })
    .describe('access_token (default) or rfc9068_profile: the same RFC 9068 JWT in Latchkey; the _authz variants add the user\'s permissions claim.'),
}

export const createResourceServerBody = z
  .strictObject({ identifier: resourceServerFields.identifier, ...partialOf(resourceServerFields, 'identifier') })
  .describe('A new API. name defaults to the identifier.')

export const updateResourceServerBody = z
  .strictObject(partialOf(resourceServerFields, 'identifier'))
  .describe('The fields to change; scopes replace the stored list. The identifier cannot change.')

export type CreateResourceServerBody = z.output<typeof createResourceServerBody>
export type UpdateResourceServerBody = z.output<typeof updateResourceServerBody>

export const resourceServerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    identifier: z.string(),
    is_system: z.boolean().describe("True for Latchkey's own Management API, which cannot be changed or deleted."),
    scopes: z.array(z.object({ value: z.string(), description: z.string() })),
    signing_alg: z.enum(SIGNING_ALGS),
    allow_offline_access: z.boolean(),
    token_lifetime: z.number().int(),
    token_lifetime_for_web: z.number().int(),
    skip_consent_for_verifiable_first_party_clients: z.boolean(),
    enforce_policies: z.boolean(),
    token_dialect: z.enum(TOKEN_DIALECTS).describe("Latchkey's access tokens are RFC 9068 JWTs in every dialect; the _authz dialects add `permissions`."),
  })
  .describe('An API (resource server); its identifier is the audience.')

export const RESOURCE_SERVER_FIELD_NAMES: Readonly<Record<string, string>> = {
  name: 'name',
  identifier: 'identifier',
  scopes: 'scopes',
  allowOfflineAccess: 'allow_offline_access',
  tokenLifetime: 'token_lifetime',
  skipConsentForFirstParty: 'skip_consent_for_verifiable_first_party_clients',
  signingAlg: 'signing_alg',
  enforcePolicies: 'enforce_policies',
  tokenDialect: 'token_dialect',
}

/** The Auth0 body → the input of @latchkey/core's createApi / updateApi. */
export function apiInput(body: UpdateResourceServerBody, current?: ApiRecord): Partial<ApiInput> {
  const lifetime = body.token_lifetime ?? current?.tokenLifetime
  if (body.token_lifetime_for_web !== undefined && lifetime !== undefined && body.token_lifetime_for_web !== lifetime)
    throw badRequest('Payload validation error: token_lifetime_for_web must equal token_lifetime: Latchkey issues one access-token lifetime per API.')
  return defined({
    name: body.name,
    scopes: body.scopes?.map((s) => ({ value: s.value, description: s.description ?? '' })),
    allowOfflineAccess: body.allow_offline_access,
    tokenLifetime: body.token_lifetime ?? (current === undefined ? body.token_lifetime_for_web : undefined),
    skipConsentForFirstParty: body.skip_consent_for_verifiable_first_party_clients,
    signingAlg: body.signing_alg,
    enforcePolicies: body.enforce_policies,
    tokenDialect: body.token_dialect,
  })
}

export function presentResourceServer(api: ApiRecord): z.output<typeof resourceServerSchema> {
  return {
    id: api.id,
    name: api.name,
    identifier: api.identifier,
    is_system: api.isSystem === true,
    scopes: api.scopes.map((s) => ({ value: s.value, description: s.description })),
    signing_alg: api.signingAlg,
    allow_offline_access: api.allowOfflineAccess,
    token_lifetime: api.tokenLifetime,
    token_lifetime_for_web: api.tokenLifetime,
    skip_consent_for_verifiable_first_party_clients: api.skipConsentForFirstParty,
    enforce_policies: api.enforcePolicies,
    token_dialect: api.tokenDialect,
  }
}
