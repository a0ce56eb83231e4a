/** The verifier's options, checked and filled in once. */

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
  }
}
