/**
 * Which JWS algorithms a token may use: asymmetric ones only (a public key can never verify an HMAC,
 * and `none` is never a signature), limited to what the issuer advertises, as
 * express-oauth2-jwt-bearer does with `id_token_signing_alg_values_supported`.
 */

export const ASYMMETRIC_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

/** What DPoP proofs may be signed with (RFC 9449 §4.3 check 5): asymmetric only. */
export const DPOP_ALGORITHMS: readonly string[] = ASYMMETRIC_ALGORITHMS

/**
 * `advertised` is the discovery document's list (undefined when it has none: OpenID Connect's
 * default, RS256, applies); `configured` the verifier's option.
 */
export function acceptedAlgorithms(advertised: readonly string[] | undefined, configured: readonly string[] | undefined): string[] {
  const offered = advertised ?? ['RS256']
  return ASYMMETRIC_ALGORITHMS.filter((alg) => offered.includes(alg) && (configured === undefined || configured.includes(alg)))
}
