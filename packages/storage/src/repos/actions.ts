/** Actions and their bindings to triggers (Auth0's Actions), over Kysely. */
import type { ActionDependency, ActionRecord, ActionTrigger } from '@latchkey/core'
import { type Kysely, type Selectable, sql } from 'kysely'
import type { ActionPatch, ActionRepo, BoundAction, Page, SealedActionSecrets } from '../contract.js'
import { fromJson, toJson } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import type { PublishChange } from '../kysely/coordination.js'
import { inTransaction } from '../kysely/in-transaction.js'
import { pageWindow } from '../kysely/paging.js'
import type { ActionsTable, Database } from '../kysely/schema.js'

type Row = Selectable<ActionsTable>

function toRecord(row: Row): ActionRecord {
  return {
    id: row.id,
    name: row.name,
    trigger: row.trigger as ActionTrigger,
    code: row.code,
    dependencies: fromJson<ActionDependency[]>(row.dependencies),
    secretNames: fromJson<string[]>(row.secret_names),
    sealedSecrets: row.sealed_secrets,
    onFailure: row.on_failure === 'skip' ? 'skip' : 'deny',
    deployed:
      row.deployed_version === null || row.deployed_code === null || row.deployed_at === null
        ? null
        : { version: row.deployed_version, code: row.deployed_code, sealedSecrets: row.deployed_sealed_secrets, deployedAt: row.deployed_at },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

const nameTaken = (name: string) => `an action named ${JSON.stringify(name)} already exists`

/** Refused binding: the caller says it as a 400 (Auth0 answers a bad binding so). */
export class ActionBindingError extends Error {
  readonly code = 'ERR_ACTION_BINDING'
}

export class KyselyActionRepo implements ActionRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changed: PublishChange,
  ) {}

  async insert(record: ActionRecord): Promise<void> {
    await rejectDuplicate(nameTaken(record.name), () =>
      this.db
        .insertInto('actions')
        .values({
          id: record.id,
          name: record.name,
          trigger: record.trigger,
          code: record.code,
          dependencies: toJson(record.dependencies),
          secret_names: toJson(record.secretNames),
          sealed_secrets: record.sealedSecrets,
          on_failure: record.onFailure ?? 'deny',
          deployed_version: record.deployed?.version ?? null,
          deployed_code: record.deployed?.code ?? null,
          deployed_sealed_secrets: record.deployed?.sealedSecrets ?? null,
          deployed_at: record.deployed?.deployedAt ?? null,
          created_at: record.createdAt,
          updated_at: record.updatedAt,
        })
        .execute(),
    )
    await this.changed('actions')
  }

  async get(id: string): Promise<ActionRecord | null> {
    const row = await this.db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async findByName(name: string): Promise<ActionRecord | null> {
    const row = await this.db.selectFrom('actions').selectAll().where('name', '=', name).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async list(filter: { readonly trigger?: string } & Page = {}): Promise<ActionRecord[]> {
    const { limit, offset } = pageWindow(filter)
    let query = this.db.selectFrom('actions').selectAll()
    if (filter.trigger !== undefined) query = query.where('trigger', '=', filter.trigger)
    return (await query.orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute()).map(toRecord)
  }

  async count(filter: { readonly trigger?: string } = {}): Promise<number> {
    let query = this.db.selectFrom('actions').select((eb) => eb.fn.countAll<number>().as('n'))
    if (filter.trigger !== undefined) query = query.where('trigger', '=', filter.trigger)
    return Number((await query.executeTakeFirstOrThrow()).n)
  }

  async update(id: string, patch: ActionPatch): Promise<ActionRecord | null> {
    const set = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.code !== undefined ? { code: patch.code } : {}),
      ...(patch.dependencies !== undefined ? { dependencies: toJson(patch.dependencies) } : {}),
      ...(patch.secretNames !== undefined ? { secret_names: toJson(patch.secretNames) } : {}),
      ...(patch.sealedSecrets !== undefined ? { sealed_secrets: patch.sealedSecrets } : {}),
      ...(patch.onFailure !== undefined ? { on_failure: patch.onFailure } : {}),
      ...(patch.updatedAt !== undefined ? { updated_at: patch.updatedAt } : {}),
    }
    if (Object.keys(set).length === 0) return this.get(id)
    const row = await rejectDuplicate(nameTaken(patch.name ?? ''), () => this.db.updateTable('actions').set(set).where('id', '=', id).returningAll().executeTakeFirst())
    if (row) await this.changed('actions')
    return row ? toRecord(row) : null
  }

  async deploy(id: string, now: number): Promise<ActionRecord | null> {
    const row = await this.db
      .updateTable('actions')
      .set({
        deployed_version: sql<number>`coalesce(deployed_version, 0) + 1`,
        deployed_code: sql<string>`code`,
        deployed_sealed_secrets: sql<string | null>`sealed_secrets`,
        deployed_at: now,
        updated_at: now,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst()
    if (row) await this.changed('actions')
    return row ? toRecord(row) : null
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('action_bindings').where('action_id', '=', id).execute()
      const result = await trx.deleteFrom('actions').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
    if (deleted) await this.changed('actions')
    return deleted
  }

  async bound(trigger: string): Promise<BoundAction[]> {
    const rows = await this.db
      .selectFrom('action_bindings')
      .innerJoin('actions', 'actions.id', 'action_bindings.action_id')
      .select(['actions.id', 'actions.name', 'action_bindings.display_name', 'actions.on_failure', 'actions.deployed_version', 'actions.deployed_code', 'actions.deployed_sealed_secrets', 'actions.deployed_at'])
      .where('action_bindings.trigger', '=', trigger)
      .orderBy('action_bindings.position')
      .execute()
    return rows.flatMap((r) =>
      r.deployed_version === null || r.deployed_code === null || r.deployed_at === null
        ? []
        : [{ id: r.id, name: r.name, displayName: r.display_name, onFailure: r.on_failure === 'skip' ? ('skip' as const) : ('deny' as const), deployed: { version: r.deployed_version, code: r.deployed_code, sealedSecrets: r.deployed_sealed_secrets, deployedAt: r.deployed_at } }],
    )
  }

  async bind(trigger: string, bindings: readonly { readonly actionId: string; readonly displayName: string }[]): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      const ids = [...new Set(bindings.map((b) => b.actionId))]
      if (ids.length !== bindings.length) throw new ActionBindingError('an action may be bound to a trigger only once')
      const found = ids.length === 0 ? [] : await trx.selectFrom('actions').select(['id', 'name', 'trigger', 'deployed_version']).where('id', 'in', ids).execute()
      for (const id of ids) {
        const action = found.find((a) => a.id === id)
        if (!action) throw new ActionBindingError(`action ${id} does not exist`)
        if (action.trigger !== trigger) throw new ActionBindingError(`action ${action.name} is for the ${action.trigger} trigger, not ${trigger}`)
        if (action.deployed_version === null) throw new ActionBindingError(`action ${action.name} has never been deployed`)
      }
      await trx.deleteFrom('action_bindings').where('trigger', '=', trigger).execute()
      if (bindings.length > 0) {
        await trx
          .insertInto('action_bindings')
          .values(bindings.map((b, position) => ({ trigger, position, action_id: b.actionId, display_name: b.displayName })))
          .execute()
      }
    })
    await this.changed('actions')
  }

  async sealedSecrets(): Promise<SealedActionSecrets[]> {
    const rows = await this.db
      .selectFrom('actions')
      .select(['id', 'name', 'sealed_secrets', 'deployed_sealed_secrets'])
      .where((eb) => eb.or([eb('sealed_secrets', 'is not', null), eb('deployed_sealed_secrets', 'is not', null)]))
      .orderBy('id')
      .execute()
    return rows.map((r) => ({ id: r.id, name: r.name, draft: r.sealed_secrets, deployed: r.deployed_sealed_secrets }))
  }

  async replaceSealedSecrets(id: string, which: 'draft' | 'deployed', expected: string, replacement: string): Promise<boolean> {
    const column = which === 'draft' ? 'sealed_secrets' : 'deployed_sealed_secrets'
    const result = await this.db.updateTable('actions').set({ [column]: replacement }).where('id', '=', id).where(column, '=', expected).executeTakeFirst()
    const replaced = Number(result.numUpdatedRows) > 0
    if (replaced) await this.changed('actions')
    return replaced
  }
}
