/**
 * The shape every grant shares (oidc-provider's grant modules, fosite's handlers), in two steps:
 * `parse` reads the grant's own parameters once, at the edge, into a typed value (a missing one is
 * `invalid_request`, RFC 6749 §5.2); `handle` turns that value and the authenticated client into a
 * token response, and says what it did (the user, the API, the grant) so that audit and metrics
 * never decode the tokens they were handed.
 */
import type { Clock } from '../clock.js'
import type { RawParams } from '../params.js'
import type { GrantStore } from '../ports.js'
import type { ActionOutcome } from '../actions/commands.js'
import type { ApiRecord, ApplicationRecord, OrganizationRecord, SigningKeyAlg, UserRecord } from '../records.js'
import type { SigningKey } from '../tokens/signer.js'

export interface GrantContext {
  /** The client, already authenticated as its registration requires. */
  readonly client: ApplicationRecord
  readonly store: GrantStore
  readonly issuer: string
  readonly clock: Clock
  /** The key that signs now with `alg` (RS256 when absent). */
  readonly signingKey: (alg?: SigningKeyAlg) => Promise<SigningKey>
  /**
   * The key of a valid DPoP proof sent with the request (RFC 9449 §5), already checked by the
   * endpoint; absent for plain Bearer requests.
   */
  readonly dpop?: { readonly jkt: string } | null
  /** The Actions bound to the token endpoint's triggers (absent: none run). */
  readonly actions?: GrantActions
}

/**
 * The Actions a grant runs before it issues tokens: post-login at every refresh (Auth0's
 * `oauth2-refresh-token` protocol) and credentials-exchange for client_credentials. What they ask
 * of the user (metadata) the caller applies itself; the outcome's denial and token changes are the
 * grant's to apply.
 */
export interface GrantActions {
  postLogin(input: {
    readonly client: ApplicationRecord
    readonly user: UserRecord
    readonly api: ApiRecord | null
    readonly scope: readonly string[]
    readonly organization: OrganizationRecord | null
    readonly authTime: number
    readonly amr: readonly string[]
  }): Promise<ActionOutcome>
  credentialsExchange(input: { readonly client: ApplicationRecord; readonly api: ApiRecord; readonly scope: readonly string[] }): Promise<ActionOutcome>
}

export interface TokenResponse {
  readonly access_token: string
  /** `DPoP` when the access token is bound to the proof's key (RFC 9449 §5). */
  readonly token_type: 'Bearer' | 'DPoP'
  readonly expires_in: number
  readonly scope: string
  readonly id_token?: string
  readonly refresh_token?: string
}

/** What a grant did: the response, and the facts the audit log and metrics record. */
export interface GrantResult {
  readonly response: TokenResponse
  /** The user the tokens are for; null when the client acts on its own behalf (client_credentials). */
  readonly userId: string | null
  /** The API the access token is for; null for /userinfo alone. */
  readonly audience: string | null
  /** The grant (an authorization code and every refresh token rotated from it); null for client_credentials. */
  readonly grantId: string | null
}

export interface Grant<P> {
  readonly type: string
  /** The grant's parameters (every name already known to be sent at most once). Throws InvalidRequest. */
  parse(params: RawParams): P
  handle(ctx: GrantContext, request: P): Promise<GrantResult>
}

/** A grant whose parameters were read: what is left is to run it for a client. */
export type ParsedGrant = (ctx: GrantContext) => Promise<GrantResult>

/** A grant as the token endpoint holds it, whatever its parameters' type. */
export interface TokenGrant {
  readonly type: string
  read(params: RawParams): ParsedGrant
}

export function tokenGrant<P>(grant: Grant<P>): TokenGrant {
  return {
    type: grant.type,
    read(params) {
      const request = grant.parse(params)
      return (ctx) => grant.handle(ctx, request)
    },
  }
}
