/**
 * Federated logout: an SSO session started by a login through an upstream connection remembers that
 * connection (`sso_sessions.upstream_connection_id`) and the upstream ID token sealed with the
 * key-encryption key (`sso_sessions.upstream_id_token`), so logging out can end the session at the
 * provider too (its end_session_endpoint, with id_token_hint). Both null for other logins. No index:
 * they are read only with the session row. Independent of every other migration.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sso_sessions').addColumn('upstream_connection_id', 'text').execute()
  await db.schema.alterTable('sso_sessions').addColumn('upstream_id_token', 'text').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sso_sessions').dropColumn('upstream_id_token').execute()
  await db.schema.alterTable('sso_sessions').dropColumn('upstream_connection_id').execute()
}

export const sessionUpstream: Migration = { up, down }
