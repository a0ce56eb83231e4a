/**
 * Tokens already verified, so a token presented again (an app calls the API many times with one
 * access token) skips the signature check. A hit is only used while nothing that decided the first
 * verification can have changed:
 * - the key set is the very one the token was verified with, and still within `jwksCacheMaxAge`:
 *   the cache belongs to one key set and is emptied when another one is fetched (a refetch that
 *   drops a key drops every token it verified);
 * - `exp` and `nbf` are checked again against the clock, with the same tolerance, on every hit;
 * - the claims are frozen, so one request cannot change what the next one sees.
 * Everything else jose checked (signature, `alg`, `typ`, `iss`, `aud`, required claims) depends on
 * the token's bytes and the key set alone. Failures are never cached.
 */
import type { JSONWebKeySet } from 'jose'
import type { AccessTokenClaims } from './claims.js'

export class TokenCache {
  /** Oldest first (Map iteration follows insertion order). */
  #entries = new Map<string, AccessTokenClaims>()
  /** The key set every entry was verified with. */
  #jwks: JSONWebKeySet | undefined

  constructor(
    private readonly size: number,
    private readonly clockTolerance: number,
  ) {}

  /** The claims of a token verified with `jwks` that is still within its validity period. */
  get(token: string, jwks: JSONWebKeySet | undefined): AccessTokenClaims | undefined {
    if (jwks === undefined || jwks !== this.#jwks) return undefined
    const claims = this.#entries.get(token)
    if (claims === undefined) return undefined
    const now = Math.floor(Date.now() / 1000)
    if (claims.exp <= now - this.clockTolerance || (claims.nbf !== undefined && claims.nbf > now + this.clockTolerance)) {
      this.#entries.delete(token)
      return undefined
    }
    return claims
  }

  set(token: string, jwks: JSONWebKeySet, claims: AccessTokenClaims): void {
    if (this.size === 0) return
    if (jwks !== this.#jwks) {
      this.#entries = new Map()
      this.#jwks = jwks
    }
    this.#entries.set(token, claims)
    if (this.#entries.size > this.size) this.#entries.delete(this.#entries.keys().next().value as string)
  }
}
