/**
 * Indexes for the sweeper's batched deletes (`DELETE … WHERE key IN (SELECT key … WHERE <expired>
 * LIMIT n)`): without them each batch scans the whole table, and on a large PostgreSQL table every
 * sweep would read it many times over. Every hot lookup (code, refresh token and session by hash,
 * interaction and app by id, API by identifier, user by email, consent, audit filters, replay guard)
 * already has its primary key, unique constraint or index from earlier migrations; see
 * `test/postgres-query-plans.test.ts`, which checks them all.
 *
 * Independent of 0005 and 0006, so it applies in any order. On a large existing PostgreSQL database
 * the `CREATE INDEX`es hold a write lock on each table while they build: upgrade in a quiet hour.
 */
import type { Kysely, Migration } from 'kysely'

const INDEXES = [
  ['interactions_expires_at_idx', 'interactions', 'expires_at'],
  ['sso_sessions_expires_at_idx', 'sso_sessions', 'expires_at'],
  ['sso_sessions_idle_expires_at_idx', 'sso_sessions', 'idle_expires_at'],
  ['sso_sessions_ended_at_idx', 'sso_sessions', 'ended_at'],
  ['refresh_tokens_expires_at_idx', 'refresh_tokens', 'expires_at'],
  ['revocations_revoked_at_idx', 'revocations', 'revoked_at'],
] as const

async function up(db: Kysely<unknown>): Promise<void> {
  for (const [name, table, column] of INDEXES) await db.schema.createIndex(name).on(table).column(column).execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await db.schema.dropIndex(name).execute()
}

export const housekeepingIndexes: Migration = { up, down }
