/**
 * SQLite through better-sqlite3: WAL (so the CLI and a running server share one file), a busy
 * timeout, and transactions that start with `BEGIN IMMEDIATE`.
 *
 * Why IMMEDIATE: a deferred transaction that reads and then writes fails with SQLITE_BUSY_SNAPSHOT
 * when another process committed in between, and the busy timeout cannot help. Taking the write lock
 * up front makes a second process wait (up to the busy timeout) instead. Kysely's own SqliteAdapter
 * also says SQLite has no transactional DDL, which would run migrations outside any transaction and
 * without a lock; SQLite does have it, so the adapter here says so, and `migrate()` from two
 * processes runs one after the other.
 *
 * Within one process there is a single connection. Writes outside a transaction share one commit per
 * turn of the event loop, and a transaction holds the connection until it ends, so other callers
 * wait instead of interleaving (sqlite-group-commit.ts).
 *
 * Kysely prepares every query anew; the repos issue the same few dozen statements over and over, so
 * prepared statements are kept (most recently used first) and reused. WAL checkpoints of a
 * long-lived file store run on a worker thread (sqlite-checkpoints.ts).
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { type Driver, Kysely, SqliteAdapter, SqliteDialect, type SqliteDatabase, type SqliteDialectConfig } from 'kysely'
import type { Database } from './schema.js'
import { checkpointInBackground } from './sqlite-checkpoints.js'
import { GroupCommitSqliteDriver } from './sqlite-group-commit.js'

const BUSY_TIMEOUT_MS = 5000
const STATEMENT_CACHE_SIZE = 256

/** The database as Kysely sees it, with prepared statements reused by SQL text. */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>()
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = statements.get(sql)
      if (statement) {
        statements.delete(sql)
      } else {
        statement = database.prepare(sql)
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string)
      }
      statements.set(sql, statement)
      return statement
    },
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

class LatchkeySqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor(
    config: SqliteDialectConfig,
    private readonly inTransaction: () => boolean,
    /** Runs before the connection closes (the background checkpoints stop). */
    private readonly beforeClose: () => Promise<void>,
  ) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new GroupCommitSqliteDriver(this.#config.database as SqliteDatabase, this.inTransaction, this.beforeClose)
  }

  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter()
  }
}

/** Opens (creating if needed) the SQLite database at `path`, or an in-memory one for `:memory:`. */
export function openSqlite(path: string): Kysely<Database> {
  const inMemory = path === ':memory:'
  if (!inMemory) mkdirSync(dirname(path), { recursive: true })
  const database = new SQLite(path)
  try {
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
    if (!inMemory) database.pragma('journal_mode = WAL')
    // In WAL mode NORMAL never corrupts and survives a crashed or killed process; only an OS crash or
    // power loss can drop the last commits before a checkpoint. FULL would fsync every commit.
    database.pragma('synchronous = NORMAL')
    database.pragma('foreign_keys = ON')
  } catch (error) {
    database.close()
    throw error
  }
  // Checkpoints (and their fsyncs) run on a worker thread, not on the event loop: sqlite-checkpoints.ts.
  const stopCheckpoints = inMemory ? () => Promise.resolve() : checkpointInBackground(database, path)
  const dialect = new LatchkeySqliteDialect({ database: withStatementCache(database) }, () => database.inTransaction, stopCheckpoints)
  return new Kysely<Database>({ dialect })
}
