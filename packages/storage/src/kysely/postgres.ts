/**
 * PostgreSQL through a `pg` Pool. `bigint` (int8) columns and `count(*)` come back as JS numbers:
 * the pool's own type parser converts them (and refuses values beyond 2^53, which epoch
 * milliseconds never reach), leaving pg's process-wide parsers alone. An optional `?schema=NAME`
 * in the URL becomes the connections' search_path, so several stores can share one database.
 */
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.js'

const INT8_OID = 20
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

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
}

/** Opens a pool for a `postgres://` or `postgresql://` URL and checks that it can connect. */
export async function openPostgres(url: string): Promise<PostgresHandle> {
  const parsed = new URL(url)
  const schema = parsed.searchParams.get('schema') ?? undefined
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid schema name in database URL: ${JSON.stringify(schema)}`)
  }
  parsed.searchParams.delete('schema')
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    types,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  })
  // An idle client's error (a server restart, say) is not fatal: the pool drops that client and the
  // next query connects anew. Without a listener, pg would crash the process.
  pool.on('error', () => {})
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  try {
    await pool.query('select 1')
  } catch (error) {
    await db.destroy()
    throw error
  }
  return { db, schema }
}
