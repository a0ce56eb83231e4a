/**
 * One use per DPoP proof (RFC 9449 §11.1): each proof's key and `jti` are remembered until no proof
 * with them could be accepted any more. The default cache lives in this process's memory, bounded
 * in size; APIs running on several instances plug in a shared one (`use` may be async, e.g. Redis
 * `SET key 1 NX PX ttl`).
 */

export interface ReplayCache {
  /**
   * Records `key` until `expiresAt` (epoch ms). True the first time; false while it is recorded.
   * Must be atomic when shared by several processes.
   */
  use(key: string, expiresAt: number): boolean | Promise<boolean>
}

export class MemoryReplayCache implements ReplayCache {
  /** Insertion order is expiry order (every entry lives the same window), oldest first. */
  readonly #entries = new Map<string, number>()

  /**
   * `maxEntries` bounds memory: past it the oldest entries go first. At the default, proofs are
   * remembered for their whole window up to about 300 requests per second.
   */
  constructor(private readonly maxEntries = 100_000) {}

  use(key: string, expiresAt: number): boolean {
    const now = Date.now()
    for (const [oldest, until] of this.#entries) {
      if (until > now && this.#entries.size < this.maxEntries) break
      this.#entries.delete(oldest)
    }
    const until = this.#entries.get(key)
    if (until !== undefined && until > now) return false
    this.#entries.delete(key)
    this.#entries.set(key, expiresAt)
    return true
  }

  get size(): number {
    return this.#entries.size
  }
}
