/**
 * Organizations, their members and their enabled connections. Names are stored lower-case and
 * unique; a membership is one row per (organization, user) with its role names as JSON; an enabled
 * connection one row per (organization, connection), which the database deletes with either.
 * Deleting an organization takes its members, invitations, and the codes and refresh tokens issued
 * for it along, in one transaction.
 */
import { DATABASE_CONNECTION, type OrganizationBranding, type OrganizationMemberRecord, type OrganizationRecord } from '@latchkey/core'
import { type Insertable, type Kysely, type Selectable, sql } from 'kysely'
import type {
  Checkpoint,
  CheckpointPage,
  OrganizationConnection,
  OrganizationConnectionInput,
  OrganizationPatch,
  OrganizationRepo,
  Page,
} from '../contract.js'
import { type ColumnWriters, fromFlag, fromJson, toFlag, toJson, writeColumns } from '../kysely/columns.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import { inTransaction } from '../kysely/in-transaction.js'
import { countRows, listPage, MAX_PER_PAGE, pageWindow, takeOf, toCheckpointPage as toPage } from '../kysely/paging.js'
import type { Database, OrganizationConnectionsTable, OrganizationMembersTable, OrganizationsTable } from '../kysely/schema.js'

const NAME_TAKEN = 'an organization with this name already exists'

const writers: ColumnWriters<OrganizationRecord, OrganizationsTable> = {
  id: (v) => ({ id: v }),
  name: (v) => ({ name: v.toLowerCase() }),
  displayName: (v) => ({ display_name: v }),
  branding: (v) => ({ branding: v === null ? null : toJson(v) }),
  metadata: (v) => ({ metadata: toJson(v) }),
  createdAt: (v) => ({ created_at: v }),
  updatedAt: (v) => ({ updated_at: v }),
}

function toRecord(row: Selectable<OrganizationsTable>): OrganizationRecord {
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    branding: row.branding === null ? null : fromJson<OrganizationBranding>(row.branding),
    metadata: fromJson<Record<string, string>>(row.metadata),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toMember(row: Selectable<OrganizationMembersTable>): OrganizationMemberRecord {
  return { orgId: row.org_id, userId: row.user_id, roles: fromJson<string[]>(row.roles), createdAt: row.created_at }
}

type ConnectionRow = Selectable<OrganizationConnectionsTable> & { name: string; strategy: string }

function toConnection(row: ConnectionRow): OrganizationConnection {
  return {
    orgId: row.organization_id,
    connectionId: row.connection_id,
    assignMembershipOnLogin: fromFlag(row.assign_membership_on_login),
    showAsButton: fromFlag(row.show_as_button),
    createdAt: row.created_at,
    connection: { name: row.name, strategy: row.strategy },
  }
}

/** Enables a connection (one `INSERT … SELECT` from both records: nothing when either is missing, or on a duplicate). */
async function insertConnection(db: Kysely<Database>, orgId: string, input: OrganizationConnectionInput, now: number): Promise<boolean> {
  const result = await db
    .insertInto('organization_connections')
    .columns(['organization_id', 'connection_id', 'assign_membership_on_login', 'show_as_button', 'created_at'])
    .expression((eb) =>
      eb
        .selectFrom('connections as c')
        .innerJoin('organizations as o', (join) => join.on('o.id', '=', orgId))
        .select([
          'o.id',
          'c.id',
          sql<number>`cast(${toFlag(input.assignMembershipOnLogin)} as integer)`.as('assign_membership_on_login'),
          sql<number>`cast(${toFlag(input.showAsButton)} as integer)`.as('show_as_button'),
          sql<number>`cast(${now} as bigint)`.as('created_at'),
        ])
        .where('c.id', '=', input.connectionId),
    )
    .onConflict((oc) => oc.columns(['organization_id', 'connection_id']).doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0
}

export class KyselyOrganizationRepo implements OrganizationRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(record: OrganizationRecord, connections?: readonly OrganizationConnectionInput[]): Promise<void> {
    const row = writeColumns(writers, record) as Insertable<OrganizationsTable>
    await rejectDuplicate(NAME_TAKEN, () =>
      inTransaction(this.db, async (trx) => {
        await trx.insertInto('organizations').values(row).execute()
        if (connections) {
          for (const input of connections) await insertConnection(trx, record.id, input, record.createdAt)
          return
        }
        const database = await trx.selectFrom('connections').select('id').where('name', '=', DATABASE_CONNECTION.name).executeTakeFirst()
        if (database) await insertConnection(trx, record.id, { connectionId: database.id, assignMembershipOnLogin: false, showAsButton: true }, record.createdAt)
      }),
    )
  }

  async get(id: string): Promise<OrganizationRecord | null> {
    const row = await this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async findByName(name: string): Promise<OrganizationRecord | null> {
    const row = await this.db.selectFrom('organizations').selectAll().where('name', '=', name.toLowerCase()).executeTakeFirst()
    return row ? toRecord(row) : null
  }

  async list(page?: Page): Promise<OrganizationRecord[]> {
    return (await listPage(this.db, 'organizations', page)).map(toRecord)
  }

  async listFrom(checkpoint?: Checkpoint): Promise<CheckpointPage<OrganizationRecord>> {
    const take = takeOf(checkpoint)
    let query = this.db.selectFrom('organizations').selectAll().orderBy('id').limit(take + 1)
    if (checkpoint?.from) query = query.where('id', '>=', checkpoint.from)
    return toPage((await query.execute()).map(toRecord), take, (o) => o.id)
  }

  async count(): Promise<number> {
    return countRows(this.db, 'organizations')
  }

  /** One `UPDATE … RETURNING`: atomic. A taken new name throws ConflictError. */
  async update(id: string, patch: OrganizationPatch): Promise<OrganizationRecord | null> {
    const set = writeColumns(writers, patch, ['id', 'createdAt'])
    if (Object.keys(set).length === 0) return this.get(id)
    const row = await rejectDuplicate(NAME_TAKEN, () =>
      this.db.updateTable('organizations').set(set).where('id', '=', id).returningAll().executeTakeFirst(),
    )
    return row ? toRecord(row) : null
  }

  async delete(id: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('organization_members').where('org_id', '=', id).execute()
      await trx.deleteFrom('invitations').where('org_id', '=', id).execute()
      await trx.deleteFrom('authorization_codes').where('organization', '=', id).execute()
      await trx.deleteFrom('refresh_tokens').where('organization', '=', id).execute()
      const result = await trx.deleteFrom('organizations').where('id', '=', id).executeTakeFirst()
      return result.numDeletedRows > 0n
    })
  }

  /**
   * `INSERT … ON CONFLICT DO NOTHING`; for a member already there, the missing roles merged in by
   * compare-and-set on the stored roles (retried when a concurrent change won), so no statement
   * fails on a duplicate (safe inside a caller's transaction) and no concurrent merge is lost.
   */
  async addMember(orgId: string, userId: string, roles: readonly string[], now: number): Promise<{ member: OrganizationMemberRecord; added: boolean }> {
    const wanted = [...new Set(roles)]
    const inserted = await this.db
      .insertInto('organization_members')
      .values({ org_id: orgId, user_id: userId, roles: toJson(wanted), created_at: now })
      .onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing())
      .executeTakeFirst()
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return { member: { orgId, userId, roles: wanted, createdAt: now }, added: true }
    for (let attempt = 0; ; attempt++) {
      const row = await this.db.selectFrom('organization_members').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst()
      // Removed meanwhile: add again.
      if (!row) return this.addMember(orgId, userId, roles, now)
      const current = toMember(row)
      const merged = [...new Set([...current.roles, ...wanted])]
      if (merged.length === current.roles.length) return { member: current, added: false }
      const result = await this.db
        .updateTable('organization_members')
        .set({ roles: toJson(merged) })
        .where('org_id', '=', orgId)
        .where('user_id', '=', userId)
        .where('roles', '=', row.roles)
        .executeTakeFirst()
      if (result.numUpdatedRows > 0n) return { member: { ...current, roles: merged }, added: false }
      if (attempt >= 20) throw new Error(`the roles of ${userId} in ${orgId} kept changing while being merged`)
    }
  }

  async getMember(orgId: string, userId: string): Promise<OrganizationMemberRecord | null> {
    const row = await this.db.selectFrom('organization_members').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst()
    return row ? toMember(row) : null
  }

  async isMember(orgId: string, userId: string): Promise<boolean> {
    return (await this.getMember(orgId, userId)) !== null
  }

  async setMemberRoles(orgId: string, userId: string, roles: readonly string[]): Promise<OrganizationMemberRecord | null> {
    const row = await this.db
      .updateTable('organization_members')
      .set({ roles: toJson([...new Set(roles)]) })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst()
    return row ? toMember(row) : null
  }

  async removeMember(orgId: string, userId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('organization_members').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  async listMembers(orgId: string, page?: Page): Promise<OrganizationMemberRecord[]> {
    const { limit, offset } = pageWindow(page)
    const rows = await this.db
      .selectFrom('organization_members')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('created_at')
      .orderBy('user_id')
      .limit(limit)
      .offset(offset)
      .execute()
    return rows.map(toMember)
  }

  async listMembersFrom(orgId: string, checkpoint?: Checkpoint): Promise<CheckpointPage<OrganizationMemberRecord>> {
    const take = takeOf(checkpoint)
    let query = this.db.selectFrom('organization_members').selectAll().where('org_id', '=', orgId).orderBy('user_id').limit(take + 1)
    if (checkpoint?.from) query = query.where('user_id', '>=', checkpoint.from)
    return toPage((await query.execute()).map(toMember), take, (m) => m.userId)
  }

  async countMembers(orgId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('organization_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  async listForUser(userId: string): Promise<OrganizationRecord[]> {
    const rows = await this.db
      .selectFrom('organization_members as m')
      .innerJoin('organizations as o', 'o.id', 'm.org_id')
      .selectAll('o')
      .where('m.user_id', '=', userId)
      .orderBy('m.created_at')
      .orderBy('o.id')
      .limit(MAX_PER_PAGE)
      .execute()
    return rows.map(toRecord)
  }

  async enableConnection(orgId: string, input: OrganizationConnectionInput, now: number): Promise<boolean> {
    return insertConnection(this.db, orgId, input, now)
  }

  async updateConnection(
    orgId: string,
    connectionId: string,
    patch: Partial<Pick<OrganizationConnectionInput, 'assignMembershipOnLogin' | 'showAsButton'>>,
  ): Promise<OrganizationConnection | null> {
    const set = {
      ...(patch.assignMembershipOnLogin !== undefined ? { assign_membership_on_login: toFlag(patch.assignMembershipOnLogin) } : {}),
      ...(patch.showAsButton !== undefined ? { show_as_button: toFlag(patch.showAsButton) } : {}),
    }
    if (Object.keys(set).length > 0) {
      const result = await this.db
        .updateTable('organization_connections')
        .set(set)
        .where('organization_id', '=', orgId)
        .where('connection_id', '=', connectionId)
        .executeTakeFirst()
      if (result.numUpdatedRows === 0n) return null
    }
    return this.getConnection(orgId, connectionId)
  }

  async connectionEnabled(orgId: string, connectionId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('organization_connections')
      .select('connection_id')
      .where('organization_id', '=', orgId)
      .where('connection_id', '=', connectionId)
      .executeTakeFirst()
    return row !== undefined
  }

  async disableConnection(orgId: string, connectionId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('organization_connections').where('organization_id', '=', orgId).where('connection_id', '=', connectionId).executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  async getConnection(orgId: string, connectionId: string): Promise<OrganizationConnection | null> {
    const row = await this.#connections(orgId).where('oc.connection_id', '=', connectionId).executeTakeFirst()
    return row ? toConnection(row) : null
  }

  async listConnections(orgId: string, page?: Page): Promise<OrganizationConnection[]> {
    let query = this.#connections(orgId).orderBy('oc.created_at').orderBy('oc.connection_id')
    if (page) {
      const { limit, offset } = pageWindow(page)
      query = query.limit(limit).offset(offset)
    }
    return (await query.execute()).map(toConnection)
  }

  async countConnections(orgId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('organization_connections')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('organization_id', '=', orgId)
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  #connections(orgId: string) {
    return this.db
      .selectFrom('organization_connections as oc')
      .innerJoin('connections as c', 'c.id', 'oc.connection_id')
      .selectAll('oc')
      .select(['c.name', 'c.strategy'])
      .where('oc.organization_id', '=', orgId)
  }
}
