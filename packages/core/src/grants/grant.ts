/**
 * The shape every grant shares (oidc-provider's grant modules, fosite's handlers): a grant is a
 * module with its `type` and a `handle` that turns validated parameters and an authenticated
 * client into a token response.
 */
import type { Clock } from '../clock.js'
import type { RawParams } from '../params.js'
import type { GrantStore } from '../ports.js'
import type { ApplicationRecord, SigningKeyAlg } from '../records.js'
import type { SigningKey } from '../tokens/signer.js'

export interface GrantContext {
  readonly params: RawParams
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

export interface GrantHandler {
  readonly type: string
  handle(ctx: GrantContext): Promise<TokenResponse>
}
