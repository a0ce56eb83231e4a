/**
 * /users/{id}/roles and /users/{id}/permissions, as Auth0's Management API serves them: the roles a
 * user has outside organizations (a member's roles within one are on the membership:
 * organization-members.ts), the permissions given to them directly, and every permission they have
 * all told, each with its sources. Every change goes to the audit log.
 */
import { checkPermissions } from '@latchkey/core'
import { z } from 'zod'
import { permissionLabels, permissionsBody, permissionsOf, presentRole, presentUserPermissions, roleIdsBody, roleSchema, userPermissionSchema } from '../mappings/roles.js'
import { pageAnswer, pagedSchema, pageWindow } from '../paging.js'
import { pagingParams } from '../query.js'
import { type Resource, route } from '../route.js'
import { findRoles } from './roles.js'
import { findUser } from './users.js'

const idParams = z.strictObject({ id: z.string().min(1).max(256).describe('The user_id (auth0|…), URL-encoded.') })
const listQuery = z.strictObject(pagingParams)
const ERRORS_404 = { 404: 'No such user (inexistent_user).' }

export const userRoles: Resource = {
  tag: 'user-roles',
  description: "A user's roles and permissions outside organizations.",
  routes: [
    route({
      method: 'get',
      path: '/users/:id/roles',
      summary: "List a user's roles",
      scopes: ['read:users', 'read:roles', 'read:role_members'],
      params: idParams,
      query: listQuery,
      answer: { status: 200, description: 'The roles, by name.', schema: pagedSchema('roles', roleSchema) },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const user = await findUser(deps.store, params.id)
        const rows = await deps.store.roles.listForUser(user.id, pageWindow(query))
        return pageAnswer('roles', query, rows.map(presentRole), () => deps.store.roles.countForUser(user.id))
      },
    }),
    route({
      method: 'post',
      path: '/users/:id/roles',
      summary: 'Assign roles to a user',
      scopes: ['update:users', 'create:role_members'],
      params: idParams,
      body: roleIdsBody,
      answer: { status: 204, description: 'Assigned (roles the user had stay).' },
      errors: { 404: 'No such user or role (inexistent_user, inexistent_role).' },
      async handle({ deps, params, body, audit }) {
        const user = await findUser(deps.store, params.id)
        const roles = await findRoles(deps.store, body.roles, 404)
        await deps.store.roles.assign(
          [user.id],
          roles.map((r) => r.id),
          deps.clock.now(),
        )
        await audit.change({
          action: 'user.roles_assigned',
          description: 'Assign roles to a user',
          userId: user.id,
          details: { role_ids: roles.map((r) => r.id), role_names: roles.map((r) => r.name) },
        })
        return { status: 204 }
      },
    }),
    route({
      method: 'delete',
      path: '/users/:id/roles',
      summary: 'Remove roles from a user',
      scopes: ['update:users', 'delete:role_members'],
      params: idParams,
      body: roleIdsBody,
      answer: { status: 204, description: 'Removed (roles the user did not have are ignored).' },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const user = await findUser(deps.store, params.id)
        const roleIds = [...new Set(body.roles)]
        await deps.store.roles.unassign(user.id, roleIds)
        await audit.change({ action: 'user.roles_removed', description: 'Remove roles from a user', userId: user.id, details: { role_ids: roleIds } })
        return { status: 204 }
      },
    }),
    route({
      method: 'get',
      path: '/users/:id/permissions',
      summary: "List a user's permissions",
      scopes: ['read:users'],
      params: idParams,
      query: listQuery,
      answer: {
        status: 200,
        description: 'Every permission the user has, given directly or through a role, once each with its sources; by API identifier, then name.',
        schema: pagedSchema('permissions', userPermissionSchema),
      },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const user = await findUser(deps.store, params.id)
        const rows = await deps.store.permissions.listForUser(user.id, pageWindow(query))
        return pageAnswer('permissions', query, await presentUserPermissions(deps.store, rows), () => deps.store.permissions.countForUser(user.id))
      },
    }),
    route({
      method: 'post',
      path: '/users/:id/permissions',
      summary: 'Assign permissions to a user',
      scopes: ['update:users'],
      params: idParams,
      body: permissionsBody,
      answer: { status: 201, description: 'Assigned (permissions the user was given already stay; Auth0 answers 201).' },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const user = await findUser(deps.store, params.id)
        const permissions = await checkPermissions(permissionsOf(body), deps.store.apis)
        await deps.store.permissions.add(user.id, permissions, deps.clock.now())
        await audit.change({ action: 'user.permissions_added', description: 'Assign permissions to a user', userId: user.id, details: { permissions: permissionLabels(permissions) } })
        return { status: 201 }
      },
    }),
    route({
      method: 'delete',
      path: '/users/:id/permissions',
      summary: 'Remove permissions from a user',
      scopes: ['update:users'],
      params: idParams,
      body: permissionsBody,
      answer: { status: 204, description: 'Removed (only permissions given directly; those of roles stay with the roles).' },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const user = await findUser(deps.store, params.id)
        const permissions = permissionsOf(body)
        await deps.store.permissions.remove(user.id, permissions)
        await audit.change({ action: 'user.permissions_removed', description: 'Remove permissions from a user', userId: user.id, details: { permissions: permissionLabels(permissions) } })
        return { status: 204 }
      },
    }),
  ],
}
