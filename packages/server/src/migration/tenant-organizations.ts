/**
 * Organizations from a tenant.yaml: matched by id when the export carries it (kept for a new one),
 * else by name; name, display name, branding and metadata through the Management API's mapping and
 * core's rules. Their enabled connections (the Deploy CLI's `connections`, by name) become exactly
 * those listed, with assign_membership_on_login and show_as_button; a connection that is neither
 * in Latchkey nor created by the file is left out with a reason. An organization whose entry has no
 * `connections` keeps its own (a new one gets the database connection). Members (which the Deploy
 * CLI does not export) are added when the file lists them and the users exist.
 */
import { createOrganization, isOrganizationId, type OrganizationRecord, updateOrganization } from '@latchkey/core'
import type { OrganizationConnectionInput, Store } from '@latchkey/storage'
import { recordAdminChange } from '../cli/audit.js'
import { ORGANIZATION_FIELD_NAMES, organizationInput, updateOrganizationBody } from '../management/mappings/organizations.js'
import type { PlanContext } from './tenant-plan.js'
import { changedFields, isEmptySetting, item, type LeftOut, orFail, parseLeavingOut, type PlanItem } from './tenant-items.js'
import type { OrganizationEntry } from './tenant-yaml.js'

const CARRIED = new Set(Object.keys(updateOrganizationBody.shape))

function organizationBody(entry: OrganizationEntry): { body: Record<string, unknown>; leftOut: LeftOut[] } {
  const body: Record<string, unknown> = {}
  const leftOut: LeftOut[] = []
  for (const [field, value] of Object.entries(entry)) {
    if (CARRIED.has(field)) body[field] = value
    else if (!['id', 'connections', 'members'].includes(field) && !isEmptySetting(value)) leftOut.push({ field, reason: 'Latchkey has no such organization setting' })
  }
  return { body, leftOut }
}

/** An enabled connection as the file wants it, with the connection's name. */
interface WantedConnection extends OrganizationConnectionInput {
  readonly name: string
}

/**
 * The connections the entry enables, by id (the names of those in Latchkey and of those the file
 * creates, `connectionNames`); undefined when it lists none. The others are left out with a reason.
 */
function wantedConnections(entry: OrganizationEntry, connectionNames: ReadonlyMap<string, string>, leftOut: LeftOut[]): WantedConnection[] | undefined {
  if (entry.connections === undefined) return undefined
  const ids = new Map([...connectionNames].map(([id, name]) => [name, id]))
  const wanted: WantedConnection[] = []
  for (const connection of entry.connections) {
    const name = connection.name ?? (connection.connection_id === undefined ? '' : (connectionNames.get(connection.connection_id) ?? connection.connection_id))
    const connectionId = ids.get(name)
    if (connectionId === undefined) {
      leftOut.push({ field: `connections: ${name}`, reason: 'no such connection: neither in Latchkey nor created by this file' })
      continue
    }
    if (connection.is_signup_enabled) leftOut.push({ field: `connections: ${name}: is_signup_enabled`, reason: 'Latchkey has no organization sign-up' })
    if (wanted.some((w) => w.connectionId === connectionId)) continue
    wanted.push({ connectionId, name, assignMembershipOnLogin: connection.assign_membership_on_login === true, showAsButton: connection.show_as_button !== false })
  }
  return wanted
}

interface ConnectionChanges {
  readonly enable: readonly WantedConnection[]
  readonly update: readonly WantedConnection[]
  readonly disable: readonly string[]
}

/** What makes the organization's enabled connections those wanted; null when they already are. */
async function connectionChanges(store: Store, orgId: string, wanted: readonly WantedConnection[] | undefined): Promise<ConnectionChanges | null> {
  if (wanted === undefined) return null
  const current = new Map((await store.organizations.listConnections(orgId)).map((c) => [c.connectionId, c]))
  const enable = wanted.filter((w) => !current.has(w.connectionId))
  const update = wanted.filter((w) => {
    const now = current.get(w.connectionId)
    return now !== undefined && (now.assignMembershipOnLogin !== w.assignMembershipOnLogin || now.showAsButton !== w.showAsButton)
  })
  const disable = [...current.keys()].filter((id) => !wanted.some((w) => w.connectionId === id))
  return enable.length + update.length + disable.length === 0 ? null : { enable, update, disable }
}

async function applyConnectionChanges(store: Store, org: OrganizationRecord, changes: ConnectionChanges): Promise<void> {
  const now = Date.now()
  for (const w of changes.enable) await store.organizations.enableConnection(org.id, w, now)
  for (const w of changes.update) await store.organizations.updateConnection(org.id, w.connectionId, { assignMembershipOnLogin: w.assignMembershipOnLogin, showAsButton: w.showAsButton })
  for (const id of changes.disable) await store.organizations.disableConnection(org.id, id)
  await recordAdminChange(store, {
    action: 'organization.connections_updated',
    details: { organization_id: org.id, name: org.name, enabled: changes.enable.map((w) => w.name), updated: changes.update.map((w) => w.name), disabled: [...changes.disable], source: 'tenant.yaml' },
  })
}

const memberId = (m: string | { user_id: string }): string => (typeof m === 'string' ? m : m.user_id)

export function planOrganization(ctx: PlanContext, entry: OrganizationEntry, store: Store): Promise<PlanItem> {
  return orFail(
    'organizations',
    entry.name,
    async () => {
      const { body: raw, leftOut: dropped } = organizationBody(entry)
      const { data: body, leftOut: refused } = parseLeavingOut(updateOrganizationBody, raw)
      const leftOut = [...dropped, ...refused]
      const wanted = wantedConnections(entry, ctx.connectionNames, leftOut)
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
            await s.organizations.insert(org, wanted)
            await recordAdminChange(s, { action: 'organization.created', details: { organization_id: org.id, name: org.name, source: 'tenant.yaml' } })
            await addMembers(s, org, members)
          },
        })
      }
      const next = updateOrganization(current, input, ctx.now)
      const fields = changedFields(current, next)
      if (members.length > 0) fields.push('members')
      const connections = await connectionChanges(store, current.id, wanted)
      if (connections) fields.push('connections')
      if (fields.length === 0) return item({ section: 'organizations', name: current.name, id: current.id, action: 'unchanged', leftOut })
      return item({
        section: 'organizations',
        name: next.name,
        id: current.id,
        action: 'update',
        changes: fields,
        leftOut,
        apply: async (s) => {
          const own = fields.filter((f) => f !== 'members' && f !== 'connections')
          if (own.length > 0) {
            const { id, createdAt: _createdAt, ...patch } = next
            await s.organizations.update(id, patch)
            await recordAdminChange(s, { action: 'organization.updated', details: { organization_id: id, name: next.name, fields: own, source: 'tenant.yaml' } })
          }
          if (connections) await applyConnectionChanges(s, current, connections)
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
