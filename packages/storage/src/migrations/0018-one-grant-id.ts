/**
 * One name for one thing (issue 16): a refresh token's "family" was always its grant (every token
 * rotated from an authorization code kept the code's `grant_id` as its `family_id`), with two
 * columns, two indexes and two kinds of revocation marker. Now there is the grant: `family_id` and
 * its index go, `family_expires_at` becomes `grant_expires_at`, and a `family` marker becomes its
 * grant's (the same id; kept once). A token whose two ids ever differed keeps the family's, the set
 * it was revoked with.
 *
 * Not additive: nodes of an earlier version write `family_id` and fail their refresh grants once this
 * has run. Stop them before the first node of this version starts (docs/deploy.md, "Migrations").
 */
import { type Kysely, type Migration, sql } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await sql`delete from revocations where kind = 'family' and id in (select id from revocations where kind = 'grant')`.execute(db)
  await sql`update revocations set kind = 'grant' where kind = 'family'`.execute(db)
  await sql`update refresh_tokens set grant_id = family_id where grant_id <> family_id`.execute(db)
  await db.schema.dropIndex('refresh_tokens_family_id_idx').execute()
  await db.schema.alterTable('refresh_tokens').dropColumn('family_id').execute()
  await db.schema.alterTable('refresh_tokens').renameColumn('family_expires_at', 'grant_expires_at').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('refresh_tokens').renameColumn('grant_expires_at', 'family_expires_at').execute()
  await db.schema.alterTable('refresh_tokens').addColumn('family_id', 'text', (col) => col.notNull().defaultTo('')).execute()
  await sql`update refresh_tokens set family_id = grant_id`.execute(db)
  await db.schema.createIndex('refresh_tokens_family_id_idx').on('refresh_tokens').column('family_id').execute()
}

export const oneGrantId: Migration = { up, down }
