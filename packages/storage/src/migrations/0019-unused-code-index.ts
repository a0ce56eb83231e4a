/**
 * `authorization_codes_grant_id_idx` answered no query (a code is found by its hash; a replay
 * revokes refresh tokens by grant, not codes), yet every code written on the login path paid an
 * insert into it, at a random place (the grant id is random): issue 16's profile of the flow. Gone.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('authorization_codes_grant_id_idx').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('authorization_codes_grant_id_idx').on('authorization_codes').column('grant_id').execute()
}

export const unusedCodeIndex: Migration = { up, down }
