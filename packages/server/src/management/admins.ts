/**
 * Administrators are users with a role whose permissions are the Management API's scopes: two
 * built-in roles, `Latchkey Admin` (every scope) and `Latchkey Read-only` (every `read:*` scope),
 * created the first time someone is made an administrator and kept in step with this build's scopes
 * at every start (a new route's scope reaches them). Their permissions are set here, not through
 * the roles commands or routes, which refuse the Management API's scopes (core's checkPermissions).
 * The admin console's app then gets such a user a Management API token carrying them
 * (core's authorization/management-api.ts).
 */
import { type ApiRecord, createRole, type Permission, type RoleRecord, type UserRecord } from '@latchkey/core'
import { ConflictError, type Store } from '@latchkey/storage'

export const ADMIN_ROLES = {
  admin: { name: 'Latchkey Admin', description: 'Administers Latchkey: every Management API scope' },
  'read-only': { name: 'Latchkey Read-only', description: 'Sees Latchkey’s configuration and activity: the Management API’s read scopes' },
} as const
export type AdminKind = keyof typeof ADMIN_ROLES
export const ADMIN_KINDS = Object.keys(ADMIN_ROLES) as AdminKind[]
/** The built-in roles' names: the server keeps them (tenant export leaves them out). */
export const ADMIN_ROLE_NAMES: ReadonlySet<string> = new Set(ADMIN_KINDS.map((kind) => ADMIN_ROLES[kind].name))

/** Whether `role` is one of the built-in roles, which only this module changes. */
export const isAdminRole = (role: { readonly name: string }): boolean => ADMIN_ROLE_NAMES.has(role.name)

/**
 * Why a built-in role is not renamed, deleted or given other permissions through the roles routes
 * and commands: the server keeps it in step with its scopes. Assigning it to users stays possible
 * (that is what `latchkey admins add` does).
 */
export const adminRoleKept = (role: { readonly name: string }): string =>
  `The role ${JSON.stringify(role.name)} is built in: Latchkey keeps its name and permissions (the Management API's scopes), and it cannot be deleted. Manage administrators with \`latchkey admins\`.`

/** A name a new or renamed role may not take (compared without case or surrounding spaces): a built-in role's. */
export function reservedRoleName(name: string): string | null {
  const wanted = name.trim().toLowerCase()
  const taken = [...ADMIN_ROLE_NAMES].find((reserved) => reserved.toLowerCase() === wanted)
  return taken === undefined ? null : `The name ${JSON.stringify(taken)} is reserved for Latchkey's built-in administrator role.`
}

export interface Administrator {
  readonly user: UserRecord
  readonly role: AdminKind
}

/** The scopes of the Management API a kind of administrator holds. */
export function adminScopes(api: ApiRecord, kind: AdminKind): string[] {
  const all = api.scopes.map((s) => s.value)
  return kind === 'admin' ? all : all.filter((scope) => scope.startsWith('read:'))
}

async function listAllPages<T>(fetch: (page: { page: number; perPage: number }) => Promise<T[]>): Promise<T[]> {
  const all: T[] = []
  for (let page = 0; ; page++) {
    const items = await fetch({ page, perPage: 100 })
    all.push(...items)
    if (items.length < 100) return all
  }
}

/** Makes the role's permissions on the Management API exactly those of its kind. */
async function syncPermissions(store: Store, role: RoleRecord, api: ApiRecord, kind: AdminKind, now: number): Promise<void> {
  const wanted = new Set(adminScopes(api, kind))
  const current = (await listAllPages((page) => store.roles.listPermissions(role.id, page))).filter((p) => p.apiIdentifier === api.identifier)
  const held = new Set(current.map((p) => p.name))
  const missing: Permission[] = [...wanted].filter((name) => !held.has(name)).map((name) => ({ apiIdentifier: api.identifier, name }))
  const extra = current.filter((p) => !wanted.has(p.name))
  if (missing.length > 0) await store.roles.addPermissions(role.id, missing, now)
  if (extra.length > 0) await store.roles.removePermissions(role.id, extra)
}

/** The built-in role of `kind`, created when missing, its permissions those of this build. */
export async function ensureAdminRole(store: Store, api: ApiRecord, kind: AdminKind, now: number): Promise<RoleRecord> {
  const { name, description } = ADMIN_ROLES[kind]
  let role = await store.roles.findByName(name)
  if (!role) {
    const created = createRole({ name, description }, now)
    try {
      await store.roles.insert(created)
      role = created
    } catch (err) {
      // Another process created it first.
      if (!(err instanceof ConflictError)) throw err
      role = await store.roles.findByName(name)
      if (!role) throw err
    }
  }
  await syncPermissions(store, role, api, kind, now)
  return role
}

/** At start: the built-in roles that exist get this build's scopes (none is created). */
export async function syncAdminRoles(store: Store, api: ApiRecord, now: number): Promise<void> {
  for (const kind of ADMIN_KINDS) {
    const role = await store.roles.findByName(ADMIN_ROLES[kind].name)
    if (role) await syncPermissions(store, role, api, kind, now)
  }
}

/** Makes `user` an administrator of `kind`, and not of the other kind. */
export async function makeAdministrator(store: Store, api: ApiRecord, user: UserRecord, kind: AdminKind, now: number): Promise<void> {
  const role = await ensureAdminRole(store, api, kind, now)
  const others = await Promise.all(ADMIN_KINDS.filter((k) => k !== kind).map((k) => store.roles.findByName(ADMIN_ROLES[k].name)))
  const otherIds = others.filter((r): r is RoleRecord => r !== null).map((r) => r.id)
  if (otherIds.length > 0) await store.roles.unassign(user.id, otherIds)
  await store.roles.assign([user.id], [role.id], now)
}

/** Takes both built-in roles from `user`; returns whether they held one. */
export async function removeAdministrator(store: Store, user: UserRecord): Promise<boolean> {
  const roles = await store.roles.listForUser(user.id, { page: 0, perPage: 100 })
  const held = roles.filter((r) => ADMIN_ROLE_NAMES.has(r.name)).map((r) => r.id)
  if (held.length > 0) await store.roles.unassign(user.id, held)
  return held.length > 0
}

/** Everyone holding a built-in role, admins first, then by when they were made one. */
export async function listAdministrators(store: Store): Promise<Administrator[]> {
  const found: Administrator[] = []
  const seen = new Set<string>()
  for (const kind of ADMIN_KINDS) {
    const role = await store.roles.findByName(ADMIN_ROLES[kind].name)
    if (!role) continue
    const ids = await listAllPages((page) => store.roles.listUsers(role.id, page))
    for (const id of ids) {
      if (seen.has(id)) continue
      const user = await store.users.get(id)
      if (!user) continue
      seen.add(id)
      found.push({ user, role: kind })
    }
  }
  return found
}
