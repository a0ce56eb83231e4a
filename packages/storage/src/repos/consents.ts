import type { ConsentRecord } from '@latchkey/core'
import type { Kysely, Selectable, SelectQueryBuilder } from 'kysely'
import type { ConsentFilter, ConsentRepo, Page } from '../contract.js'
import { fromJson, toJson } from '../kysely/columns.js'
import { inTransaction } from '../kysely/in-transaction.js'
import { pageWindow } from '../kysely/paging.js'
import type { ConsentsTable, Database } from '../kysely/schema.js'

type Row = Selectable<ConsentsTable>

function toRecord(row: Row): ConsentRecord {
  return {
    userId: row.user_id,
    clientId: row.client_id,
    audience: row.audience,
    scopes: fromJson<string[]>(row.scopes),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The WHERE clause of a filter: every given condition must hold. */
function filtered<O>(query: SelectQueryBuilder<Database, 'consents', O>, filter: ConsentFilter) {
  let q = query
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId)
  if (filter.clientId !== undefined) q = q.where('client_id', '=', filter.clientId)
  if (filter.audience !== undefined) q = q.where('audience', '=', filter.audience)
  return q
}

export class KyselyConsentRepo implements ConsentRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async find(userId: string, clientId: string, audience: string): Promise<ConsentRecord | null> {
    const row = await this.db
      .selectFrom('consents')
      .selectAll()
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .where('audience', '=', audience)
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /**
   * Atomic union, in one transaction: an upsert creates the row or (`DO UPDATE`) locks the existing
   * one (PostgreSQL row lock; SQLite holds the database write lock), then the merged scopes are
   * written. Concurrent grants therefore never lose each other's scopes.
   */
  async grant(
    userId: string,
    clientId: string,
    audience: string,
    scopes: readonly string[],
    now: number,
  ): Promise<ConsentRecord> {
    return inTransaction(this.db, async (trx) => {
      const current = await trx
        .insertInto('consents')
        .values({ user_id: userId, client_id: clientId, audience, scopes: toJson([]), created_at: now, updated_at: now })
        .onConflict((oc) => oc.columns(['user_id', 'client_id', 'audience']).doUpdateSet({ updated_at: now }))
        .returning('scopes')
        .executeTakeFirstOrThrow()
      const union = [...new Set([...fromJson<string[]>(current.scopes), ...scopes])]
      const row = await trx
        .updateTable('consents')
        .set({ scopes: toJson(union), updated_at: now })
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .where('audience', '=', audience)
        .returningAll()
        .executeTakeFirstOrThrow()
      return toRecord(row)
    })
  }

  /** Removes the user's consents to the app, for every audience. */
  async revoke(userId: string, clientId: string): Promise<number> {
    const result = await this.db
      .deleteFrom('consents')
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }

  /** Oldest first; the key columns break ties, so pages are stable. */
  async list(filter: ConsentFilter & Page = {}): Promise<ConsentRecord[]> {
    const { limit, offset } = pageWindow(filter)
    const rows = await filtered(this.db.selectFrom('consents').selectAll(), filter)
      .orderBy('created_at')
      .orderBy('user_id')
      .orderBy('client_id')
      .orderBy('audience')
      .limit(limit)
      .offset(offset)
      .execute()
    return rows.map(toRecord)
  }

  async count(filter: ConsentFilter = {}): Promise<number> {
    const { n } = await filtered(this.db.selectFrom('consents').select((eb) => eb.fn.countAll<number>().as('n')), filter).executeTakeFirstOrThrow()
    return Number(n)
  }

  async delete(userId: string, clientId: string, audience: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('consents')
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .where('audience', '=', audience)
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  async deleteForUser(userId: string): Promise<number> {
    const result = await this.db.deleteFrom('consents').where('user_id', '=', userId).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
