/**
 * Organizations for the tests, through the same core functions the CLI and the Management API use:
 * an organization, a member, an invitation (with its ticket and link).
 */
import {
  createInvitation,
  createOrganization,
  type ApplicationRecord,
  type InvitationInput,
  type OrganizationInput,
  type OrganizationRecord,
} from '@latchkey/core'
import type { Store } from '@latchkey/storage'

let count = 0

export async function addOrganization(store: Store, input: Partial<OrganizationInput> = {}): Promise<OrganizationRecord> {
  count += 1
  const org = createOrganization({ name: `acme-${count}-${Date.now().toString(36)}`, displayName: 'Acme Widgets', ...input }, Date.now())
  await store.organizations.insert(org)
  return org
}

export async function addMember(store: Store, org: OrganizationRecord, userId: string, roles: string[] = []): Promise<void> {
  await store.organizations.addMember(org.id, userId, roles, Date.now())
}

export async function invite(
  store: Store,
  org: OrganizationRecord,
  app: ApplicationRecord,
  input: Partial<InvitationInput> & { email: string },
  now = Date.now(),
): Promise<{ ticket: string; url: string; id: string }> {
  const { record, ticket, url } = createInvitation({ clientId: app.clientId, inviterName: 'Ada Admin', ...input }, org, app, now)
  await store.invitations.insert(record)
  return { ticket, url, id: record.id }
}
