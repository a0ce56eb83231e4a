/**
 * The rest of Auth0's `refresh_token` object on applications (issue 18): rotation
 * (`rotating` | `non-rotating`), expiration (`expiring` | `non-expiring`) and the two `infinite_*`
 * switches. Existing applications keep what they had: rotating, expiring, both lifetimes in force.
 * The refresh tokens themselves need nothing new: a token that never expires carries
 * @latchkey/core's NEVER_EXPIRES (year 9999) as its expiry.
 */
import { type Kysely, type Migration, sql } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('applications').addColumn('refresh_token_rotation', 'text', (c) => c.notNull().defaultTo('rotating')).execute()
  await db.schema.alterTable('applications').addColumn('refresh_token_expiration', 'text', (c) => c.notNull().defaultTo('expiring')).execute()
  await db.schema
    .alterTable('applications')
    .addColumn('refresh_token_infinite_idle_lifetime', 'integer', (c) => c.notNull().defaultTo(sql`0`))
    .execute()
  await db.schema
    .alterTable('applications')
    .addColumn('refresh_token_infinite_lifetime', 'integer', (c) => c.notNull().defaultTo(sql`0`))
    .execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['refresh_token_infinite_lifetime', 'refresh_token_infinite_idle_lifetime', 'refresh_token_expiration', 'refresh_token_rotation'])
    await db.schema.alterTable('applications').dropColumn(column).execute()
}

export const refreshTokenSettings: Migration = { up, down }
