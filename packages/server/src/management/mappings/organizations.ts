/**
 * Auth0's organization, member, invitation and enabled-connection fields ↔ Latchkey's records. The
 * zod schemas check shapes and describe the wire format (they feed the OpenAPI document); the rules
 * (names, branding, metadata, invitation lifetimes and links) stay in @latchkey/core's
 * registration, which the CLI uses too. The answers come from organizations/shape.ts, shared with
 * `latchkey orgs --json`. An enabled connection is named by its id (the database connection also
 * by its old fixed id or its name); Latchkey has no organization sign-up, so `is_signup_enabled` is
 * false.
 */
import type { OrganizationInput } from '@latchkey/core'
import type { OrganizationConnection, OrganizationConnectionInput, Store } from '@latchkey/storage'
import { z } from 'zod'
import { CONNECTION_NAME, LEGACY_CONNECTION_ID, brandingInput, databaseConnectionId, namesDatabaseConnection } from '../../organizations/shape.js'
import { badRequest, notFound } from '../errors.js'
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
  connection_id: z.string().max(100).describe(`The connection's id, as GET /api/v2/connections shows it (for the database connection, ${LEGACY_CONNECTION_ID} or ${CONNECTION_NAME} accepted too).`),
  assign_membership_on_login: z.boolean().optional().describe('A user who logs in to the organization through it and is not a member becomes one (false by default).'),
  show_as_button: z.boolean().optional().describe('The login page shows it as a button (true by default); otherwise only home-realm discovery or `connection=` reach it.'),
  is_signup_enabled: z.boolean().optional().describe('Latchkey has no organization sign-up: false only.'),
})

export const createOrganizationBody = z
  .strictObject({
    name: z.string().max(100).describe('Unique: 3–50 lower-case letters, digits, - or _ (the name /authorize takes).'),
    display_name: z.string().max(255).optional().describe('The name the login page shows.'),
    branding: brandingIn.optional(),
    metadata: metadataIn.optional(),
    enabled_connections: z.array(enabledConnectionIn).max(10).optional().describe(`The connections enabled for it. Absent: the database connection (${CONNECTION_NAME}), as Latchkey always had it; [] for none.`),
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

export const addConnectionBody = enabledConnectionIn.describe('The connection to enable, and how.')
export const updateConnectionBody = enabledConnectionIn.omit({ connection_id: true }).describe('The settings to change.')

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

/** An invitation's connection: the database connection, named by its id (`databaseId`), the old fixed id or its name. */
export function checkConnectionId(id: string | undefined, databaseId: string): void {
  if (id !== undefined && !namesDatabaseConnection(id, databaseId))
    throw badRequest(
      `Payload validation error: unknown connection ${JSON.stringify(id.slice(0, 100))}: an invitation's connection is the database connection, ${databaseId} (${CONNECTION_NAME}).`,
    )
}

export const CONNECTION_NOT_FOUND = () => notFound('No connection found by that id.', 'inexistent_connection')

/** Only false: Latchkey has no organization sign-up. */
export function checkSignup(body: { is_signup_enabled?: boolean | undefined }): void {
  if (body.is_signup_enabled) throw badRequest('Payload validation error: Latchkey has no organization sign-up: is_signup_enabled must be false.')
}

/** The id of the connection a request names (the database connection also by its old id or name); null when there is none. */
export async function connectionIdOf(store: Store, ref: string): Promise<string | null> {
  const databaseId = await databaseConnectionId(store)
  if (namesDatabaseConnection(ref, databaseId)) return databaseId
  return (await store.connections.get(ref))?.id ?? null
}

/** An enabled connection of the API's body, as the store takes it (defaults: no membership on login, shown as a button). */
export async function connectionInput(store: Store, body: z.output<typeof enabledConnectionIn>, missing: (ref: string) => Error): Promise<OrganizationConnectionInput> {
  checkSignup(body)
  const connectionId = await connectionIdOf(store, body.connection_id)
  if (connectionId === null) throw missing(body.connection_id)
  return { connectionId, assignMembershipOnLogin: body.assign_membership_on_login ?? false, showAsButton: body.show_as_button ?? true }
}

/** Auth0's enabled connection. */
export function enabledConnectionBody(enabled: OrganizationConnection) {
  return {
    connection_id: enabled.connectionId,
    assign_membership_on_login: enabled.assignMembershipOnLogin,
    show_as_button: enabled.showAsButton,
    is_signup_enabled: false,
    connection: { name: enabled.connection.name, strategy: enabled.connection.strategy },
  }
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
