/**
 * `latchkey roles …`: roles (Auth0's RBAC), like `auth0 roles`: create, list, show, update and
 * delete roles, and add or remove the permissions (scopes of APIs) each gives. A role is named by id
 * (`rol_…`) or name everywhere. Users get roles with `latchkey users roles`, organization members
 * with `latchkey orgs members add --roles`; APIs use them once `latchkey apis update --rbac`.
 * The built-in administrator roles are shown here but changed only by `latchkey admins`.
 * Every change goes to the audit log.
 */
import { checkPermissions, createRole, isRoleId, type Permission, type RoleInput, type RoleRecord, updateRole } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Command } from 'commander'
import { adminRoleKept, isAdminRole, reservedRoleName } from '../../management/admins.js'
import { recordAdminChange } from '../audit.js'
import { fields, iso, table } from '../present.js'
import { CliError, type CommonOptions, confirm, defined, group, leaf, list, listAll, notFound, print, run } from '../run.js'

interface RoleOptions extends CommonOptions {
  name?: string
  description?: string
  force?: boolean
}

export interface PermissionOptions extends CommonOptions {
  api?: string
  scopes?: string[]
}

const FLAGS = { name: '--name', description: '--description' }
/** `roles create` takes the name as its argument. */
const CREATE_FLAGS = { name: '<name>', description: '--description' }

/** A role by id (`rol_…`), else by name. */
async function lookUpRole(store: Store, idOrName: string): Promise<RoleRecord | null> {
  const ref = idOrName.trim()
  return (isRoleId(ref) ? await store.roles.get(ref) : null) ?? (await store.roles.findByName(ref))
}

export async function findRole(store: Store, idOrName: string): Promise<RoleRecord> {
  const role = await lookUpRole(store, idOrName)
  if (!role) throw notFound('role with id or name', idOrName)
  return role
}

/** A role these commands may rename, delete or change the permissions of: not a built-in one. */
async function findChangeableRole(store: Store, idOrName: string): Promise<RoleRecord> {
  const role = await findRole(store, idOrName)
  if (isAdminRole(role)) throw new CliError(adminRoleKept(role))
  return role
}

/** A built-in role's name is refused for a new or renamed role. */
function checkNameFree(name: string | undefined): void {
  const reserved = name === undefined ? null : reservedRoleName(name)
  if (reserved !== null) throw new CliError(reserved)
}

/**
 * Roles to give (to users, members or invitees), by id or name, duplicates dropped; an unknown one
 * is refused with the command that creates it.
 */
export async function resolveRoles(store: Store, idsOrNames: readonly string[] | undefined): Promise<RoleRecord[]> {
  const found = new Map<string, RoleRecord>()
  for (const ref of idsOrNames ?? []) {
    const role = await lookUpRole(store, ref)
    if (!role) {
      throw new CliError(
        isRoleId(ref.trim())
          ? `no role with id ${JSON.stringify(ref)}: latchkey roles list shows the roles`
          : `no role named ${JSON.stringify(ref)}: create it first with latchkey roles create ${shellWord(ref.trim())}`,
      )
    }
    found.set(role.id, role)
  }
  return [...found.values()]
}

/** The names of roles by id, for listings; a deleted role (still named by a membership) shows its id. */
export async function roleNames(store: Store, ids: readonly string[]): Promise<Map<string, string>> {
  const roles = await store.roles.getMany([...new Set(ids)])
  return new Map(ids.map((id) => [id, roles.find((r) => r.id === id)?.name ?? id]))
}

/** A word as a POSIX shell reads it back. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/** `--api` and `--scopes` options, for commands that add or remove permissions. */
export function withPermissionOptions(cmd: Command): Command {
  return cmd
    .requiredOption('-a, --api <identifier>', "the API's identifier (its audience), or its id")
    .requiredOption('-s, --scopes <scopes>', 'scopes of that API, comma-separated (e.g. read:letters,write:letters)', list)
}

/**
 * The permissions that --api and --scopes name. `--api` is the identifier, or an API's id (then its
 * identifier); checked against the API's scopes when `check` (adding), as given otherwise (removing
 * what a since-changed API no longer defines).
 */
export async function permissionsFrom(store: Store, opts: PermissionOptions, check: boolean): Promise<Permission[]> {
  const ref = (opts.api ?? '').trim()
  const apiIdentifier = (await store.apis.get(ref))?.identifier ?? ref
  const permissions = (opts.scopes ?? []).map((name) => ({ apiIdentifier, name }))
  if (permissions.length === 0) throw new CliError('name at least one scope with --scopes', 2)
  if (check) return checkPermissions(permissions, store.apis)
  return [...new Map(permissions.map((p) => [p.name, p])).values()]
}

/** Auth0's permission object (`resource_server_identifier`, `permission_name`). */
export const presentPermission = (p: Permission) => ({ resource_server_identifier: p.apiIdentifier, permission_name: p.name })

/** Auth0's role object. */
export function presentRole(role: RoleRecord) {
  return { id: role.id, name: role.name, description: role.description }
}

function roleFields(role: RoleRecord, extra: readonly (readonly [string, string | number | readonly string[]])[] = []): string {
  return fields([
    ['id', role.id],
    ['name', role.name],
    ['description', role.description || null],
    ...extra,
    ['created', iso(role.createdAt)],
    ['updated', iso(role.updatedAt)],
  ])
}

const permissionLabel = (p: Permission): string => `${p.name} (${p.apiIdentifier})`

export function permissionsTable(permissions: readonly Permission[]): string {
  return table(
    ['API', 'PERMISSION'],
    permissions.map((p) => [p.apiIdentifier, p.name]),
  )
}

export function registerRoles(program: Command): void {
  const roles = group(program, 'roles', 'Manage roles and the permissions they give (RBAC)')

  leaf(roles, 'create <name>', 'Create a role', (cmd) => cmd.option('-d, --description <text>', 'what the role is for (at most 140 characters)')).action(
    (name: string, opts: RoleOptions) =>
      run(
        opts,
        async (store) => {
          checkNameFree(name)
          const role = createRole(defined({ name, description: opts.description }) as RoleInput, Date.now())
          await store.roles.insert(role)
          await recordAdminChange(store, { action: 'role.created', details: { role_id: role.id, name: role.name } })
          print(opts, presentRole(role), () => `Created role ${JSON.stringify(role.name)}\n${roleFields(role)}`)
        },
        CREATE_FLAGS,
      ),
  )

  leaf(roles, 'list', 'List roles')
    .alias('ls')
    .action((opts: CommonOptions) =>
      run(opts, async (store) => {
        const all = await listAll((page) => store.roles.list(page))
        const counts = await Promise.all(all.map(async (r) => [await store.roles.countPermissions(r.id), await store.roles.countUsers(r.id)] as const))
        print(opts, all.map(presentRole), () =>
          all.length === 0
            ? 'No roles yet: latchkey roles create NAME --description TEXT'
            : table(
                ['ID', 'NAME', 'PERMISSIONS', 'USERS', 'DESCRIPTION'],
                all.map((r, i) => [r.id, r.name, counts[i]?.[0] ?? 0, counts[i]?.[1] ?? 0, r.description || null]),
              ),
        )
      }),
    )

  leaf(roles, 'show <role>', 'Show a role (by id or name): its permissions and how many users have it').action((ref: string, opts: CommonOptions) =>
    run(opts, async (store) => {
      const role = await findRole(store, ref)
      const permissions = await listAll((page) => store.roles.listPermissions(role.id, page))
      const users = await store.roles.countUsers(role.id)
      print(opts, { ...presentRole(role), permissions: permissions.map(presentPermission), user_count: users }, () =>
        roleFields(role, [
          ['permissions', permissions.map(permissionLabel)],
          ['users', users],
        ]),
      )
    }),
  )

  leaf(roles, 'update <role>', 'Rename a role or change its description', (cmd) =>
    cmd.option('-n, --name <name>', 'new name').option('-d, --description <text>', 'new description'),
  ).action((ref: string, opts: RoleOptions) =>
    run(
      opts,
      async (store) => {
        const input = defined({ name: opts.name, description: opts.description })
        if (Object.keys(input).length === 0) throw new CliError('nothing to update: pass --name or --description', 2)
        const current = await findChangeableRole(store, ref)
        checkNameFree(opts.name)
        const next = updateRole(current, input, Date.now())
        const updated = (await store.roles.update(current.id, { name: next.name, description: next.description, updatedAt: next.updatedAt })) ?? next
        await recordAdminChange(store, { action: 'role.updated', details: { role_id: updated.id, name: updated.name, fields: Object.keys(input) } })
        print(opts, presentRole(updated), () => `Updated role ${JSON.stringify(updated.name)}\n${roleFields(updated)}`)
      },
      FLAGS,
    ),
  )

  leaf(roles, 'delete <role>', 'Delete a role: its users and organization members lose what it gave', (cmd) =>
    cmd.alias('rm').option('--force', 'do not ask for confirmation'),
  ).action((ref: string, opts: RoleOptions) =>
    run(opts, async (store) => {
      const role = await findChangeableRole(store, ref)
      const users = await store.roles.countUsers(role.id)
      await confirm(`Delete role ${JSON.stringify(role.name)} (${role.id}), held by ${users} user${users === 1 ? '' : 's'}?`, opts.force)
      if (!(await store.roles.delete(role.id))) throw notFound('role with id or name', ref)
      await recordAdminChange(store, { action: 'role.deleted', details: { role_id: role.id, name: role.name } })
      print(opts, { id: role.id, deleted: true }, () => `Deleted role ${JSON.stringify(role.name)} (${role.id})`)
    }),
  )

  const permissions = roles.command('permissions').alias('perms').description('Manage the permissions a role gives')

  leaf(permissions, 'add <role>', "Give a role permissions: scopes of one API (each must be one of the API's scopes)", withPermissionOptions).action(
    (ref: string, opts: PermissionOptions) =>
      run(
        opts,
        async (store) => {
          const role = await findChangeableRole(store, ref)
          const added = await permissionsFrom(store, opts, true)
          await store.roles.addPermissions(role.id, added, Date.now())
          await recordAdminChange(store, {
            action: 'role.permissions_added',
            details: { role_id: role.id, name: role.name, api: added[0]?.apiIdentifier ?? null, scopes: added.map((p) => p.name) },
          })
          const all = await listAll((page) => store.roles.listPermissions(role.id, page))
          print(opts, all.map(presentPermission), () => `Role ${JSON.stringify(role.name)} gives ${added.map(permissionLabel).join(', ')}\n\n${permissionsTable(all)}`)
        },
      ),
  )

  leaf(permissions, 'remove <role>', 'Take permissions from a role', (cmd) => withPermissionOptions(cmd.alias('rm'))).action(
    (ref: string, opts: PermissionOptions) =>
      run(opts, async (store) => {
        const role = await findChangeableRole(store, ref)
        const removed = await permissionsFrom(store, opts, false)
        const before = await listAll((page) => store.roles.listPermissions(role.id, page))
        const missing = removed.filter((p) => !before.some((b) => b.apiIdentifier === p.apiIdentifier && b.name === p.name))
        if (missing.length > 0) throw new CliError(`role ${JSON.stringify(role.name)} does not give ${missing.map(permissionLabel).join(', ')}`)
        await store.roles.removePermissions(role.id, removed)
        await recordAdminChange(store, {
          action: 'role.permissions_removed',
          details: { role_id: role.id, name: role.name, api: removed[0]?.apiIdentifier ?? null, scopes: removed.map((p) => p.name) },
        })
        const all = await listAll((page) => store.roles.listPermissions(role.id, page))
        print(opts, all.map(presentPermission), () =>
          [`Role ${JSON.stringify(role.name)} no longer gives ${removed.map(permissionLabel).join(', ')}`, ...(all.length ? ['', permissionsTable(all)] : [])].join('\n'),
        )
      }),
  )

  leaf(permissions, 'list <role>', 'List the permissions a role gives')
    .alias('ls')
    .action((ref: string, opts: CommonOptions) =>
      run(opts, async (store) => {
        const role = await findRole(store, ref)
        const all = await listAll((page) => store.roles.listPermissions(role.id, page))
        print(opts, all.map(presentPermission), () =>
          all.length === 0 ? `Role ${JSON.stringify(role.name)} gives no permissions yet: latchkey roles permissions add ${shellWord(role.name)} --api IDENTIFIER --scopes a,b` : permissionsTable(all),
        )
      }),
    )
}
