/**
 * Organizations, members and invitations in Auth0's Management API shape (snake_case, ISO times),
 * shared by `latchkey orgs --json` and the Management API. Latchkey keeps only an invitation
 * ticket's hash, so `invitation_url` and `ticket_id` appear once, in the answer that created it.
 */
import type { InvitationRecord, OrganizationBranding, OrganizationMemberRecord, OrganizationRecord, UserRecord } from '@latchkey/core'

/** The only connection Latchkey has, and its id in Management API answers. */
export const CONNECTION_NAME = 'Username-Password-Authentication'
export const CONNECTION_ID = 'con_UsernamePassword'

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

export function memberBody(member: OrganizationMemberRecord, user: UserRecord | null) {
  return {
    user_id: member.userId,
    ...(user ? { email: user.email, name: user.name ?? user.email, ...(user.picture ? { picture: user.picture } : {}) } : {}),
    roles: member.roles.map((role) => ({ id: role, name: role })),
  }
}

export type InvitationStatus = 'pending' | 'accepted' | 'expired'

export function invitationStatus(invitation: InvitationRecord, now: number): InvitationStatus {
  if (invitation.consumedAt !== null) return 'accepted'
  return invitation.expiresAt <= now ? 'expired' : 'pending'
}

/** Auth0's invitation object; `created` adds the link and ticket, which exist only at creation. */
export function invitationBody(invitation: InvitationRecord, created?: { readonly url: string; readonly ticket: string }) {
  return {
    id: invitation.id,
    organization_id: invitation.orgId,
    inviter: { name: invitation.inviterName },
    invitee: { email: invitation.inviteeEmail },
    ...(created ? { invitation_url: created.url, ticket_id: created.ticket } : {}),
    created_at: iso(invitation.createdAt),
    expires_at: iso(invitation.expiresAt),
    client_id: invitation.clientId,
    connection_id: CONNECTION_ID,
    roles: [...invitation.roles],
  }
}
