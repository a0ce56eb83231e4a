/**
 * PostgreSQL through a `pg` Pool. `bigint` (int8) columns and `count(*)` come back as JS numbers:
 * the pool's own type parser converts them (and refuses values beyond 2^53, which epoch
 * milliseconds never reach), leaving pg's process-wide parsers alone. Options in the URL:
 * - `?schema=NAME` becomes the connections' search_path, so several stores can share one database;
 * - `?pool=N` caps the pool at N connections (default 10, pg's own). Each node holds up to N, plus
 *   one for change notices and, while it sweeps, one for the housekeeping lock: size PostgreSQL's
 *   `max_connections` for nodes × (N + 2), plus the rate limits' pool and the CLI.
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { SessionFactory } from './postgres-coordination.js'
import type { Database } from './schema.js'

const INT8_OID = 20
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/
const DEFAULT_POOL = 10
const MAX_POOL = 1000
/** A session (LISTEN, lock) that cannot connect in this long fails and is retried later. */
const CONNECT_TIMEOUT_MS = 10_000

function parseInt8(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${text} is not a safe JS integer`)
  return value
}

const types: pg.CustomTypesConfig = {
  getTypeParser: (oid, format) =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format),
}

export interface PostgresHandle {
  readonly db: Kysely<Database>
  /** The schema named by `?schema=`, if any. */
  readonly schema: string | undefined
  /** The schema the tables live in: the one named, else the connection's current schema. */
  readonly scope: string
  /** A connection outside the pool, for a session of its own (LISTEN, advisory locks). */
  readonly session: SessionFactory
}

function poolSize(value: string | null): number {
  if (value === null) return DEFAULT_POOL
  const size = Number(value)
  if (!/^\d+$/.test(value) || size < 1 || size > MAX_POOL) {
    throw new Error(`invalid pool size in database URL: ?pool= takes a whole number from 1 to ${MAX_POOL}`)
  }
  return size
}

/** Opens a pool for a `postgres://` or `postgresql://` URL and checks that it can connect. */
export async function openPostgres(url: string): Promise<PostgresHandle> {
  const parsed = new URL(url)
  const schema = parsed.searchParams.get('schema') ?? undefined
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid schema name in database URL: ${JSON.stringify(schema)}`)
  }
  const max = poolSize(parsed.searchParams.get('pool'))
  parsed.searchParams.delete('schema')
  parsed.searchParams.delete('pool')
  const connection = {
    connectionString: parsed.toString(),
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  }
  const pool = new pg.Pool({ ...connection, max, types })
  // An idle client's error (a server restart, say) is not fatal: the pool drops that client and the
  // next query connects anew. Without a listener, pg would crash the process.
  pool.on('error', () => {})
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  let current: string | null | undefined
  try {
    current = (await pool.query<{ schema: string | null }>('select current_schema() as schema')).rows[0]?.schema
  } catch (error) {
    await db.destroy()
    throw error
  }
  const session: SessionFactory = (purpose) => new pg.Client({ ...connection, application_name: purpose, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS })
  return { db, schema, scope: schema ?? current ?? 'public', session }
}
