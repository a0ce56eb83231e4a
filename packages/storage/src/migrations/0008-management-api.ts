/**
 * The Management API: the flag that marks Latchkey's own API (the server keeps it at every start,
 * see the server's management/system-api.ts), and the user fields Auth0's Management API has that
 * Latchkey lacked: `given_name`, `family_name`, `user_metadata` and `app_metadata` (JSON objects).
 * Independent of the other migrations' order (see `kysely/migrate.ts`).
 */
import { type Kysely, type Migration, sql } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apis').addColumn('is_system', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('users').addColumn('given_name', 'text').execute()
  await db.schema.alterTable('users').addColumn('family_name', 'text').execute()
  await db.schema.alterTable('users').addColumn('user_metadata', 'text', (c) => c.notNull().defaultTo(sql`'{}'`)).execute()
  await db.schema.alterTable('users').addColumn('app_metadata', 'text', (c) => c.notNull().defaultTo(sql`'{}'`)).execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['app_metadata', 'user_metadata', 'family_name', 'given_name']) await db.schema.alterTable('users').dropColumn(column).execute()
  await db.schema.alterTable('apis').dropColumn('is_system').execute()
}

export const managementApi: Migration = { up, down }
