import type { ApiRecord, ApiScope } from '@latchkey/core'
import type { Insertable, Kysely, Selectable } from 'kysely'
import type { ApiPatch, ApiRepo, Page } from '../contract.js'
import { type ColumnWriters, fromFlag, fromJson, toFlag, toJson, writeColumns } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import { inTransaction } from '../kysely/in-transaction.js'
import type { PublishChange } from '../kysely/coordination.js'
import { countRows, listPage } from '../kysely/paging.js'
import type { ApisTable, Database } from '../kysely/schema.js'

type Row = Selectable<ApisTable>

const writers: ColumnWriters<ApiRecord, ApisTable> = {
  id: (v) => ({ id: v }),
  name: (v) => ({ name: v }),
  identifier: (v) => ({ identifier: v }),
  scopes: (v) => ({ scopes: toJson(v) }),
  allowOfflineAccess: (v) => ({ allow_offline_access: toFlag(v) }),
  tokenLifetime: (v) => ({ token_lifetime: v }),
  skipConsentForFirstParty: (v) => ({ skip_consent_for_first_party: toFlag(v) }),
  signingAlg: (v) => ({ signing_alg: v }),
  isSystem: (v) => ({ is_system: toFlag(v === true) }),
  enforcePolicies: (v) => ({ enforce_policies: toFlag(v) }),
  tokenDialect: (v) => ({ token_dialect: v }),
  createdAt: (v) => ({ created_at: v }),
  updatedAt: (v) => ({ updated_at: v }),
}

function toRecord(row: Row): ApiRecord {
  return {
    id: row.id,
    name: row.name,
    identifier: row.identifier,
    scopes: fromJson<ApiScope[]>(row.scopes),
    allowOfflineAccess: fromFlag(row.allow_offline_access),
    tokenLifetime: row.token_lifetime,
    skipConsentForFirstParty: fromFlag(row.skip_consent_for_first_party),
    signingAlg: row.signing_alg,
    isSystem: fromFlag(row.is_system),
    enforcePolicies: fromFlag(row.enforce_policies),
    tokenDialect: row.token_dialect,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export class KyselyApiRepo implements ApiRepo {
  constructor(
    private readonly db: Kysely<Database>,
    /** Every write tells the other nodes (their key rings keep the longest token lifetime). */
    private readonly changed: PublishChange,
  ) {}

  /** The identifier is unique: a taken one throws ConflictError. */
  async insert(record: ApiRecord): Promise<void> {
    const row = writeColumns(writers, record) as Insertable<ApisTable>
    await rejectDuplicate(`an API with identifier ${record.identifier} (or id ${record.id}) already exists`, () =>
      this.db.insertInto('apis').values(row).execute(),
    )
    await this.changed('apis')
  }

  async get(id: string): Promise<ApiRecord | null> {
    const row = await this.db.selectFrom('apis').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** Exact string match. */
  async findByIdentifier(identifier: string): Promise<ApiRecord | null> {
    const row = await this.db.selectFrom('apis').selectAll().where('identifier', '=', identifier).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async list(page?: Page): Promise<ApiRecord[]> {
    return (await listPage(this.db, 'apis', page)).map(toRecord)
  }

  async count(): Promise<number> {
    return countRows(this.db, 'apis')
  }

  /** One `UPDATE ... RETURNING`: atomic. The identifier never changes. */
  async update(id: string, patch: ApiPatch): Promise<ApiRecord | null> {
    const set = writeColumns(writers, patch, ['id', 'identifier', 'createdAt'])
    if (Object.keys(set).length === 0) return this.get(id)
    const row = await this.db.updateTable('apis').set(set).where('id', '=', id).returningAll().executeTakeFirst()
    if (!row) return null
    await this.changed('apis')
    return toRecord(row)
  }

  /** In one transaction: the client grants for the API, then the API. */
  async delete(id: string): Promise<boolean> {
    const result = await inTransaction(this.db, async (trx) => {
      const identifier = trx.selectFrom('apis').select('identifier').where('id', '=', id)
      await trx.deleteFrom('client_grants').where('audience', 'in', identifier).execute()
      await trx.deleteFrom('role_permissions').where('api_identifier', 'in', identifier).execute()
      await trx.deleteFrom('user_permissions').where('api_identifier', 'in', identifier).execute()
      return trx.deleteFrom('apis').where('id', '=', id).executeTakeFirst()
    })
    if (result.numDeletedRows === 0n) return false
    await this.changed('apis')
    return true
  }

  async findSystem(): Promise<ApiRecord | null> {
    const row = await this.db.selectFrom('apis').selectAll().where('is_system', '=', 1).orderBy('created_at').orderBy('id').executeTakeFirst()
    return row ? toRecord(row) : null
  }

  /** In one transaction: the identifier, then the audience of the API's client grants. */
  async changeIdentifier(id: string, identifier: string, now: number): Promise<ApiRecord | null> {
    return rejectDuplicate(`an API with identifier ${identifier} already exists`, () =>
      inTransaction(this.db, async (trx) => {
        const current = await trx.selectFrom('apis').select('identifier').where('id', '=', id).executeTakeFirst()
        if (!current) return null
        const row = await trx.updateTable('apis').set({ identifier, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow()
        await trx.updateTable('client_grants').set({ audience: identifier, updated_at: now }).where('audience', '=', current.identifier).execute()
        await trx.updateTable('role_permissions').set({ api_identifier: identifier }).where('api_identifier', '=', current.identifier).execute()
        await trx.updateTable('user_permissions').set({ api_identifier: identifier }).where('api_identifier', '=', current.identifier).execute()
        return toRecord(row)
      }),
    )
  }

  async maxTokenLifetime(): Promise<number> {
    const { longest } = await this.db
      .selectFrom('apis')
      .select((eb) => eb.fn.max('token_lifetime').as('longest'))
      .executeTakeFirstOrThrow()
    return longest === null ? 0 : Number(longest)
  }
}
