/**
 * What the strategies share at run time: the upstream fetch (limits), the clock of the caches, and
 * the per-connection cache (discovery metadata, JWKS resolvers), droppable per connection.
 */
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT_MS, upstreamFetch } from './http.js'

export interface StrategiesOptions {
  /** The fetch underneath every upstream request (the platform's by default). */
  readonly fetch?: typeof fetch
  /** Time limit of one upstream request, body included (default 5,000 ms). */
  readonly timeoutMs?: number
  /** Largest upstream answer read (default 256 KiB). */
  readonly maxBodyBytes?: number
  /** The clock of the caches, in ms (default Date.now). Token times are checked against the wall clock. */
  readonly now?: () => number
  /** How long discovery metadata is kept (default 10 minutes). */
  readonly discoveryTtlMs?: number
  /** How long after a JWKS fetch an unknown `kid` may fetch it again (default 30 s; jose's cooldown). */
  readonly jwksCooldownMs?: number
  /** Tests only: the issuer of google-oauth2 connections instead of https://accounts.google.com. */
  readonly googleIssuer?: string
}

export interface StrategyContext {
  readonly fetch: ReturnType<typeof upstreamFetch>
  readonly timeoutMs: number
  readonly now: () => number
  readonly discoveryTtlMs: number
  readonly jwksCooldownMs: number
  readonly cache: ConnectionCache
  readonly googleIssuer: string | null
}

export function strategyContext(options: StrategiesOptions = {}): StrategyContext {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const now = options.now ?? Date.now
  return {
    fetch: upstreamFetch({ timeoutMs, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, fetch: options.fetch ?? globalThis.fetch }),
    timeoutMs,
    now,
    discoveryTtlMs: options.discoveryTtlMs ?? 10 * 60_000,
    jwksCooldownMs: options.jwksCooldownMs ?? 30_000,
    cache: new ConnectionCache(now),
    googleIssuer: options.googleIssuer ?? null,
  }
}

const MAX_ENTRIES = 1_000

/**
 * Values kept per connection under a key (the key names what they were built from, e.g. the
 * discovery URL, so changed options never meet stale values). A failed load is not kept.
 */
export class ConnectionCache {
  readonly #entries = new Map<string, { readonly at: number; readonly ttl: number; readonly value: Promise<unknown> }>()
  constructor(private readonly now: () => number) {}

  get<T>(connection: string, key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const id = `${connection}\n${key}`
    const now = this.now()
    const hit = this.#entries.get(id)
    if (hit && now >= hit.at && now - hit.at < hit.ttl) return hit.value as Promise<T>
    const value = load()
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string)
    this.#entries.set(id, { at: now, ttl: ttlMs, value })
    value.catch(() => {
      if (this.#entries.get(id)?.value === value) this.#entries.delete(id)
    })
    return value
  }

  /** Drops what is kept for one connection (after its options change), or for all. */
  forget(connection?: string): void {
    if (connection === undefined) {
      this.#entries.clear()
      return
    }
    for (const id of this.#entries.keys()) if (id.startsWith(`${connection}\n`)) this.#entries.delete(id)
  }
}
