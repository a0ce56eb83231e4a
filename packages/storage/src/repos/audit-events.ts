/** The audit log over Kysely: append-only rows, read newest first, deleted in batches by age. */
import type { AuditEventRecord, AuditEventType } from '@latchkey/core'
import { type Kysely, type Selectable, type SelectQueryBuilder, sql } from 'kysely'
import type { AuditCountQuery, AuditLogFilter, AuditLogRepo, AuditPeriodCount, Page } from '../contract.js'
import { fromJson, toJson } from '../kysely/columns.js'
import { pageWindow } from '../kysely/paging.js'
import { InsertTemplate } from '../kysely/query-template.js'
import type { AuditEventsTable, Database } from '../kysely/schema.js'

type Row = Selectable<AuditEventsTable>

function toRow(r: AuditEventRecord): Row {
  return {
    id: r.id,
    time: r.time,
    type: r.type,
    client_id: r.clientId,
    user_id: r.userId,
    ip: r.ip,
    user_agent: r.userAgent,
    details: toJson(r.details),
  }
}

function toRecord(row: Row): AuditEventRecord {
  return {
    id: row.id,
    time: row.time,
    type: row.type as AuditEventType,
    clientId: row.client_id,
    userId: row.user_id,
    ip: row.ip,
    userAgent: row.user_agent,
    details: fromJson<AuditEventRecord['details']>(row.details),
  }
}

/** The WHERE clause of a filter: every given condition must hold. */
function filtered<O>(query: SelectQueryBuilder<Database, 'audit_events', O>, filter: AuditLogFilter) {
  let q = query
  const types = filter.type === undefined ? [] : typeof filter.type === 'string' ? [filter.type] : [...filter.type]
  if (filter.type !== undefined) q = types.length === 0 ? q.where(sql<boolean>`1 = 0`) : q.where('type', 'in', types)
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId)
  if (filter.clientId !== undefined) q = q.where('client_id', '=', filter.clientId)
  if (filter.since !== undefined) q = q.where('time', '>=', filter.since)
  if (filter.until !== undefined) q = q.where('time', '<', filter.until)
  return q
}

/** Several events per flow: compiled once (kysely/query-template.ts). */
const INSERT_EVENT = new InsertTemplate('audit_events')
/** Rows of one multi-row INSERT: 8 parameters each, far below either database's limit. */
const APPEND_CHUNK = 500

export class KyselyAuditLogRepo implements AuditLogRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** One INSERT. */
  async append(event: AuditEventRecord): Promise<void> {
    await INSERT_EVENT.execute(this.db, toRow(event))
  }

  /** One multi-row INSERT per `APPEND_CHUNK` events (PostgreSQL takes at most 65,535 parameters a statement). */
  async appendAll(events: readonly AuditEventRecord[]): Promise<void> {
    if (events.length === 0) return
    if (events.length === 1) return this.append(events[0] as AuditEventRecord)
    for (let start = 0; start < events.length; start += APPEND_CHUNK) {
      await this.db.insertInto('audit_events').values(events.slice(start, start + APPEND_CHUNK).map(toRow)).execute()
    }
  }

  /** Newest first (time, then id, both descending), so pages are stable while events arrive. */
  async list(filter: AuditLogFilter & Page = {}): Promise<AuditEventRecord[]> {
    const { limit, offset } = pageWindow(filter)
    const rows = await filtered(this.db.selectFrom('audit_events').selectAll(), filter)
      .orderBy('time', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute()
    return rows.map(toRecord)
  }

  async count(filter: AuditLogFilter = {}): Promise<number> {
    const query = this.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n'))
    const { n } = await filtered(query, filter).executeTakeFirstOrThrow()
    return Number(n)
  }

  async get(id: string): Promise<AuditEventRecord | null> {
    const row = await this.db.selectFrom('audit_events').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** Ids sort by time (hex time, then random), so "after this id" is one indexed range, oldest first. */
  async listAfter(afterId: string, take: number): Promise<AuditEventRecord[]> {
    const { limit } = pageWindow({ perPage: take })
    const rows = await this.db.selectFrom('audit_events').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute()
    return rows.map(toRecord)
  }

  /**
   * One grouped COUNT over the (type, time) index. The period is a literal (checked to be a whole
   * number), so the grouped expression is the same in SELECT and GROUP BY on both databases; times are
   * integers, so `/` is integer division on both.
   */
  async countByPeriod(query: AuditCountQuery): Promise<AuditPeriodCount[]> {
    const { periodMs } = query
    if (!Number.isSafeInteger(periodMs) || periodMs < 1000) throw new RangeError('periodMs must be a whole number of milliseconds, at least 1000')
    if (query.types.length === 0 || query.until <= query.since) return []
    const start = sql<number>`(time / ${sql.lit(periodMs)}) * ${sql.lit(periodMs)}`
    const rows = await this.db
      .selectFrom('audit_events')
      .select([start.as('start'), 'type', (eb) => eb.fn.countAll<number>().as('n')])
      .where('type', 'in', [...query.types])
      .where('time', '>=', query.since)
      .where('time', '<', query.until)
      .groupBy([start, 'type'])
      .orderBy(start)
      .orderBy('type')
      .execute()
    return rows.map((r) => ({ start: Number(r.start), type: r.type, count: Number(r.n) }))
  }

  /**
   * One DELETE of at most `batchSize` of the oldest events before `cutoff`, so a large backlog is
   * removed in short statements that never hold the write lock for long.
   */
  async deleteOlderThan(cutoff: number, batchSize: number): Promise<number> {
    const limit = Math.max(1, Math.floor(batchSize))
    const result = await this.db
      .deleteFrom('audit_events')
      .where('id', 'in', (eb) => eb.selectFrom('audit_events').select('id').where('time', '<', cutoff).orderBy('time').limit(limit))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
