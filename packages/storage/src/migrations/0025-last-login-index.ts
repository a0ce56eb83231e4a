/**
 * `GET /api/v2/stats/active-users` counts the users who logged in during the last 30 days
 * (`users.countLoggedInSince`: `count(*) … where last_login_at >= ?`), which the admin console's
 * Activity page asks at every visit. Without an index that reads the whole users table; with
 * `users_last_login_at_idx` it reads only the recent logins' entries (an index-only range scan
 * on SQLite, an index or bitmap scan on PostgreSQL; see `test/postgres-query-plans.test.ts`).
 * Users who never logged in (`null`) sort outside the range.
 *
 * Every login updates `last_login_at`, so each one now also moves one entry of this index: the
 * price of counting without a scan. On a large existing PostgreSQL database the `CREATE INDEX`
 * holds a write lock on `users` while it builds: upgrade in a quiet hour.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('users_last_login_at_idx').on('users').column('last_login_at').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('users_last_login_at_idx').execute()
}

export const lastLoginIndex: Migration = { up, down }
