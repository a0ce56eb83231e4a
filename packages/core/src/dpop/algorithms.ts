/**
 * The JWS algorithms Latchkey accepts for DPoP proofs (RFC 9449 §4.3 check 5), advertised as
 * `dpop_signing_alg_values_supported` (§5.1). Asymmetric only: `none` and HMAC can never prove
 * possession of a key the server does not know.
 */
export const DPOP_SIGNING_ALGS: readonly string[] = ['ES256', 'RS256', 'PS256', 'EdDSA']

/** A JWK SHA-256 thumbprint (RFC 7638) as `dpop_jkt` and `cnf.jkt` carry it: 43 base64url characters. */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/

export function isJwkThumbprint(value: string): boolean {
  return THUMBPRINT.test(value)
}
