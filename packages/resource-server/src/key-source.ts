/**
 * The issuer's public keys, from jose's `createRemoteJWKSet`: fetched once, reused for
 * `jwksCacheMaxAge`, fetched again on an unknown `kid` at most once per `cooldown`.
 *
 * Two things are added around it:
 * - **the last good key set is kept when the issuer is unreachable.** jose throws as soon as its
 *   cache is older than `cacheMaxAge` and a refetch fails; here the keys of the last successful
 *   fetch keep verifying while the issuer is down, and a new fetch is tried (in the background, not
 *   on a request's time) once per `cooldown`.
 * - **a synchronous lookup of keys already resolved** from the current key set, by `alg` and `kid`,
 *   so the common case does not go through three async layers. The lookup holds only keys that
 *   jose's own selection returned for that same `alg` and `kid` from that same key set, and it is
 *   thrown away with the set.
 */
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwksCache,
  type CryptoKey,
  type ExportedJWKSCache,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type CompactJWSHeaderParameters,
} from 'jose'
import { IssuerError } from './errors.js'

export interface KeySourceOptions {
  readonly jwksUri: URL
  readonly cacheMaxAge: number
  readonly cooldown: number
  readonly timeout: number
  readonly fetch: typeof fetch
}

type LocalSet = ReturnType<typeof createLocalJWKSet>
type ResolvedKey = CryptoKey | Uint8Array

interface Snapshot {
  readonly jwks: JSONWebKeySet
  readonly local: LocalSet
  /** By `kid` (or `''`), with the `alg` it was resolved for. */
  readonly resolved: Map<string, { readonly alg: string; readonly key: ResolvedKey }>
}

/** Errors that mean the key set could not be fetched (as opposed to "no key matches this token"). */
function isUnavailable(err: unknown): boolean {
  return !(err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported)
}

/** A failed first fetch is not retried more often than this (or `cooldown`, if shorter). */
const FIRST_FETCH_BACKOFF_MS = 1_000

export class KeySource {
  readonly #options: KeySourceOptions
  readonly #cache: Partial<ExportedJWKSCache> = {}
  readonly #remote: ReturnType<typeof createRemoteJWKSet>
  #snapshot: Snapshot | undefined
  /** Set while the issuer is unreachable: keys come from the last good set until a fetch succeeds. */
  #outage: { retryAt: number } | undefined
  #failure: { at: number; error: IssuerError } | undefined
  /** JWKS fetches attempted (for tests and metrics). */
  fetches = 0

  constructor(options: KeySourceOptions) {
    this.#options = options
    const counted: typeof fetch = (input, init) => {
      this.fetches += 1
      return options.fetch(input, init)
    }
    this.#remote = createRemoteJWKSet(options.jwksUri, {
      cacheMaxAge: options.cacheMaxAge,
      cooldownDuration: options.cooldown,
      timeoutDuration: options.timeout,
      [jwksCache]: this.#cache as ExportedJWKSCache,
      [customFetch]: counted,
    })
  }

  /** The key set in use if it is still within `cacheMaxAge` (the token cache is tied to it). */
  freshJwks(): JSONWebKeySet | undefined {
    const { uat, jwks } = this.#cache
    return uat !== undefined && Date.now() < uat + this.#options.cacheMaxAge ? jwks : undefined
  }

  /** The `getKey` function handed to `jwtVerify`. */
  readonly getKey = (header: CompactJWSHeaderParameters, token: FlattenedJWSInput): ResolvedKey | Promise<ResolvedKey> => {
    if (this.#outage === undefined) {
      const jwks = this.freshJwks()
      if (jwks !== undefined && this.#snapshot?.jwks === jwks) {
        const hit = this.#snapshot.resolved.get(header.kid ?? '')
        if (hit !== undefined && hit.alg === header.alg) return hit.key
      }
    }
    return this.#resolve(header, token)
  }

  async #resolve(header: CompactJWSHeaderParameters, token: FlattenedJWSInput): Promise<ResolvedKey> {
    if (this.#outage) return this.#fromLastGood(header, token)
    if (this.#failure && Date.now() < this.#failure.at + Math.min(FIRST_FETCH_BACKOFF_MS, this.#options.cooldown)) throw this.#failure.error
    try {
      await this.#remote(header, token)
    } catch (err) {
      if (!isUnavailable(err)) throw err
      if (this.#cache.jwks === undefined) {
        const error = new IssuerError(`could not load the issuer's keys from ${this.#options.jwksUri.href}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
        this.#failure = { at: Date.now(), error }
        throw error
      }
      this.#outage = { retryAt: Date.now() + this.#options.cooldown }
      return this.#fromLastGood(header, token)
    }
    this.#failure = undefined
    // jose found the key in its copy of the set; take it from ours (the same document) and remember it
    const snapshot = this.#current()
    const key = (await snapshot.local(header, token)) as ResolvedKey
    snapshot.resolved.set(header.kid ?? '', { alg: header.alg, key })
    return key
  }

  /** While the issuer is unreachable: the last good set, and one background retry per cooldown. */
  async #fromLastGood(header: CompactJWSHeaderParameters, token: FlattenedJWSInput): Promise<ResolvedKey> {
    const outage = this.#outage
    if (outage && Date.now() >= outage.retryAt && !this.#remote.reloading) {
      outage.retryAt = Date.now() + this.#options.cooldown
      this.#remote.reload().then(
        () => {
          if (this.#outage === outage) this.#outage = undefined
        },
        () => undefined,
      )
    }
    return (await this.#current().local(header, token)) as ResolvedKey
  }

  #current(): Snapshot {
    const jwks = this.#cache.jwks as JSONWebKeySet
    if (this.#snapshot?.jwks !== jwks) this.#snapshot = { jwks, local: createLocalJWKSet(jwks), resolved: new Map() }
    return this.#snapshot
  }
}
