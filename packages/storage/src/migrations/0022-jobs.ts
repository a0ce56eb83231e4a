/**
 * Management API jobs (issue 18): Auth0's users-imports and users-exports jobs, claimed by one node
 * at a time (pending → processing), with their outcome kept until the sweeper removes them a while
 * after they finished. An import keeps its uploaded file only until it is processed; an export keeps
 * no file (it is written when downloaded), only the SHA-256 of its current download link.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('connection_id', 'text')
    .addColumn('external_id', 'text')
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('input', 'text')
    .addColumn('summary', 'text')
    .addColumn('errors', 'text')
    .addColumn('status_details', 'text')
    .addColumn('download_hash', 'text')
    .addColumn('download_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute()
  // The sweeper's two questions: which unfinished jobs went stale, which finished jobs are old.
  await db.schema.createIndex('jobs_status_created_idx').on('jobs').columns(['status', 'created_at']).execute()
  await db.schema.createIndex('jobs_finished_idx').on('jobs').column('finished_at').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('jobs').execute()
}

export const jobs: Migration = { up, down }
