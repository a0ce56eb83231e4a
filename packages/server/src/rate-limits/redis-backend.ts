/**
 * Rate-limit counters in Redis (`LATCHKEY_REDIS_URL`), shared by every node. Each consume is one Lua
 * script, atomic in Redis. Losing Redis never opens the gate: with `rejectIfRedisNotReady` and no
 * offline queue, a command fails at once while the connection is down and the limiter falls back
 * to its insurance (the PostgreSQL or memory backend), which keeps counting; a Redis that stops
 * answering without closing the connection costs at most COMMAND_TIMEOUT_MS before the same happens.
 */
import { Redis } from 'ioredis'
import { RateLimiterRedis } from 'rate-limiter-flexible'
import type { Logger } from '../logger.js'
import type { Backend, Bucket } from './backend.js'

const READY_WAIT_MS = 2_000
const COMMAND_TIMEOUT_MS = 500

/** The URL with its password masked, for logs. */
export function redacted(url: string): string {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

/** A client that fails a command at once while down (no offline queue) and keeps reconnecting. */
export function openRedisClient(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: READY_WAIT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // Keep trying to come back, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  })
}

export async function openRedisBackend(url: string, insurance: Backend, log: Logger): Promise<Backend> {
  const redis = openRedisClient(url)
  const where = redacted(url)
  let up = false
  redis.on('ready', () => {
    up = true
    log.info({ redis: where }, 'rate limits: Redis connected')
  })
  redis.on('error', (err: Error) => {
    if (!up) return
    up = false
    log.warn({ redis: where, err: { message: err.message } }, 'rate limits: Redis unavailable, counting in the insurance limiter')
  })
  redis.on('end', () => {
    up = false
  })
  // Start on Redis if it answers soon; otherwise start on the insurance and switch when it does.
  const ready = await new Promise<boolean>((resolve) => {
    if (redis.status === 'ready') return resolve(true)
    const timer = setTimeout(() => done(false), READY_WAIT_MS)
    const done = (ok: boolean) => {
      clearTimeout(timer)
      redis.off('ready', onReady)
      resolve(ok)
    }
    const onReady = () => done(true)
    redis.on('ready', onReady)
  })
  if (!ready) log.warn({ redis: where }, 'rate limits: Redis not reachable at start-up, counting in the insurance limiter until it is')

  return {
    kind: 'redis',
    create(bucket: Bucket) {
      return new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `latchkey:rl:${bucket.name}`,
        points: bucket.points,
        duration: bucket.seconds,
        rejectIfRedisNotReady: true,
        insuranceLimiter: insurance.create(bucket),
      })
    },
    async close() {
      redis.disconnect()
      await insurance.close()
    },
  }
}
