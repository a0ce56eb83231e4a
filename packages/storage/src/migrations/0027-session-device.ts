/**
 * What the Management API's sessions show of the browser (Auth0's session `device` and
 * `last_interacted_at`): the user agent and IP address of the login that started the session, and
 * when the browser last came back to it (written with the idle expiry's slide, so to the minute).
 * Null for sessions from before, and the API then leaves them out. Independent of every other migration.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sso_sessions').addColumn('initial_user_agent', 'text').execute()
  await db.schema.alterTable('sso_sessions').addColumn('initial_ip', 'text').execute()
  await db.schema.alterTable('sso_sessions').addColumn('last_interacted_at', 'bigint').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sso_sessions').dropColumn('last_interacted_at').execute()
  await db.schema.alterTable('sso_sessions').dropColumn('initial_ip').execute()
  await db.schema.alterTable('sso_sessions').dropColumn('initial_user_agent').execute()
}

export const sessionDevice: Migration = { up, down }
