/**
 * Roles and permissions (Auth0's RBAC, the authorization issue): roles, the permissions each gives
 * (a scope of an API, named by the API's identifier), the roles users have, the permissions given
 * to users directly, and each API's `enforce_policies` and `token_dialect`.
 *
 * Organization members and invitations kept role *names* until now (free text). Each distinct name
 * becomes a role of that name (no permissions yet), and members and invitations now hold role ids,
 * so the roles an administrator gave keep their meaning and can be given permissions.
 */
import { newRoleId } from '@latchkey/core'
import type { Kysely, Migration } from 'kysely'

interface Tables {
  organization_members: { org_id: string; user_id: string; roles: string }
  invitations: { id: string; roles: string }
  roles: { id: string; name: string; description: string; created_at: number; updated_at: number }
}

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('apis').addColumn('enforce_policies', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('apis').addColumn('token_dialect', 'text', (c) => c.notNull().defaultTo('access_token')).execute()
  await db.schema
    .createTable('roles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('roles_name_key', ['name'])
    .execute()
  await db.schema.createIndex('roles_created_idx').on('roles').columns(['created_at', 'id']).execute()
  await db.schema
    .createTable('role_permissions')
    .addColumn('role_id', 'text', (c) => c.notNull())
    .addColumn('api_identifier', 'text', (c) => c.notNull())
    .addColumn('permission_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_permissions_pk', ['role_id', 'api_identifier', 'permission_name'])
    .execute()
  await db.schema.createIndex('role_permissions_api_idx').on('role_permissions').column('api_identifier').execute()
  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('role_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role_id'])
    .execute()
  await db.schema.createIndex('user_roles_role_idx').on('user_roles').columns(['role_id', 'user_id']).execute()
  await db.schema
    .createTable('user_permissions')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('api_identifier', 'text', (c) => c.notNull())
    .addColumn('permission_name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_permissions_pk', ['user_id', 'api_identifier', 'permission_name'])
    .execute()
  await db.schema.createIndex('user_permissions_api_idx').on('user_permissions').column('api_identifier').execute()

  // Role names of members and invitations become roles.
  const t = db as unknown as Kysely<Tables>
  const members = await t.selectFrom('organization_members').select(['org_id', 'user_id', 'roles']).execute()
  const invitations = await t.selectFrom('invitations').select(['id', 'roles']).execute()
  const ids = new Map<string, string>()
  const now = Date.now()
  const idOf = (name: string): string => {
    let id = ids.get(name)
    if (!id) {
      id = newRoleId()
      ids.set(name, id)
    }
    return id
  }
  const toIds = (json: string): string => JSON.stringify((JSON.parse(json) as string[]).map(idOf))
  for (const m of members) {
    const roles = toIds(m.roles)
    if (roles !== m.roles) await t.updateTable('organization_members').set({ roles }).where('org_id', '=', m.org_id).where('user_id', '=', m.user_id).execute()
  }
  for (const i of invitations) {
    const roles = toIds(i.roles)
    if (roles !== i.roles) await t.updateTable('invitations').set({ roles }).where('id', '=', i.id).execute()
  }
  for (const [name, id] of ids) await t.insertInto('roles').values({ id, name, description: '', created_at: now, updated_at: now }).execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  const t = db as unknown as Kysely<Tables>
  const names = new Map((await t.selectFrom('roles').select(['id', 'name']).execute()).map((r) => [r.id, r.name]))
  const toNames = (json: string): string => JSON.stringify((JSON.parse(json) as string[]).flatMap((id) => (names.has(id) ? [names.get(id) as string] : [])))
  for (const m of await t.selectFrom('organization_members').select(['org_id', 'user_id', 'roles']).execute()) {
    await t.updateTable('organization_members').set({ roles: toNames(m.roles) }).where('org_id', '=', m.org_id).where('user_id', '=', m.user_id).execute()
  }
  for (const i of await t.selectFrom('invitations').select(['id', 'roles']).execute()) {
    await t.updateTable('invitations').set({ roles: toNames(i.roles) }).where('id', '=', i.id).execute()
  }
  for (const table of ['user_permissions', 'user_roles', 'role_permissions', 'roles']) await db.schema.dropTable(table).execute()
  await db.schema.alterTable('apis').dropColumn('token_dialect').execute()
  await db.schema.alterTable('apis').dropColumn('enforce_policies').execute()
}

export const roles: Migration = { up, down }
