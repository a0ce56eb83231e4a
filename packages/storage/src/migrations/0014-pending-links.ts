/**
 * Linking an upstream account to an existing user within the login (a connection's
 * `options.link_existing_accounts`): the login transaction keeps the account waiting to be linked
 * (`interactions.link`: the existing user, the connection, and the identity and profile sealed with
 * the key-encryption key) while the user proves the existing account. Independent of every other
 * migration.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('interactions').addColumn('link', 'text').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('interactions').dropColumn('link').execute()
}

export const pendingLinks: Migration = { up, down }
