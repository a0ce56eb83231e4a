/**
 * How the user authenticated (issue 15): the SSO session keeps its RFC 8176 `amr` (a second factor
 * upgrades it), and the authorization code and refresh tokens carry the `amr` and `acr` their tokens
 * claim (a refresh keeps them). JSON text / text, null for rows from before. Independent of every
 * other migration.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sso_sessions').addColumn('amr', 'text').execute()
  await db.schema.alterTable('authorization_codes').addColumn('amr', 'text').execute()
  await db.schema.alterTable('authorization_codes').addColumn('acr', 'text').execute()
  await db.schema.alterTable('refresh_tokens').addColumn('amr', 'text').execute()
  await db.schema.alterTable('refresh_tokens').addColumn('acr', 'text').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('refresh_tokens').dropColumn('acr').execute()
  await db.schema.alterTable('refresh_tokens').dropColumn('amr').execute()
  await db.schema.alterTable('authorization_codes').dropColumn('acr').execute()
  await db.schema.alterTable('authorization_codes').dropColumn('amr').execute()
  await db.schema.alterTable('sso_sessions').dropColumn('amr').execute()
}

export const authenticationMethods: Migration = { up, down }
