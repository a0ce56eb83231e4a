/**
 * Applications and client grants from a tenant.yaml. An application keeps its `client_id` when the
 * export carries it (the Deploy CLI's --export_ids), else it is matched by name, else created. The
 * fields go through the Management API's own mapping (mappings/clients.ts) and core's rules, so an
 * imported application is what a POST /api/v2/clients with the same body makes. Fields Latchkey has
 * no setting for are left out with a reason, except those that change nothing (defaults, SSO flags).
 * A new confidential application gets a new secret, or the one --secrets gives; an existing
 * application's secret never changes.
 */
import { type ApplicationRecord, createApplication, createClientGrant, ID_TOKEN_LIFETIME_SECONDS, updateApplication, updateClientGrant } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { recordAdminChange } from '../cli/audit.js'
import { APP_TYPES, applicationInput, CLIENT_FIELD_NAMES, GRANT_TYPES, updateClientBody } from '../management/mappings/clients.js'
import type { PlanContext } from './tenant-plan.js'
import { changedFields, isEmptySetting, item, type LeftOut, orFail, parseLeavingOut, type PlanItem, skip } from './tenant-items.js'
import type { ClientEntry, ClientGrantEntry } from './tenant-yaml.js'

/** Fields that change nothing in Latchkey whatever their value. */
const HARMLESS = new Set([
  'client_id',
  'client_secret',
  'tenant',
  'global',
  'sso',
  'sso_disabled',
  'custom_login_page_on',
  'callback_url_template',
  'signing_keys',
  'owners',
  'is_token_endpoint_ip_header_trusted',
  'skip_non_verifiable_callback_uri_confirmation_prompt',
])

const REASONS: Readonly<Record<string, string>> = {
  cross_origin_auth: 'cross-origin authentication (embedded login through /co/authenticate) is not supported: use the login page (redirect)',
  cross_origin_authentication: 'cross-origin authentication (embedded login through /co/authenticate) is not supported: use the login page (redirect)',
  cross_origin_loc: 'cross-origin authentication (embedded login) is not supported',
  custom_login_page: "per-application login pages are not supported: Latchkey's login page serves every application",
  custom_login_page_preview: "per-application login pages are not supported: Latchkey's login page serves every application",
  form_template: 'custom login form templates are not supported',
  logo_uri: "Latchkey's login page does not show application logos",
  description: 'applications have no description in Latchkey',
  client_metadata: 'application metadata is not kept (event.client.metadata is empty in Actions)',
  addons: 'add-ons (SAML2, WS-Federation, AWS, Firebase…) are not supported',
  mobile: 'mobile settings (iOS team id, Android app links) are not kept',
  native_social_login: 'native social login (Sign in with Apple, Facebook tokens) is not supported',
  allowed_clients: 'delegation (allowed_clients) is not supported',
  oidc_logout: 'back-channel logout is not supported',
  oidc_backchannel_logout: 'back-channel logout is not supported',
  encryption_key: 'ID-token encryption is not supported',
  token_quota: 'token quotas are not supported',
  require_pushed_authorization_requests: 'pushed authorization requests (PAR) are not supported',
  require_proof_of_possession: 'required DPoP per application is not supported (DPoP is accepted from every application)',
  signed_request_object: 'required signed request objects per application are not supported',
  default_organization: 'a default organization for client credentials is not supported',
  organization_discovery_methods: 'organization discovery by email domain is not supported',
  compliance_level: 'compliance levels (FAPI) are not supported',
  session_transfer: 'native-to-web session transfer is not supported',
  refresh_token: 'not supported as given',
}

const GRANT_REASONS: Readonly<Record<string, string>> = {
  implicit: 'the implicit grant is not supported: use authorization_code with PKCE',
  password: 'the password grant is not supported: log in through the login page',
  'http://auth0.com/oauth/grant-type/password-realm': 'the password grant is not supported: log in through the login page',
  'http://auth0.com/oauth/grant-type/mfa-oob': 'MFA with the password grant is not supported (multi-factor runs on the login page)',
  'http://auth0.com/oauth/grant-type/mfa-otp': 'MFA with the password grant is not supported (multi-factor runs on the login page)',
  'http://auth0.com/oauth/grant-type/mfa-recovery-code': 'MFA with the password grant is not supported (multi-factor runs on the login page)',
  'http://auth0.com/oauth/grant-type/passwordless/otp': 'passwordless (email and SMS codes) is not supported',
  'urn:ietf:params:oauth:grant-type:device_code': 'the device authorization grant is not supported',
  'urn:ietf:params:oauth:grant-type:token-exchange': 'token exchange is not supported',
  'urn:ietf:params:oauth:grant-type:jwt-bearer': 'the JWT bearer grant is not supported',
  'urn:openid:params:grant-type:ciba': 'CIBA is not supported',
}

const CARRIED = new Set(Object.keys(updateClientBody.shape))

/** The Management API body for an entry, and what is left out of it. */
function clientBody(entry: ClientEntry): { body: Record<string, unknown>; leftOut: LeftOut[] } {
  const body: Record<string, unknown> = {}
  const leftOut: LeftOut[] = []
  for (const [field, value] of Object.entries(entry)) {
    if (CARRIED.has(field)) body[field] = value
    else if (!HARMLESS.has(field) && !isEmptySetting(field === 'oidc_logout' ? (value as { backchannel_logout_urls?: unknown }).backchannel_logout_urls : value))
      leftOut.push({ field, reason: REASONS[field] ?? 'Latchkey has no such application setting' })
  }
  if (body.oidc_conformant === false) {
    delete body.oidc_conformant
    leftOut.push({ field: 'oidc_conformant', reason: 'Latchkey is always OIDC conformant (legacy flows are not supported)' })
  }
  if (Array.isArray(body.grant_types)) {
    const m2m = entry.app_type === 'non_interactive'
    const kept: string[] = []
    for (const grant of body.grant_types.map(String)) {
      if (grant === 'client_credentials' && !m2m) leftOut.push({ field: `grant_types: ${grant}`, reason: 'only machine-to-machine applications use client_credentials in Latchkey' })
      else if ((GRANT_TYPES as readonly string[]).includes(grant)) kept.push(grant)
      else leftOut.push({ field: `grant_types: ${grant}`, reason: GRANT_REASONS[grant] ?? 'this grant is not supported' })
    }
    if (kept.length > 0) body.grant_types = kept
    else delete body.grant_types
  }
  const jwt = body.jwt_configuration
  if (jwt && typeof jwt === 'object') {
    const { alg, lifetime_in_seconds: lifetime } = jwt as { alg?: unknown; lifetime_in_seconds?: unknown }
    body.jwt_configuration = alg === undefined ? {} : { alg }
    if (lifetime !== undefined && lifetime !== ID_TOKEN_LIFETIME_SECONDS)
      leftOut.push({ field: 'jwt_configuration.lifetime_in_seconds', reason: `ID tokens live ${ID_TOKEN_LIFETIME_SECONDS} seconds in Latchkey` })
  }
  if (typeof body.initiate_login_uri === 'string' && body.initiate_login_uri === '') delete body.initiate_login_uri
  if (body.organization_require_behavior === 'post_login_prompt') {
    body.organization_require_behavior = 'pre_login_prompt'
    leftOut.push({ field: 'organization_require_behavior: post_login_prompt', reason: 'not supported: the organization is asked for before login instead (pre_login_prompt)' })
  }
  return { body, leftOut }
}

/** Every application, by client_id and by name, as the plan goes (new ones included). */
export class ClientIndex {
  private readonly byId = new Map<string, ApplicationRecord>()
  private readonly byName = new Map<string, ApplicationRecord[]>()
  constructor(apps: readonly ApplicationRecord[]) {
    for (const app of apps) this.add(app)
  }
  add(app: ApplicationRecord): void {
    const old = this.byId.get(app.clientId)
    if (old) this.byName.set(old.name, (this.byName.get(old.name) ?? []).filter((a) => a.clientId !== app.clientId))
    this.byId.set(app.clientId, app)
    this.byName.set(app.name, [...(this.byName.get(app.name) ?? []), app])
  }
  get(clientId: string): ApplicationRecord | undefined {
    return this.byId.get(clientId)
  }
  named(name: string): readonly ApplicationRecord[] {
    return this.byName.get(name) ?? []
  }
  /** A client_id or a name, as the Deploy CLI writes references (client grants, enabled_clients). */
  resolve(ref: string): ApplicationRecord | string {
    const byId = this.byId.get(ref)
    if (byId) return byId
    const named = this.named(ref)
    if (named.length === 1 && named[0]) return named[0]
    return named.length === 0 ? `no application named ${JSON.stringify(ref)} (or with this client_id)` : `${named.length} applications are named ${JSON.stringify(ref)}: name it by client_id`
  }
}

/** The secret --secrets gives for an application, by client_id or by name. */
function givenSecret(ctx: PlanContext, entry: ClientEntry): string | undefined {
  return (entry.client_id !== undefined ? ctx.secrets[entry.client_id] : undefined) ?? ctx.secrets[entry.name]
}

export function planClient(ctx: PlanContext, entry: ClientEntry): Promise<PlanItem> {
  return orFail(
    'clients',
    entry.name,
    async () => {
      if (entry.app_type !== undefined && !(APP_TYPES as readonly string[]).includes(entry.app_type))
        return skip('clients', entry.name, `app_type ${entry.app_type} is not supported: Latchkey has ${APP_TYPES.join(', ')} applications`)
      const credentials = (entry.client_authentication_methods as { private_key_jwt?: { credentials?: { pem?: unknown }[] } } | undefined)?.private_key_jwt?.credentials
      if (credentials?.some((c) => typeof c.pem !== 'string'))
        return skip(
          'clients',
          entry.name,
          "its private_key_jwt public keys are not in the export (only their ids): add each key's pem to client_authentication_methods.private_key_jwt.credentials in the file",
        )
      const { body: raw, leftOut: dropped } = clientBody(entry)
      const { data: body, leftOut: refused } = parseLeavingOut(updateClientBody, raw)
      const leftOut = [...dropped, ...refused]
      const existing = entry.client_id !== undefined ? ctx.clients.get(entry.client_id) : matchByName(ctx, entry.name)
      if (typeof existing === 'string') return skip('clients', entry.name, existing, leftOut)
      const input = applicationInput(body)
      if (!existing) {
        const secret = givenSecret(ctx, entry)
        const { record, clientSecret } = createApplication({ ...input, name: entry.name, type: body.app_type ?? 'regular_web' }, ctx.now, ctx.urlRules, {
          clientId: entry.client_id,
          clientSecret: secret,
        })
        ctx.clients.add(record)
        return item({
          section: 'clients',
          name: record.name,
          id: record.clientId,
          action: 'create',
          leftOut,
          ...(clientSecret !== null ? { secret: { value: clientSecret, source: secret !== undefined ? 'file' : 'generated' } } : {}),
          apply: async (store) => {
            await store.applications.insert(record)
            await recordAdminChange(store, { action: 'application.created', clientId: record.clientId, details: { target_client_id: record.clientId, name: record.name, app_type: record.appType, source: 'tenant.yaml' } })
          },
        })
      }
      if (body.app_type !== undefined && body.app_type !== existing.appType)
        return skip('clients', entry.name, `app_type cannot change (${existing.appType} in Latchkey, ${body.app_type} in the file): delete the application or rename it`, leftOut)
      const { type: _type, ...changes } = input
      const next = updateApplication(existing, changes, ctx.now, ctx.urlRules)
      // An existing application's secret is never replaced by an import.
      const updated = { ...next, clientSecretHash: existing.clientSecretHash }
      const fields = changedFields(existing, updated)
      if (fields.length === 0) return item({ section: 'clients', name: existing.name, id: existing.clientId, action: 'unchanged', leftOut })
      ctx.clients.add(updated)
      return item({
        section: 'clients',
        name: updated.name,
        id: updated.clientId,
        action: 'update',
        changes: fields,
        leftOut,
        apply: async (store) => {
          const { clientId, createdAt: _createdAt, ...patch } = updated
          await store.applications.update(clientId, patch)
          await recordAdminChange(store, { action: 'application.updated', clientId, details: { target_client_id: clientId, name: updated.name, fields, source: 'tenant.yaml' } })
        },
      })
    },
    { ...CLIENT_FIELD_NAMES, clientId: 'client_id', clientSecret: '--secrets' },
  )
}

function matchByName(ctx: PlanContext, name: string): ApplicationRecord | string | undefined {
  const named = ctx.clients.named(name)
  if (named.length > 1) return `${named.length} applications are named ${JSON.stringify(name)} in Latchkey: give client_id in the file`
  return named[0]
}

export function planClientGrant(ctx: PlanContext, entry: ClientGrantEntry, store: Store): Promise<PlanItem> {
  const name = `${entry.client_id} → ${entry.audience}`
  return orFail('clientGrants', name, async () => {
    const app = ctx.clients.resolve(entry.client_id)
    if (typeof app === 'string') return skip('clientGrants', name, app)
    const api = ctx.apis.get(entry.audience) ?? (await store.apis.findByIdentifier(entry.audience))
    if (!api) return skip('clientGrants', name, `no API with identifier ${JSON.stringify(entry.audience)}`)
    const scope = entry.scope ?? []
    const current = (await store.clientGrants.list({ clientId: app.clientId, audience: api.identifier }))[0]
    if (!current) {
      const record = createClientGrant({ clientId: app.clientId, audience: api.identifier, scope }, { application: app, api }, ctx.now)
      return item({
        section: 'clientGrants',
        name: `${app.name} → ${api.identifier}`,
        id: record.id,
        action: 'create',
        apply: async (s) => {
          await s.clientGrants.insert(record)
          await recordAdminChange(s, { action: 'client_grant.created', clientId: app.clientId, details: { client_grant_id: record.id, target_client_id: app.clientId, audience: record.audience, scope: [...record.scope], source: 'tenant.yaml' } })
        },
      })
    }
    const next = updateClientGrant(current, { scope }, api, ctx.now)
    const same = [...next.scope].sort().join(' ') === [...current.scope].sort().join(' ')
    if (same) return item({ section: 'clientGrants', name: `${app.name} → ${api.identifier}`, id: current.id, action: 'unchanged' })
    return item({
      section: 'clientGrants',
      name: `${app.name} → ${api.identifier}`,
      id: current.id,
      action: 'update',
      changes: ['scope'],
      apply: async (s) => {
        await s.clientGrants.update(current.id, { scope: next.scope, updatedAt: next.updatedAt })
        await recordAdminChange(s, { action: 'client_grant.updated', clientId: app.clientId, details: { client_grant_id: current.id, audience: current.audience, scope: [...next.scope], source: 'tenant.yaml' } })
      },
    })
  })
}
