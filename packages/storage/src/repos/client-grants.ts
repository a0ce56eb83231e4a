/**
 * Client grants: one row per application and API (a unique key on both), the scopes as JSON text.
 * Deleting an application or an API deletes its grants (see applications.ts and apis.ts).
 */
import type { ClientGrantRecord } from '@latchkey/core'
import type { Kysely, Selectable } from 'kysely'
import type { ClientGrantFilter, ClientGrantPatch, ClientGrantRepo, Page } from '../contract.js'
import { fromJson, toJson } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import { pageWindow } from '../kysely/paging.js'
import type { ClientGrantsTable, Database } from '../kysely/schema.js'

type Row = Selectable<ClientGrantsTable>

function toRecord(row: Row): ClientGrantRecord {
  return {
    id: row.id,
    clientId: row.client_id,
    audience: row.audience,
    scope: fromJson<string[]>(row.scope),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export class KyselyClientGrantRepo implements ClientGrantRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(record: ClientGrantRecord): Promise<void> {
    await rejectDuplicate(`the application ${record.clientId} already has a client grant for ${record.audience}`, () =>
      this.db
        .insertInto('client_grants')
        .values({
          id: record.id,
          client_id: record.clientId,
          audience: record.audience,
          scope: toJson(record.scope),
          created_at: record.createdAt,
          updated_at: record.updatedAt,
        })
        .execute(),
    )
  }

  async get(id: string): Promise<ClientGrantRecord | null> {
    const row = await this.db.selectFrom('client_grants').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async find(clientId: string, audience: string): Promise<ClientGrantRecord | null> {
    const row = await this.db
      .selectFrom('client_grants')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('audience', '=', audience)
      .executeTakeFirst()
    return row ? toRecord(row) : null
  }

  #filtered(filter: ClientGrantFilter) {
    let query = this.db.selectFrom('client_grants')
    if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId)
    if (filter.audience !== undefined) query = query.where('audience', '=', filter.audience)
    return query
  }

  async list(filter: ClientGrantFilter & Page = {}): Promise<ClientGrantRecord[]> {
    const { limit, offset } = pageWindow(filter)
    const rows = await this.#filtered(filter).selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute()
    return rows.map(toRecord)
  }

  async count(filter: ClientGrantFilter = {}): Promise<number> {
    const { n } = await this.#filtered(filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  /** One `UPDATE … RETURNING`: atomic. Only the scope (and updatedAt) change. */
  async update(id: string, patch: ClientGrantPatch): Promise<ClientGrantRecord | null> {
    const set = {
      ...(patch.scope !== undefined ? { scope: toJson(patch.scope) } : {}),
      ...(patch.updatedAt !== undefined ? { updated_at: patch.updatedAt } : {}),
    }
    if (Object.keys(set).length === 0) return this.get(id)
    const row = await this.db.updateTable('client_grants').set(set).where('id', '=', id).returningAll().executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('client_grants').where('id', '=', id).executeTakeFirst()
    return result.numDeletedRows > 0n
  }
}
