import type { ConsentRecord } from '@latchkey/core'
import type { Kysely, Selectable } from 'kysely'
import type { ConsentRepo } from '../contract.js'
import { fromJson, toJson } from '../kysely/columns.js'
import { inTransaction } from '../kysely/in-transaction.js'
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
}
