import type { AuthorizationRequest, InteractionRecord } from '@latchkey/core'
import type { Kysely, Selectable } from 'kysely'
import type { InteractionRepo } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import { fromJson, toJson } from '../kysely/columns.js'
import type { Database, InteractionsTable } from '../kysely/schema.js'

type Row = Selectable<InteractionsTable>

function toRow(r: InteractionRecord): Row {
  return {
    id: r.id,
    csrf_hash: r.csrfHash,
    client_id: r.request.clientId,
    request: toJson(r.request),
    user_id: r.userId,
    session_sid: r.sessionSid,
    auth_time: r.authTime,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
  }
}

function toRecord(row: Row): InteractionRecord {
  return {
    id: row.id,
    csrfHash: row.csrf_hash,
    request: fromJson<AuthorizationRequest>(row.request),
    userId: row.user_id,
    sessionSid: row.session_sid,
    authTime: row.auth_time,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  }
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

  async setAuthenticated(id: string, userId: string, sessionSid: string, authTime: number): Promise<void> {
    await this.db
      .updateTable('interactions')
      .set({ user_id: userId, session_sid: sessionSid, auth_time: authTime })
      .where('id', '=', id)
      .execute()
  }

  /** One `DELETE ... RETURNING`: exactly one caller gets the unexpired interaction. */
  async take(id: string, now: number): Promise<InteractionRecord | null> {
    const row = await this.db
      .deleteFrom('interactions')
      .where('id', '=', id)
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
