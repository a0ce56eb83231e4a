/**
 * DPoP (RFC 9449): the replay guard that remembers each proof's `jti` until no proof with it could
 * be accepted again, and the key thumbprint a code (`dpop_jkt`, §10) or a public client's refresh
 * token (§5) is bound to. Independent of 0003, so it applies in either order (the migrator allows
 * unordered migrations, see `kysely/migrate.ts`).
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('replay_guard')
    .addColumn('key', 'text', (c) => c.notNull().primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('replay_guard_expires_at_idx').on('replay_guard').column('expires_at').execute()
  await db.schema.alterTable('authorization_codes').addColumn('dpop_jkt', 'text').execute()
  await db.schema.alterTable('refresh_tokens').addColumn('dpop_jkt', 'text').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('refresh_tokens').dropColumn('dpop_jkt').execute()
  await db.schema.alterTable('authorization_codes').dropColumn('dpop_jkt').execute()
  await db.schema.dropTable('replay_guard').execute()
}

export const dpop: Migration = { up, down }
