/**
 * ES256 and EdDSA beside RS256: an application chooses its ID tokens' algorithm (Auth0's
 * `jwt_configuration.alg`), as APIs already choose their access tokens' (`apis.signing_alg`).
 * Signing keys already carry their algorithm (`signing_keys.alg`). Existing apps stay on RS256.
 * Independent of every other migration, so it applies in any order.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('applications').addColumn('id_token_alg', 'text', (c) => c.notNull().defaultTo('RS256')).execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('applications').dropColumn('id_token_alg').execute()
}

export const signingAlgorithms: Migration = { up, down }
