/**
 * The organization side of a login in progress: which organization the pages name, the invitation
 * being accepted (its invitee's email is the only one that may log in or sign up with it), and the
 * acceptance itself: the invitation consumed once and the user made a member with its roles, in one
 * transaction, so a ticket never makes two members and never is spent without making one.
 */
import {
  type AuthorizationRequest,
  type InteractionRecord,
  type InvitationRecord,
  OAuthError,
  type OrganizationMemberRecord,
  type OrganizationRecord,
  organizationLabel,
  type UserRecord,
} from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { showError } from './flow.js'
import { loginConnectionId, organizationConnection } from './organization-access.js'

export interface OrganizationContext {
  readonly organization: OrganizationRecord | null
  /** The invitation being accepted, as it is now (it may have been used or revoked since /authorize). */
  readonly invitation: InvitationRecord | null
  /** What the pages call the organization. */
  readonly label: string | null
}

/** The invitation can no longer be accepted: a page, never a redirect. */
export class InvitationGone extends OAuthError {
  constructor() {
    super('invalid_request', 'This invitation has already been accepted, has expired or was revoked. Ask the person who invited you for a new one.', 400)
  }
}

export async function organizationContext(deps: Deps, request: AuthorizationRequest): Promise<OrganizationContext> {
  const organization = request.organization === null ? null : await deps.store.organizations.get(request.organization)
  const invitation = request.invitation === null ? null : await deps.store.invitations.get(request.invitation)
  if (request.invitation !== null && (!invitation || invitation.consumedAt !== null || invitation.expiresAt <= deps.clock.now())) throw new InvitationGone()
  return { organization, invitation, label: organization ? organizationLabel(organization) : null }
}

export interface Accepted {
  readonly invitation: InvitationRecord
  readonly member: OrganizationMemberRecord
  readonly added: boolean
}

/**
 * Consumes the invitation and makes `userId` a member with its roles, on `tx` (the caller's
 * transaction). Throws InvitationGone when another request consumed it first or it expired.
 */
export async function acceptInvitation(tx: Store, invitationId: string, userId: string, now: number): Promise<Accepted> {
  const invitation = await tx.invitations.consume(invitationId, now)
  if (!invitation) throw new InvitationGone()
  const { member, added } = await tx.organizations.addMember(invitation.orgId, userId, invitation.roles, now)
  return { invitation, member, added }
}

/**
 * The invitation step of every way of logging in (password, passkey, connection): accepts it for the
 * user in a transaction of its own, or, when it is gone meanwhile, ends the interaction and answers
 * with the error page. The caller returns a Response as it is and passes Accepted on to completeLogin.
 *
 * A login through a connection the organization does not use accepts nothing (null): completeLogin
 * then refuses it, and the invitation stays unspent for a login that may use it.
 */
export async function acceptAtLogin(
  c: Context,
  deps: Deps,
  interaction: InteractionRecord,
  invitationId: string,
  user: Pick<UserRecord, 'id' | 'connection'>,
  upstreamConnectionId: string | null,
): Promise<Accepted | Response | null> {
  const orgId = interaction.request.organization
  if (orgId !== null && !(await organizationConnection(deps, orgId, await loginConnectionId(deps, user, upstreamConnectionId)))) return null
  try {
    return await deps.store.transaction((tx) => acceptInvitation(tx, invitationId, user.id, deps.clock.now()))
  } catch (err) {
    if (!(err instanceof InvitationGone)) throw err
    await deps.store.interactions.take(interaction.id, interaction.step, deps.clock.now())
    return showError(c, err)
  }
}

/** The audit events of an accepted invitation. */
export async function recordAcceptance(c: Context, deps: Deps, accepted: Accepted, user: UserRecord): Promise<void> {
  const { invitation, member, added } = accepted
  const details = { user_name: user.email, org_id: invitation.orgId, invitation_id: invitation.id, roles: [...member.roles] }
  deps.log.info({ client_id: invitation.clientId, user_id: user.id, org_id: invitation.orgId }, 'invitation accepted')
  await deps.audit.record(c, { type: 'invitation_accepted', clientId: invitation.clientId, userId: user.id, details })
  if (added) await deps.audit.record(c, { type: 'organization_member_added', clientId: invitation.clientId, userId: user.id, details: { ...details, via: 'invitation' } })
}
