/**
 * Deployment-wide settings changed at run time (issue 15: the MFA policy). Each write tells the
 * other nodes (a `settings` change notice, see coordination.ts), so their caches drop the old value.
 */
import type { Kysely } from 'kysely'
import type { SettingsRepo } from '../contract.js'
import type { PublishChange } from '../kysely/coordination.js'
import type { Database } from '../kysely/schema.js'

export class KyselySettingsRepo implements SettingsRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changed: PublishChange,
  ) {}

  async get(key: string): Promise<string | null> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst()
    return row ? row.value : null
  }

  /** One upsert, then the notice (inside a transaction: it goes out when that commits). */
  async set(key: string, value: string, now: number): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key, value, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
      .execute()
    await this.changed('settings')
  }

  /** Publishes a notice too, when there was a value. */
  async delete(key: string): Promise<boolean> {
    const result = await this.db.deleteFrom('settings').where('key', '=', key).executeTakeFirst()
    const deleted = Number(result.numDeletedRows) === 1
    if (deleted) await this.changed('settings')
    return deleted
  }
}
