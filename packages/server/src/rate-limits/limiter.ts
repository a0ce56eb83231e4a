/**
 * One named bucket (a limit and the store it counts in), with the verbs the policy needs: `take`
 * a point before the work (rejecting over the limit with a 429), `giveBack` one after it, `peek`,
 * `lock` and `clear`. Keys are SHA-256 digests of their parts, so no token, email or address is
 * stored as such and every key has the same short length.
 */
import { sha256 } from '@latchkey/core'
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { Logger } from '../logger.js'
import type { Limit } from './config.js'
import { rateLimited, type Describe } from './too-many-requests.js'

export function bucketKey(...parts: string[]): string {
  return sha256(parts.join('\u0000'))
}

export class Limiter {
  readonly name: string
  readonly limit: Limit
  readonly #rl: RateLimiterAbstract
  readonly #log: Logger

  constructor(name: string, limit: Limit, rl: RateLimiterAbstract, log: Logger) {
    this.name = name
    this.limit = limit
    this.#rl = rl
    this.#log = log
  }

  /** Counts one point now; throws `RateLimited` (429) when that goes over the limit. */
  async take(key: string, describe?: Describe): Promise<RateLimiterRes> {
    try {
      return await this.#rl.consume(key)
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        // Once per window, not once per refused request: an attack must not flood the logs.
        if (rejection.consumedPoints === this.limit.points + 1) this.#log.info({ limit: this.name }, 'rate limit reached')
        throw rateLimited(this.limit.points, rejection.msBeforeNext, describe, this.name)
      }
      throw rejection
    }
  }

  /** Returns a point taken for work that did not count (a success, where failures are counted). */
  async giveBack(key: string): Promise<void> {
    await this.#quietly('reward', () => this.#rl.reward(key))
  }

  /** The bucket's state, or null when it holds nothing. */
  async peek(key: string): Promise<RateLimiterRes | null> {
    return this.#rl.get(key)
  }

  /** Refuses every `take` on this key for `seconds`, starting now. */
  async lock(key: string, seconds: number): Promise<void> {
    await this.#quietly('block', () => this.#rl.block(key, seconds))
  }

  async clear(key: string): Promise<void> {
    await this.#quietly('delete', () => this.#rl.delete(key))
  }

  // After the work is done, a failing store must not turn a good answer into an error; the
  // insurance limiter has already been tried, so all that is left is to say so.
  async #quietly(what: string, op: () => Promise<unknown>): Promise<void> {
    try {
      await op()
    } catch (err) {
      this.#log.warn({ limit: this.name, op: what, err: { message: err instanceof Error ? err.message : String(err) } }, 'rate limits: store operation failed')
    }
  }
}
