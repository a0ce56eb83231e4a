/**
 * APIs (resource servers) and roles from a tenant.yaml. An API keeps its identifier (the audience
 * every token names); its fields go through the Management API's mapping (mappings/resource-servers.ts)
 * and core's rules. Auth0's own Management API is skipped: Latchkey has its own. A role is matched
 * by name; its permissions become the file's (added and removed), each a scope of an API.
 */
import { type ApiRecord, checkPermissions, createApi, createRole, type Permission, type RoleRecord, updateApi, updateRole } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { recordAdminChange } from '../cli/audit.js'
import { listAll } from '../cli/run.js'
import { apiInput, RESOURCE_SERVER_FIELD_NAMES, updateResourceServerBody } from '../management/mappings/resource-servers.js'
import type { PlanContext } from './tenant-plan.js'
import { changedFields, isEmptySetting, item, type LeftOut, orFail, parseLeavingOut, type PlanItem, skip } from './tenant-items.js'
import type { ResourceServerEntry, RoleEntry } from './tenant-yaml.js'

const AUTH0_MANAGEMENT_API = /^https:\/\/[^/]+\/api\/v2\/?$/
const HARMLESS = new Set(['id', 'identifier', 'is_system', 'signing_secret', 'client'])
const CARRIED = new Set(Object.keys(updateResourceServerBody.shape))
const REASONS: Readonly<Record<string, string>> = {
  token_encryption: 'access-token encryption (JWE) is not supported',
  consent_policy: 'transactional consent is not supported',
  authorization_details: 'rich authorization requests are not supported',
  proof_of_possession: 'required proof of possession per API is not supported (DPoP is accepted for every API)',
  verificationLocation: 'verificationLocation is not supported',
  subject_type_authorization: 'subject-type authorization is not supported',
  options: 'API options are not supported',
}

function apiBody(entry: ResourceServerEntry): { body: Record<string, unknown>; leftOut: LeftOut[] } {
  const body: Record<string, unknown> = {}
  const leftOut: LeftOut[] = []
  for (const [field, value] of Object.entries(entry)) {
    if (CARRIED.has(field)) body[field] = value
    else if (!HARMLESS.has(field) && !isEmptySetting(value)) leftOut.push({ field, reason: REASONS[field] ?? 'Latchkey has no such API setting' })
  }
  const lifetime = body.token_lifetime
  if (body.token_lifetime_for_web !== undefined && lifetime !== undefined && body.token_lifetime_for_web !== lifetime) {
    leftOut.push({ field: 'token_lifetime_for_web', reason: `Latchkey issues one access-token lifetime per API: token_lifetime (${lifetime} s) applies to browser applications too` })
    delete body.token_lifetime_for_web
  }
  return { body, leftOut }
}

export function planApi(ctx: PlanContext, entry: ResourceServerEntry, store: Store): Promise<PlanItem> {
  const name = entry.name ?? entry.identifier
  return orFail(
    'resourceServers',
    name,
    async () => {
      if (AUTH0_MANAGEMENT_API.test(entry.identifier)) return skip('resourceServers', name, "Auth0's Management API: Latchkey has its own, at its issuer's /api/v2/")
      const { body: raw, leftOut: dropped } = apiBody(entry)
      const { data: body, leftOut: refused } = parseLeavingOut(updateResourceServerBody, raw)
      const leftOut = [...dropped, ...refused]
      const current = await store.apis.findByIdentifier(entry.identifier)
      if (current?.isSystem) return skip('resourceServers', name, "Latchkey's own Management API cannot be changed")
      if (!current) {
        const input = apiInput(body)
        const api = createApi({ ...input, name: body.name ?? entry.identifier, identifier: entry.identifier }, ctx.now)
        ctx.apis.set(api.identifier, api)
        return item({
          section: 'resourceServers',
          name: api.name,
          id: api.id,
          action: 'create',
          leftOut,
          apply: async (s) => {
            await s.apis.insert(api)
            await recordAdminChange(s, { action: 'api.created', details: { api_id: api.id, identifier: api.identifier, name: api.name, source: 'tenant.yaml' } })
          },
        })
      }
      const next = updateApi(current, apiInput(body, current), ctx.now)
      ctx.apis.set(next.identifier, next)
      const fields = changedFields(current, next)
      if (fields.length === 0) return item({ section: 'resourceServers', name: current.name, id: current.id, action: 'unchanged', leftOut })
      return item({
        section: 'resourceServers',
        name: next.name,
        id: next.id,
        action: 'update',
        changes: fields,
        leftOut,
        apply: async (s) => {
          const { id, identifier: _identifier, createdAt: _createdAt, ...patch } = next
          await s.apis.update(id, patch)
          await recordAdminChange(s, { action: 'api.updated', details: { api_id: id, identifier: next.identifier, name: next.name, fields, source: 'tenant.yaml' } })
        },
      })
    },
    RESOURCE_SERVER_FIELD_NAMES,
  )
}

const key = (p: Permission) => `${p.apiIdentifier}\u0000${p.name}`
const label = (p: Permission) => `${p.apiIdentifier} ${p.name}`

export function planRole(ctx: PlanContext, entry: RoleEntry, store: Store): Promise<PlanItem> {
  return orFail('roles', entry.name, async () => {
    const wanted = (entry.permissions ?? []).map((p) => ({ apiIdentifier: p.resource_server_identifier, name: p.permission_name }))
    const apis = { findByIdentifier: async (identifier: string): Promise<ApiRecord | null> => ctx.apis.get(identifier) ?? (await store.apis.findByIdentifier(identifier)) }
    const permissions = wanted.length > 0 ? await checkPermissions(wanted, apis) : []
    const current = await store.roles.findByName(entry.name)
    const input = { name: entry.name, ...(entry.description !== undefined ? { description: entry.description } : {}) }
    if (!current) {
      const role = createRole(input, ctx.now)
      return item({
        section: 'roles',
        name: role.name,
        id: role.id,
        action: 'create',
        apply: async (s) => {
          await s.roles.insert(role)
          await recordAdminChange(s, { action: 'role.created', details: { role_id: role.id, name: role.name, source: 'tenant.yaml' } })
          if (permissions.length > 0) await addPermissions(s, role, permissions)
        },
      })
    }
    const next = updateRole(current, input, ctx.now)
    const fields = changedFields(current, next)
    const have = await listAll((page) => store.roles.listPermissions(current.id, page))
    const wantedKeys = new Set(permissions.map(key))
    const haveKeys = new Set(have.map(key))
    const added = permissions.filter((p) => !haveKeys.has(key(p)))
    const removed = have.filter((p) => !wantedKeys.has(key(p)))
    if (added.length > 0 || removed.length > 0) fields.push('permissions')
    if (fields.length === 0) return item({ section: 'roles', name: current.name, id: current.id, action: 'unchanged' })
    return item({
      section: 'roles',
      name: current.name,
      id: current.id,
      action: 'update',
      changes: fields,
      apply: async (s) => {
        if (fields.some((f) => f !== 'permissions')) {
          await s.roles.update(current.id, { name: next.name, description: next.description, updatedAt: next.updatedAt })
          await recordAdminChange(s, { action: 'role.updated', details: { role_id: current.id, name: next.name, fields: fields.filter((f) => f !== 'permissions'), source: 'tenant.yaml' } })
        }
        if (added.length > 0) await addPermissions(s, current, added)
        if (removed.length > 0) {
          await s.roles.removePermissions(current.id, removed)
          await recordAdminChange(s, { action: 'role.permissions_removed', details: { role_id: current.id, name: current.name, permissions: removed.map(label), source: 'tenant.yaml' } })
        }
      },
    })
  })
}

async function addPermissions(store: Store, role: RoleRecord, permissions: readonly Permission[]): Promise<void> {
  await store.roles.addPermissions(role.id, permissions, Date.now())
  await recordAdminChange(store, { action: 'role.permissions_added', details: { role_id: role.id, name: role.name, permissions: permissions.map(label), source: 'tenant.yaml' } })
}
