/**
 * Indexes for the user search (`GET /api/v2/users?q=`, the admin console's search box): the email
 * address, the name, the given and family names and the nickname, each compared case-insensitively
 * for equality and for a prefix (`name:jan*`, or a bare `jan` over the email and the name), so a
 * search among 100,000 users reads a range of one index instead of the table.
 *
 * - PostgreSQL: `lower(column) text_pattern_ops` (the email is stored lower-cased: the column
 *   itself), which answers `=` and `LIKE 'jan%'` whatever the database's collation.
 * - SQLite: `column COLLATE NOCASE`, which its LIKE optimisation uses for `LIKE 'jan%'` (SQLite's
 *   LIKE folds ASCII case) and `=` with `COLLATE NOCASE`.
 *
 * On a large PostgreSQL database each `CREATE INDEX` holds a write lock on `users` while it builds:
 * upgrade in a quiet hour.
 */
import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely'

const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter

/** Index name, column; the email is stored normalised (lower-cased) already. */
const COLUMNS = [
  ['users_email_search_idx', 'email'],
  ['users_name_search_idx', 'name'],
  ['users_given_name_search_idx', 'given_name'],
  ['users_family_name_search_idx', 'family_name'],
  ['users_nickname_search_idx', 'nickname'],
] as const

async function up(db: Kysely<unknown>): Promise<void> {
  const postgres = isPostgres(db)
  for (const [name, column] of COLUMNS) {
    const key = postgres ? (column === 'email' ? `${column} text_pattern_ops` : `lower(${column}) text_pattern_ops`) : `${column} collate nocase`
    await sql.raw(`create index ${name} on users (${key})`).execute(db)
  }
}

async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name] of [...COLUMNS].reverse()) await db.schema.dropIndex(name).execute()
}

export const userSearchIndexes: Migration = { up, down }
