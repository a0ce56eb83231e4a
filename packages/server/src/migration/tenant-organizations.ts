/**
 * Organizations from a tenant.yaml: matched by id when the export carries it (kept for a new one),
 * else by name; name, display name, branding and metadata through the Management API's mapping and
 * core's rules. Latchkey's organizations log in through the database connection, always enabled:
 * other connections, and assigning membership on login, are left out with a reason. Members (which
 * the Deploy CLI does not export) are added when the file lists them and the users exist.
 */
import { createOrganization, isOrganizationId, type OrganizationRecord, updateOrganization } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { recordAdminChange } from '../cli/audit.js'
import { ORGANIZATION_FIELD_NAMES, organizationInput, updateOrganizationBody } from '../management/mappings/organizations.js'
import { CONNECTION_NAME } from '../organizations/shape.js'
import type { PlanContext } from './tenant-plan.js'
import { changedFields, isEmptySetting, item, type LeftOut, orFail, parseLeavingOut, type PlanItem } from './tenant-items.js'
import type { OrganizationEntry } from './tenant-yaml.js'

const CARRIED = new Set(Object.keys(updateOrganizationBody.shape))

function organizationBody(entry: OrganizationEntry, connectionNames: ReadonlyMap<string, string>): { body: Record<string, unknown>; leftOut: LeftOut[] } {
  const body: Record<string, unknown> = {}
  const leftOut: LeftOut[] = []
  for (const [field, value] of Object.entries(entry)) {
    if (CARRIED.has(field)) body[field] = value
    else if (!['id', 'connections', 'members'].includes(field) && !isEmptySetting(value)) leftOut.push({ field, reason: 'Latchkey has no such organization setting' })
  }
  for (const connection of entry.connections ?? []) {
    const name = connection.name ?? (connection.connection_id === undefined ? '' : (connectionNames.get(connection.connection_id) ?? connection.connection_id))
    if (name !== CONNECTION_NAME) leftOut.push({ field: `connections: ${name}`, reason: `organizations log in through the database connection (${CONNECTION_NAME}) in Latchkey` })
    else if (connection.assign_membership_on_login) leftOut.push({ field: `connections: ${name}: assign_membership_on_login`, reason: 'Latchkey never adds members on login: add them, or invite them' })
  }
  return { body, leftOut }
}

const memberId = (m: string | { user_id: string }): string => (typeof m === 'string' ? m : m.user_id)

export function planOrganization(ctx: PlanContext, entry: OrganizationEntry, store: Store): Promise<PlanItem> {
  return orFail(
    'organizations',
    entry.name,
    async () => {
      const { body: raw, leftOut: dropped } = organizationBody(entry, ctx.connectionNames)
      const { data: body, leftOut: refused } = parseLeavingOut(updateOrganizationBody, raw)
      const leftOut = [...dropped, ...refused]
      const input = organizationInput(body)
      const current = (entry.id !== undefined ? await store.organizations.get(entry.id) : null) ?? (await store.organizations.findByName(entry.name))
      const members = await membersToAdd(store, current, (entry.members ?? []).map(memberId), leftOut)
      if (!current) {
        const created = createOrganization({ ...input, name: entry.name }, ctx.now)
        const org = entry.id !== undefined && isOrganizationId(entry.id) ? { ...created, id: entry.id } : created
        return item({
          section: 'organizations',
          name: org.name,
          id: org.id,
          action: 'create',
          leftOut,
          apply: async (s) => {
            await s.organizations.insert(org)
            await recordAdminChange(s, { action: 'organization.created', details: { organization_id: org.id, name: org.name, source: 'tenant.yaml' } })
            await addMembers(s, org, members)
          },
        })
      }
      const next = updateOrganization(current, input, ctx.now)
      const fields = changedFields(current, next)
      if (members.length > 0) fields.push('members')
      if (fields.length === 0) return item({ section: 'organizations', name: current.name, id: current.id, action: 'unchanged', leftOut })
      return item({
        section: 'organizations',
        name: next.name,
        id: current.id,
        action: 'update',
        changes: fields,
        leftOut,
        apply: async (s) => {
          if (fields.some((f) => f !== 'members')) {
            const { id, createdAt: _createdAt, ...patch } = next
            await s.organizations.update(id, patch)
            await recordAdminChange(s, { action: 'organization.updated', details: { organization_id: id, name: next.name, fields: fields.filter((f) => f !== 'members'), source: 'tenant.yaml' } })
          }
          await addMembers(s, current, members)
        },
      })
    },
    ORGANIZATION_FIELD_NAMES,
  )
}

/** The listed members that exist and are not members yet; the others are left out with a reason. */
async function membersToAdd(store: Store, org: OrganizationRecord | null, userIds: readonly string[], leftOut: LeftOut[]): Promise<string[]> {
  const add: string[] = []
  for (const userId of new Set(userIds)) {
    if (!(await store.users.get(userId))) leftOut.push({ field: `members: ${userId}`, reason: 'no such user: import the users first (latchkey import users), then import the tenant again' })
    else if (!org || !(await store.organizations.isMember(org.id, userId))) add.push(userId)
  }
  return add
}

async function addMembers(store: Store, org: OrganizationRecord, userIds: readonly string[]): Promise<void> {
  for (const userId of userIds) {
    const { added } = await store.organizations.addMember(org.id, userId, [], Date.now())
    if (added) await recordAdminChange(store, { action: 'organization.member_added', userId, details: { organization_id: org.id, name: org.name, source: 'tenant.yaml' } })
  }
}
