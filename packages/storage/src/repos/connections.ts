/**
 * Connections, and the applications each is enabled for (`connection_clients`, one row per pair,
 * indexed by client id for the login page). A record's `enabledClients` is read with it (one more
 * query for a page of connections) and written as a whole. Deleting a connection takes its
 * enablements, its identities and the users whose primary connection it is along, in one transaction.
 */
import type { ConnectionRecord, ConnectionStrategy } from '@latchkey/core'
import type { Insertable, Kysely, Selectable } from 'kysely'
import type {
  Checkpoint,
  CheckpointPage,
  ConnectionFilter,
  ConnectionPatch,
  ConnectionRepo,
  EnabledConnection,
  Page,
  SealedConnectionSecret,
} from '../contract.js'
import type { PublishChange } from '../kysely/coordination.js'
import { type ColumnWriters, fromFlag, fromJson, toFlag, toJson, writeColumns } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import { inTransaction } from '../kysely/in-transaction.js'
import { pageWindow, takeOf, toCheckpointPage } from '../kysely/paging.js'
import { QueryTemplate } from '../kysely/query-template.js'
import type { ConnectionsTable, Database } from '../kysely/schema.js'
import { deleteUsers } from './users.js'

const NAME_TAKEN = 'a connection with this name already exists'

type Row = Selectable<ConnectionsTable>

/** The connection's own columns; `enabledClients` lives in connection_clients. */
const writers: ColumnWriters<EnabledConnection, ConnectionsTable> = {
  id: (v) => ({ id: v }),
  name: (v) => ({ name: v }),
  displayName: (v) => ({ display_name: v }),
  strategy: (v) => ({ strategy: v }),
  options: (v) => ({ options: toJson(v) }),
  sealedClientSecret: (v) => ({ sealed_client_secret: v }),
  isDomainConnection: (v) => ({ is_domain_connection: toFlag(v) }),
  metadata: (v) => ({ metadata: toJson(v) }),
  createdAt: (v) => ({ created_at: v }),
  updatedAt: (v) => ({ updated_at: v }),
}

function toEnabled(row: Row): EnabledConnection {
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    strategy: row.strategy as ConnectionStrategy,
    options: fromJson<Record<string, unknown>>(row.options),
    sealedClientSecret: row.sealed_client_secret,
    isDomainConnection: fromFlag(row.is_domain_connection),
    metadata: fromJson<Record<string, string>>(row.metadata),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/**
 * On every view of the login page: the connections enabled for an app (the enablements' index on
 * client_id, then each connection by primary key).
 */
const ENABLED_FOR = new QueryTemplate((db: Kysely<Database>, clientId: string) =>
  db
    .selectFrom('connection_clients')
    .innerJoin('connections', 'connections.id', 'connection_clients.connection_id')
    .selectAll('connections')
    .where('connection_clients.client_id', '=', clientId)
    .orderBy('connections.created_at')
    .orderBy('connections.id'),
)

/** The enablement rows of new client ids, without duplicates. */
function enablements(connectionId: string, clientIds: readonly string[]): { connection_id: string; client_id: string }[] {
  return [...new Set(clientIds)].map((clientId) => ({ connection_id: connectionId, client_id: clientId }))
}

/** Enough rows per insert to stay well under SQLite's and PostgreSQL's limits on parameters. */
const INSERT_CHUNK = 400

async function insertEnablements(trx: Kysely<Database>, connectionId: string, clientIds: readonly string[]): Promise<void> {
  const rows = enablements(connectionId, clientIds)
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx.insertInto('connection_clients').values(rows.slice(i, i + INSERT_CHUNK)).execute()
}

export class KyselyConnectionRepo implements ConnectionRepo {
  constructor(
    private readonly db: Kysely<Database>,
    /** Updates and deletions tell the other nodes (their strategies cache discovery metadata and JWKS per connection). */
    private readonly changed: PublishChange = async () => {},
  ) {}

  /** The records of these rows, each with its enabled clients (one query for all of them). */
  async #withClients(rows: readonly Row[]): Promise<ConnectionRecord[]> {
    if (rows.length === 0) return []
    const clients = new Map<string, string[]>(rows.map((row) => [row.id, []]))
    const links = await this.db
      .selectFrom('connection_clients')
      .select(['connection_id', 'client_id'])
      .where(
        'connection_id',
        'in',
        rows.map((row) => row.id),
      )
      .orderBy('connection_id')
      .orderBy('client_id')
      .execute()
    for (const link of links) clients.get(link.connection_id)?.push(link.client_id)
    return rows.map((row) => ({ ...toEnabled(row), enabledClients: clients.get(row.id) ?? [] }))
  }

  async #one(row: Row | undefined): Promise<ConnectionRecord | null> {
    return row ? ((await this.#withClients([row]))[0] ?? null) : null
  }

  async insert(record: ConnectionRecord): Promise<void> {
    const { enabledClients, ...own } = record
    const row = writeColumns(writers, own) as Insertable<ConnectionsTable>
    await inTransaction(this.db, async (trx) => {
      await rejectDuplicate(NAME_TAKEN, () => trx.insertInto('connections').values(row).execute())
      await insertEnablements(trx, record.id, enabledClients)
    })
  }

  async get(id: string): Promise<ConnectionRecord | null> {
    return this.#one(await this.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst())
  }

  async findByName(name: string): Promise<ConnectionRecord | null> {
    return this.#one(await this.db.selectFrom('connections').selectAll().where('name', '=', name).executeTakeFirst())
  }

  #filtered(filter: ConnectionFilter) {
    let query = this.db.selectFrom('connections')
    if (filter.strategy !== undefined) query = query.where('strategy', 'in', filter.strategy as ConnectionStrategy[])
    if (filter.name !== undefined) query = query.where('name', '=', filter.name)
    return query
  }

  async list(filter: ConnectionFilter & Page = {}): Promise<ConnectionRecord[]> {
    if (filter.strategy?.length === 0) return []
    const { limit, offset } = pageWindow(filter)
    const rows = await this.#filtered(filter).selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute()
    return this.#withClients(rows)
  }

  async count(filter: ConnectionFilter = {}): Promise<number> {
    if (filter.strategy?.length === 0) return 0
    const { n } = await this.#filtered(filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  /** In one transaction: the columns (one `UPDATE … RETURNING`), then the enablements if given. */
  async update(id: string, patch: ConnectionPatch): Promise<ConnectionRecord | null> {
    const { enabledClients, ...own } = patch
    const set = writeColumns<EnabledConnection, ConnectionsTable>(writers, own, ['id', 'name', 'strategy', 'createdAt'])
    const updated = await inTransaction(this.db, async (trx) => {
      const row =
        Object.keys(set).length > 0
          ? await trx.updateTable('connections').set(set).where('id', '=', id).returningAll().executeTakeFirst()
          : await trx.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst()
      if (!row) return null
      if (enabledClients !== undefined) {
        await trx.deleteFrom('connection_clients').where('connection_id', '=', id).execute()
        await insertEnablements(trx, id, enabledClients)
      }
      return new KyselyConnectionRepo(trx).#one(row)
    })
    if (updated) await this.changed('connections')
    return updated
  }

  /**
   * In one transaction: the users whose primary connection it is (and all that is theirs), the
   * identities of its accounts that other users had linked, its enablements, then the connection.
   */
  async delete(id: string): Promise<boolean> {
    const deleted = await inTransaction(this.db, async (trx) => {
      const found = await trx.selectFrom('connections').select('name').where('id', '=', id).executeTakeFirst()
      if (!found) return false
      await deleteUsers(trx, { connection: found.name })
      await trx.deleteFrom('identities').where('connection_id', '=', id).execute()
      await trx.deleteFrom('connection_clients').where('connection_id', '=', id).execute()
      const result = await trx.deleteFrom('connections').where('id', '=', id).executeTakeFirst()
      return result.numDeletedRows > 0n
    })
    if (deleted) await this.changed('connections')
    return deleted
  }

  async enabledFor(clientId: string): Promise<EnabledConnection[]> {
    const { rows } = await ENABLED_FOR.execute(this.db, clientId)
    return rows.map(toEnabled)
  }

  /** Enabling: one `INSERT … SELECT` from the connection (nothing when it does not exist), ignoring a duplicate. Disabling: one delete. */
  async setEnabled(connectionId: string, clientId: string, enabled: boolean): Promise<boolean> {
    if (!enabled) {
      const result = await this.db.deleteFrom('connection_clients').where('connection_id', '=', connectionId).where('client_id', '=', clientId).executeTakeFirst()
      return result.numDeletedRows > 0n
    }
    const result = await this.db
      .insertInto('connection_clients')
      .columns(['connection_id', 'client_id'])
      .expression((eb) =>
        eb
          .selectFrom('connections')
          .select((e) => ['id', e.cast<string>(e.val(clientId), 'text').as('client_id')])
          .where('id', '=', connectionId),
      )
      .onConflict((oc) => oc.columns(['connection_id', 'client_id']).doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
  }

  async listClients(connectionId: string, checkpoint?: Checkpoint): Promise<CheckpointPage<string>> {
    const take = takeOf(checkpoint)
    let query = this.db.selectFrom('connection_clients').select('client_id').where('connection_id', '=', connectionId).orderBy('client_id').limit(take + 1)
    if (checkpoint?.from) query = query.where('client_id', '>=', checkpoint.from)
    const rows = await query.execute()
    return toCheckpointPage(
      rows.map((r) => r.client_id),
      take,
      (clientId) => clientId,
    )
  }

  async sealedSecrets(): Promise<SealedConnectionSecret[]> {
    const rows = await this.db
      .selectFrom('connections')
      .select(['id', 'sealed_client_secret'])
      .where('sealed_client_secret', 'is not', null)
      .orderBy('id')
      .execute()
    return rows.map((row) => ({ id: row.id, sealedClientSecret: row.sealed_client_secret as string }))
  }

  /** One `UPDATE … WHERE sealed_client_secret = expected`: a compare-and-set. */
  async replaceSealedClientSecret(id: string, expected: string, replacement: string): Promise<boolean> {
    const result = await this.db
      .updateTable('connections')
      .set({ sealed_client_secret: replacement })
      .where('id', '=', id)
      .where('sealed_client_secret', '=', expected)
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }
}
