/**
 * `createVerifier`: Latchkey access tokens verified the way RFC 9068 §4 asks, with jose's `jwtVerify`:
 * the signature with the issuer's published keys (only the asymmetric algorithms it advertises), the
 * `typ` header (`at+jwt`), `iss` exactly, `aud` containing the API identifier, `exp`, `nbf` and `iat`
 * within the clock tolerance, and the presence of `sub`, `exp` and `iat`.
 *
 * Discovery happens on the first verification (or on `discover()`), and a failure is retried rather
 * than remembered.
 */
import { jwtVerify, type JWTVerifyOptions } from 'jose'
import { bearerToken, type BearerRequest } from './bearer-token.js'
import { checkClaims, type ClaimCheck } from './checks.js'
import { sealClaims, type AccessTokenClaims } from './claims.js'
import { discover, type IssuerMetadata } from './discovery.js'
import { BearerError, fromJoseError, invalidToken } from './errors.js'
import { KeySource } from './key-source.js'
import { resolveOptions, type ResolvedOptions, type VerifierOptions } from './options.js'
import { TokenCache } from './token-cache.js'

export interface Verifier {
  /** The realm of this verifier's `WWW-Authenticate` challenges. */
  readonly realm: string
  /** Verifies an access token; rejects with a `BearerError` (or an `IssuerError` when the issuer can't be reached). */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>
  /**
   * The whole of a protected request: the token from the `Authorization` header (never the query
   * string), verified, then the checks (`requireScopes(…)`, `requireClaim(…)`).
   */
  authenticate(request: BearerRequest, ...checks: readonly ClaimCheck[]): Promise<AccessTokenClaims>
  /** Reads the issuer's metadata now (it is otherwise read on the first verification). */
  discover(): Promise<IssuerMetadata>
  /** JWKS fetches so far (to watch the rate limit at work). */
  readonly jwksFetches: number
}

/** A verifier, or the options to make one: what every adapter accepts. */
export type VerifierInput = VerifierOptions | Verifier

export function toVerifier(input: VerifierInput): Verifier {
  return 'verifyAccessToken' in input && typeof input.verifyAccessToken === 'function' ? input : createVerifier(input as VerifierOptions)
}

interface Ready {
  readonly metadata: IssuerMetadata
  readonly keys: KeySource
  readonly verifyOptions: JWTVerifyOptions
}

/** A failed discovery is not retried more often than this (or `cooldown`, if shorter). */
const DISCOVERY_BACKOFF_MS = 1_000

export function createVerifier(options: VerifierOptions): Verifier {
  return new AccessTokenVerifier(resolveOptions(options))
}

class AccessTokenVerifier implements Verifier {
  readonly #options: ResolvedOptions
  readonly #tokens: TokenCache
  #ready: Ready | undefined
  #pending: Promise<Ready> | undefined
  #failure: { at: number; error: unknown } | undefined

  constructor(options: ResolvedOptions) {
    this.#options = options
    this.#tokens = new TokenCache(options.tokenCacheSize, options.clockTolerance)
  }

  get realm(): string {
    return this.#options.realm
  }

  get jwksFetches(): number {
    return this.#ready?.keys.fetches ?? 0
  }

  async discover(): Promise<IssuerMetadata> {
    return (this.#ready ?? (await this.#load())).metadata
  }

  async authenticate(request: BearerRequest, ...checks: readonly ClaimCheck[]): Promise<AccessTokenClaims> {
    let token: string
    try {
      token = bearerToken(request)
    } catch (err) {
      throw realmed(err, this.#options.realm)
    }
    const claims = await this.verifyAccessToken(token)
    if (checks.length > 0) checkClaims(claims, ...checks)
    return claims
  }

  async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    try {
      const ready = this.#ready ?? (await this.#load())
      const jwks = ready.keys.freshJwks()
      const hit = this.#tokens.get(token, jwks)
      if (hit !== undefined) return hit
      const { payload } = await jwtVerify(token, ready.keys.getKey, ready.verifyOptions)
      const claims = this.#accept(payload)
      // remembered only if the key set did not change while this token was being verified
      if (jwks !== undefined && jwks === ready.keys.freshJwks()) this.#tokens.set(token, jwks, claims)
      return claims
    } catch (err) {
      throw realmed(fromJoseError(err), this.#options.realm)
    }
  }

  /** What jose leaves to the caller: `sub` a string, `iat` not in the future. */
  #accept(payload: Record<string, unknown>): AccessTokenClaims {
    if (typeof payload.sub !== 'string' || payload.sub === '') throw invalidToken("The access token's sub claim is malformed.")
    if ((payload.iat as number) > Math.floor(Date.now() / 1000) + this.#options.clockTolerance) {
      throw invalidToken('The access token was issued in the future (iat).')
    }
    return sealClaims(payload as AccessTokenClaims, this.#options.realm)
  }

  #load(): Promise<Ready> {
    const failure = this.#failure
    if (failure && Date.now() < failure.at + Math.min(DISCOVERY_BACKOFF_MS, this.#options.cooldown)) return Promise.reject(failure.error)
    this.#pending ??= discover(this.#options).then(
      (metadata) => {
        const o = this.#options
        const keys = new KeySource({ jwksUri: metadata.jwksUri, cacheMaxAge: o.jwksCacheMaxAge, cooldown: o.cooldown, timeout: o.timeout, fetch: o.fetch })
        this.#ready = {
          metadata,
          keys,
          verifyOptions: {
            issuer: o.issuer,
            audience: o.audience,
            algorithms: [...metadata.algorithms],
            clockTolerance: o.clockTolerance,
            requiredClaims: ['sub', 'exp', 'iat'],
            ...(o.requiredTyp === undefined ? {} : { typ: o.requiredTyp }),
          },
        }
        this.#pending = undefined
        this.#failure = undefined
        return this.#ready
      },
      (error: unknown) => {
        this.#pending = undefined
        this.#failure = { at: Date.now(), error }
        throw error
      },
    )
    return this.#pending
  }
}

function realmed(err: unknown, realm: string): unknown {
  return err instanceof BearerError ? err.withRealm(realm) : err
}
