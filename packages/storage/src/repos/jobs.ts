/**
 * Management API jobs: JSON columns (de)serialised here; `claim` and `finish` are conditional
 * single-statement updates (`… WHERE status = … RETURNING`), so among nodes racing for a job exactly
 * one runs it and only the one running it records its outcome.
 */
import type { Kysely, Selectable } from 'kysely'
import type { JobOutcome, JobRecord, JobRepo, JobSummary } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import type { Database, JobsTable } from '../kysely/schema.js'

type Row = Selectable<JobsTable>

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value))

function toRow(r: JobRecord): Row {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    connection_id: r.connectionId,
    external_id: r.externalId,
    options: JSON.stringify(r.options),
    input: r.input,
    summary: json(r.summary),
    errors: json(r.errors),
    status_details: r.statusDetails,
    download_hash: r.downloadHash,
    download_expires_at: r.downloadExpiresAt,
    created_at: r.createdAt,
    claimed_at: r.claimedAt,
    finished_at: r.finishedAt,
  }
}

function toRecord(row: Row): JobRecord {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    connectionId: row.connection_id,
    externalId: row.external_id,
    options: JSON.parse(row.options) as Record<string, unknown>,
    input: row.input,
    summary: row.summary === null ? null : (JSON.parse(row.summary) as JobSummary),
    errors: row.errors === null ? null : (JSON.parse(row.errors) as unknown[]),
    statusDetails: row.status_details,
    downloadHash: row.download_hash,
    downloadExpiresAt: row.download_expires_at,
    createdAt: row.created_at,
    claimedAt: row.claimed_at,
    finishedAt: row.finished_at,
  }
}

export class KyselyJobRepo implements JobRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(record: JobRecord): Promise<void> {
    await rejectDuplicate('this job already exists', () => this.db.insertInto('jobs').values(toRow(record)).execute())
  }

  async get(id: string): Promise<JobRecord | null> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async claim(id: string, now: number): Promise<JobRecord | null> {
    const row = await this.db
      .updateTable('jobs')
      .set({ status: 'processing', claimed_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async finish(id: string, outcome: JobOutcome, now: number): Promise<JobRecord | null> {
    const row = await this.db
      .updateTable('jobs')
      .set({
        status: outcome.status,
        summary: json(outcome.summary),
        errors: json(outcome.errors),
        status_details: outcome.statusDetails ?? null,
        input: null,
        finished_at: now,
      })
      .where('id', '=', id)
      .where('status', '=', 'processing')
      .returningAll()
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async setDownload(id: string, downloadHash: string, expiresAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable('jobs')
      .set({ download_hash: downloadHash, download_expires_at: expiresAt })
      .where('id', '=', id)
      .where('type', '=', 'users_export')
      .where('status', '=', 'completed')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) > 0
  }

  async failStale(cutoff: number, statusDetails: string, now: number): Promise<number> {
    const result = await this.db
      .updateTable('jobs')
      .set({ status: 'failed', status_details: statusDetails, input: null, finished_at: now })
      .where((w) =>
        w.or([
          w.and([w('status', '=', 'pending'), w('created_at', '<', cutoff)]),
          w.and([w('status', '=', 'processing'), w('claimed_at', '<', cutoff)]),
        ]),
      )
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  /** One batch (see kysely/batch.ts), by the finished_at index (migration 0022). */
  async deleteFinishedBefore(cutoff: number, batchSize: number): Promise<number> {
    const result = await this.db
      .deleteFrom('jobs')
      .where('id', 'in', (eb) => eb.selectFrom('jobs').select('id').where('finished_at', '<', cutoff).limit(batchLimit(batchSize)))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
