/**
 * Organizations, members and invitations in Auth0's Management API shape (snake_case, ISO times),
 * shared by `latchkey orgs --json` and the Management API. Latchkey keeps only an invitation
 * ticket's hash, so `invitation_url` and `ticket_id` appear once, in the answer that created it.
 */
import type { InvitationRecord, OrganizationBranding, OrganizationMemberRecord, OrganizationRecord, RoleRecord, UserRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'

/** The database connection: an organization's enabled connection, and the one invitations name. */
export const CONNECTION_NAME = 'Username-Password-Authentication'
/**
 * The fixed id older releases answered for the database connection, before it was a record; still
 * accepted where a request names the connection. Answers carry the record's real id.
 */
export const LEGACY_CONNECTION_ID = 'con_UsernamePassword'

/** The record's id per store: it cannot be renamed or deleted, so it never changes. */
const databaseIds = new WeakMap<Store, string>()

/** The id of the database connection record (`Username-Password-Authentication`), as `GET /api/v2/connections` shows it. */
export async function databaseConnectionId(store: Store): Promise<string> {
  const known = databaseIds.get(store)
  if (known !== undefined) return known
  const record = await store.connections.findByName(CONNECTION_NAME)
  // Every migrated database has it; the fixed id only for a store that somehow does not.
  if (!record) return LEGACY_CONNECTION_ID
  databaseIds.set(store, record.id)
  return record.id
}

/** Whether a request's connection id names the database connection: its id, the old fixed id, or its name. */
export function namesDatabaseConnection(ref: string, databaseId: string): boolean {
  return ref === databaseId || ref === LEGACY_CONNECTION_ID || ref === CONNECTION_NAME
}

const iso = (ms: number): string => new Date(ms).toISOString()

export interface Auth0Branding {
  logo_url?: string
  colors?: { primary?: string; page_background?: string }
}

export function brandingBody(branding: OrganizationBranding | null): Auth0Branding | undefined {
  if (!branding) return undefined
  const colors = {
    ...(branding.primaryColor ? { primary: branding.primaryColor } : {}),
    ...(branding.pageBackgroundColor ? { page_background: branding.pageBackgroundColor } : {}),
  }
  return { ...(branding.logoUrl ? { logo_url: branding.logoUrl } : {}), ...(Object.keys(colors).length ? { colors } : {}) }
}

/** Auth0's branding object as @latchkey/core's input. */
export function brandingInput(body: Auth0Branding | null | undefined): OrganizationBranding | null | undefined {
  if (body === undefined || body === null) return body
  return {
    ...(body.logo_url !== undefined ? { logoUrl: body.logo_url } : {}),
    ...(body.colors?.primary !== undefined ? { primaryColor: body.colors.primary } : {}),
    ...(body.colors?.page_background !== undefined ? { pageBackgroundColor: body.colors.page_background } : {}),
  }
}

export function organizationBody(org: OrganizationRecord) {
  const branding = brandingBody(org.branding)
  return {
    id: org.id,
    name: org.name,
    ...(org.displayName !== null ? { display_name: org.displayName } : {}),
    ...(branding ? { branding } : {}),
    metadata: { ...org.metadata },
  }
}

/**
 * Auth0's member object. A member's roles are role ids: with `roles` (the role records by id, from
 * memberRoles) they are `{id, name}` of the roles that exist, those since deleted left out; without
 * it, the ids alone stand for the names.
 */
export function memberBody(member: OrganizationMemberRecord, user: UserRecord | null, roles?: ReadonlyMap<string, RoleRecord>) {
  return {
    user_id: member.userId,
    ...(user ? { email: user.email, name: user.name ?? user.email, ...(user.picture ? { picture: user.picture } : {}) } : {}),
    roles: roles
      ? member.roles.flatMap((id) => {
          const role = roles.get(id)
          return role ? [{ id: role.id, name: role.name }] : []
        })
      : member.roles.map((role) => ({ id: role, name: role })),
  }
}

/** The role records the members name, by id (for memberBody): one query. */
export async function memberRoles(store: Store, members: readonly OrganizationMemberRecord[]): Promise<Map<string, RoleRecord>> {
  const ids = [...new Set(members.flatMap((m) => m.roles))]
  return new Map((await store.roles.getMany(ids)).map((role) => [role.id, role]))
}

export type InvitationStatus = 'pending' | 'accepted' | 'expired'

export function invitationStatus(invitation: InvitationRecord, now: number): InvitationStatus {
  if (invitation.consumedAt !== null) return 'accepted'
  return invitation.expiresAt <= now ? 'expired' : 'pending'
}

/**
 * Auth0's invitation object; `connectionId` is the database connection's (databaseConnectionId);
 * `created` adds the link and ticket, which exist only at creation.
 */
export function invitationBody(invitation: InvitationRecord, connectionId: string, created?: { readonly url: string; readonly ticket: string }) {
  return {
    id: invitation.id,
    organization_id: invitation.orgId,
    inviter: { name: invitation.inviterName },
    invitee: { email: invitation.inviteeEmail },
    ...(created ? { invitation_url: created.url, ticket_id: created.ticket } : {}),
    created_at: iso(invitation.createdAt),
    expires_at: iso(invitation.expiresAt),
    client_id: invitation.clientId,
    connection_id: connectionId,
    roles: [...invitation.roles],
  }
}
