/**
 * Which migrations this database has applied, against the ones this build knows, in one small
 * query on the Migrator's own bookkeeping table (`kysely_migration`). Readiness probes call it: it
 * proves the database answers and that start-up migrations have finished. A database never migrated
 * (no bookkeeping table yet) has every migration pending; any other failure is thrown.
 */
import { DEFAULT_MIGRATION_TABLE, type Kysely, sql } from 'kysely'
import type { MigrationStatus } from '../contract.js'
import { migrationProvider } from '../migrations/index.js'
import type { Database } from './schema.js'

/** SQLite says "no such table"; PostgreSQL answers SQLSTATE 42P01 (undefined_table). */
function isMissingTable(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  return (error as { code?: unknown }).code === '42P01' || /no such table/i.test(error.message)
}

export async function readMigrationStatus(db: Kysely<Database>): Promise<MigrationStatus> {
  const known = Object.keys(await migrationProvider.getMigrations()).sort()
  let applied: string[]
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db)
    applied = rows.map((row) => row.name).sort()
  } catch (error) {
    if (!isMissingTable(error)) throw error
    applied = []
  }
  const done = new Set(applied)
  return { applied, pending: known.filter((name) => !done.has(name)) }
}
