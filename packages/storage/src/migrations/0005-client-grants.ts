/**
 * Machine-to-machine applications: client grants (which API an application may get client_credentials
 * tokens for, with which scopes; one per application and API), and the public keys (a JWK Set, JSON
 * text) of applications that authenticate with `private_key_jwt`. Independent of the other
 * migrations' order (see `kysely/migrate.ts`).
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('client_grants')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('client_grants_client_audience_key', ['client_id', 'audience'])
    .execute()
  await db.schema.createIndex('client_grants_audience_idx').on('client_grants').column('audience').execute()
  await db.schema.createIndex('client_grants_created_idx').on('client_grants').columns(['created_at', 'id']).execute()
  await db.schema.alterTable('applications').addColumn('jwks', 'text').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('applications').dropColumn('jwks').execute()
  await db.schema.dropTable('client_grants').execute()
}

export const clientGrants: Migration = { up, down }
