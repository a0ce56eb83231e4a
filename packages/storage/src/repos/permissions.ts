/** Permissions given to users directly, and a user's permissions all told (Auth0's RBAC), over Kysely. */
import type { Permission, PermissionSource, UserPermission } from '@latchkey/core'
import type { Kysely } from 'kysely'
import type { Page, PermissionRepo } from '../contract.js'
import { fromJson } from '../kysely/columns.js'
import { pageWindow } from '../kysely/paging.js'
import type { Database } from '../kysely/schema.js'

const key = (p: Permission) => `${p.apiIdentifier}\u0000${p.name}`

export class KyselyPermissionRepo implements PermissionRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async add(userId: string, permissions: readonly Permission[], now: number): Promise<void> {
    if (permissions.length === 0) return
    await this.db
      .insertInto('user_permissions')
      .values(permissions.map((p) => ({ user_id: userId, api_identifier: p.apiIdentifier, permission_name: p.name, created_at: now })))
      .onConflict((oc) => oc.columns(['user_id', 'api_identifier', 'permission_name']).doNothing())
      .execute()
  }

  async remove(userId: string, permissions: readonly Permission[]): Promise<void> {
    if (permissions.length === 0) return
    await this.db
      .deleteFrom('user_permissions')
      .where('user_id', '=', userId)
      .where((eb) => eb.or(permissions.map((p) => eb.and([eb('api_identifier', '=', p.apiIdentifier), eb('permission_name', '=', p.name)]))))
      .execute()
  }

  /** Every permission with its sources; a user's permissions are few, so they are merged here. */
  async #all(userId: string): Promise<UserPermission[]> {
    const direct = await this.db.selectFrom('user_permissions').select(['api_identifier', 'permission_name']).where('user_id', '=', userId).execute()
    const viaRoles = await this.db
      .selectFrom('user_roles')
      .innerJoin('role_permissions', 'role_permissions.role_id', 'user_roles.role_id')
      .innerJoin('roles', 'roles.id', 'user_roles.role_id')
      .select(['role_permissions.api_identifier', 'role_permissions.permission_name', 'roles.id as role_id', 'roles.name as role_name'])
      .where('user_roles.user_id', '=', userId)
      .orderBy('roles.name')
      .orderBy('roles.id')
      .execute()
    const merged = new Map<string, { permission: Permission; sources: PermissionSource[] }>()
    const entry = (apiIdentifier: string, name: string) => {
      const permission = { apiIdentifier, name }
      let e = merged.get(key(permission))
      if (!e) {
        e = { permission, sources: [] }
        merged.set(key(permission), e)
      }
      return e
    }
    for (const row of direct) entry(row.api_identifier, row.permission_name).sources.push({ type: 'DIRECT' })
    for (const row of viaRoles) entry(row.api_identifier, row.permission_name).sources.push({ type: 'ROLE', roleId: row.role_id, roleName: row.role_name })
    return [...merged.values()]
      .map((e) => ({ ...e.permission, sources: e.sources }))
      .sort((a, b) => (a.apiIdentifier < b.apiIdentifier ? -1 : a.apiIdentifier > b.apiIdentifier ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  async listForUser(userId: string, page?: Page): Promise<UserPermission[]> {
    const { limit, offset } = pageWindow(page)
    return (await this.#all(userId)).slice(offset, offset + limit)
  }

  async countForUser(userId: string): Promise<number> {
    return (await this.#all(userId)).length
  }

  /** One statement (two when logging in to an organization: the membership's roles first). */
  async effective(userId: string, apiIdentifier: string, orgId: string | null): Promise<readonly string[]> {
    let memberRoles: string[] = []
    if (orgId !== null) {
      const member = await this.db.selectFrom('organization_members').select('roles').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst()
      memberRoles = member ? fromJson<string[]>(member.roles) : []
    }
    const rows = await this.db
      .selectFrom('user_permissions')
      .select('permission_name')
      .where('user_id', '=', userId)
      .where('api_identifier', '=', apiIdentifier)
      .union(
        this.db
          .selectFrom('role_permissions')
          .select('permission_name')
          .where('api_identifier', '=', apiIdentifier)
          .where((eb) =>
            eb.or([
              eb('role_id', 'in', eb.selectFrom('user_roles').select('role_id').where('user_id', '=', userId)),
              ...(memberRoles.length > 0 ? [eb('role_id', 'in', memberRoles)] : []),
            ]),
          ),
      )
      .execute()
    return rows.map((r) => r.permission_name)
  }
}
