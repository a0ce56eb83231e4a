/**
 * Invitations to organizations: looked up by the SHA-256 of their ticket, consumed once with one
 * `UPDATE … WHERE consumed_at IS NULL AND expires_at > now RETURNING`, and swept a while after they
 * expired or were used.
 */
import { type InvitationRecord, normalizeEmail } from '@latchkey/core'
import type { Kysely, Selectable } from 'kysely'
import type { InvitationRepo, Page } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import { fromJson, toJson } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import { pageWindow } from '../kysely/paging.js'
import type { Database, InvitationsTable } from '../kysely/schema.js'

function toRecord(row: Selectable<InvitationsTable>): InvitationRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    clientId: row.client_id,
    inviterName: row.inviter_name,
    inviteeEmail: row.invitee_email,
    roles: fromJson<string[]>(row.roles),
    ticketHash: row.ticket_hash,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
  }
}

export class KyselyInvitationRepo implements InvitationRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(record: InvitationRecord): Promise<void> {
    await rejectDuplicate(`invitation ${record.id} already exists`, () =>
      this.db
        .insertInto('invitations')
        .values({
          id: record.id,
          org_id: record.orgId,
          client_id: record.clientId,
          inviter_name: record.inviterName,
          invitee_email: normalizeEmail(record.inviteeEmail),
          roles: toJson(record.roles),
          ticket_hash: record.ticketHash,
          created_at: record.createdAt,
          expires_at: record.expiresAt,
          consumed_at: record.consumedAt,
        })
        .execute(),
    )
  }

  async get(id: string): Promise<InvitationRecord | null> {
    const row = await this.db.selectFrom('invitations').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async findByTicketHash(ticketHash: string): Promise<InvitationRecord | null> {
    const row = await this.db.selectFrom('invitations').selectAll().where('ticket_hash', '=', ticketHash).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async listForOrganization(orgId: string, page?: Page): Promise<InvitationRecord[]> {
    const { limit, offset } = pageWindow(page)
    const rows = await this.db
      .selectFrom('invitations')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute()
    return rows.map(toRecord)
  }

  async countForOrganization(orgId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('invitations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  /** One winner among any number of concurrent callers. */
  async consume(id: string, now: number): Promise<InvitationRecord | null> {
    const row = await this.db
      .updateTable('invitations')
      .set({ consumed_at: now })
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .returningAll()
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('invitations').where('id', '=', id).executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  /** One batch (see kysely/batch.ts). */
  async deleteExpired(cutoff: number, batchSize: number): Promise<number> {
    const result = await this.db
      .deleteFrom('invitations')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('invitations')
          .select('id')
          .where((w) => w.or([w('expires_at', '<', cutoff), w('consumed_at', '<', cutoff)]))
          .limit(batchLimit(batchSize)),
      )
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
