/**
 * The durable email outbox (issue 14). The worker claims due emails with a lease in one statement:
 * on PostgreSQL `UPDATE … WHERE id IN (SELECT id … ORDER BY next_attempt_at LIMIT n FOR UPDATE SKIP
 * LOCKED) RETURNING *`, so concurrent claimers (other nodes) skip each other's rows and get disjoint
 * sets; on SQLite the same `UPDATE … RETURNING` without the row locks (one writer at a time). Each
 * claim starts attempt `attempts + 1`, and only the holder of that attempt may settle the email
 * (compare-and-set on `status = 'sending' AND attempts = n`), so a node whose lease lapsed and was
 * taken over cannot overwrite the new holder's outcome. Settled emails drop their sealed message.
 */
import type { OutboxEmailRecord, OutboxStatus } from '@latchkey/core'
import { type ExpressionBuilder, type Kysely, type Selectable, sql } from 'kysely'
import type { OutboxFilter, OutboxRepo, Page } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import { pageWindow } from '../kysely/paging.js'
import type { Database, OutboxEmailsTable } from '../kysely/schema.js'

type Row = Selectable<OutboxEmailsTable>

const STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'sent', 'failed']
/** `lastError` is kept short: a delivery error's first line is what helps. */
export const MAX_ERROR_LENGTH = 500

function toRow(r: OutboxEmailRecord): Row {
  return {
    id: r.id,
    template: r.template,
    to_address: r.to,
    user_id: r.userId,
    sealed_message: r.sealedMessage,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: r.nextAttemptAt,
    locked_until: r.lockedUntil,
    last_error: r.lastError === null ? null : truncate(r.lastError),
    created_at: r.createdAt,
    sent_at: r.sentAt,
  }
}

function toRecord(row: Row): OutboxEmailRecord {
  return {
    id: row.id,
    template: row.template,
    to: row.to_address,
    userId: row.user_id,
    sealedMessage: row.sealed_message,
    status: row.status,
    // PostgreSQL's int4 comes back as a number already; SQLite's integer too. Number() for safety.
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lockedUntil: row.locked_until,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
  }
}

/** At most MAX_ERROR_LENGTH characters, never cutting a surrogate pair in half. */
function truncate(error: string): string {
  if (error.length <= MAX_ERROR_LENGTH) return error
  const cut = error.slice(0, MAX_ERROR_LENGTH)
  const last = cut.charCodeAt(cut.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut
}

/** Due at `now`: pending and its time has come, or sending and its lease has lapsed. */
function due(now: number) {
  return (w: ExpressionBuilder<Database, 'outbox_emails'>) =>
    w.or([
      w.and([w('status', '=', 'pending'), w('next_attempt_at', '<=', now)]),
      w.and([w('status', '=', 'sending'), w('locked_until', '<=', now)]),
    ])
}

function statusesOf(filter: OutboxFilter): readonly OutboxStatus[] | undefined {
  if (filter.status === undefined) return undefined
  return typeof filter.status === 'string' ? [filter.status] : filter.status
}

export class KyselyOutboxRepo implements OutboxRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  async enqueue(record: OutboxEmailRecord): Promise<void> {
    await rejectDuplicate(`outbox email ${record.id} already exists`, () => this.db.insertInto('outbox_emails').values(toRow(record)).execute())
  }

  async get(id: string): Promise<OutboxEmailRecord | null> {
    const row = await this.db.selectFrom('outbox_emails').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** One statement; the claimed emails come back oldest due first. */
  async claimDue(now: number, leaseMs: number, limit: number): Promise<OutboxEmailRecord[]> {
    const rows = await this.db
      .updateTable('outbox_emails')
      .set((eb) => ({ status: 'sending', locked_until: now + leaseMs, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', (eb) => {
        const candidates = eb
          .selectFrom('outbox_emails')
          .select('id')
          .where(due(now))
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(batchLimit(limit))
        return this.dialect === 'postgres' ? candidates.forUpdate().skipLocked() : candidates
      })
      .returningAll()
      .execute()
    // RETURNING promises no order.
    return rows.map(toRecord).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  async markSent(id: string, attempt: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('outbox_emails')
      .set({ status: 'sent', sent_at: now, sealed_message: null, locked_until: null })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .where('attempts', '=', attempt)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async markFailed(id: string, attempt: number, error: string, retryAt: number | null): Promise<boolean> {
    const outcome =
      retryAt === null
        ? ({ status: 'failed', sealed_message: null } as const)
        : ({ status: 'pending', next_attempt_at: retryAt } as const)
    const result = await this.db
      .updateTable('outbox_emails')
      .set({ ...outcome, locked_until: null, last_error: truncate(error) })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .where('attempts', '=', attempt)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** Newest first (creation time, then id). An empty status list matches nothing. */
  async list(filter: OutboxFilter & Page = {}): Promise<OutboxEmailRecord[]> {
    const { limit, offset } = pageWindow(filter)
    const statuses = statusesOf(filter)
    let q = this.db.selectFrom('outbox_emails').selectAll()
    if (statuses !== undefined) q = statuses.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('status', 'in', statuses)
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute()
    return rows.map(toRecord)
  }

  async countByStatus(): Promise<Record<OutboxStatus, number>> {
    const rows = await this.db
      .selectFrom('outbox_emails')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute()
    const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<OutboxStatus, number>
    for (const { status, n } of rows) if (STATUSES.includes(status)) counts[status] = Number(n)
    return counts
  }

  /** One batch (see kysely/batch.ts): sent ones by `sent_at`, failed ones by `created_at` (both indexed). */
  async deleteSettledBefore(cutoff: number, batchSize: number): Promise<number> {
    const result = await this.db
      .deleteFrom('outbox_emails')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('outbox_emails')
          .select('id')
          .where((w) =>
            w.or([
              w.and([w('status', '=', 'sent'), w('sent_at', '<', cutoff)]),
              w.and([w('status', '=', 'failed'), w('created_at', '<', cutoff)]),
            ]),
          )
          .limit(batchLimit(batchSize)),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
