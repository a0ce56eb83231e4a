/**
 * Trickle migration from an Auth0 tenant (issue 18): when a user's first login here was checked by
 * the old tenant, `users.migrated_at` says when, so `latchkey migration status` can count them.
 * Null for every other user.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('migrated_at', 'bigint').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('migrated_at').execute()
}

export const trickleMigration: Migration = { up, down }
