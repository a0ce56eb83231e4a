/**
 * grant_type=client_credentials (RFC 6749 §4.4) for machine-to-machine applications, with Auth0's
 * rules and wording, read top to bottom: a confidential m2m application → an `audience` (Latchkey has
 * no default audience) → the API it names → the application's client grant for that API → requested
 * scopes within the grant (none requested: all of it) → an access token only: no ID token, no
 * refresh token (§4.4.3). The token's `sub` is `<client_id>@clients` and its `gty` says how it was
 * obtained, as in Auth0's tokens.
 */
import { carriesPermissions } from '../authorization/rbac.js'
import { AccessDenied, InvalidRequest, InvalidScope, type OAuthError, quoteValue, UnauthorizedClient } from '../errors.js'
import { single } from '../params.js'
import { formatScope, parseScope } from '../scope.js'
import { mintAccessToken } from '../tokens/access-token.js'
import type { Grant } from './grant.js'

export const NO_AUDIENCE = 'No audience parameter was provided, and no default audience has been configured'

/** The `sub` of a token issued to an application on its own behalf. */
export function clientSubject(clientId: string): string {
  return `${clientId}@clients`
}

export interface ClientCredentialsRequest {
  readonly audience: string | undefined
  /** RFC 6749 §4.4.2; null: malformed. */
  readonly scope: readonly string[] | null
}

export const clientCredentials: Grant<ClientCredentialsRequest> = {
  type: 'client_credentials',
  parse(params) {
    return { audience: single(params, 'audience'), scope: parseScope(single(params, 'scope')) }
  },
  async handle(ctx, request) {
    const { client } = ctx
    if (client.appType !== 'non_interactive' || client.tokenEndpointAuthMethod === 'none')
      throw new UnauthorizedClient("Grant type 'client_credentials' not allowed for the client.")

    const { audience } = request
    if (audience === undefined) throw new AccessDenied(NO_AUDIENCE)
    const api = await ctx.store.apis.findByIdentifier(audience)
    if (!api) throw new AccessDenied(`Service not enabled within domain: ${quoteValue(audience)}`)
    const grant = await ctx.store.clientGrants.find(client.clientId, audience)
    if (!grant)
      throw new AccessDenied(`Client is not authorized to access "${quoteValue(audience)}". You need to create a "client-grant" associated to this API.`)

    // A scope removed from the API since the grant was made is no longer granted.
    const defined = new Set(api.scopes.map((s) => s.value))
    const granted = grant.scope.filter((s) => defined.has(s))
    const asked = request.scope
    if (asked === null) throw new InvalidScope('The scope parameter is malformed.')
    const missing = asked.filter((s) => !granted.includes(s))
    if (missing.length > 0) throw new AccessDenied(`Client has not been granted scopes: ${missing.map(quoteValue).join(' ')}`)
    const scope = asked.length === 0 ? granted : granted.filter((s) => asked.includes(s))

    // Auth0's credentials-exchange actions: a denial answers with the code the action chose.
    const outcome = ctx.actions ? await ctx.actions.credentialsExchange({ client, api, scope }) : null
    if (outcome?.denied) throw exchangeDenied(outcome.denied.code, outcome.denied.reason)

    const now = ctx.clock.now()
    const dpopJkt = ctx.dpop?.jkt
    const accessToken = await mintAccessToken(
      { issuer: ctx.issuer, now, signingKey: await ctx.signingKey(api.signingAlg) },
      {
        subject: clientSubject(client.clientId),
        clientId: client.clientId,
        audience: api.identifier,
        scope,
        lifetimeSeconds: api.tokenLifetime,
        authTime: null,
        grantType: 'client-credentials',
        dpopJkt,
        // An application's permissions are the scopes of its client grant.
        permissions: carriesPermissions(api.tokenDialect) ? scope : undefined,
        customClaims: outcome?.accessTokenClaims,
      },
    )
    return {
      response: {
        access_token: accessToken,
        token_type: dpopJkt !== undefined ? 'DPoP' : 'Bearer',
        expires_in: api.tokenLifetime,
        scope: formatScope(scope),
      },
      userId: null,
      audience: api.identifier,
      grantId: null,
    }
  },
}

/** `api.access.deny(code, reason)`: Auth0 lets an action answer invalid_scope or invalid_request; anything else is access_denied. */
function exchangeDenied(code: string | undefined, reason: string): OAuthError {
  if (code === 'invalid_scope') return new InvalidScope(reason)
  if (code === 'invalid_request') return new InvalidRequest(reason)
  return new AccessDenied(reason)
}
