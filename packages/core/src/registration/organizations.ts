/**
 * Registering organizations and inviting people to them, for the CLI and the Management API: input
 * validated once here (Auth0's rules for names, display names, branding and metadata), complete
 * records back. An invitation's ticket is returned once, for its link; the record keeps its SHA-256.
 */
import { z } from 'zod'
import { emailField } from '../email.js'
import { randomAlphanumeric, randomToken, sha256 } from '../opaque.js'
import type { ApplicationRecord, InvitationRecord, OrganizationBranding, OrganizationRecord } from '../records.js'
import { originOf } from '../redirect-uri.js'
import { parseInput, RegistrationError } from './applications.js'
import { mergeMetadata } from './metadata.js'

/** Auth0's rule, plus: a name never looks like an id, so `organization=` at /authorize is unambiguous. */
export const ORGANIZATION_NAME = /^[a-z0-9][a-z0-9_-]{1,48}[a-z0-9]$/
const NAME_RULE = 'name must be 3–50 lower-case letters, digits, "-" or "_", starting and ending with a letter or digit'
const COLOR = /^#[0-9a-fA-F]{6}$/
export const MAX_METADATA_KEYS = 25
export const DEFAULT_INVITATION_TTL_SECONDS = 7 * 86_400
export const MAX_INVITATION_TTL_SECONDS = 30 * 86_400
export const MAX_ROLES = 50

export const newOrganizationId = (): string => `org_${randomAlphanumeric(16)}`
export const newInvitationId = (): string => `uinv_${randomAlphanumeric(16)}`
export const isOrganizationId = (value: string): boolean => /^org_[A-Za-z0-9]{1,64}$/.test(value)

const https = (what: string) =>
  z
    .string()
    .trim()
    .max(2000)
    .refine((v) => {
      try {
        return new URL(v).protocol === 'https:'
      } catch {
        return false
      }
    }, `${what} must be an https URL`)

/** An empty string counts as absent, which removes a branding field. */
const blankIsAbsent = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional())

export const brandingInput = z
  .object({
    logoUrl: blankIsAbsent(https('the logo URL')),
    primaryColor: blankIsAbsent(z.string().regex(COLOR, 'the primary color must look like #0059d6')),
    pageBackgroundColor: blankIsAbsent(z.string().regex(COLOR, 'the page background color must look like #000000')),
  })
  .strict()

export const organizationInput = z.object({
  name: z.string().trim().min(1, 'name is required').max(50, NAME_RULE),
  displayName: z.string().trim().max(255, 'display_name must be at most 255 characters').optional(),
  branding: brandingInput.nullable().optional(),
  metadata: z.record(z.string().max(255), z.string().max(255, 'metadata values must be at most 255 characters').nullable()).optional(),
})
export type OrganizationInput = z.input<typeof organizationInput>

function checkName(name: string): string {
  if (!ORGANIZATION_NAME.test(name)) throw new RegistrationError(NAME_RULE)
  if (name.startsWith('org_')) throw new RegistrationError('name must not start with "org_" (that is how organization ids start)')
  return name
}

function cleanBranding(branding: OrganizationBranding | null | undefined): OrganizationBranding | null {
  if (!branding) return null
  const out = Object.fromEntries(Object.entries(branding).filter(([, v]) => v !== undefined && v !== '')) as OrganizationBranding
  return Object.keys(out).length ? out : null
}


export function createOrganization(input: OrganizationInput, now: number): OrganizationRecord {
  const data = parseInput(organizationInput, input)
  return {
    id: newOrganizationId(),
    name: checkName(data.name),
    displayName: data.displayName || null,
    branding: cleanBranding(data.branding),
    metadata: mergeMetadata({}, data.metadata, MAX_METADATA_KEYS),
    createdAt: now,
    updatedAt: now,
  }
}

/** A partial update; a new name follows the same rules. An empty display name clears it. */
export function updateOrganization(current: OrganizationRecord, input: Partial<OrganizationInput>, now: number): OrganizationRecord {
  const data = parseInput(organizationInput.partial(), input)
  return {
    ...current,
    name: data.name === undefined ? current.name : checkName(data.name),
    displayName: data.displayName === undefined ? current.displayName : data.displayName || null,
    branding: data.branding === undefined ? current.branding : cleanBranding(data.branding),
    metadata: data.metadata === undefined ? current.metadata : mergeMetadata(current.metadata, data.metadata, MAX_METADATA_KEYS),
    updatedAt: now,
  }
}

/** What the login page calls the organization. */
export function organizationLabel(org: OrganizationRecord): string {
  return org.displayName ?? org.name
}

/** Role names given to members: 1–100 printable characters each, at most 50, duplicates dropped. */
export function checkRoles(roles: readonly string[] | undefined): string[] {
  const unique = [...new Set((roles ?? []).map((r) => r.trim()).filter((r) => r !== ''))]
  if (unique.length > MAX_ROLES) throw new RegistrationError(`at most ${MAX_ROLES} roles`)
  for (const role of unique) {
    if (role.length > 100 || /[\p{Cc},]/u.test(role)) throw new RegistrationError(`invalid role ${JSON.stringify(role.slice(0, 100))}: 1–100 printable characters, no commas`)
  }
  return unique
}

export const invitationInput = z.object({
  email: emailField('invitee email must be a valid address'),
  clientId: z.string().trim().min(1, 'client_id is required').max(256),
  inviterName: z.string().trim().min(1, 'inviter name is required').max(300),
  roles: z.array(z.string()).max(MAX_ROLES).optional(),
  /** Seconds; 0 or absent: 7 days, as Auth0. */
  ttlSeconds: z.number().int().min(0).max(MAX_INVITATION_TTL_SECONDS, `ttl must be at most ${MAX_INVITATION_TTL_SECONDS} seconds (30 days)`).optional(),
})
export type InvitationInput = z.input<typeof invitationInput>

/**
 * Where the app's invitation links point: its `initiate_login_uri`, else its first callback's origin
 * (Auth0 requires the login URI; the fallback suits single-page apps served from their origin).
 */
export function invitationLoginUri(app: ApplicationRecord): string {
  if (app.initiateLoginUri !== null) return app.initiateLoginUri
  const first = app.callbacks[0]
  const origin = first === undefined ? null : originOf(first)
  if (origin === null)
    throw new RegistrationError(`application ${app.clientId} has no login URI for invitation links: set its initiate_login_uri (--initiate-login-uri)`)
  return `${origin}/`
}

/** `{login URI}?invitation={ticket}&organization={org_id}&organization_name={name}`, as Auth0's links. */
export function invitationUrl(app: ApplicationRecord, org: OrganizationRecord, ticket: string): string {
  const url = new URL(invitationLoginUri(app))
  url.searchParams.set('invitation', ticket)
  url.searchParams.set('organization', org.id)
  url.searchParams.set('organization_name', org.name)
  return url.href
}

/**
 * A new invitation to `org` through `app`, and its ticket (shown once, in the link). The app must be
 * one people log in to with organizations (usage `allow` or `require`).
 */
export function createInvitation(
  input: InvitationInput,
  org: OrganizationRecord,
  app: ApplicationRecord,
  now: number,
): { record: InvitationRecord; ticket: string; url: string } {
  const data = parseInput(invitationInput, input)
  if (!app.grantTypes.includes('authorization_code'))
    throw new RegistrationError(`application ${app.clientId} has no login (it does not use the authorization_code grant)`)
  if (app.organizationUsage === 'deny')
    throw new RegistrationError(`application ${app.clientId} does not use organizations: set its organization_usage to allow or require`)
  const ticket = randomToken(24)
  const url = invitationUrl(app, org, ticket)
  const ttl = data.ttlSeconds || DEFAULT_INVITATION_TTL_SECONDS
  return {
    ticket,
    url,
    record: {
      id: newInvitationId(),
      orgId: org.id,
      clientId: app.clientId,
      inviterName: data.inviterName,
      inviteeEmail: data.email,
      roles: checkRoles(data.roles),
      ticketHash: sha256(ticket),
      createdAt: now,
      expiresAt: now + ttl * 1000,
      consumedAt: null,
    },
  }
}

/** A ticket as the app passes it back: the base64url of 24 random bytes. */
export function isTicketShape(value: string): boolean {
  return /^[A-Za-z0-9_-]{16,128}$/.test(value)
}
