/**
 * Rate-limit counters in PostgreSQL, shared by every node on the database: one `rate_limits` table
 * (in the store's `?schema=` if any) behind a small pool of its own, created at start-up. Each
 * limiter's upsert is one atomic `INSERT … ON CONFLICT … RETURNING`, so parallel requests on any
 * number of nodes cannot overshoot. A memory limiter insures each one: if the database stops
 * answering, counting goes on per node instead of failing open.
 *
 * The table is UNLOGGED: counters that live a minute need no write-ahead log, so an upsert commits
 * without a WAL flush (it was most of the database's work per token request). A database crash
 * empties the table, which only forgets recent counts, as a restarted Redis without persistence
 * would; standbys do not get it, which is what counters want too.
 */
import pg from 'pg'
import { RateLimiterMemory, RateLimiterPostgres } from 'rate-limiter-flexible'
import type { Logger } from '../logger.js'
import type { Backend, Bucket } from './backend.js'

const TABLE = 'rate_limits'
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
const PURGE_EVERY_MS = 5 * 60_000

// The library's own table shape; created here once rather than by every limiter.
function createTable(identifier: string): string {
  return `CREATE UNLOGGED TABLE IF NOT EXISTS ${identifier} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`
}

/** A table made by an earlier version (logged) becomes unlogged; two nodes doing it at once wait for each other. */
async function ensureUnlogged(pool: pg.Pool, identifier: string): Promise<void> {
  const { rows } = await pool.query<{ relpersistence: string }>('SELECT relpersistence FROM pg_class WHERE oid = $1::regclass', [identifier])
  if (rows[0]?.relpersistence === 'p') await pool.query(`ALTER TABLE ${identifier} SET UNLOGGED`)
}

export async function openPostgresBackend(url: string, log: Logger): Promise<Backend> {
  const parsed = new URL(url)
  const schema = parsed.searchParams.get('schema') ?? undefined
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) throw new Error('invalid schema name in database URL')
  parsed.searchParams.delete('schema')
  // A database that stops answering fails the query after 2 s, and the insurance limiter counts.
  const pool = new pg.Pool({ connectionString: parsed.toString(), max: 8, connectionTimeoutMillis: 2_000, query_timeout: 2_000 })
  // An idle client's error (a database restart) is not fatal: the pool replaces the client.
  pool.on('error', (err) => log.warn({ err: { message: err.message } }, 'rate limits: PostgreSQL connection lost'))
  const identifier = schema === undefined ? `"${TABLE}"` : `"${schema}"."${TABLE}"`
  try {
    await pool.query(createTable(identifier))
  } catch (error) {
    // Two nodes creating the table at once: one of them sees a unique violation on pg_type.
    const code = (error as { code?: string }).code
    if (code !== '23505' && code !== '42P07') {
      await pool.end()
      throw error
    }
  }
  try {
    await ensureUnlogged(pool, identifier)
  } catch (error) {
    await pool.end()
    throw error
  }
  const purge = setInterval(() => {
    pool.query(`DELETE FROM ${identifier} WHERE expire < $1`, [Date.now()]).catch(() => {})
  }, PURGE_EVERY_MS)
  purge.unref()

  return {
    kind: 'postgres',
    create(bucket: Bucket) {
      const options = { keyPrefix: bucket.name, points: bucket.points, duration: bucket.seconds }
      return new RateLimiterPostgres({
        ...options,
        storeClient: pool,
        storeType: 'pool',
        tableName: TABLE,
        ...(schema === undefined ? {} : { schemaName: schema }),
        tableCreated: true,
        clearExpiredByTimeout: false,
        insuranceLimiter: new RateLimiterMemory(options),
      })
    },
    async close() {
      clearInterval(purge)
      await pool.end()
    },
  }
}
