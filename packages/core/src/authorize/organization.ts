/**
 * The `organization` and `invitation` parameters of /authorize, after the redirect URI is trusted.
 * The organization is named by id (`org_…`) or by name (case-insensitive), as Auth0 accepts both,
 * and must suit the app's organization usage. An invitation's ticket must belong to that
 * organization and this app and be neither used nor expired; its problems are shown on a page,
 * because the person holding the link, not the app, can act on them.
 */
import { AccessDenied, InvalidRequest, type OAuthError } from '../errors.js'
import { sha256 } from '../opaque.js'
import type { InvitationLookupPort, OrganizationLookupPort } from '../ports.js'
import type { ApplicationRecord, InvitationRecord, OrganizationRecord } from '../records.js'
import { isOrganizationId, isTicketShape, ORGANIZATION_NAME, organizationLabel } from '../registration/organizations.js'

export const NO_ORGANIZATION_FOUND = 'no organization found'
export const ORGANIZATION_REQUIRED = 'parameter organization is required for this client'
export const ORGANIZATIONS_NOT_USED = 'client is not configured to use organizations'
export const INVITATION_INVALID = 'This invitation link is not valid. Ask the person who invited you for a new one.'

export interface OrganizationLookups {
  readonly organizations: OrganizationLookupPort
  readonly invitations: InvitationLookupPort
}

export type OrganizationResolution =
  | { readonly kind: 'ok'; readonly organization: OrganizationRecord | null; readonly invitation: InvitationRecord | null }
  /** Back to the app, like any other error once the redirect URI is trusted. */
  | { readonly kind: 'redirect-error'; readonly error: OAuthError }
  /** The invitation cannot be used: a page for the person holding it. */
  | { readonly kind: 'page'; readonly error: OAuthError }

/** The organization an id or name names, or null. */
export async function findOrganization(organizations: OrganizationLookupPort, value: string): Promise<OrganizationRecord | null> {
  if (isOrganizationId(value)) return organizations.get(value)
  const name = value.trim().toLowerCase()
  return ORGANIZATION_NAME.test(name) ? organizations.findByName(name) : null
}

/** Auth0's wording for a user who is not a member of the organization they log in to. */
export function notAMember(userId: string, orgId: string): AccessDenied {
  return new AccessDenied(`user ${userId} is not part of the ${orgId} organization`)
}

export async function resolveOrganization(
  app: ApplicationRecord,
  organizationParam: string | undefined,
  invitationParam: string | undefined,
  lookups: OrganizationLookups,
  now: number,
): Promise<OrganizationResolution> {
  const fail = (error: OAuthError): OrganizationResolution => ({ kind: 'redirect-error', error })
  if (organizationParam === undefined || organizationParam === '') {
    if (invitationParam !== undefined) return fail(new InvalidRequest('parameter organization is required with invitation'))
    if (app.organizationUsage === 'require' && app.organizationRequireBehavior === 'no_prompt') return fail(new InvalidRequest(ORGANIZATION_REQUIRED))
    return { kind: 'ok', organization: null, invitation: null }
  }
  if (app.organizationUsage === 'deny') return fail(new InvalidRequest(ORGANIZATIONS_NOT_USED))
  const organization = await findOrganization(lookups.organizations, organizationParam)
  if (!organization) return fail(new InvalidRequest(NO_ORGANIZATION_FOUND))
  if (invitationParam === undefined) return { kind: 'ok', organization, invitation: null }

  const page = (description: string): OrganizationResolution => ({ kind: 'page', error: new InvalidRequest(description) })
  const invitation = isTicketShape(invitationParam) ? await lookups.invitations.findByTicketHash(sha256(invitationParam)) : null
  if (!invitation || invitation.orgId !== organization.id || invitation.clientId !== app.clientId) return page(INVITATION_INVALID)
  if (invitation.consumedAt !== null)
    return page(`This invitation has already been accepted. Log in to ${organizationLabel(organization)} from the application instead.`)
  if (invitation.expiresAt <= now) return page(`This invitation has expired. Ask ${invitation.inviterName} for a new one.`)
  return { kind: 'ok', organization, invitation }
}
