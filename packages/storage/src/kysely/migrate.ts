/**
 * Applies pending migrations with Kysely's Migrator. The Migrator records what ran in
 * `kysely_migration` and serialises concurrent runs: PostgreSQL with an advisory lock, SQLite with
 * the write lock its `BEGIN IMMEDIATE` transaction holds (see `sqlite.ts`). Running it again is a
 * no-op.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { type Kysely, Migrator, sql } from 'kysely'
import { migrationProvider } from '../migrations/index.js'
import type { Database } from './schema.js'

export interface MigrateOptions {
  readonly dialect: 'sqlite' | 'postgres'
  /** PostgreSQL schema the store lives in (its search_path), if the URL named one. */
  readonly schema: string | undefined
}

/**
 * On PostgreSQL the Migrator looks for its tables across every schema unless told which one, so a
 * second store in another schema of the same database would think it had already migrated.
 */
async function migrationTableSchema(db: Kysely<Database>, options: MigrateOptions): Promise<string | undefined> {
  if (options.dialect !== 'postgres') return undefined
  if (options.schema !== undefined) return options.schema
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db)
  return rows[0]?.schema ?? 'public'
}

/**
 * Before taking its lock, the Migrator looks for its tables by listing every table of every schema,
 * calling functions that fail with "schema … does not exist" (3F000) or "relation … does not exist"
 * (42P01) when another schema or table is dropped meanwhile. That setup step is retried, after a
 * short random pause.
 */
const SETUP_RACES = new Set(['3F000', '42P01'])
const SETUP_ATTEMPTS = 10

export async function migrateToLatest(db: Kysely<Database>, options: MigrateOptions): Promise<void> {
  const schema = await migrationTableSchema(db, options)
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    // Migrations are independent of each other's order (0004 may have run before 0003 shipped).
    allowUnorderedMigrations: true,
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  })
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest()
    if (error === undefined) return
    const failed = results?.find((result) => result.status === 'Error')?.migrationName
    const code = (error as { code?: unknown }).code
    if (failed === undefined && typeof code === 'string' && SETUP_RACES.has(code) && attempt < SETUP_ATTEMPTS) {
      await sleep(20 + Math.random() * 80)
      continue
    }
    const reason = error instanceof Error ? error.message : String(error)
    throw new Error(`migration ${failed ?? '(setup)'} failed: ${reason}`, { cause: error })
  }
}
