import { type AuthorizationRequest, type InteractionRecord, type InteractionStep, isInteractionStep, type PendingLink, type UpstreamAttempt } from '@latchkey/core'
import type { Kysely, Selectable, Updateable } from 'kysely'
import type { InteractionChanges, InteractionRepo } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import { fromJson, toJson } from '../kysely/columns.js'
import type { Database, InteractionsTable } from '../kysely/schema.js'

type Row = Selectable<InteractionsTable>

function toRow(r: InteractionRecord): Row {
  return {
    id: r.id,
    csrf_hash: r.csrfHash,
    client_id: r.request.clientId,
    step: r.step,
    request: toJson(r.request),
    user_id: r.userId,
    session_sid: r.sessionSid,
    auth_time: r.authTime,
    ...upstreamColumns(r.upstream ?? null),
    link: r.link ? toJson(r.link) : null,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
  }
}

function toRecord(row: Row): InteractionRecord {
  // A step this version does not know (a newer node's) answers no page of this one: it reads as the
  // step no page is at, so every page refuses it rather than guessing.
  const step: InteractionStep = isInteractionStep(row.step) ? row.step : ('unknown' as InteractionStep)
  return {
    id: row.id,
    csrfHash: row.csrf_hash,
    step,
    request: fromJson<AuthorizationRequest>(row.request),
    userId: row.user_id,
    sessionSid: row.session_sid,
    authTime: row.auth_time,
    upstream: row.upstream === null || row.upstream_state_hash === null ? null : { ...fromJson<Omit<UpstreamAttempt, 'stateHash'>>(row.upstream), stateHash: row.upstream_state_hash },
    link: row.link === null ? null : fromJson<PendingLink>(row.link),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
}

function upstreamColumns(attempt: UpstreamAttempt | null): Pick<Row, 'upstream' | 'upstream_state_hash'> {
  if (attempt === null) return { upstream: null, upstream_state_hash: null }
  const { stateHash, ...rest } = attempt
  return { upstream: toJson(rest), upstream_state_hash: stateHash }
}

function changedColumns(to: InteractionStep, changes: InteractionChanges): Updateable<InteractionsTable> {
  const set: Updateable<InteractionsTable> = { step: to }
  if (changes.request) set.request = toJson(changes.request)
  if (changes.authenticated) {
    set.user_id = changes.authenticated.userId
    set.session_sid = changes.authenticated.sessionSid
    set.auth_time = changes.authenticated.authTime
  }
  if (changes.upstream !== undefined) Object.assign(set, upstreamColumns(changes.upstream))
  if (changes.link !== undefined) set.link = changes.link === null ? null : toJson(changes.link)
  return set
}

export class KyselyInteractionRepo implements InteractionRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(record: InteractionRecord): Promise<void> {
    await this.db.insertInto('interactions').values(toRow(record)).execute()
  }

  async get(id: string, now: number): Promise<InteractionRecord | null> {
    const row = await this.db
      .selectFrom('interactions')
      .selectAll()
      .where('id', '=', id)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** One compare-and-set `UPDATE`: exactly one caller moves the interaction from `from`. */
  async advance(id: string, from: InteractionStep, to: InteractionStep, changes: InteractionChanges, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('interactions')
      .set(changedColumns(to, changes))
      .where('id', '=', id)
      .where('step', '=', from)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async findByUpstreamState(stateHash: string, now: number): Promise<InteractionRecord | null> {
    const row = await this.db
      .selectFrom('interactions')
      .selectAll()
      .where('upstream_state_hash', '=', stateHash)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** One `DELETE ... RETURNING`: exactly one caller gets the unexpired interaction at `step`. */
  async take(id: string, step: InteractionStep, now: number): Promise<InteractionRecord | null> {
    const row = await this.db
      .deleteFrom('interactions')
      .where('id', '=', id)
      .where('step', '=', step)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** One batch (see kysely/batch.ts). */
  async deleteExpired(now: number, batchSize: number): Promise<number> {
    const result = await this.db
      .deleteFrom('interactions')
      .where('id', 'in', (eb) => eb.selectFrom('interactions').select('id').where('expires_at', '<', now).limit(batchLimit(batchSize)))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
