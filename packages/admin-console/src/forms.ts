/**
 * Form values to Management API bodies, and back. Pure: the pages hold strings and booleans, these
 * functions turn them into Auth0's shapes (lists one a line, lifetimes as integers) and say what is
 * wrong before a request is sent. The API still validates; its messages are shown as they come.
 */

export const APP_TYPES = [
  { value: 'spa', label: 'Single-page app' },
  { value: 'native', label: 'Native' },
  { value: 'regular_web', label: 'Regular web app' },
  { value: 'non_interactive', label: 'Machine to machine' },
] as const
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const
export const SIGNING_ALGS = ['RS256', 'ES256', 'EdDSA'] as const
export const TOKEN_DIALECTS = ['access_token', 'access_token_authz', 'rfc9068_profile', 'rfc9068_profile_authz'] as const

export type FieldErrors = Record<string, string>

export interface ApplicationForm {
  name: string
  app_type: string
  callbacks: string
  allowed_logout_urls: string
  web_origins: string
  grant_types: string[]
  rotation_type: 'rotating' | 'non-rotating'
  token_lifetime: string
  idle_token_lifetime: string
  organization_usage: 'deny' | 'allow' | 'require'
  organization_require_behavior: 'no_prompt' | 'pre_login_prompt'
}

export interface ApiForm {
  name: string
  identifier: string
  scopes: string
  allow_offline_access: boolean
  token_lifetime: string
  signing_alg: string
  enforce_policies: boolean
  token_dialect: string
}

/** One entry a line (or separated by commas), blanks dropped. */
export function lines(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

function seconds(text: string, field: string, errors: FieldErrors, min = 1): number | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < min) {
    errors[field] = `A whole number of seconds, at least ${min}.`
    return undefined
  }
  return Number(trimmed)
}

function urlList(text: string, field: string, errors: FieldErrors, originsOnly = false): string[] {
  const values = lines(text)
  for (const value of values) {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      errors[field] = `Not a URL: ${value}`
      return values
    }
    if (originsOnly && url.origin !== value.replace(/\/$/, '')) {
      errors[field] = `An origin is scheme://host[:port], without a path: ${value}`
      return values
    }
  }
  return values
}

export function newApplicationForm(appType = 'spa'): ApplicationForm {
  const interactive = appType !== 'non_interactive'
  return {
    name: '',
    app_type: appType,
    callbacks: '',
    allowed_logout_urls: '',
    web_origins: '',
    grant_types: interactive ? ['authorization_code', 'refresh_token'] : ['client_credentials'],
    rotation_type: appType === 'spa' || appType === 'native' ? 'rotating' : 'non-rotating',
    token_lifetime: '2592000',
    idle_token_lifetime: '1296000',
    organization_usage: 'deny',
    organization_require_behavior: 'no_prompt',
  }
}

export interface ClientLike {
  readonly name: string
  readonly app_type: string
  readonly callbacks?: readonly string[]
  readonly allowed_logout_urls?: readonly string[]
  readonly web_origins?: readonly string[]
  readonly grant_types?: readonly string[]
  readonly refresh_token?: { readonly rotation_type?: string; readonly token_lifetime?: number; readonly idle_token_lifetime?: number }
  readonly organization_usage?: string
  readonly organization_require_behavior?: string
}

export function applicationFormOf(client: ClientLike): ApplicationForm {
  return {
    name: client.name,
    app_type: client.app_type,
    callbacks: (client.callbacks ?? []).join('\n'),
    allowed_logout_urls: (client.allowed_logout_urls ?? []).join('\n'),
    web_origins: (client.web_origins ?? []).join('\n'),
    grant_types: [...(client.grant_types ?? [])],
    rotation_type: client.refresh_token?.rotation_type === 'rotating' ? 'rotating' : 'non-rotating',
    token_lifetime: String(client.refresh_token?.token_lifetime ?? ''),
    idle_token_lifetime: String(client.refresh_token?.idle_token_lifetime ?? ''),
    organization_usage: client.organization_usage === 'allow' || client.organization_usage === 'require' ? client.organization_usage : 'deny',
    organization_require_behavior: client.organization_require_behavior === 'pre_login_prompt' ? 'pre_login_prompt' : 'no_prompt',
  }
}

/**
 * The body of POST /clients (or PATCH /clients/{id} when `editing`: app_type cannot change).
 * Returns the errors instead when the form is not sendable.
 */
export function applicationBody(form: ApplicationForm, editing = false): { body: Record<string, unknown> } | { errors: FieldErrors } {
  const errors: FieldErrors = {}
  const name = form.name.trim()
  if (name === '') errors.name = 'Give the application a name.'
  const callbacks = urlList(form.callbacks, 'callbacks', errors)
  const logoutUrls = urlList(form.allowed_logout_urls, 'allowed_logout_urls', errors)
  const webOrigins = urlList(form.web_origins, 'web_origins', errors, true)
  if (form.grant_types.length === 0) errors.grant_types = 'Choose at least one grant type.'
  if (form.grant_types.includes('authorization_code') && callbacks.length === 0)
    errors.callbacks = errors.callbacks ?? 'The Authorization Code grant needs at least one callback URL.'
  const rotating = form.rotation_type === 'rotating'
  const tokenLifetime = seconds(form.token_lifetime, 'token_lifetime', errors, 60)
  const idleLifetime = seconds(form.idle_token_lifetime, 'idle_token_lifetime', errors, 60)
  if (rotating && tokenLifetime === undefined && errors.token_lifetime === undefined)
    errors.token_lifetime = 'Rotating refresh tokens expire: give their lifetime.'
  if (Object.keys(errors).length > 0) return { errors }
  const refreshToken: Record<string, unknown> = { rotation_type: form.rotation_type, expiration_type: rotating || tokenLifetime !== undefined ? 'expiring' : 'non-expiring' }
  if (tokenLifetime !== undefined) refreshToken.token_lifetime = tokenLifetime
  if (idleLifetime !== undefined) refreshToken.idle_token_lifetime = idleLifetime
  const body: Record<string, unknown> = {
    name,
    callbacks,
    allowed_logout_urls: logoutUrls,
    web_origins: webOrigins,
    grant_types: [...form.grant_types],
    refresh_token: refreshToken,
    organization_usage: form.organization_usage,
  }
  if (form.organization_usage === 'require') body.organization_require_behavior = form.organization_require_behavior
  if (!editing) body.app_type = form.app_type
  return { body }
}

export function newApiForm(): ApiForm {
  return {
    name: '',
    identifier: '',
    scopes: '',
    allow_offline_access: false,
    token_lifetime: '86400',
    signing_alg: 'RS256',
    enforce_policies: false,
    token_dialect: 'access_token',
  }
}

export interface ResourceServerLike {
  readonly name: string
  readonly identifier: string
  readonly scopes?: readonly { readonly value: string; readonly description?: string }[]
  readonly allow_offline_access?: boolean
  readonly token_lifetime?: number
  readonly signing_alg?: string
  readonly enforce_policies?: boolean
  readonly token_dialect?: string
}

export function apiFormOf(api: ResourceServerLike): ApiForm {
  return {
    name: api.name,
    identifier: api.identifier,
    scopes: (api.scopes ?? []).map((scope) => (scope.description ? `${scope.value} ${scope.description}` : scope.value)).join('\n'),
    allow_offline_access: api.allow_offline_access === true,
    token_lifetime: String(api.token_lifetime ?? ''),
    signing_alg: api.signing_alg ?? 'RS256',
    enforce_policies: api.enforce_policies === true,
    token_dialect: api.token_dialect ?? 'access_token',
  }
}

/** Scopes one a line: the value, then optionally a space and its description. */
export function scopesOf(text: string): { value: string; description: string }[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.search(/\s/)
      return space === -1 ? { value: line, description: line } : { value: line.slice(0, space), description: line.slice(space).trim() }
    })
}

/** The body of POST /resource-servers (or PATCH when `editing`: the identifier cannot change). */
export function apiBody(form: ApiForm, editing = false): { body: Record<string, unknown> } | { errors: FieldErrors } {
  const errors: FieldErrors = {}
  const name = form.name.trim()
  if (name === '') errors.name = 'Give the API a name.'
  const identifier = form.identifier.trim()
  if (!editing && identifier === '') errors.identifier = 'The identifier is the audience apps ask tokens for, e.g. https://api.example.com/.'
  const scopes = scopesOf(form.scopes)
  const bad = scopes.find((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope.value))
  if (bad !== undefined) errors.scopes = `A scope has no spaces, quotes or backslashes: ${bad.value}`
  const lifetime = seconds(form.token_lifetime, 'token_lifetime', errors, 1)
  if (Object.keys(errors).length > 0) return { errors }
  const body: Record<string, unknown> = {
    name,
    scopes,
    allow_offline_access: form.allow_offline_access,
    signing_alg: form.signing_alg,
    enforce_policies: form.enforce_policies,
    token_dialect: form.token_dialect,
  }
  if (lifetime !== undefined) body.token_lifetime = lifetime
  if (!editing) body.identifier = identifier
  return { body }
}

export const USER_DATABASE = 'Username-Password-Authentication'

export interface UserForm {
  email: string
  password: string
  name: string
  email_verified: boolean
}

/** The body of POST /users (a user of Latchkey's database) or, `editing`, PATCH /users/{id} (profile only). */
export function userBody(form: UserForm, editing = false): { body: Record<string, unknown> } | { errors: FieldErrors } {
  const errors: FieldErrors = {}
  const email = form.email.trim()
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) errors.email = 'An email address, like jane@example.com.'
  if (!editing && form.password === '') errors.password = 'Give the user a first password (they can change it).'
  if (Object.keys(errors).length > 0) return { errors }
  const body: Record<string, unknown> = { email, email_verified: form.email_verified }
  if (form.name.trim() !== '') body.name = form.name.trim()
  if (!editing) {
    body.connection = USER_DATABASE
    body.password = form.password
  }
  return { body }
}

export interface LogFilter {
  type: string
  user_id: string
  client_id: string
  from: string
  to: string
}

const quoted = (value: string) => `"${value.replace(/(["\\])/g, '\\$1')}"`

/**
 * The log filters as the Management API's `q` (Auth0's Lucene subset Latchkey answers):
 * `type:(s OR f) AND user_id:"…" AND client_id:"…" AND date:[FROM TO TO]`; null without filters.
 */
export function logQueryOf(filter: LogFilter): { q: string | null } | { errors: FieldErrors } {
  const errors: FieldErrors = {}
  const terms: string[] = []
  const types = filter.type.split(/[\s,]+/).filter((t) => t !== '')
  const badType = types.find((t) => !/^\w+$/.test(t))
  if (badType !== undefined) errors.type = `An event type is a code such as s, f or fp: ${badType}`
  else if (types.length > 0) terms.push(types.length === 1 ? `type:${types[0]}` : `type:(${types.join(' OR ')})`)
  if (filter.user_id.trim() !== '') terms.push(`user_id:${quoted(filter.user_id.trim())}`)
  if (filter.client_id.trim() !== '') terms.push(`client_id:${quoted(filter.client_id.trim())}`)
  const day = /^\d{4}-\d{2}-\d{2}$/
  for (const field of ['from', 'to'] as const) if (filter[field] !== '' && !day.test(filter[field])) errors[field] = 'A date, YYYY-MM-DD.'
  if (filter.from !== '' && filter.to !== '' && filter.from > filter.to) errors.to = 'The end comes before the start.'
  if (Object.keys(errors).length > 0) return { errors }
  if (filter.from !== '' || filter.to !== '') terms.push(`date:[${filter.from || '*'} TO ${filter.to || '*'}]`)
  return { q: terms.length > 0 ? terms.join(' AND ') : null }
}
