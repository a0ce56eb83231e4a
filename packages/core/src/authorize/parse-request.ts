/**
 * Validation of an /authorize request, in the order that keeps redirects safe (RFC 6749 §4.1.2.1,
 * RFC 9700 §4.1.3): until the client and its redirect_uri are trusted, errors are shown on a page
 * and never redirected; afterwards they go back to the app with `error`, `state` and `iss`.
 */
import {
  AccessDenied,
  InvalidRequest,
  InvalidScope,
  type OAuthError,
  quoteValue,
  RequestNotSupported,
  RequestUriNotSupported,
  UnauthorizedClient,
  UnsupportedResponseType,
} from '../errors.js'
import { isJwkThumbprint } from '../dpop/algorithms.js'
import { MANAGEMENT_API_NOT_FOR_APP, mayRequestUserToken } from '../authorization/management-api.js'
import { isValidS256Challenge } from '../pkce.js'
import type { ApiLookupPort, ApplicationLookupPort, ConnectionLookupPort } from '../ports.js'
import type { ApiRecord, ApplicationRecord, AuthorizationRequest, InvitationRecord, OrganizationRecord } from '../records.js'
import { resolveRedirectUri } from '../redirect-uri.js'
import { MAX_PARAM_LENGTH, type RawParams, repeatedNames, single } from '../params.js'
import { parseScope } from '../scope.js'
import { grantableScopes } from './grantable-scopes.js'
import { type OrganizationLookups, resolveOrganization } from './organization.js'

type ResponseMode = AuthorizationRequest['responseMode']
type Prompt = AuthorizationRequest['prompt'][number]

export type AuthorizeParseResult =
  /** The app or its redirect_uri cannot be trusted: render an error page, never redirect. */
  | { readonly kind: 'page'; readonly error: OAuthError }
  /** The redirect target is trusted: send the error back to the app. */
  | {
      readonly kind: 'redirect-error'
      readonly error: OAuthError
      readonly app: ApplicationRecord
      readonly redirectUri: string
      readonly responseMode: ResponseMode
      readonly state: string | null
    }
  | {
      readonly kind: 'ok'
      readonly request: AuthorizationRequest
      readonly app: ApplicationRecord
      readonly api: ApiRecord | null
      readonly organization: OrganizationRecord | null
      readonly invitation: InvitationRecord | null
    }

const RESPONSE_MODES: readonly ResponseMode[] = ['query', 'fragment', 'form_post', 'web_message']
const PROMPTS: readonly Prompt[] = ['none', 'login', 'consent', 'select_account']

export interface AuthorizeLookups extends OrganizationLookups {
  readonly applications: ApplicationLookupPort
  readonly apis: ApiLookupPort
  readonly connections: ConnectionLookupPort
  /** Epoch ms, for the expiry of invitations. */
  readonly now: number
}

export async function parseAuthorizeRequest(params: RawParams, lookups: AuthorizeLookups): Promise<AuthorizeParseResult> {
  const page = (error: OAuthError): AuthorizeParseResult => ({ kind: 'page', error })
  const repeated = repeatedNames(params)

  // 1. The client (OIDC Core §3.1.2.1): nothing can be redirected before it is known.
  if (repeated.includes('client_id')) return page(new InvalidRequest('Parameter "client_id" is repeated.'))
  const clientId = single(params, 'client_id')
  if (clientId === undefined) return page(new InvalidRequest('Missing required parameter: client_id'))
  if (clientId.length > 256) return page(new InvalidRequest('Unknown client.'))
  const app = await lookups.applications.get(clientId)
  if (!app) return page(new InvalidRequest(`Unknown client: ${quoteValue(clientId)}`))

  // 2. The redirect URI, matched exactly against the app's callbacks (RFC 9700 §2.1).
  if (repeated.includes('redirect_uri')) return page(new InvalidRequest('Parameter "redirect_uri" is repeated.'))
  const requestedRedirect = single(params, 'redirect_uri')
  if (requestedRedirect !== undefined && requestedRedirect.length > MAX_PARAM_LENGTH)
    return page(new InvalidRequest('redirect_uri is too long.'))
  const webMessage = params.get('response_mode')?.length === 1 && single(params, 'response_mode') === 'web_message'
  const resolved = resolveRedirectUri(app, requestedRedirect, { webMessage })
  if (!resolved.ok) return page(new InvalidRequest(resolved.reason))

  // From here on, errors go back to the app. State is echoed byte for byte when it is usable.
  const stateValues = params.get('state')
  const state = stateValues?.length === 1 && stateValues[0] ? stateValues[0] : null
  const modeValue = single(params, 'response_mode')
  const responseMode: ResponseMode =
    modeValue !== undefined && (RESPONSE_MODES as readonly string[]).includes(modeValue) && !repeated.includes('response_mode')
      ? (modeValue as ResponseMode)
      : 'query'
  const fail = (error: OAuthError): AuthorizeParseResult => ({
    kind: 'redirect-error',
    error,
    app,
    redirectUri: resolved.uri,
    responseMode,
    state: state !== null && state.length <= MAX_PARAM_LENGTH ? state : null,
  })

  // 2b. Request objects (OIDC Core §6.1, §6.2; discovery says request_parameter_supported and
  // request_uri_parameter_supported are false). Ignoring them would drop whatever the app put only
  // there (prompt=login, max_age=0, a narrower scope...), so the request is refused before anything
  // else. A PAR request_uri (RFC 9126) gets the same answer: there is no pushed request endpoint.
  if (params.has('request')) return fail(new RequestNotSupported('Request objects (the request parameter) are not supported. Send the authorization request parameters in the query or form.'))
  if (params.has('request_uri')) return fail(new RequestUriNotSupported('request_uri is not supported (neither request objects by reference nor pushed authorization requests). Send the authorization request parameters in the query or form.'))

  if (repeated.length > 0) return fail(new InvalidRequest(`Parameter "${repeated[0]}" is repeated.`))
  for (const [name, values] of params) {
    if ((values[0] ?? '').length > MAX_PARAM_LENGTH) return fail(new InvalidRequest(`Parameter "${name}" is too long.`))
  }
  if (modeValue !== undefined && responseMode !== modeValue)
    return fail(new InvalidRequest(`Unsupported response_mode: ${modeValue}`))

  // 3. Response type: the code flow only (RFC 9700 §2.1.2).
  const responseType = single(params, 'response_type')
  if (responseType === undefined) return fail(new InvalidRequest('Missing required parameter: response_type'))
  if (responseType !== 'code')
    return fail(new UnsupportedResponseType(`Unsupported response_type: ${responseType}. Only "code" is supported.`))
  if (!app.grantTypes.includes('authorization_code'))
    return fail(new UnauthorizedClient('The application is not allowed the authorization_code grant.'))

  // 4. PKCE (RFC 7636, RFC 9700 §2.1.1): S256 only; required for public clients.
  const challenge = single(params, 'code_challenge')
  const method = single(params, 'code_challenge_method')
  if (method !== undefined && method !== 'S256')
    return fail(new InvalidRequest(`Unsupported code_challenge_method: ${method}. Use S256.`))
  if (challenge === undefined && method !== undefined)
    return fail(new InvalidRequest('code_challenge_method was sent without code_challenge.'))
  if (challenge !== undefined && method === undefined)
    return fail(new InvalidRequest('code_challenge_method is required and must be S256 (plain is not allowed).'))
  if (challenge !== undefined && !isValidS256Challenge(challenge))
    return fail(new InvalidRequest('code_challenge must be the 43-character base64url SHA-256 of the code_verifier.'))
  if (challenge === undefined && app.tokenEndpointAuthMethod === 'none')
    return fail(new InvalidRequest('Missing required parameter: code_challenge (PKCE is required for public clients).'))

  // 4b. Binding the code to a DPoP key (RFC 9449 §10).
  const dpopJkt = single(params, 'dpop_jkt')
  if (dpopJkt !== undefined && !isJwkThumbprint(dpopJkt))
    return fail(new InvalidRequest('dpop_jkt must be the base64url SHA-256 JWK thumbprint (RFC 7638) of the DPoP key.'))

  // 5. Audience and scope.
  const audience = single(params, 'audience') ?? null
  let api: ApiRecord | null = null
  if (audience !== null) {
    api = await lookups.apis.findByIdentifier(audience)
    if (!api) return fail(new AccessDenied(`Service not found: ${audience}`))
    // The Management API: users' tokens go to the admin console's app only (authorization/management-api.ts).
    if (!mayRequestUserToken(app, api)) return fail(new AccessDenied(MANAGEMENT_API_NOT_FOR_APP))
  }
  const requestedScope = parseScope(single(params, 'scope'))
  if (requestedScope === null) return fail(new InvalidScope('scope contains invalid characters.'))
  const scope = grantableScopes(requestedScope, app, api)

  // 6. Prompt, max_age and hints (OIDC Core §3.1.2.1).
  const promptValue = parseScope(single(params, 'prompt'))
  if (promptValue === null || !promptValue.every((p) => (PROMPTS as readonly string[]).includes(p)))
    return fail(new InvalidRequest('prompt must be one or more of none, login, consent, select_account.'))
  const prompt = promptValue as Prompt[]
  if (prompt.includes('none') && prompt.length > 1)
    return fail(new InvalidRequest('prompt=none cannot be combined with other values.'))
  const maxAgeValue = single(params, 'max_age')
  let maxAge: number | null = null
  if (maxAgeValue !== undefined) {
    if (!/^\d{1,10}$/.test(maxAgeValue)) return fail(new InvalidRequest('max_age must be a non-negative integer.'))
    maxAge = Number(maxAgeValue)
  }

  // 7. Organization and invitation (see organization.ts): the organization by id or name; an
  // invitation's ticket is replaced by the invitation's id, so no ticket is ever stored.
  const orgs = await resolveOrganization(app, single(params, 'organization'), single(params, 'invitation'), lookups, lookups.now)
  if (orgs.kind === 'page') return page(orgs.error)
  if (orgs.kind === 'redirect-error') return fail(orgs.error)

  // 8. Auth0's `connection`: log in with that connection, skipping the login page. It must exist
  // and be enabled for the app (and for the organization, if any); the database connection means
  // the password form.
  const connectionParam = single(params, 'connection')
  let connection: string | null = null
  if (connectionParam !== undefined && connectionParam !== '') {
    const found = connectionParam.length <= 128 ? await lookups.connections.findByName(connectionParam) : null
    if (!found) return fail(new InvalidRequest(`the connection was not found: ${quoteValue(connectionParam)}`))
    if (!found.enabledClients.includes(app.clientId)) return fail(new InvalidRequest(`the connection is not enabled for this client: ${quoteValue(connectionParam)}`))
    if (orgs.organization && !(await lookups.organizations.connectionEnabled(orgs.organization.id, found.id)))
      return fail(new InvalidRequest(`the connection is not enabled for this organization: ${quoteValue(connectionParam)}`))
    connection = found.name
  }

  // OpenID Connect Core §3.1.2.1 `acr_values`, kept as sent (bounded): Auth0's multi-factor value asks for a second factor.
  const acrValues = single(params, 'acr_values')
  if (acrValues !== undefined && acrValues.length > 1024) return fail(new InvalidRequest('acr_values is too long.'))

  return {
    kind: 'ok',
    app,
    api,
    organization: orgs.organization,
    invitation: orgs.invitation,
    request: {
      clientId: app.clientId,
      redirectUri: resolved.uri,
      redirectUriProvided: resolved.provided,
      responseMode,
      scope,
      audience,
      state,
      nonce: single(params, 'nonce') ?? null,
      codeChallenge: challenge ?? null,
      codeChallengeMethod: challenge !== undefined ? 'S256' : null,
      prompt,
      maxAge,
      loginHint: single(params, 'login_hint') ?? null,
      screenHint: single(params, 'screen_hint') ?? null,
      organization: orgs.organization?.id ?? null,
      invitation: orgs.invitation?.id ?? null,
      ...(connection !== null ? { connection } : {}),
      ...(acrValues !== undefined ? { acrValues } : {}),
      ...(dpopJkt !== undefined ? { dpopJkt } : {}),
    },
  }
}
