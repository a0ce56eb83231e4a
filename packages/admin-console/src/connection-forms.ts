/**
 * The connection form's values to Management API bodies, and back: what each strategy asks for
 * (docs/connections.md), the write-only client secret (never shown back; left empty it is kept),
 * and the database connection's trickle-migration settings. Pure, like forms.ts: the pages hold
 * strings and booleans, these functions build Auth0's `options` and say what is missing first.
 */
import type { FieldErrors } from './forms.js'

export const DATABASE_STRATEGY = 'auth0'

export const STRATEGIES = [
  { value: 'oidc', label: 'OpenID Connect (Entra ID, Okta, Keycloak, another Latchkey…)' },
  { value: 'google-oauth2', label: 'Google' },
  { value: 'github', label: 'GitHub' },
  { value: 'oauth2', label: 'Other OAuth 2.0 provider' },
] as const

export const strategyLabel = (strategy: string): string =>
  strategy === DATABASE_STRATEGY ? 'Database (email and password)' : (STRATEGIES.find((s) => s.value === strategy)?.label.replace(/ \(.*\)$/, '') ?? strategy)

export interface ConnectionForm {
  name: string
  display_name: string
  strategy: string
  /** oidc: the issuer, or its discovery document's URL. */
  issuer: string
  client_id: string
  /** Write-only: never filled from the API; empty keeps the stored one. */
  client_secret: string
  /** Space-separated. */
  scope: string
  /** oidc, oauth2: email domains that go straight to this provider, one a line. */
  domain_aliases: string
  /** github: GitHub Enterprise Server's web root; empty for github.com. */
  base_url: string
  authorization_endpoint: string
  token_endpoint: string
  userinfo_endpoint: string
  /** The database connection: trickle migration from an Auth0 tenant. */
  import_mode: boolean
  migration_domain: string
  migration_client_id: string
  migration_realm: string
  migration_audience: string
}

/** The connection as the Management API answers it. */
export interface Connection {
  readonly id: string
  readonly name: string
  readonly display_name?: string
  readonly strategy: string
  readonly options?: Readonly<Record<string, unknown>>
  readonly enabled_clients?: readonly string[]
}

export function newConnectionForm(strategy = 'oidc'): ConnectionForm {
  return {
    name: '',
    display_name: '',
    strategy,
    issuer: '',
    client_id: '',
    client_secret: '',
    scope: strategy === 'oidc' || strategy === 'google-oauth2' ? 'openid profile email' : '',
    domain_aliases: '',
    base_url: '',
    authorization_endpoint: '',
    token_endpoint: '',
    userinfo_endpoint: '',
    import_mode: false,
    migration_domain: '',
    migration_client_id: '',
    migration_realm: '',
    migration_audience: '',
  }
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '')
const scopeText = (value: unknown): string => (Array.isArray(value) ? value.join(' ') : text(value))

export function connectionFormOf(connection: Connection): ConnectionForm {
  const o = connection.options ?? {}
  const source = (typeof o.migration_source === 'object' && o.migration_source !== null ? o.migration_source : {}) as Record<string, unknown>
  return {
    ...newConnectionForm(connection.strategy),
    name: connection.name,
    display_name: connection.display_name === connection.name ? '' : (connection.display_name ?? ''),
    issuer: text(o.discovery_url) || text(o.issuer),
    client_id: text(o.client_id),
    scope: scopeText(o.scope),
    domain_aliases: Array.isArray(o.domain_aliases) ? o.domain_aliases.join('\n') : '',
    base_url: text(o.base_url),
    authorization_endpoint: text(o.authorization_endpoint) || text(o.authorizationURL),
    token_endpoint: text(o.token_endpoint) || text(o.tokenURL),
    userinfo_endpoint: text(o.userinfo_endpoint),
    import_mode: o.import_mode === true,
    migration_domain: text(source.domain),
    migration_client_id: text(source.client_id),
    migration_realm: text(source.realm),
    migration_audience: text(source.audience),
  }
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/

function url(value: string, field: string, errors: FieldErrors, required: boolean): string | undefined {
  const trimmed = value.trim()
  if (trimmed === '') {
    if (required) errors[field] = 'Required.'
    return undefined
  }
  try {
    new URL(trimmed)
  } catch {
    errors[field] = `Not a URL: ${trimmed}`
    return undefined
  }
  return trimmed
}

/** Sets `key` to `value`, or removes it when the value is empty (undefined). */
function put(options: Record<string, unknown>, key: string, value: unknown): void {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) delete options[key]
  else options[key] = value
}

const DISCOVERY = '/.well-known/openid-configuration'

/**
 * The body of POST /connections, or (with `current`) PATCH /connections/{id}: the options replace
 * the stored ones, so the fields this form does not show are carried over from `current`; the client
 * secret is sent only when typed (the API keeps the stored one otherwise).
 */
export function connectionBody(form: ConnectionForm, current?: Connection): { body: Record<string, unknown> } | { errors: FieldErrors } {
  const errors: FieldErrors = {}
  const editing = current !== undefined
  const name = form.name.trim()
  if (!editing) {
    if (name === '') errors.name = 'Give the connection a name, e.g. acme-okta.'
    else if (!NAME.test(name)) errors.name = 'Letters, digits and "-", starting and ending with a letter or digit.'
  }
  const options: Record<string, unknown> = { ...(current?.options ?? {}) }
  const database = form.strategy === DATABASE_STRATEGY
  if (database) {
    options.import_mode = form.import_mode
    if (form.import_mode || form.migration_domain.trim() !== '' || form.migration_client_id.trim() !== '') {
      if (form.migration_domain.trim() === '') errors.migration_domain = 'The old Auth0 tenant’s domain, e.g. old-tenant.eu.auth0.com.'
      if (form.migration_client_id.trim() === '') errors.migration_client_id = 'The client ID of the old tenant’s application.'
      const source: Record<string, unknown> = { type: 'auth0', domain: form.migration_domain.trim(), client_id: form.migration_client_id.trim() }
      put(source, 'realm', form.migration_realm.trim())
      put(source, 'audience', form.migration_audience.trim())
      options.migration_source = source
    } else delete options.migration_source
  } else {
    if (form.client_id.trim() === '') errors.client_id = 'The client ID the provider gave Latchkey.'
    options.client_id = form.client_id.trim()
    const scope = form.scope.trim().split(/\s+/).filter((s) => s !== '')
    put(options, 'scope', scope.join(' '))
    if (form.strategy === 'oidc') {
      const issuer = url(form.issuer, 'issuer', errors, true)
      delete options.issuer
      delete options.discovery_url
      if (issuer !== undefined) options[issuer.endsWith(DISCOVERY) ? 'discovery_url' : 'issuer'] = issuer
    }
    if (form.strategy === 'github') put(options, 'base_url', url(form.base_url, 'base_url', errors, false))
    if (form.strategy === 'oauth2') {
      delete options.authorizationURL
      delete options.tokenURL
      put(options, 'authorization_endpoint', url(form.authorization_endpoint, 'authorization_endpoint', errors, true))
      put(options, 'token_endpoint', url(form.token_endpoint, 'token_endpoint', errors, true))
      put(options, 'userinfo_endpoint', url(form.userinfo_endpoint, 'userinfo_endpoint', errors, true))
    }
    if (form.strategy === 'oidc' || form.strategy === 'oauth2') {
      const aliases = form.domain_aliases.split(/[\s,]+/).filter((d) => d !== '')
      const bad = aliases.find((d) => !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(d))
      if (bad !== undefined) errors.domain_aliases = `Not an email domain: ${bad}`
      put(options, 'domain_aliases', aliases)
    }
  }
  delete options.client_secret
  if (form.client_secret !== '') options.client_secret = form.client_secret
  if (Object.keys(errors).length > 0) return { errors }
  const body: Record<string, unknown> = { options }
  // An empty display name clears it (the API then shows the name).
  if (editing) body.display_name = form.display_name.trim()
  else {
    body.name = name
    body.strategy = form.strategy
    if (form.display_name.trim() !== '') body.display_name = form.display_name.trim()
  }
  return { body }
}
