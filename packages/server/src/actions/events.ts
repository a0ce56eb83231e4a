/**
 * Auth0's `event` objects for the triggers Latchkey runs, from what Latchkey knows, in Auth0's field
 * names (docs/actions.md lists them beside Auth0's). Plain data: it crosses to a worker thread.
 * Nothing secret is in it: no password, no token, no client secret, no code.
 */
import type { ApiRecord, ApplicationRecord, OrganizationRecord, RoleRecord, UserRecord } from '@latchkey/core'

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? undefined : new Date(ms).toISOString())

/** `event.user`, as Auth0's post-login event has it. */
export function userOf(user: UserRecord): Record<string, unknown> {
  const [strategy, ...rest] = user.id.split('|')
  return {
    user_id: user.id,
    email: user.email,
    email_verified: user.emailVerified,
    name: user.name ?? undefined,
    nickname: user.nickname ?? undefined,
    given_name: user.givenName ?? undefined,
    family_name: user.familyName ?? undefined,
    picture: user.picture ?? undefined,
    app_metadata: user.appMetadata ?? {},
    user_metadata: user.userMetadata ?? {},
    identities: [{ provider: strategy, user_id: rest.join('|'), connection: user.connection, isSocial: !['auth0'].includes(strategy ?? '') }],
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
    last_login: iso(user.lastLoginAt),
    blocked: user.blocked,
    logins_count: user.loginsCount ?? 0,
  }
}

/** `event.client`. */
export function clientOf(app: ApplicationRecord): Record<string, unknown> {
  return { client_id: app.clientId, name: app.name, metadata: {} }
}

/** `event.request`: who sent it, never its secrets. */
export interface RequestFacts {
  readonly ip: string | null
  readonly userAgent: string | undefined
  readonly hostname: string
  readonly method: string
  /** The query (authorization request parameters), with nothing secret in it. */
  readonly query?: Readonly<Record<string, string>>
}

export function requestOf(facts: RequestFacts): Record<string, unknown> {
  return {
    ip: facts.ip ?? undefined,
    hostname: facts.hostname,
    method: facts.method,
    user_agent: facts.userAgent,
    query: facts.query ?? {},
    body: {},
    language: undefined,
  }
}

export interface PostLoginFacts {
  readonly user: UserRecord
  readonly app: ApplicationRecord
  readonly api: ApiRecord | null
  readonly scope: readonly string[]
  readonly organization: OrganizationRecord | null
  /** null when no bound action reads `event.authorization` (run-triggers.ts): then it is absent. */
  readonly roles: readonly RoleRecord[] | null
  readonly request: RequestFacts
  /** `oidc-basic-profile` at a login, `oauth2-refresh-token` at a refresh (Auth0's values). */
  readonly protocol: 'oidc-basic-profile' | 'oauth2-refresh-token'
  readonly redirectUri?: string
  readonly amr: readonly string[]
  readonly authTime: number
  readonly connection: { readonly id: string; readonly name: string; readonly strategy: string } | null
  readonly tenant: string
}

export function postLoginEvent(f: PostLoginFacts): Record<string, unknown> {
  return {
    user: userOf(f.user),
    client: clientOf(f.app),
    connection: f.connection ? { id: f.connection.id, name: f.connection.name, strategy: f.connection.strategy, metadata: {} } : undefined,
    organization: f.organization ? { id: f.organization.id, name: f.organization.name, display_name: f.organization.displayName ?? f.organization.name, metadata: f.organization.metadata ?? {} } : undefined,
    resource_server: f.api ? { identifier: f.api.identifier } : undefined,
    request: requestOf(f.request),
    transaction: {
      protocol: f.protocol,
      requested_scopes: [...f.scope],
      redirect_uri: f.redirectUri,
      locale: 'en',
    },
    authentication: { methods: f.amr.map((name) => ({ name, timestamp: new Date(f.authTime).toISOString() })) },
    authorization: f.roles ? { roles: f.roles.map((r) => r.name) } : undefined,
    stats: { logins_count: f.user.loginsCount ?? 0 },
    tenant: { id: f.tenant },
  }
}

export function credentialsExchangeEvent(f: { readonly app: ApplicationRecord; readonly api: ApiRecord; readonly scope: readonly string[]; readonly request: RequestFacts; readonly tenant: string }): Record<string, unknown> {
  return {
    client: clientOf(f.app),
    resource_server: { identifier: f.api.identifier },
    accessToken: { scope: [...f.scope] },
    transaction: { requested_scopes: [...f.scope] },
    request: requestOf(f.request),
    tenant: { id: f.tenant },
  }
}

export function preUserRegistrationEvent(f: { readonly user: UserRecord; readonly app: ApplicationRecord; readonly request: RequestFacts; readonly tenant: string; readonly connection: string }): Record<string, unknown> {
  const { user_id: _, last_login: __, ...profile } = userOf(f.user)
  return { user: profile, client: clientOf(f.app), connection: { name: f.connection, strategy: 'auth0' }, request: requestOf(f.request), transaction: { locale: 'en' }, tenant: { id: f.tenant } }
}

export function postChangePasswordEvent(f: { readonly user: UserRecord; readonly request: RequestFacts; readonly tenant: string }): Record<string, unknown> {
  return { user: { user_id: f.user.id, email: f.user.email }, connection: { name: f.user.connection, strategy: 'auth0' }, request: requestOf(f.request), tenant: { id: f.tenant } }
}
