/**
 * Auth0's role, permission and role-user fields ↔ Latchkey's RoleRecord, Permission and
 * UserPermission. Shapes here; the rules (names, descriptions, which permissions exist) stay in
 * @latchkey/core (authorization/roles.ts). A permission is presented with its API's name and the
 * scope's description, read from the API as it is now: a permission whose API or scope was since
 * removed keeps its identifier as the name and an empty description.
 */
import { type ApiRecord, MAX_ROLE_BATCH, type Permission, type PermissionSource, type RoleRecord, type UserPermission, type UserRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { z } from 'zod'

export const roleSchema = z.object({ id: z.string(), name: z.string(), description: z.string() }).describe('A role.')

export const createRoleBody = z
  .strictObject({
    name: z.string().max(200).describe('Unique among roles; 1–100 characters.'),
    description: z.string().max(500).optional().describe('At most 140 characters.'),
  })
  .describe('A new role, without permissions.')

export const updateRoleBody = z
  .strictObject({ name: createRoleBody.shape.name.optional(), description: createRoleBody.shape.description })
  .describe('The fields to change.')

const permissionIn = z.strictObject({
  resource_server_identifier: z.string().min(1).max(600).describe('The API\'s identifier (audience).'),
  permission_name: z.string().min(1).max(280).describe('One of the API\'s scopes.'),
})

export const permissionsBody = z
  .strictObject({ permissions: z.array(permissionIn).min(1).max(MAX_ROLE_BATCH) })
  .describe(`Permissions: pairs of resource_server_identifier and permission_name (at most ${MAX_ROLE_BATCH}).`)

export const permissionSchema = z
  .object({ resource_server_identifier: z.string(), permission_name: z.string(), resource_server_name: z.string(), description: z.string() })
  .describe('A permission: a scope of an API.')

const sourceSchema = z.object({
  source_id: z.string().describe('The role\'s id; empty for a direct permission.'),
  source_name: z.string().describe('The role\'s name; empty for a direct permission.'),
  source_type: z.enum(['DIRECT', 'ROLE']),
})

export const userPermissionSchema = permissionSchema
  .extend({ sources: z.array(sourceSchema).describe('Where the user has it from: given directly, and each role that gives it.') })
  .describe('A permission a user has.')

export const roleUserSchema = z
  .object({ user_id: z.string(), email: z.string().optional(), name: z.string().optional(), picture: z.string().optional() })
  .describe('A user who has the role.')

export const roleUsersBody = z.strictObject({ users: z.array(z.string().min(1).max(256)).min(1).max(MAX_ROLE_BATCH) }).describe('The user_ids to give the role.')
export const roleIdsBody = z.strictObject({ roles: z.array(z.string().min(1).max(100)).min(1).max(MAX_ROLE_BATCH) }).describe('Role ids (rol_…).')

export type PermissionsBody = z.output<typeof permissionsBody>

/** Core's field paths → the Management API's, for messages from the registration rules. */
export const ROLE_FIELD_NAMES: Readonly<Record<string, string>> = { name: 'name', description: 'description' }

export function presentRole(role: RoleRecord): z.output<typeof roleSchema> {
  return { id: role.id, name: role.name, description: role.description }
}

export function presentRoleUser(userId: string, user: UserRecord | null): z.output<typeof roleUserSchema> {
  if (!user) return { user_id: userId }
  return { user_id: user.id, email: user.email, name: user.name ?? user.email, ...(user.picture ? { picture: user.picture } : {}) }
}

/** The body's permissions as core's. */
export function permissionsOf(body: PermissionsBody): Permission[] {
  return body.permissions.map((p) => ({ apiIdentifier: p.resource_server_identifier, name: p.permission_name }))
}

/** Permissions with their API's name and the scope's description (one lookup per API). */
export async function presentPermissions(store: Store, permissions: readonly Permission[]): Promise<z.output<typeof permissionSchema>[]> {
  const apis = new Map<string, Promise<ApiRecord | null>>()
  const apiOf = (identifier: string) => {
    let found = apis.get(identifier)
    if (!found) {
      found = store.apis.findByIdentifier(identifier)
      apis.set(identifier, found)
    }
    return found
  }
  return Promise.all(
    permissions.map(async (p) => {
      const api = await apiOf(p.apiIdentifier)
      return {
        resource_server_identifier: p.apiIdentifier,
        permission_name: p.name,
        resource_server_name: api?.name ?? p.apiIdentifier,
        description: api?.scopes.find((s) => s.value === p.name)?.description ?? '',
      }
    }),
  )
}

const sourceBody = (source: PermissionSource): z.output<typeof sourceSchema> =>
  source.type === 'DIRECT' ? { source_id: '', source_name: '', source_type: 'DIRECT' } : { source_id: source.roleId, source_name: source.roleName, source_type: 'ROLE' }

export async function presentUserPermissions(store: Store, permissions: readonly UserPermission[]): Promise<z.output<typeof userPermissionSchema>[]> {
  const presented = await presentPermissions(store, permissions)
  return presented.map((p, i) => ({ ...p, sources: (permissions[i]?.sources ?? []).map(sourceBody) }))
}

/** `https://api.example.com/ read:x`: a permission as the audit log records it. */
export const permissionLabels = (permissions: readonly Permission[]): string[] => permissions.map((p) => `${p.apiIdentifier} ${p.name}`)
