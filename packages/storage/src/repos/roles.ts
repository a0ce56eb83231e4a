/** Roles, their permissions and the users who have them (Auth0's RBAC), over Kysely. */
import type { Permission, RoleRecord } from '@latchkey/core'
import { type Kysely, type Selectable, sql } from 'kysely'
import type { Page, RoleFilter, RolePatch, RoleRepo } from '../contract.js'
import { rejectDuplicate } from '../kysely/conflict.js'
import { inTransaction } from '../kysely/in-transaction.js'
import { pageWindow } from '../kysely/paging.js'
import type { Database, RolesTable } from '../kysely/schema.js'

const toRole = (row: Selectable<RolesTable>): RoleRecord => ({
  id: row.id,
  name: row.name,
  description: row.description,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

const nameTaken = (name: string) => `a role named ${JSON.stringify(name)} already exists`

/** `name_filter`: part of the name, case-insensitively (LIKE with its wildcards escaped). */
function likeFilter(value: string): string {
  return `%${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}

export class KyselyRoleRepo implements RoleRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(role: RoleRecord): Promise<void> {
    await rejectDuplicate(nameTaken(role.name), () =>
      this.db
        .insertInto('roles')
        .values({ id: role.id, name: role.name, description: role.description, created_at: role.createdAt, updated_at: role.updatedAt })
        .execute(),
    )
  }

  async get(id: string): Promise<RoleRecord | null> {
    const row = await this.db.selectFrom('roles').selectAll().where('id', '=', id).executeTakeFirst()
    return row ? toRole(row) : null
  }

  async findByName(name: string): Promise<RoleRecord | null> {
    const row = await this.db.selectFrom('roles').selectAll().where('name', '=', name).executeTakeFirst()
    return row ? toRole(row) : null
  }

  async getMany(ids: readonly string[]): Promise<RoleRecord[]> {
    if (ids.length === 0) return []
    const rows = await this.db.selectFrom('roles').selectAll().where('id', 'in', [...new Set(ids)]).execute()
    const byId = new Map(rows.map((r) => [r.id, toRole(r)]))
    return ids.flatMap((id) => {
      const role = byId.get(id)
      byId.delete(id)
      return role ? [role] : []
    })
  }

  #filtered(filter: RoleFilter = {}) {
    let query = this.db.selectFrom('roles')
    if (filter.nameFilter) query = query.where(sql<boolean>`lower(name) like ${likeFilter(filter.nameFilter)} escape '\\'`)
    return query
  }

  async list(filter: RoleFilter & Page = {}): Promise<RoleRecord[]> {
    const { limit, offset } = pageWindow(filter)
    const rows = await this.#filtered(filter).selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute()
    return rows.map(toRole)
  }

  async count(filter: RoleFilter = {}): Promise<number> {
    const { n } = await this.#filtered(filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  async update(id: string, patch: RolePatch): Promise<RoleRecord | null> {
    const set = {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.updatedAt !== undefined ? { updated_at: patch.updatedAt } : {}),
    }
    if (Object.keys(set).length === 0) return this.get(id)
    const row = await rejectDuplicate(nameTaken(patch.name ?? ''), () =>
      this.db.updateTable('roles').set(set).where('id', '=', id).returningAll().executeTakeFirst(),
    )
    return row ? toRole(row) : null
  }

  async delete(id: string): Promise<boolean> {
    return inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('role_permissions').where('role_id', '=', id).execute()
      await trx.deleteFrom('user_roles').where('role_id', '=', id).execute()
      const result = await trx.deleteFrom('roles').where('id', '=', id).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    })
  }

  async addPermissions(roleId: string, permissions: readonly Permission[], now: number): Promise<void> {
    if (permissions.length === 0) return
    await this.db
      .insertInto('role_permissions')
      .values(permissions.map((p) => ({ role_id: roleId, api_identifier: p.apiIdentifier, permission_name: p.name, created_at: now })))
      .onConflict((oc) => oc.columns(['role_id', 'api_identifier', 'permission_name']).doNothing())
      .execute()
  }

  async removePermissions(roleId: string, permissions: readonly Permission[]): Promise<void> {
    if (permissions.length === 0) return
    await this.db
      .deleteFrom('role_permissions')
      .where('role_id', '=', roleId)
      .where((eb) => eb.or(permissions.map((p) => eb.and([eb('api_identifier', '=', p.apiIdentifier), eb('permission_name', '=', p.name)]))))
      .execute()
  }

  async listPermissions(roleId: string, page?: Page): Promise<Permission[]> {
    const { limit, offset } = pageWindow(page)
    const rows = await this.db
      .selectFrom('role_permissions')
      .select(['api_identifier', 'permission_name'])
      .where('role_id', '=', roleId)
      .orderBy('api_identifier')
      .orderBy('permission_name')
      .limit(limit)
      .offset(offset)
      .execute()
    return rows.map((r) => ({ apiIdentifier: r.api_identifier, name: r.permission_name }))
  }

  async countPermissions(roleId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('role_permissions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role_id', '=', roleId)
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  async assign(userIds: readonly string[], roleIds: readonly string[], now: number): Promise<void> {
    const rows = userIds.flatMap((user_id) => roleIds.map((role_id) => ({ user_id, role_id, created_at: now })))
    if (rows.length === 0) return
    await this.db
      .insertInto('user_roles')
      .values(rows)
      .onConflict((oc) => oc.columns(['user_id', 'role_id']).doNothing())
      .execute()
  }

  async unassign(userId: string, roleIds: readonly string[]): Promise<void> {
    if (roleIds.length === 0) return
    await this.db.deleteFrom('user_roles').where('user_id', '=', userId).where('role_id', 'in', [...roleIds]).execute()
  }

  async listUsers(roleId: string, page?: Page): Promise<string[]> {
    const { limit, offset } = pageWindow(page)
    const rows = await this.db
      .selectFrom('user_roles')
      .select('user_id')
      .where('role_id', '=', roleId)
      .orderBy('created_at')
      .orderBy('user_id')
      .limit(limit)
      .offset(offset)
      .execute()
    return rows.map((r) => r.user_id)
  }

  async countUsers(roleId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('user_roles')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role_id', '=', roleId)
      .executeTakeFirstOrThrow()
    return Number(n)
  }

  async listForUser(userId: string, page?: Page): Promise<RoleRecord[]> {
    const { limit, offset } = pageWindow(page)
    const rows = await this.db
      .selectFrom('user_roles')
      .innerJoin('roles', 'roles.id', 'user_roles.role_id')
      .selectAll('roles')
      .where('user_roles.user_id', '=', userId)
      .orderBy('roles.name')
      .orderBy('roles.id')
      .limit(limit)
      .offset(offset)
      .execute()
    return rows.map(toRole)
  }

  async countForUser(userId: string): Promise<number> {
    const { n } = await this.db
      .selectFrom('user_roles')
      .innerJoin('roles', 'roles.id', 'user_roles.role_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_roles.user_id', '=', userId)
      .executeTakeFirstOrThrow()
    return Number(n)
  }
}
