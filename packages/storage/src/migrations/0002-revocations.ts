/**
 * Revocation markers: a grant (one authorization code) or a refresh-token family, once revoked,
 * stays revoked. A refresh token saved after the revocation (the winner of a race against a replay)
 * is checked against these markers and stored dead.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('revocations')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('revocations_pk', ['kind', 'id'])
    .execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('revocations').execute()
}

export const revocations: Migration = { up, down }
