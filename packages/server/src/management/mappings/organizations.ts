/**
 * Auth0's organization, member, invitation and enabled-connection fields ↔ Latchkey's records. The
 * zod schemas check shapes and describe the wire format (they feed the OpenAPI document); the rules
 * (names, branding, metadata, invitation lifetimes and links) stay in @latchkey/core's
 * registration, which the CLI uses too. The answers come from organizations/shape.ts, shared with
 * `latchkey orgs --json`. Latchkey has one connection, so enabled connections are that one, always
 * enabled, and never assigns membership on login.
 */
import type { OrganizationInput } from '@latchkey/core'
import { z } from 'zod'
import { CONNECTION_NAME, LEGACY_CONNECTION_ID, brandingInput, namesDatabaseConnection } from '../../organizations/shape.js'
import { badRequest } from '../errors.js'
import { defined } from './shape.js'

const COLOR = z.string().max(20)

const brandingIn = z
  .strictObject({
    logo_url: z.string().max(2000).optional().describe('https URL of the logo.'),
    colors: z.strictObject({ primary: COLOR.optional(), page_background: COLOR.optional() }).optional().describe('Colors as #rrggbb.'),
  })
  .describe('Logo and colors.')

const metadataIn = z.record(z.string(), z.string().nullable()).describe('Up to 25 string values; on update, null removes a key.')

const enabledConnectionIn = z.strictObject({
  connection_id: z.string().max(100).describe(`The database connection (${CONNECTION_NAME}): its id, as GET /api/v2/connections shows it (${LEGACY_CONNECTION_ID} or the name accepted too).`),
  assign_membership_on_login: z.boolean().optional().describe('Latchkey never adds members on login: false only.'),
  show_as_button: z.boolean().optional(),
  is_signup_enabled: z.boolean().optional(),
})

export const createOrganizationBody = z
  .strictObject({
    name: z.string().max(100).describe('Unique: 3–50 lower-case letters, digits, - or _ (the name /authorize takes).'),
    display_name: z.string().max(255).optional().describe('The name the login page shows.'),
    branding: brandingIn.optional(),
    metadata: metadataIn.optional(),
    enabled_connections: z.array(enabledConnectionIn).max(10).optional().describe(`Only the database connection (${CONNECTION_NAME}), always enabled.`),
  })
  .describe('A new organization.')

export const updateOrganizationBody = z
  .strictObject({
    name: z.string().max(100).optional(),
    display_name: z.string().max(255).optional().describe('An empty string clears it.'),
    branding: brandingIn.nullable().optional().describe('Replaces the branding; null removes it.'),
    metadata: metadataIn.optional(),
  })
  .describe('The fields to change.')

export type CreateOrganizationBody = z.output<typeof createOrganizationBody>
export type UpdateOrganizationBody = z.output<typeof updateOrganizationBody>

export const organizationSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    display_name: z.string().optional(),
    branding: z.object({ logo_url: z.string().optional(), colors: z.object({ primary: z.string().optional(), page_background: z.string().optional() }).optional() }).optional(),
    metadata: z.record(z.string(), z.string()),
  })
  .describe('An organization.')

export const memberSchema = z
  .object({
    user_id: z.string(),
    email: z.string().optional(),
    name: z.string().optional(),
    picture: z.string().optional(),
    roles: z.array(z.object({ id: z.string(), name: z.string() })).describe('The roles the member has there (those that exist).'),
  })
  .describe('A member of an organization.')

export const invitationSchema = z
  .object({
    id: z.string(),
    organization_id: z.string(),
    inviter: z.object({ name: z.string() }),
    invitee: z.object({ email: z.string() }),
    invitation_url: z.string().optional().describe('Only in the answer that created it: Latchkey keeps only a hash of the ticket.'),
    ticket_id: z.string().optional().describe('Only in the answer that created it.'),
    created_at: z.string(),
    expires_at: z.string(),
    client_id: z.string(),
    connection_id: z.string(),
    roles: z.array(z.string()).describe('Ids of the roles the invitee gets on joining.'),
  })
  .describe('An invitation to join an organization.')

export const createInvitationBody = z
  .strictObject({
    inviter: z.strictObject({ name: z.string().max(300) }).describe('Who invites, as the invitee sees it.'),
    invitee: z.strictObject({ email: z.string().max(254) }).describe("The invitee's email address."),
    client_id: z.string().max(256).describe('The application the link opens (its initiate_login_uri, or its first callback\'s origin).'),
    connection_id: z.string().max(100).optional().describe(`Only the database connection (${CONNECTION_NAME}).`),
    ttl_sec: z.number().int().min(0).max(2_592_000).optional().describe('Lifetime in seconds; 0 or absent: 7 days; at most 30 days.'),
    roles: z.array(z.string().max(100)).max(50).optional().describe('Ids of roles (rol_…) the invitee gets on joining; each must exist.'),
    send_invitation_email: z.boolean().optional().describe('Email the invitation (the user_invitation template, through the outbox); by default when email can be sent (Auth0: true).'),
    app_metadata: z.record(z.string(), z.unknown()).optional(),
    user_metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('A new invitation. The answer carries the invitation_url; send_invitation_email (by default, where email can be sent) emails it too.')

export type CreateInvitationBody = z.output<typeof createInvitationBody>

export const membersBody = z.strictObject({ members: z.array(z.string().min(1).max(256)).min(1).max(10) }).describe('User ids (at most 10).')
export const rolesBody = z.strictObject({ roles: z.array(z.string().min(1).max(100)).min(1).max(50) }).describe('Role ids (rol_…).')

export const enabledConnectionSchema = z
  .object({
    connection_id: z.string(),
    assign_membership_on_login: z.boolean(),
    show_as_button: z.boolean(),
    is_signup_enabled: z.boolean(),
    connection: z.object({ name: z.string(), strategy: z.string() }),
  })
  .describe('A connection enabled for an organization.')

export const addConnectionBody = enabledConnectionIn.describe(`Enables the database connection (${CONNECTION_NAME}; it always is).`)
export const updateConnectionBody = enabledConnectionIn.omit({ connection_id: true }).describe('Only assign_membership_on_login: false is possible.')

/** Core's field paths → the Management API's, for messages from the registration rules. */
export const ORGANIZATION_FIELD_NAMES: Readonly<Record<string, string>> = {
  name: 'name',
  displayName: 'display_name',
  'branding.logoUrl': 'branding.logo_url',
  'branding.primaryColor': 'branding.colors.primary',
  'branding.pageBackgroundColor': 'branding.colors.page_background',
  metadata: 'metadata',
  email: 'invitee.email',
  clientId: 'client_id',
  inviterName: 'inviter.name',
  ttlSeconds: 'ttl_sec',
  roles: 'roles',
}

/** The database connection (an organization's only one), named by its id (`databaseId`), the old fixed id or its name. */
export function checkConnectionId(id: string | undefined, databaseId: string): void {
  if (id !== undefined && !namesDatabaseConnection(id, databaseId))
    throw badRequest(
      `Payload validation error: unknown connection ${JSON.stringify(id.slice(0, 100))}: an organization's connection is the database connection, ${databaseId} (${CONNECTION_NAME}).`,
    )
}

/** What an enabled connection may say: Latchkey's own, and never membership on login. */
export function checkEnabledConnection(body: { connection_id?: string | undefined; assign_membership_on_login?: boolean | undefined }, databaseId: string): void {
  checkConnectionId(body.connection_id, databaseId)
  if (body.assign_membership_on_login)
    throw badRequest('Payload validation error: Latchkey does not add members on login: assign_membership_on_login must be false (add members, or invite them).')
}

/** The database connection as an organization's enabled connection; `databaseId` from databaseConnectionId. */
export function enabledConnectionBody(databaseId: string) {
  return { connection_id: databaseId, assign_membership_on_login: false, show_as_button: true, is_signup_enabled: false, connection: { name: CONNECTION_NAME, strategy: 'auth0' } }
}

/** The Auth0 body → the input of @latchkey/core's createOrganization / updateOrganization. */
export function organizationInput(body: UpdateOrganizationBody): Partial<OrganizationInput> {
  return defined({
    name: body.name,
    displayName: body.display_name,
    branding: brandingInput(body.branding),
    metadata: body.metadata,
  }) as Partial<OrganizationInput>
}
