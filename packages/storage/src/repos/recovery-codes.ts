/**
 * Recovery codes (issue 15): the SHA-256 of each, keyed by user then hash. A set is replaced whole
 * (delete, then insert, in one transaction); a code is used by one conditional UPDATE
 * (`used_at IS NULL`), so of any number of concurrent uses exactly one succeeds.
 */
import { type Kysely, sql } from 'kysely'
import type { RecoveryCodeRepo, RecoveryCodeSummary } from '../contract.js'
import { inTransaction } from '../kysely/in-transaction.js'
import type { Database } from '../kysely/schema.js'

export class KyselyRecoveryCodeRepo implements RecoveryCodeRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** A hash given twice is stored once. */
  async replace(userId: string, codeHashes: readonly string[], now: number): Promise<void> {
    const rows = [...new Set(codeHashes)].map((codeHash) => ({ user_id: userId, code_hash: codeHash, created_at: now, used_at: null }))
    await inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute()
      if (rows.length > 0) await trx.insertInto('recovery_codes').values(rows).execute()
    })
  }

  async use(userId: string, codeHash: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  async countUnused(userId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  async summary(userId: string): Promise<RecoveryCodeSummary | null> {
    const row = await this.db
      .selectFrom('recovery_codes')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        sql<number>`sum(case when used_at is null then 1 else 0 end)`.as('unused'),
        eb.fn.min('created_at').as('created_at'),
        eb.fn.max('used_at').as('last_used_at'),
      ])
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow()
    if (Number(row.n) === 0) return null
    return { unused: Number(row.unused), createdAt: Number(row.created_at), lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at) }
  }

  async deleteForUser(userId: string): Promise<number> {
    const result = await this.db.deleteFrom('recovery_codes').where('user_id', '=', userId).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
