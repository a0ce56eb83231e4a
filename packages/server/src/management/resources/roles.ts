/**
 * /roles, their permissions and their users, as Auth0's Management API serves them (role-based
 * access control). A role is a named set of permissions (scopes of APIs) given to users, outside
 * organizations here and within them on the membership (organization-members.ts). Deleting a role
 * takes it from everyone who had it; memberships that name it keep the id, which no longer counts.
 * The built-in administrator roles (admins.ts) are listed and assigned here like any other, but not
 * renamed, deleted or given other permissions, and no other role takes their names.
 * Every change goes to the audit log.
 */
import { checkPermissions, createRole, type RoleRecord, updateRole, type UserRecord } from '@latchkey/core'
import { ConflictError, type Store } from '@latchkey/storage'
import { z } from 'zod'
import { adminRoleKept, isAdminRole, reservedRoleName } from '../admins.js'
import { badRequest, conflict, ManagementError, notFound, registration } from '../errors.js'
import {
  createRoleBody,
  permissionLabels,
  permissionSchema,
  permissionsBody,
  permissionsOf,
  presentPermissions,
  presentRole,
  presentRoleUser,
  ROLE_FIELD_NAMES,
  roleSchema,
  roleUserSchema,
  roleUsersBody,
  updateRoleBody,
} from '../mappings/roles.js'
import { checkpointPage, checkpointSchema, everyPage, pageAnswer, pagedSchema, pageWindow } from '../paging.js'
import { integerParam, pagingParams } from '../query.js'
import { type Resource, route } from '../route.js'

const idParams = z.strictObject({ id: z.string().min(1).max(100).describe('The role id (rol_…).') })
const listQuery = z.strictObject({
  ...pagingParams,
  name_filter: z.string().max(200).optional().describe('Only the roles whose name contains this (case-insensitive).'),
})
const usersQuery = z.strictObject({
  ...pagingParams,
  from: z.string().max(200).optional().describe('Checkpoint paging: the `next` of the previous page; absent for the first.'),
  take: integerParam(1, 100).optional().describe('Checkpoint paging: how many users (50 by default).'),
})

export const ROLE_NOT_FOUND = () => notFound('The role does not exist.', 'inexistent_role')
export const USER_NOT_FOUND = (id: string) => notFound(`The user ${JSON.stringify(id.slice(0, 256))} does not exist.`, 'inexistent_user')
const ERRORS_404 = { 404: 'No such role (inexistent_role).' }
const KEPT_400 = { 400: 'A built-in administrator role (operation_not_supported).' }

export async function findRole(store: Store, id: string): Promise<RoleRecord> {
  const role = await store.roles.get(id)
  if (!role) throw ROLE_NOT_FOUND()
  return role
}

/** A role the routes may rename, delete or change the permissions of: not a built-in one (400 operation_not_supported). */
async function findChangeableRole(store: Store, id: string): Promise<RoleRecord> {
  const role = await findRole(store, id)
  if (isAdminRole(role)) throw badRequest(adminRoleKept(role), 'operation_not_supported')
  return role
}

/** A built-in role's name is refused for a new or renamed role (400). */
function checkNameFree(name: string | undefined): void {
  const reserved = name === undefined ? null : reservedRoleName(name)
  if (reserved !== null) throw badRequest(`Payload validation error: ${reserved}`)
}

/** Every user of these ids, in order; a 404 naming the first that does not exist. */
export async function findUsers(store: Store, ids: readonly string[]): Promise<UserRecord[]> {
  return Promise.all([...new Set(ids)].map(async (id) => (await store.users.get(id)) ?? Promise.reject(USER_NOT_FOUND(id))))
}

/**
 * The roles of these ids, in order, without repeats. Unknown ids are refused whole, as Auth0 does:
 * 404 where the request names a user's roles, 400 (a bad body) where it names a member's or an
 * invitation's.
 */
export async function findRoles(store: Store, ids: readonly string[], status: 400 | 404): Promise<RoleRecord[]> {
  const unique = [...new Set(ids)]
  const found = await store.roles.getMany(unique)
  const missing = unique.find((id) => !found.some((role) => role.id === id))
  if (missing !== undefined) {
    const message = `The role ${JSON.stringify(missing.slice(0, 100))} does not exist.`
    throw status === 404 ? notFound(message, 'inexistent_role') : new ManagementError(400, 'inexistent_role', `Payload validation error: ${message}`)
  }
  return found
}

const conflictOnName = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
  try {
    return await work()
  } catch (err) {
    if (err instanceof ConflictError) throw conflict(`A role with the name ${JSON.stringify(name.slice(0, 100))} already exists.`, 'role_exists')
    throw err
  }
}

async function presentUsers(store: Store, userIds: readonly string[]) {
  const users = await Promise.all(userIds.map((id) => store.users.get(id)))
  return userIds.map((id, i) => presentRoleUser(id, users[i] ?? null))
}

export const roles: Resource = {
  tag: 'roles',
  description: 'Roles: named sets of permissions (scopes of APIs) given to users.',
  routes: [
    route({
      method: 'get',
      path: '/roles',
      summary: 'Get roles',
      scopes: ['read:roles'],
      query: listQuery,
      answer: { status: 200, description: 'The roles, oldest first.', schema: pagedSchema('roles', roleSchema) },
      async handle({ deps, query }) {
        const filter = query.name_filter ? { nameFilter: query.name_filter } : {}
        const rows = await deps.store.roles.list({ ...filter, ...pageWindow(query) })
        return pageAnswer('roles', query, rows.map(presentRole), () => deps.store.roles.count(filter))
      },
    }),
    route({
      method: 'post',
      path: '/roles',
      summary: 'Create a role',
      scopes: ['create:roles'],
      body: createRoleBody,
      answer: { status: 200, description: 'The new role (Auth0 answers 200).', schema: roleSchema },
      errors: { 400: "Among others: a built-in administrator role's name.", 409: 'A role with this name exists (role_exists).' },
      async handle({ deps, body, audit }) {
        checkNameFree(body.name)
        const role = registration(ROLE_FIELD_NAMES, () => createRole({ name: body.name, ...(body.description !== undefined ? { description: body.description } : {}) }, deps.clock.now()))
        await conflictOnName(role.name, () => deps.store.roles.insert(role))
        await audit.change({ action: 'role.created', description: 'Create a role', details: { role_id: role.id, role_name: role.name } })
        return { status: 200, body: presentRole(role) }
      },
    }),
    route({
      method: 'get',
      path: '/roles/:id',
      summary: 'Get a role',
      scopes: ['read:roles'],
      params: idParams,
      answer: { status: 200, description: 'The role.', schema: roleSchema },
      errors: ERRORS_404,
      async handle({ deps, params }) {
        return { status: 200, body: presentRole(await findRole(deps.store, params.id)) }
      },
    }),
    route({
      method: 'patch',
      path: '/roles/:id',
      summary: 'Update a role',
      scopes: ['update:roles'],
      params: idParams,
      body: updateRoleBody,
      answer: { status: 200, description: 'The role as changed.', schema: roleSchema },
      errors: { ...ERRORS_404, 400: 'A built-in administrator role, or its name (operation_not_supported, invalid_body).', 409: 'A role with this name exists (role_exists).' },
      async handle({ deps, params, body, audit }) {
        const current = await findChangeableRole(deps.store, params.id)
        checkNameFree(body.name)
        const next = registration(ROLE_FIELD_NAMES, () =>
          updateRole(current, { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.description !== undefined ? { description: body.description } : {}) }, deps.clock.now()),
        )
        const updated = await conflictOnName(next.name, () => deps.store.roles.update(current.id, { name: next.name, description: next.description, updatedAt: next.updatedAt }))
        if (!updated) throw ROLE_NOT_FOUND()
        await audit.change({ action: 'role.updated', description: 'Update a role', details: { role_id: updated.id, role_name: updated.name, fields: Object.keys(body) } })
        return { status: 200, body: presentRole(updated) }
      },
    }),
    route({
      method: 'delete',
      path: '/roles/:id',
      summary: 'Delete a role: it is taken from every user who has it',
      scopes: ['delete:roles'],
      params: idParams,
      answer: { status: 200, description: 'Deleted, with its permissions and assignments (Auth0 answers 200).' },
      errors: { ...ERRORS_404, ...KEPT_400 },
      async handle({ deps, params, audit }) {
        const role = await findChangeableRole(deps.store, params.id)
        if (!(await deps.store.roles.delete(role.id))) throw ROLE_NOT_FOUND()
        await audit.change({ action: 'role.deleted', description: 'Delete a role', details: { role_id: role.id, role_name: role.name } })
        return { status: 200 }
      },
    }),
    route({
      method: 'get',
      path: '/roles/:id/permissions',
      summary: 'Get the permissions a role gives',
      scopes: ['read:roles'],
      params: idParams,
      query: z.strictObject(pagingParams),
      answer: { status: 200, description: 'The permissions, by API identifier, then name.', schema: pagedSchema('permissions', permissionSchema) },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const role = await findRole(deps.store, params.id)
        const rows = await deps.store.roles.listPermissions(role.id, pageWindow(query))
        return pageAnswer('permissions', query, await presentPermissions(deps.store, rows), () => deps.store.roles.countPermissions(role.id))
      },
    }),
    route({
      method: 'post',
      path: '/roles/:id/permissions',
      summary: 'Add permissions to a role',
      scopes: ['update:roles'],
      params: idParams,
      body: permissionsBody,
      answer: { status: 201, description: 'Added (permissions the role has already stay; Auth0 answers 201).' },
      errors: { ...ERRORS_404, ...KEPT_400 },
      async handle({ deps, params, body, audit }) {
        const role = await findChangeableRole(deps.store, params.id)
        const permissions = await checkPermissions(permissionsOf(body), deps.store.apis)
        await deps.store.roles.addPermissions(role.id, permissions, deps.clock.now())
        await audit.change({
          action: 'role.permissions_added',
          description: 'Add permissions to a role',
          details: { role_id: role.id, role_name: role.name, permissions: permissionLabels(permissions) },
        })
        return { status: 201 }
      },
    }),
    route({
      method: 'delete',
      path: '/roles/:id/permissions',
      summary: 'Remove permissions from a role',
      scopes: ['update:roles'],
      params: idParams,
      body: permissionsBody,
      answer: { status: 204, description: 'Removed (permissions the role did not have are ignored).' },
      errors: { ...ERRORS_404, ...KEPT_400 },
      async handle({ deps, params, body, audit }) {
        const role = await findChangeableRole(deps.store, params.id)
        const permissions = permissionsOf(body)
        await deps.store.roles.removePermissions(role.id, permissions)
        await audit.change({
          action: 'role.permissions_removed',
          description: 'Remove permissions from a role',
          details: { role_id: role.id, role_name: role.name, permissions: permissionLabels(permissions) },
        })
        return { status: 204 }
      },
    }),
    route({
      method: 'get',
      path: '/roles/:id/users',
      summary: "Get a role's users",
      scopes: ['read:users', 'read:roles', 'read:role_members'],
      params: idParams,
      query: usersQuery,
      answer: {
        status: 200,
        description: 'Offset paging: oldest assignment first. Checkpoint paging (from/take): the same order, with `next` while more remain.',
        schema: z.union([pagedSchema('users', roleUserSchema), checkpointSchema('users', roleUserSchema)]),
      },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const role = await findRole(deps.store, params.id)
        if (query.from !== undefined || query.take !== undefined) {
          const all = await everyPage((page) => deps.store.roles.listUsers(role.id, page))
          const page = checkpointPage('users', all, query.from, query.take ?? 50)
          return { status: 200, body: { ...page, users: await presentUsers(deps.store, page.users as string[]) } }
        }
        const ids = await deps.store.roles.listUsers(role.id, pageWindow(query))
        return pageAnswer('users', query, await presentUsers(deps.store, ids), () => deps.store.roles.countUsers(role.id))
      },
    }),
    route({
      method: 'post',
      path: '/roles/:id/users',
      summary: 'Assign users to a role',
      scopes: ['update:roles', 'create:role_members'],
      params: idParams,
      body: roleUsersBody,
      answer: { status: 200, description: 'Assigned (users who had the role keep it; Auth0 answers 200).' },
      errors: { 404: 'No such role or user (inexistent_role, inexistent_user).' },
      async handle({ deps, params, body, audit }) {
        const role = await findRole(deps.store, params.id)
        const users = await findUsers(deps.store, body.users)
        await deps.store.roles.assign(
          users.map((u) => u.id),
          [role.id],
          deps.clock.now(),
        )
        for (const user of users)
          await audit.change({ action: 'user.roles_assigned', description: 'Assign roles to a user', userId: user.id, details: { role_ids: [role.id], role_names: [role.name] } })
        return { status: 200 }
      },
    }),
  ],
}
