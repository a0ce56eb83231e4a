/**
 * `createVerifier`: Latchkey access tokens verified the way RFC 9068 §4 asks, with jose's `jwtVerify`:
 * the signature with the issuer's published keys (only the asymmetric algorithms it advertises), the
 * `typ` header (`at+jwt`), `iss` exactly, `aud` containing the API identifier, `exp`, `nbf` and `iat`
 * within the clock tolerance, and the presence of `sub`, `exp` and `iat`. A DPoP-bound token
 * (`cnf.jkt`) is accepted only as `Authorization: DPoP` with a proof of its key for the request
 * (RFC 9449 §7), never as Bearer.
 *
 * Discovery happens on the first verification (or on `discover()`), and a failure is retried rather
 * than remembered.
 */
import { jwtVerify, type JWTVerifyOptions } from 'jose'
import type { BearerRequest } from './bearer-token.js'
import { checkClaims, type ClaimCheck } from './checks.js'
import { sealClaims, type AccessTokenClaims } from './claims.js'
import { isDpopScheme, readCredentials, type Credentials } from './credentials.js'
import { discover, type IssuerMetadata } from './discovery.js'
import { verifyProof } from './dpop-proof.js'
import { BearerError, type Challenge, fromJoseError, invalidToken } from './errors.js'
import { KeySource } from './key-source.js'
import { resolveOptions, type ResolvedOptions, type VerifierOptions } from './options.js'
import { TokenCache } from './token-cache.js'

export interface Verifier {
  /** The realm of this verifier's `WWW-Authenticate` challenges. */
  readonly realm: string
  /**
   * Verifies an access token presented as Bearer; rejects with a `BearerError` (or an `IssuerError`
   * when the issuer can't be reached). A DPoP-bound token is refused here: use `authenticate`.
   */
  verifyAccessToken(token: string): Promise<AccessTokenClaims>
  /**
   * The whole of a protected request: the token from the `Authorization` header (never the query
   * string), verified, its DPoP proof checked when it is DPoP-bound (pass `method`, the full `url`
   * and the `dpop` header), then the checks (`requireScopes(…)`, `requireClaim(…)`).
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
    const mode = this.#options.dpop
    let credentials: Credentials
    try {
      credentials = readCredentials(request, mode !== 'disabled')
    } catch (err) {
      throw contextual(err, mode !== 'disabled' && isDpopScheme(request.authorization) ? this.#dpopChallenge : this.#bearerChallenge)
    }
    if (mode === 'required' && credentials.scheme === 'Bearer') {
      throw new BearerError(401, 'invalid_token', 'This API takes DPoP-bound access tokens only (Authorization: DPoP).', { missing: true }).withChallenge(this.#bearerChallenge)
    }
    if (credentials.scheme === 'Bearer') {
      const claims = await this.verifyAccessToken(credentials.token)
      if (checks.length > 0) checkClaims(claims, ...checks)
      return claims
    }
    const claims = await this.#verify(credentials.token, this.#dpopChallenge)
    try {
      const jkt = claims.cnf?.jkt
      if (typeof jkt !== 'string') throw invalidToken('The access token is not bound to a DPoP key: present it as Bearer.')
      await verifyProof({
        proof: request.dpop,
        method: requestMethod(request),
        url: this.#requestUrl(request),
        accessToken: credentials.token,
        jkt,
        algorithms: this.#options.dpopAlgorithms,
        clockTolerance: this.#options.clockTolerance,
        replay: this.#options.replayCache,
      })
    } catch (err) {
      throw contextual(err, this.#dpopChallenge)
    }
    if (checks.length > 0) checkClaims(claims, ...checks)
    return claims
  }

  async verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    const claims = await this.#verify(token, this.#bearerChallenge)
    // RFC 9449 §7.2: a token bound to a key (cnf) is never good as a bearer token.
    if (claims.cnf !== undefined) {
      const error =
        this.#options.dpop === 'disabled'
          ? invalidToken('The access token is bound to a key (cnf); this API does not take sender-constrained tokens.')
          : invalidToken('The access token is bound to a DPoP key: present it with the DPoP scheme and a DPoP proof.')
      throw error.withChallenge(this.#options.dpop === 'disabled' ? this.#bearerChallenge : { ...this.#dpopChallenge, scheme: 'Bearer', bearer: true })
    }
    if (this.#options.dpop === 'required') {
      throw invalidToken('This API takes DPoP-bound access tokens only (Authorization: DPoP).').withChallenge(this.#bearerChallenge)
    }
    return claims
  }

  /** Challenges for Bearer requests: one Bearer challenge, or a bare DPoP one where DPoP is required. */
  get #bearerChallenge(): Challenge {
    const { realm, dpop, dpopAlgorithms } = this.#options
    return dpop === 'required' ? { realm, scheme: 'DPoP', dpopAlgs: dpopAlgorithms, bearer: false } : { realm }
  }

  /** Challenges for DPoP requests: the error on the DPoP challenge, with its algorithms. */
  get #dpopChallenge(): Challenge {
    const { realm, dpop, dpopAlgorithms } = this.#options
    return { realm, scheme: 'DPoP', dpopAlgs: dpopAlgorithms, bearer: dpop !== 'required' }
  }

  /** The URL the proof's `htu` must name: the request's, on `publicOrigin` when that is set. */
  #requestUrl(request: BearerRequest): URL {
    const target = request.url
    const origin = this.#options.publicOrigin
    if (origin !== undefined && target !== undefined) {
      const parsed = new URL(target, 'http://placeholder.invalid')
      return new URL(`${parsed.pathname}${parsed.search}`, origin)
    }
    if (target === undefined || !URL.canParse(target)) {
      throw new TypeError('@latchkey/resource-server: DPoP needs the full request URL (pass `url`, or set `publicOrigin`)')
    }
    return new URL(target)
  }

  /** Signature and claims (RFC 9068), from the token cache when it was verified before. */
  async #verify(token: string, challenge: Challenge): Promise<AccessTokenClaims> {
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
      throw contextual(fromJoseError(err), challenge)
    }
  }

  /** What jose leaves to the caller: `sub` a string, `iat` not in the future. */
  #accept(payload: Record<string, unknown>): AccessTokenClaims {
    if (typeof payload.sub !== 'string' || payload.sub === '') throw invalidToken("The access token's sub claim is malformed.")
    if ((payload.iat as number) > Math.floor(Date.now() / 1000) + this.#options.clockTolerance) {
      throw invalidToken('The access token was issued in the future (iat).')
    }
    // Checks run later answer on the challenge the token is used with: DPoP for a DPoP-bound token.
    const bound = typeof (payload.cnf as { jkt?: unknown } | undefined)?.jkt === 'string'
    return sealClaims(payload as AccessTokenClaims, bound && this.#options.dpop !== 'disabled' ? this.#dpopChallenge : this.#bearerChallenge)
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

function contextual(err: unknown, challenge: Challenge): unknown {
  return err instanceof BearerError ? err.withChallenge(challenge) : err
}

function requestMethod(request: BearerRequest): string {
  if (typeof request.method !== 'string' || request.method === '') {
    throw new TypeError('@latchkey/resource-server: DPoP needs the request method (pass `method`)')
  }
  return request.method
}
