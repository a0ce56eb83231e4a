/**
 * One-time keys (DPoP proof `jti`s) shared by every node through the database. `use` is one
 * `INSERT … ON CONFLICT DO UPDATE … WHERE expired`: a new key is inserted, an expired one taken
 * over, and a live one left alone, so exactly one of any number of concurrent callers gets true.
 */
import type { Kysely } from 'kysely'
import type { ReplayGuardRepo } from '../contract.js'
import { batchLimit } from '../kysely/batch.js'
import type { Database } from '../kysely/schema.js'

export class KyselyReplayGuardRepo implements ReplayGuardRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async use(key: string, now: number, expiresAt: number): Promise<boolean> {
    const result = await this.db
      .insertInto('replay_guard')
      .values({ key, expires_at: expiresAt })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet({ expires_at: expiresAt })
          .where('replay_guard.expires_at', '<=', now),
      )
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
  }

  /** One batch (see kysely/batch.ts). */
  async deleteExpired(now: number, batchSize: number): Promise<number> {
    const result = await this.db
      .deleteFrom('replay_guard')
      .where('key', 'in', (eb) => eb.selectFrom('replay_guard').select('key').where('expires_at', '<=', now).limit(batchLimit(batchSize)))
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
