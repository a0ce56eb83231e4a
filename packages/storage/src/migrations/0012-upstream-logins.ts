/**
 * Logins through upstream connections: the login transaction keeps the attempt under way (the
 * connection, the strategy's sealed state, nonce and PKCE verifier: `interactions.upstream`) and the
 * SHA-256 of the `state` the provider sends back to `{issuer}login/callback`, by which the callback
 * finds it (`interactions.upstream_state_hash`, indexed). Independent of every other migration.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('interactions').addColumn('upstream', 'text').execute()
  await db.schema.alterTable('interactions').addColumn('upstream_state_hash', 'text').execute()
  await db.schema.createIndex('interactions_upstream_state_hash_idx').on('interactions').column('upstream_state_hash').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('interactions_upstream_state_hash_idx').execute()
  await db.schema.alterTable('interactions').dropColumn('upstream_state_hash').execute()
  await db.schema.alterTable('interactions').dropColumn('upstream').execute()
}

export const upstreamLogins: Migration = { up, down }
