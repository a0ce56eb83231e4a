/** Registering roles and the permissions given to roles and users, in Auth0's shapes and limits. */
import { z } from 'zod'
import { randomAlphanumeric } from '../opaque.js'
import type { ApiRecord, Permission, RoleRecord } from '../records.js'
import { parseInput, RegistrationError } from '../registration/applications.js'

export const newRoleId = (): string => `rol_${randomAlphanumeric(16)}`
export const isRoleId = (value: string): boolean => /^rol_[A-Za-z0-9]{1,64}$/.test(value)

/** The most permissions or roles one request may add or remove (Auth0 takes batches too). */
export const MAX_BATCH = 1000

export const roleInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(100, 'name must be at most 100 characters'),
  description: z.string().trim().max(140, 'description must be at most 140 characters').optional(),
})
export type RoleInput = z.input<typeof roleInput>

function checkName(name: string): string {
  if (/\p{Cc}/u.test(name)) throw new RegistrationError('name must not contain control characters')
  return name
}

export function createRole(input: RoleInput, now: number): RoleRecord {
  const data = parseInput(roleInput, input)
  return { id: newRoleId(), name: checkName(data.name), description: data.description ?? '', createdAt: now, updatedAt: now }
}

export function updateRole(current: RoleRecord, input: Partial<RoleInput>, now: number): RoleRecord {
  const data = parseInput(roleInput.partial(), input)
  return {
    ...current,
    name: data.name !== undefined ? checkName(data.name) : current.name,
    description: data.description ?? current.description,
    updatedAt: now,
  }
}

/**
 * Permissions as given: each names an API by its identifier and one of that API's scopes; duplicates
 * dropped. `apis` finds an API by identifier. Refused whole when any is unknown, as Auth0 does.
 */
export async function checkPermissions(
  permissions: readonly Permission[],
  apis: { findByIdentifier(identifier: string): Promise<ApiRecord | null> },
): Promise<Permission[]> {
  if (permissions.length === 0) throw new RegistrationError('permissions must not be empty')
  if (permissions.length > MAX_BATCH) throw new RegistrationError(`at most ${MAX_BATCH} permissions at once`)
  const found = new Map<string, ApiRecord | null>()
  const unique = new Map<string, Permission>()
  for (const p of permissions) {
    if (!found.has(p.apiIdentifier)) found.set(p.apiIdentifier, await apis.findByIdentifier(p.apiIdentifier))
    const api = found.get(p.apiIdentifier)
    if (!api) throw new RegistrationError(`resource server not found: ${JSON.stringify(p.apiIdentifier.slice(0, 600))}`)
    if (api.isSystem) throw new RegistrationError(`${api.name}'s scopes are not given through roles`)
    if (!api.scopes.some((s) => s.value === p.name)) {
      throw new RegistrationError(`permission ${JSON.stringify(p.name.slice(0, 280))} is not a scope of ${api.identifier}`)
    }
    unique.set(`${p.apiIdentifier}\u0000${p.name}`, p)
  }
  return [...unique.values()]
}
