/**
 * The audit log: one row per event (logins, codes, tokens, revocations, key rotations, admin
 * changes), kept with the rest of the data and deleted by the sweeper after the retention period.
 * Indexed for the questions people ask: what happened lately, of this type, to this user or app.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('time', 'bigint', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('audit_events_time_idx').on('audit_events').columns(['time', 'id']).execute()
  await db.schema.createIndex('audit_events_type_time_idx').on('audit_events').columns(['type', 'time']).execute()
  await db.schema.createIndex('audit_events_user_time_idx').on('audit_events').columns(['user_id', 'time']).execute()
  await db.schema.createIndex('audit_events_client_time_idx').on('audit_events').columns(['client_id', 'time']).execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_events').execute()
}

export const auditLog: Migration = { up, down }
