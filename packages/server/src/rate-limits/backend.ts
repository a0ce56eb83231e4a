/**
 * Where the counters live. One factory per backend makes a limiter for a bucket definition:
 * memory (one process: the default, and the choice for SQLite), PostgreSQL (shared by every node on
 * the same database), Redis (shared, cheapest; PostgreSQL or memory insures it when Redis is down).
 */
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible'
import { parseDatabaseUrl } from '@latchkey/storage'
import type { Logger } from '../logger.js'
import type { RateLimitConfig } from './config.js'

export interface Bucket {
  /** Names the bucket in the store (`keyPrefix`); no two limiters share one. */
  readonly name: string
  readonly points: number
  readonly seconds: number
}

export interface Backend {
  readonly kind: 'memory' | 'postgres' | 'redis'
  create(bucket: Bucket): RateLimiterAbstract
  close(): Promise<void>
}

export function memoryBackend(): Backend {
  return {
    kind: 'memory',
    create: (bucket) => new RateLimiterMemory({ keyPrefix: bucket.name, points: bucket.points, duration: bucket.seconds }),
    close: async () => {},
  }
}

/**
 * Redis when configured, else the database when it is PostgreSQL, else memory. The PostgreSQL and
 * Redis backends (and their drivers) are loaded only when used: a SQLite node never holds them.
 */
export async function openBackend(config: RateLimitConfig, db: string, log: Logger): Promise<Backend> {
  const shared = parseDatabaseUrl(db).dialect === 'postgres' ? await (await import('./postgres-backend.js')).openPostgresBackend(db, log) : memoryBackend()
  if (config.redisUrl === null) return shared
  try {
    return await (await import('./redis-backend.js')).openRedisBackend(config.redisUrl, shared, log)
  } catch (error) {
    await shared.close()
    throw error
  }
}
