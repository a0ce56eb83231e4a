/**
 * Client authentication at the token and revocation endpoints (RFC 6749 §2.3): `client_secret_basic`,
 * `client_secret_post`, `private_key_jwt` (RFC 7523 §2.2, checked by @latchkey/core), or `none` for
 * public clients identified by `client_id`. One method per request. The app's registered method
 * decides between a secret and a signed assertion (either secret method works for a secret: Auth0
 * accepts both); secrets are compared through their SHA-256 in constant time.
 */
import {
  assertionClientId,
  CLIENT_ASSERTION_TYPE,
  type Clock,
  InvalidClient,
  InvalidRequest,
  matchesHash,
  single,
  verifyClientAssertion,
  type ApplicationRecord,
  type RawParams,
} from '@latchkey/core'
import type { Store } from '@latchkey/storage'

export interface AuthenticatedClient {
  readonly client: ApplicationRecord
  readonly method: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none'
}

/** What authenticating a client needs: the store (apps, the jti replay guard), the time, the issuer. */
export interface ClientAuthContext {
  readonly store: Store
  readonly clock: Clock
  readonly issuer: string
}

/** Thrown for a failed Basic authentication, so the answer carries `WWW-Authenticate` (§5.2). */
export class InvalidBasicClient extends InvalidClient {}

const UNKNOWN_OR_FAILED = 'Unknown client or client authentication failed.'
const USE_ASSERTION = 'This application authenticates with private_key_jwt: send a client_assertion, not a client secret.'

export function parseBasic(header: string): { id: string; secret: string } | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim())
  if (!match?.[1]) return null
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return null
  try {
    // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '))
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) }
  } catch {
    return null
  }
}

const isBasic = (authorization: string | undefined): authorization is string => authorization !== undefined && /^basic /i.test(authorization.trim())

/**
 * The client credentials a request carries, read once from its parameters and Authorization header:
 * what the rate limits, the audit log and authentication all use.
 */
export interface PresentedClient {
  /** The body's `client_id`. */
  readonly bodyId: string | undefined
  readonly bodySecret: string | undefined
  readonly assertionType: string | undefined
  readonly assertion: string | undefined
  /** HTTP Basic: its parts, `malformed`, or null when the request has no Basic header. */
  readonly basic: { readonly id: string; readonly secret: string } | 'malformed' | null
  /**
   * The client the request names, before it is authenticated: the body's `client_id`, the Basic
   * user, or the `sub` of a client assertion ('' when none). For rate-limit buckets and failure events only.
   */
  readonly claimedId: string
}

export function presentedClient(params: RawParams, authorization: string | undefined): PresentedClient {
  const bodyId = single(params, 'client_id')
  const assertion = single(params, 'client_assertion')
  const basic = isBasic(authorization) ? (parseBasic(authorization) ?? 'malformed') : null
  const claimedId =
    bodyId ?? (basic !== null ? (basic === 'malformed' ? '' : basic.id) : assertion === undefined ? '' : (assertionClientId(assertion) ?? ''))
  return { bodyId, bodySecret: single(params, 'client_secret'), assertionType: single(params, 'client_assertion_type'), assertion, basic, claimedId }
}

/** `endpoint` is the path under the issuer the request came to (`oauth/token`): an assertion's `aud` may name it. */
export async function authenticateClient(ctx: ClientAuthContext, presented: PresentedClient, endpoint: string): Promise<AuthenticatedClient> {
  const { bodyId, bodySecret, assertionType, assertion, basic } = presented

  if (assertionType !== undefined || assertion !== undefined) {
    if (basic !== null || bodySecret !== undefined) throw new InvalidRequest('Use only one client authentication method.')
    if (assertionType === undefined) throw new InvalidRequest('Missing required parameter: client_assertion_type')
    if (assertionType !== CLIENT_ASSERTION_TYPE) throw new InvalidClient(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}.`)
    if (assertion === undefined) throw new InvalidRequest('Missing required parameter: client_assertion')
    const claimed = assertionClientId(assertion)
    if (claimed === null) throw new InvalidClient('client_assertion must be a JWT whose sub is the client id.')
    if (bodyId !== undefined && bodyId !== claimed) throw new InvalidRequest('client_id does not match the client_assertion.')
    const client = await ctx.store.applications.get(claimed)
    if (!client) throw new InvalidClient(UNKNOWN_OR_FAILED)
    if (client.tokenEndpointAuthMethod !== 'private_key_jwt')
      throw new InvalidClient(client.tokenEndpointAuthMethod === 'none' ? 'This application is public: send no client authentication.' : 'This application authenticates with a client secret, not private_key_jwt.')
    const audiences = [...new Set([ctx.issuer, `${ctx.issuer}oauth/token`, `${ctx.issuer}${endpoint}`])]
    await verifyClientAssertion({ assertion, client, audiences, now: ctx.clock.now(), replay: ctx.store.replayGuard })
    return { client, method: 'private_key_jwt' }
  }

  if (basic !== null) {
    if (basic === 'malformed') throw new InvalidBasicClient('Malformed Basic authorization header.')
    if (bodySecret !== undefined) throw new InvalidRequest('Use only one client authentication method.')
    if (bodyId !== undefined && bodyId !== basic.id) throw new InvalidRequest('client_id does not match the authenticated client.')
    const client = basic.id.length <= 256 ? await ctx.store.applications.get(basic.id) : null
    if (client?.tokenEndpointAuthMethod === 'private_key_jwt') throw new InvalidBasicClient(USE_ASSERTION)
    // A public client named in Basic with an empty password (oidc-agent always sends one) authenticates as `none`.
    if (client?.tokenEndpointAuthMethod === 'none' && basic.secret === '') return { client, method: 'none' }
    if (!client || client.clientSecretHash === null || !matchesHash(basic.secret, client.clientSecretHash))
      throw new InvalidBasicClient('Client authentication failed.')
    return { client, method: 'client_secret_basic' }
  }

  if (bodyId === undefined) throw new InvalidRequest('Missing required parameter: client_id')
  const client = bodyId.length <= 256 ? await ctx.store.applications.get(bodyId) : null
  if (!client) throw new InvalidClient(UNKNOWN_OR_FAILED)
  if (client.tokenEndpointAuthMethod === 'none') {
    if (bodySecret !== undefined) throw new InvalidClient('This application is public: send no client_secret.')
    return { client, method: 'none' }
  }
  if (client.tokenEndpointAuthMethod === 'private_key_jwt')
    throw new InvalidClient(bodySecret !== undefined ? USE_ASSERTION : 'Client authentication is required: this application authenticates with private_key_jwt (client_assertion).')
  if (bodySecret === undefined) throw new InvalidClient('Client authentication is required (client_secret_basic or client_secret_post).')
  if (client.clientSecretHash === null || !matchesHash(bodySecret, client.clientSecretHash)) throw new InvalidClient(UNKNOWN_OR_FAILED)
  return { client, method: 'client_secret_post' }
}

/** The context from the app's dependencies. */
export function clientAuthContext(deps: { readonly store: Store; readonly clock: Clock; readonly config: { readonly issuer: string } }): ClientAuthContext {
  return { store: deps.store, clock: deps.clock, issuer: deps.config.issuer }
}
