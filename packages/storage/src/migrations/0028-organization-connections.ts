/**
 * The connections enabled for each organization (Auth0's organization `enabled_connections`): a row
 * per (organization, connection), with whether a login through it makes the user a member
 * (`assign_membership_on_login`) and whether the login page shows it as a button
 * (`show_as_button`). Both references cascade: deleting an organization or a connection takes its
 * rows along. Until now every organization had the database connection, always enabled; so every
 * existing organization gets a row for it, and logins to them work as before. Independent of
 * every other migration but 0006 (organizations) and 0011 (connections), which come first by name.
 */
import { type Kysely, type Migration, sql } from 'kysely'

/** Frozen here: a migration never changes, whatever later code calls the database connection. */
const DATABASE_CONNECTION = 'Username-Password-Authentication'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organization_connections')
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('assign_membership_on_login', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('show_as_button', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('organization_connections_pkey', ['organization_id', 'connection_id'])
    .execute()
  await db.schema.createIndex('organization_connections_connection_id_idx').on('organization_connections').column('connection_id').execute()
  await sql`insert into organization_connections (organization_id, connection_id, assign_membership_on_login, show_as_button, created_at)
    select o.id, c.id, 0, 1, o.created_at from organizations o cross join connections c where c.name = ${DATABASE_CONNECTION}`.execute(db)
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('organization_connections').execute()
}

export const organizationConnections: Migration = { up, down }
