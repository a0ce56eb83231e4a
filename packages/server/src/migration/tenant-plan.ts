/**
 * The plan for importing a tenant.yaml: what happens to each object of the file, compared with the
 * store, in the order applying needs (APIs and applications before the grants, roles, connections
 * and organizations that name them; actions before their bindings). Planning writes nothing; every
 * record is computed here, so `--dry-run` shows exactly what an import does. Sections Latchkey
 * does not carry over are reported, each with a reason.
 */
import { type ApiRecord, type createApplication, DATABASE_CONNECTION } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { listAll } from '../cli/run.js'
import type { KeyEncryption } from '../keys/key-encryption.js'
import { type ActionIndex, planAction, planTrigger } from './tenant-actions.js'
import { planApi, planRole } from './tenant-apis.js'
import { ClientIndex, planClient, planClientGrant } from './tenant-clients.js'
import { planFactors, planMfaPolicy } from './tenant-mfa.js'
import { planConnection, planDatabase } from './tenant-connections.js'
import { isEmptySetting, type PlanItem, skip } from './tenant-items.js'
import { planOrganization } from './tenant-organizations.js'
import type { TenantFile } from './tenant-yaml.js'

/** The URL rules of applications: the server's issuer. */
export type RegisteredUrlRules = NonNullable<Parameters<typeof createApplication>[2]>

export interface PlanOptions {
  /** Client secrets by client name or client_id (--secrets). */
  readonly secrets?: Readonly<Record<string, string>>
  /** The server's issuer, for the URL rules of applications. */
  readonly urlRules?: RegisteredUrlRules
  /** The key-encryption key, asked for only when the file has actions. */
  readonly encryption: () => Promise<KeyEncryption>
  readonly now?: number
}

/** What the planners share while the plan is built. */
export interface PlanContext {
  readonly now: number
  readonly baseDir: string
  readonly secrets: Readonly<Record<string, string>>
  readonly urlRules: RegisteredUrlRules
  readonly encryption: () => Promise<KeyEncryption>
  readonly clients: ClientIndex
  /** Applications this import creates. */
  readonly newClientIds: Set<string>
  /** APIs by identifier, as they will be. */
  readonly apis: Map<string, ApiRecord>
  /** Connection names by id, for organizations' connections (the export names them by name, or by id). */
  readonly connectionNames: Map<string, string>
  readonly actions: ActionIndex
}

const SECTION_REASONS: Readonly<Record<string, string>> = {
  rules: 'rules are deprecated in Auth0 and not supported: rewrite each as a post-login Action (latchkey actions deploy)',
  rulesConfigs: "rules' settings go with rules: use Action secrets",
  hooks: 'hooks are deprecated in Auth0 and not supported: rewrite them as Actions (credentials-exchange, pre-user-registration, post-change-password)',
  pages: "custom hosted pages (login, password reset, error) are not carried over: Latchkey serves its own pages",
  customDomains: "custom domains are not tenant data in Latchkey: point the domain at the server and make it the issuer (LATCHKEY_ISSUER)",
  emailTemplates: "email templates are not carried over: Latchkey's emails have their own texts (latchkey emails)",
  emailProvider: "the email provider is the server's SMTP configuration in Latchkey, not tenant data",
  guardianFactorProviders: 'multi-factor providers are not carried over: Latchkey has TOTP, WebAuthn and recovery codes (latchkey mfa)',
  guardianFactorTemplates: 'multi-factor message templates are not supported',
  guardianPhoneFactorSelectedProvider: 'SMS and voice factors are not supported',
  guardianPhoneFactorMessageTypes: 'SMS and voice factors are not supported',
  tenant: "tenant settings (friendly name, session lifetimes, flags) are the server's configuration in Latchkey",
  branding: 'Universal Login branding is not carried over',
  themes: 'Universal Login themes are not carried over',
  prompts: 'Universal Login prompt texts are not carried over',
  logStreams: 'log streams are not supported: read the audit log (latchkey logs, /api/v2/logs)',
  attackProtection: "attack protection settings are not carried over: Latchkey's rate limits and lockouts are server configuration",
  migrations: '',
}

/** The other top-level sections, each reported once with a reason (empty ones say nothing). */
function otherSections(other: Readonly<Record<string, unknown>>): PlanItem[] {
  return Object.entries(other)
    .filter(([key, value]) => SECTION_REASONS[key] !== '' && !isEmptySetting(value))
    .map(([key, value]) => {
      const names = Array.isArray(value) ? value.map((v) => (v !== null && typeof v === 'object' && typeof v.name === 'string' ? v.name : null)).filter((n) => n !== null) : []
      const count = Array.isArray(value) ? ` (${value.length}${names.length ? `: ${names.join(', ')}` : ''})` : ''
      return skip(key, `${key}${count}`, SECTION_REASONS[key] ?? 'not supported by Latchkey')
    })
}

export async function planTenant(file: TenantFile, store: Store, options: PlanOptions): Promise<PlanItem[]> {
  const apps = await listAll((page) => store.applications.list(page))
  const connections = await listAll((page) => store.connections.list(page))
  const ctx: PlanContext = {
    now: options.now ?? Date.now(),
    baseDir: file.baseDir,
    secrets: options.secrets ?? {},
    urlRules: options.urlRules ?? {},
    encryption: options.encryption,
    clients: new ClientIndex(apps),
    newClientIds: new Set(),
    apis: new Map(),
    connectionNames: new Map(connections.map((c) => [c.id, c.name])),
    actions: new Map(),
  }
  const items: PlanItem[] = []
  for (const entry of file.resourceServers) items.push(await planApi(ctx, entry, store))
  for (const entry of file.clients) {
    const planned = await planClient(ctx, entry)
    if (planned.action === 'create' && planned.id !== undefined) ctx.newClientIds.add(planned.id)
    items.push(planned)
  }
  for (const entry of file.clientGrants) items.push(await planClientGrant(ctx, entry, store))
  for (const entry of file.roles) items.push(await planRole(ctx, entry, store))
  // Latchkey has one database connection: the file's of that name, else the file's only one, is carried into it.
  const database = file.databases.find((d) => d.name === DATABASE_CONNECTION.name) ?? (file.databases.length === 1 ? file.databases[0] : undefined)
  for (const entry of file.databases) items.push(await planDatabase(ctx, entry, store, entry === database))
  for (const entry of file.connections) items.push(await planConnection(ctx, entry, store))
  for (const entry of file.organizations) items.push(await planOrganization(ctx, entry, store))
  for (const entry of file.actions) items.push(await planAction(ctx, entry, store))
  for (const [trigger, bindings] of Object.entries(file.triggers)) items.push(await planTrigger(ctx, trigger, bindings, store))
  const { guardianPolicies, guardianFactors, ...other } = file.other
  const policy = await planMfaPolicy(ctx, guardianPolicies, store)
  const factors = planFactors(guardianFactors ?? [])
  if (policy) items.push(policy)
  if (factors) items.push(factors)
  items.push(...otherSections(other))
  return items
}
