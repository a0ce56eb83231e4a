/** The verifier's options, checked and filled in once. */
import { DPOP_ALGORITHMS } from './algorithms.js'
import { MemoryReplayCache, type ReplayCache } from './replay-cache.js'

/**
 * DPoP (RFC 9449): `allowed` (default) takes Bearer tokens and DPoP-bound tokens with their proofs;
 * `required` takes DPoP-bound tokens only; `disabled` takes Bearer tokens only. In every mode a
 * DPoP-bound token presented as Bearer is refused (RFC 9449 §7.2).
 */
export type DpopMode = 'allowed' | 'required' | 'disabled'

export interface VerifierOptions {
  /**
   * The issuer exactly as Latchkey publishes it: an `http:`/`https:` URL ending in one slash, such
   * as `http://localhost:3000/`. Discovery is read from `${issuer}.well-known/openid-configuration`,
   * whose `issuer` must be this very string, as must every token's `iss`.
   */
  readonly issuer: string
  /** The API identifier (the `audience` apps request); the token's `aud` must be it or contain it. */
  readonly audience: string
  /** The `realm` of `WWW-Authenticate` challenges. Default: the audience. */
  readonly realm?: string
  /** Seconds of leeway for `exp`, `nbf` and `iat`. Default 5. */
  readonly clockTolerance?: number
  /**
   * Algorithms to accept, further limited to the issuer's `id_token_signing_alg_values_supported`
   * and to asymmetric ones (never `none`, never HS*). Default: whatever the issuer advertises.
   */
  readonly algorithms?: readonly string[]
  /** The required `typ` header; `false` accepts any. Default `at+jwt` (RFC 9068). */
  readonly requiredTyp?: string | false
  /** How long a fetched JWKS is used before it is fetched again, in ms. Default 600 000 (10 min). */
  readonly jwksCacheMaxAge?: number
  /**
   * The least time between two JWKS fetches caused by tokens with an unknown `kid` (and between two
   * attempts while the issuer is unreachable), in ms. Default 30 000.
   */
  readonly cooldown?: number
  /** Timeout of each HTTP request to the issuer, in ms. Default 5 000. */
  readonly timeout?: number
  /**
   * How many verified tokens to remember, so a token presented again skips the signature check
   * (its `exp` and `nbf` are checked again every time, and entries are dropped whenever the JWKS is
   * fetched again). `0` turns it off. Default 1 000.
   */
  readonly tokenCacheSize?: number
  /** The `fetch` used for discovery and the JWKS. Default: the global `fetch`. */
  readonly fetch?: typeof fetch
  /** DPoP-bound access tokens (RFC 9449): `allowed` (default), `required` or `disabled`. */
  readonly dpop?: DpopMode
  /** Algorithms accepted for DPoP proofs (asymmetric only). Default ES256, RS256, PS256, EdDSA. */
  readonly dpopAlgorithms?: readonly string[]
  /**
   * Remembers each proof's `jti` for its replay window, so a proof is good for one request. Default:
   * in this process's memory. With several API instances, pass one shared store (Redis, a table).
   */
  readonly replayCache?: ReplayCache
  /**
   * The origin clients call this API at (`https://api.example.com`): a DPoP proof's `htu` must name
   * it. Default: the origin of the request as the adapter sees it (its Host header and protocol).
   * Set it behind a proxy or a load balancer that changes either.
   */
  readonly publicOrigin?: string
}

export interface ResolvedOptions {
  readonly issuer: string
  readonly audience: string
  readonly realm: string
  readonly clockTolerance: number
  readonly algorithms: readonly string[] | undefined
  readonly requiredTyp: string | undefined
  readonly jwksCacheMaxAge: number
  readonly cooldown: number
  readonly timeout: number
  readonly tokenCacheSize: number
  readonly fetch: typeof fetch
  readonly dpop: DpopMode
  readonly dpopAlgorithms: readonly string[]
  readonly replayCache: ReplayCache
  readonly publicOrigin: string | undefined
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`"${name}" must be a non-negative number`)
  return value
}

export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  const { issuer, audience } = options
  if (typeof issuer !== 'string' || !/^https?:\/\/[^/?#]+(?:\/[^?#]*[^/?#])?\/$/.test(issuer)) {
    throw new TypeError(`"issuer" must be an http(s) URL ending in exactly one slash, such as "http://localhost:3000/" (got ${JSON.stringify(issuer)})`)
  }
  if (typeof audience !== 'string' || audience === '') throw new TypeError('"audience" must be the API identifier')
  const requiredTyp = options.requiredTyp ?? 'at+jwt'
  if (requiredTyp !== false && (typeof requiredTyp !== 'string' || requiredTyp === '')) throw new TypeError('"requiredTyp" must be a string or false')
  const timeout = nonNegative('timeout', options.timeout, 5_000)
  const dpop = options.dpop ?? 'allowed'
  if (!['allowed', 'required', 'disabled'].includes(dpop)) throw new TypeError('"dpop" must be "allowed", "required" or "disabled"')
  const dpopAlgorithms = [...new Set(options.dpopAlgorithms ?? ['ES256', 'RS256', 'PS256', 'EdDSA'])].filter((alg) => DPOP_ALGORITHMS.includes(alg))
  if (dpop !== 'disabled' && dpopAlgorithms.length === 0) throw new TypeError('"dpopAlgorithms" must name at least one asymmetric algorithm')
  let publicOrigin: string | undefined
  if (options.publicOrigin !== undefined) {
    const url = typeof options.publicOrigin === 'string' && URL.canParse(options.publicOrigin) ? new URL(options.publicOrigin) : undefined
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search || url.hash) {
      throw new TypeError(`"publicOrigin" must be an origin such as "https://api.example.com" (got ${JSON.stringify(options.publicOrigin)})`)
    }
    publicOrigin = url.origin
  }
  return {
    issuer,
    audience,
    realm: options.realm ?? audience,
    clockTolerance: nonNegative('clockTolerance', options.clockTolerance, 5),
    algorithms: options.algorithms === undefined ? undefined : [...options.algorithms],
    requiredTyp: requiredTyp === false ? undefined : requiredTyp,
    jwksCacheMaxAge: nonNegative('jwksCacheMaxAge', options.jwksCacheMaxAge, 600_000),
    cooldown: nonNegative('cooldown', options.cooldown, 30_000),
    timeout: Math.round(timeout),
    tokenCacheSize: Math.floor(nonNegative('tokenCacheSize', options.tokenCacheSize, 1_000)),
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    dpop,
    dpopAlgorithms,
    replayCache: options.replayCache ?? new MemoryReplayCache(),
    publicOrigin,
  }
}
