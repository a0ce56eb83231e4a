/**
 * The Roles and Organizations pages' forms as Management API bodies, and back. Pure, like forms.ts:
 * the pages hold strings and booleans; these say what is wrong before a request is sent, and the
 * API's own messages are shown for the rest.
 */
import type { FieldErrors } from './forms.js'

export interface RoleForm {
  name: string
  description: string
}

/** The body of POST /roles, or PATCH /roles/{id}. */
export function roleBody(form: RoleForm): { body: { name: string; description: string } } | { errors: FieldErrors } {
  const errors: FieldErrors = {}
  const name = form.name.trim()
  if (name === '') errors.name = 'Give the role a name.'
  const description = form.description.trim()
  if (description.length > 140) errors.description = 'At most 140 characters.'
  if (Object.keys(errors).length > 0) return { errors }
  return { body: { name, description } }
}

export interface OrganizationForm {
  name: string
  display_name: string
  logo_url: string
  primary: string
  page_background: string
  /** `key=value`, one a line. */
  metadata: string
}

export interface OrganizationLike {
  readonly name: string
  readonly display_name?: string
  readonly branding?: { readonly logo_url?: string; readonly colors?: { readonly primary?: string; readonly page_background?: string } }
  readonly metadata?: Readonly<Record<string, string>>
}

export function newOrganizationForm(): OrganizationForm {
  return { name: '', display_name: '', logo_url: '', primary: '', page_background: '', metadata: '' }
}

export function organizationFormOf(org: OrganizationLike): OrganizationForm {
  return {
    name: org.name,
    display_name: org.display_name ?? '',
    logo_url: org.branding?.logo_url ?? '',
    primary: org.branding?.colors?.primary ?? '',
    page_background: org.branding?.colors?.page_background ?? '',
    metadata: Object.entries(org.metadata ?? {})
      .map(([key, value]) => `${key}=${value}`)
      .join('\n'),
  }
}

const COLOR = /^#[0-9a-fA-F]{6}$/
/** Auth0's organization names: what `organization=` at /authorize takes. */
const ORG_NAME = /^[a-z0-9][a-z0-9_-]{1,48}[a-z0-9]$/

/** `key=value` lines as a record; the first line that is not one is an error. */
export function metadataOf(text: string): { metadata: Record<string, string> } | { error: string } {
  const metadata: Record<string, string> = {}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '') continue
    const equals = line.indexOf('=')
    if (equals <= 0) return { error: `One key=value a line: ${line}` }
    metadata[line.slice(0, equals).trim()] = line.slice(equals + 1).trim()
  }
  if (Object.keys(metadata).length > 25) return { error: 'At most 25 keys.' }
  return { metadata }
}

/**
 * The body of POST /organizations, or PATCH /organizations/{id} when `current` is the organization
 * as it is: then a blank display name clears it, no branding removes it (null), and a key taken out
 * of the metadata is removed (null), as Auth0's PATCH reads them.
 */
export function organizationBody(form: OrganizationForm, current?: OrganizationLike): { body: Record<string, unknown> } | { errors: FieldErrors } {
  const errors: FieldErrors = {}
  const name = form.name.trim()
  if (!ORG_NAME.test(name)) errors.name = '3 to 50 lower-case letters, digits, - or _, starting and ending with a letter or digit (people may type it at login).'
  const logo = form.logo_url.trim()
  if (logo !== '') {
    let https = false
    try {
      https = new URL(logo).protocol === 'https:'
    } catch {
      https = false
    }
    if (!https) errors.logo_url = 'An https URL, e.g. https://example.com/logo.png.'
  }
  const primary = form.primary.trim()
  if (primary !== '' && !COLOR.test(primary)) errors.primary = 'A color as #rrggbb, e.g. #0059d6.'
  const background = form.page_background.trim()
  if (background !== '' && !COLOR.test(background)) errors.page_background = 'A color as #rrggbb, e.g. #000000.'
  const parsed = metadataOf(form.metadata)
  if ('error' in parsed) errors.metadata = parsed.error
  if (Object.keys(errors).length > 0 || 'error' in parsed) return { errors }
  const colors = { ...(primary !== '' ? { primary } : {}), ...(background !== '' ? { page_background: background } : {}) }
  const branding = logo !== '' || Object.keys(colors).length > 0 ? { ...(logo !== '' ? { logo_url: logo } : {}), ...(Object.keys(colors).length > 0 ? { colors } : {}) } : null
  const displayName = form.display_name.trim()
  const body: Record<string, unknown> = { name }
  if (current === undefined) {
    if (displayName !== '') body.display_name = displayName
    if (branding !== null) body.branding = branding
    if (Object.keys(parsed.metadata).length > 0) body.metadata = parsed.metadata
    return { body }
  }
  body.display_name = displayName
  body.branding = branding
  const metadata: Record<string, string | null> = { ...parsed.metadata }
  for (const key of Object.keys(current.metadata ?? {})) if (!(key in metadata)) metadata[key] = null
  if (Object.keys(metadata).length > 0) body.metadata = metadata
  return { body }
}

export interface InvitationForm {
  inviter: string
  email: string
  client_id: string
  connection_id: string
  roles: string[]
  ttl_days: string
  send_email: boolean
}

export function newInvitationForm(inviter = ''): InvitationForm {
  return { inviter, email: '', client_id: '', connection_id: '', roles: [], ttl_days: '7', send_email: false }
}

/** The body of POST /organizations/{id}/invitations. The lifetime is asked in days, sent in seconds (at most 30 days). */
export function invitationBody(form: InvitationForm): { body: Record<string, unknown> } | { errors: FieldErrors } {
  const errors: FieldErrors = {}
  const inviter = form.inviter.trim()
  if (inviter === '') errors.inviter = 'Who invites, as the invitee will read it.'
  const email = form.email.trim()
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) errors.email = 'An email address, like jane@example.com.'
  if (form.client_id === '') errors.client_id = 'Choose the application the invitation opens.'
  const days = form.ttl_days.trim()
  if (days !== '' && (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > 30)) errors.ttl_days = 'A whole number of days, from 1 to 30.'
  if (Object.keys(errors).length > 0) return { errors }
  const body: Record<string, unknown> = {
    inviter: { name: inviter },
    invitee: { email },
    client_id: form.client_id,
    send_invitation_email: form.send_email,
  }
  if (form.connection_id !== '') body.connection_id = form.connection_id
  if (form.roles.length > 0) body.roles = [...form.roles]
  if (days !== '') body.ttl_sec = Number(days) * 86_400
  return { body }
}
