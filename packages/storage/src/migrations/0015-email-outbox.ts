/**
 * Email (issue 14): the durable outbox and the single-use tickets sent in its links.
 *
 * `outbox_emails` holds each email from the request that decided to send it until it is sent or has
 * failed for good; the worker claims due ones with a lease (`status`, `locked_until`, `attempts`).
 * Indexes: `(status, next_attempt_at)` for claiming (the pending ones due, oldest first, and the few
 * `sending` ones whose lease may have lapsed); `sent_at` and `(created_at, id)` for the sweeper (sent
 * ones by when they were sent, failed ones by when they were written) and for listing newest first;
 * `user_id` for deleting a user.
 *
 * `tickets` stores only the SHA-256 of each ticket; `user_id` for spending a user's tickets and
 * deleting the user, `expires_at` and `used_at` for the sweeper. Independent of every other migration.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox_emails')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('sealed_message', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute()
  await db.schema.createIndex('outbox_emails_due_idx').on('outbox_emails').columns(['status', 'next_attempt_at']).execute()
  await db.schema.createIndex('outbox_emails_sent_at_idx').on('outbox_emails').column('sent_at').execute()
  await db.schema.createIndex('outbox_emails_created_idx').on('outbox_emails').columns(['created_at', 'id']).execute()
  await db.schema.createIndex('outbox_emails_user_id_idx').on('outbox_emails').column('user_id').execute()

  await db.schema
    .createTable('tickets')
    .addColumn('id_hash', 'text', (c) => c.notNull().primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('result_url', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute()
  await db.schema.createIndex('tickets_user_id_idx').on('tickets').column('user_id').execute()
  await db.schema.createIndex('tickets_expires_at_idx').on('tickets').column('expires_at').execute()
  await db.schema.createIndex('tickets_used_at_idx').on('tickets').column('used_at').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('tickets').execute()
  await db.schema.dropTable('outbox_emails').execute()
}

export const emailOutbox: Migration = { up, down }
