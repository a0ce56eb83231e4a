/**
 * Organizations (Auth0's): the organizations, their members (with role names), and invitations
 * (only the SHA-256 of each ticket; consumed once). Applications say whether they use organizations
 * and where invitation links point. Codes and refresh tokens already had an `organization` column,
 * which held the unchecked /authorize parameter and never reached a token; from now on it holds the
 * id of the organization the user logged in to, so the old values are cleared.
 * Independent of the other migrations' order (see `kysely/migrate.ts`).
 */
import { type Kysely, type Migration, sql } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('branding', 'text')
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('organizations_name_key', ['name'])
    .execute()
  await db.schema.createIndex('organizations_created_idx').on('organizations').columns(['created_at', 'id']).execute()

  await db.schema
    .createTable('organization_members')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('organization_members_pkey', ['org_id', 'user_id'])
    .execute()
  await db.schema.createIndex('organization_members_user_id_idx').on('organization_members').column('user_id').execute()

  await db.schema
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('inviter_name', 'text', (c) => c.notNull())
    .addColumn('invitee_email', 'text', (c) => c.notNull())
    .addColumn('roles', 'text', (c) => c.notNull())
    .addColumn('ticket_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addUniqueConstraint('invitations_ticket_hash_key', ['ticket_hash'])
    .execute()
  await db.schema.createIndex('invitations_org_created_idx').on('invitations').columns(['org_id', 'created_at', 'id']).execute()
  await db.schema.createIndex('invitations_client_id_idx').on('invitations').column('client_id').execute()
  await db.schema.createIndex('invitations_expires_at_idx').on('invitations').column('expires_at').execute()

  await db.schema.alterTable('applications').addColumn('organization_usage', 'text', (c) => c.notNull().defaultTo('deny')).execute()
  await db.schema
    .alterTable('applications')
    .addColumn('organization_require_behavior', 'text', (c) => c.notNull().defaultTo('no_prompt'))
    .execute()
  await db.schema.alterTable('applications').addColumn('initiate_login_uri', 'text').execute()

  await sql`update authorization_codes set organization = null where organization is not null`.execute(db)
  await sql`update refresh_tokens set organization = null where organization is not null`.execute(db)
  await db.schema.createIndex('refresh_tokens_organization_idx').on('refresh_tokens').column('organization').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('refresh_tokens_organization_idx').execute()
  await db.schema.alterTable('applications').dropColumn('initiate_login_uri').execute()
  await db.schema.alterTable('applications').dropColumn('organization_require_behavior').execute()
  await db.schema.alterTable('applications').dropColumn('organization_usage').execute()
  await db.schema.dropTable('invitations').execute()
  await db.schema.dropTable('organization_members').execute()
  await db.schema.dropTable('organizations').execute()
}

export const organizations: Migration = { up, down }
