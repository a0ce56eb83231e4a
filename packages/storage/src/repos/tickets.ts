/**
 * Single-use email tickets (verification, password reset): looked up by the SHA-256 of their value,
 * consumed once with one `UPDATE … WHERE used_at IS NULL AND expires_at > now RETURNING`, spent
 * together when one of a user's is used, and swept a while after they expired or were used.
 */
import { normalizeEmail, type TicketKind, type TicketRecord } from '@latchkey/core'
import type { Kysely, Selectable } from 'kysely'
import type { TicketRepo } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import type { Database, TicketsTable } from '../kysely/schema.js'

type Row = Selectable<TicketsTable>

function toRow(r: TicketRecord): Row {
  return {
    id_hash: r.idHash,
    kind: r.kind,
    user_id: r.userId,
    email: normalizeEmail(r.email),
    client_id: r.clientId,
    result_url: r.resultUrl,
    created_at: r.createdAt,
    expires_at: r.expiresAt,
    used_at: r.usedAt,
  }
}

function toRecord(row: Row): TicketRecord {
  return {
    idHash: row.id_hash,
    kind: row.kind,
    userId: row.user_id,
    email: row.email,
    clientId: row.client_id,
    resultUrl: row.result_url,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
  }
}

export class KyselyTicketRepo implements TicketRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores the email normalised (normalizeEmail), as users' are, so it compares with the user's. */
  async insert(record: TicketRecord): Promise<void> {
    await rejectDuplicate('this ticket already exists', () => this.db.insertInto('tickets').values(toRow(record)).execute())
  }

  async findUsable(idHash: string, kind: TicketKind, now: number): Promise<TicketRecord | null> {
    const row = await this.db
      .selectFrom('tickets')
      .selectAll()
      .where('id_hash', '=', idHash)
      .where('kind', '=', kind)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** One winner among any number of concurrent callers. */
  async consume(idHash: string, kind: TicketKind, now: number): Promise<TicketRecord | null> {
    const row = await this.db
      .updateTable('tickets')
      .set({ used_at: now })
      .where('id_hash', '=', idHash)
      .where('kind', '=', kind)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** One UPDATE over the user's unused tickets of that kind (expired ones included: harmless). */
  async spendAllForUser(userId: string, kind: TicketKind, now: number): Promise<number> {
    const result = await this.db
      .updateTable('tickets')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('kind', '=', kind)
      .where('used_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }

  /** One batch (see kysely/batch.ts); each condition has its index (migration 0015). */
  async deleteExpired(cutoff: number, batchSize: number): Promise<number> {
    const result = await this.db
      .deleteFrom('tickets')
      .where('id_hash', 'in', (eb) =>
        eb
          .selectFrom('tickets')
          .select('id_hash')
          .where((w) => w.or([w('expires_at', '<', cutoff), w('used_at', '<', cutoff)]))
          .limit(batchLimit(batchSize)),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
