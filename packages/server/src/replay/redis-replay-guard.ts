/**
 * One-time keys (DPoP proof and client assertion `jti`s) in Redis when `LATCHKEY_REDIS_URL` is set:
 * `SET key 1 NX PX ttl`, atomic in Redis, so the database takes no write per proof. The store's
 * replay guard stands in while Redis is down, and losing Redis never lets a replay through:
 *
 * - Redis mode: Redis only. A failed or unready command switches to fallback at `since` = that
 *   request's time; the failing use is refused (its key may have reached Redis).
 * - Fallback (store only): a key recorded in Redis before `since` is unknown to the store, so a use is
 *   accepted only when its proof could not have been accepted anywhere before `since`
 *   (`acceptableFrom > since`, see `use`); anything older is refused as if replayed. New proofs are
 *   refused for a short while after an outage starts (DPoP: 10 s by `iat`, 1–2 nonce steps with a
 *   nonce; client assertions: until one made after the outage is presented).
 * - Overlap: once Redis answers again, a key must be new in the store and in Redis, for
 *   MAX_ACCEPTANCE_MS from when it was first seen back; a key the store alone recorded during the
 *   outage is then past every proof's acceptance, and Redis alone takes over. A failure during the
 *   overlap returns to fallback with the same `since` (everything since then is in the store).
 *
 * Each node tracks its own outage: a node that reaches Redis while another does not (a partition
 * of one node) would not see the other's store-only keys; docs/deploy.md says so.
 */
import {
  CLIENT_ASSERTION_CLOCK_SKEW_SECONDS,
  DPOP_IAT_FUTURE_SECONDS,
  DPOP_IAT_PAST_SECONDS,
  DPOP_NONCE_STEP_MS,
  DPOP_REPLAY_WINDOW_MS,
  MAX_CLIENT_ASSERTION_LIFETIME_SECONDS,
} from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Redis } from 'ioredis'
import type { Logger } from '../logger.js'
import { openRedisClient, redacted } from '../rate-limits/redis-backend.js'

type ReplayGuardRepo = Store['replayGuard']

const READY_WAIT_MS = 2_000
const KEY_PREFIX = 'latchkey:replay:'

/** A client assertion is accepted from `exp - lifetime - skew` to `exp + skew`: its key's `expiresAt`. */
const CLIENT_ASSERTION_SPAN_MS = (MAX_CLIENT_ASSERTION_LIFETIME_SECONDS + 2 * CLIENT_ASSERTION_CLOCK_SKEW_SECONDS) * 1000
/** A DPoP proof is accepted for at most 70 s by `iat`, or 4 nonce steps (a nonce is good from one step before its own to two after). */
const DPOP_SPAN_MS = Math.max((DPOP_IAT_PAST_SECONDS + DPOP_IAT_FUTURE_SECONDS) * 1000, 4 * DPOP_NONCE_STEP_MS)
/** The longest any proof stays acceptable (and so replayable): the overlap lasts this long. */
export const MAX_ACCEPTANCE_MS = Math.max(CLIENT_ASSERTION_SPAN_MS, DPOP_SPAN_MS, DPOP_REPLAY_WINDOW_MS)

type Mode = { readonly kind: 'redis' } | { readonly kind: 'fallback'; readonly since: number } | { readonly kind: 'overlap'; readonly since: number; readonly back: number }

export class RedisReplayGuard implements ReplayGuardRepo {
  /** Tells dpop-acceptance.ts to pass each proof's earliest acceptance (without loading this module). */
  readonly takesAcceptanceTime = true
  #mode: Mode = { kind: 'redis' }

  constructor(
    private readonly redis: Redis,
    private readonly store: ReplayGuardRepo,
    private readonly log: Logger,
  ) {}

  /**
   * Records `key` until `expiresAt`; true to exactly one caller. `acceptableFrom` is the earliest time
   * the proof behind the key could have been accepted (epoch ms). Callers that know it pass it (DPoP:
   * see dpop/proofs.ts); otherwise `expiresAt` is taken to end the proof's acceptance, as for a client
   * assertion, and the acceptance to start MAX_ACCEPTANCE_MS before it.
   */
  async use(key: string, now: number, expiresAt: number, acceptableFrom = expiresAt - MAX_ACCEPTANCE_MS): Promise<boolean> {
    const mode = this.#next(now)
    if (mode.kind === 'redis') {
      try {
        return await this.#setInRedis(key, now, expiresAt)
      } catch (err) {
        this.#fallBack(now, err)
        return false
      }
    }
    // Might have been recorded in Redis alone, before this node stopped using it.
    if (acceptableFrom <= mode.since) return false
    if (!(await this.store.use(key, now, expiresAt))) return false
    if (mode.kind === 'fallback') return true
    try {
      return await this.#setInRedis(key, now, expiresAt)
    } catch (err) {
      this.#fallBack(now, err, mode.since)
      // Recorded in the store, which every fallback consults: this one use is good.
      return true
    }
  }

  deleteExpired(now: number, batchSize: number): Promise<number> {
    return this.store.deleteExpired(now, batchSize)
  }

  close(): void {
    this.redis.disconnect()
  }

  /** Moves fallback → overlap when Redis is back, overlap → redis once the overlap has lasted. */
  #next(now: number): Mode {
    const mode = this.#mode
    const ready = this.redis.status === 'ready'
    if (mode.kind === 'redis') {
      if (!ready) this.#fallBack(now, new Error(`Redis connection ${this.redis.status}`))
    } else if (mode.kind === 'fallback') {
      if (ready) this.#mode = { kind: 'overlap', since: mode.since, back: now }
    } else if (!ready) {
      this.#mode = { kind: 'fallback', since: mode.since }
    } else if (now - mode.back >= MAX_ACCEPTANCE_MS) {
      this.#mode = { kind: 'redis' }
      this.log.info('replay guard: Redis back, one-time keys in Redis only again')
    }
    return this.#mode
  }

  #fallBack(now: number, err: unknown, since = now): void {
    if (this.#mode.kind === 'fallback') return
    if (this.#mode.kind === 'redis') {
      this.log.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'replay guard: Redis unavailable, one-time keys in the database (older proofs refused)')
    }
    this.#mode = { kind: 'fallback', since }
  }

  async #setInRedis(key: string, now: number, expiresAt: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(expiresAt - now))
    return (await this.redis.set(`${KEY_PREFIX}${key}`, '1', 'PX', ttl, 'NX')) === 'OK'
  }
}

/** A guard on Redis at `url`, waiting up to 2 s for the connection; the store's guard while it is not up. */
export async function openRedisReplayGuard(url: string, store: ReplayGuardRepo, log: Logger): Promise<RedisReplayGuard> {
  const redis = openRedisClient(url)
  // Failures are seen where commands fail (see `use`); without a listener ioredis reports each as unhandled.
  redis.on('error', () => {})
  if (redis.status !== 'ready') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, READY_WAIT_MS)
      function done() {
        clearTimeout(timer)
        redis.off('ready', done)
        resolve()
      }
      redis.on('ready', done)
    })
  }
  if (redis.status !== 'ready') log.warn({ redis: redacted(url) }, 'replay guard: Redis not reachable at start-up, one-time keys in the database until it is')
  return new RedisReplayGuard(redis, store, log)
}
