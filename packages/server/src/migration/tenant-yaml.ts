/**
 * Reading the Auth0 Deploy CLI's `tenant.yaml` (`a0deploy export --format yaml`): keyword
 * replacement first (`##KEY##` inside strings, `@@KEY@@` as a JSON value, as the Deploy CLI does
 * with AUTH0_KEYWORD_REPLACE_MAPPINGS), then YAML, then each section's shape. Entries keep every
 * field they carry (the plan reports the ones Latchkey does not take); only what the plan relies on
 * is checked here. A file that is not YAML or not in this shape is a TenantFileError (exit 2).
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { parse } from 'yaml'
import { z } from 'zod'

export class TenantFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TenantFileError'
  }
}

const text = z.string().min(1).max(2000)
/** The Deploy CLI writes absent values as null at times (`roles: null`, `description: null`): they count as absent. */
const dropNulls = (value: unknown): unknown =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) : value
const entry = <T extends z.ZodRawShape>(shape: T) => z.preprocess(dropNulls, z.looseObject(shape))
const names = z.array(z.string().max(2000)).max(10_000)

export const clientEntry = entry({ name: z.string().min(1).max(2000), client_id: z.string().max(256).optional(), app_type: z.string().max(100).optional() })
export const resourceServerEntry = entry({ identifier: text, name: z.string().max(2000).optional() })
export const clientGrantEntry = entry({ client_id: text, audience: text, scope: z.array(z.string().max(280)).max(1000).optional() })
export const roleEntry = entry({
  name: text,
  description: z.string().max(2000).optional(),
  permissions: z.array(z.looseObject({ permission_name: text, resource_server_identifier: text })).max(10_000).optional(),
})
export const organizationEntry = entry({
  name: text,
  id: z.string().max(256).optional(),
  display_name: z.string().max(2000).optional(),
  branding: z.looseObject({ logo_url: z.string().max(2000).optional(), colors: z.looseObject({ primary: z.string().max(100).optional(), page_background: z.string().max(100).optional() }).optional() }).optional(),
  metadata: z.record(z.string(), z.string().nullable()).optional(),
  // The Deploy CLI names an organization's connections by `name`; the Management API by connection_id.
  connections: z
    .array(
      z
        .looseObject({
          name: text.optional(),
          connection_id: text.optional(),
          assign_membership_on_login: z.boolean().nullable().optional(),
          show_as_button: z.boolean().nullable().optional(),
          is_signup_enabled: z.boolean().nullable().optional(),
        })
        .refine((c) => c.name !== undefined || c.connection_id !== undefined, 'a connection needs its name (or connection_id)'),
    )
    .max(100)
    .optional(),
  members: z.array(z.union([z.string().max(256), z.looseObject({ user_id: z.string().max(256) })])).optional(),
})
export const connectionEntry = entry({
  name: text,
  strategy: text,
  display_name: z.string().max(2000).optional(),
  enabled_clients: names.optional(),
  options: z.record(z.string(), z.json()).optional(),
  metadata: z.record(z.string(), z.string().nullable()).optional(),
  is_domain_connection: z.boolean().optional(),
})
/** A `databases` entry: the Deploy CLI writes no strategy there (every database connection is `auth0`). */
export const databaseEntry = entry({
  name: text,
  strategy: text.default('auth0'),
  enabled_clients: names.optional(),
  options: z.record(z.string(), z.json()).optional(),
})
export const actionEntry = entry({
  name: text,
  code: z.string().max(2000).optional(),
  runtime: z.string().max(100).optional(),
  dependencies: z.array(z.looseObject({ name: text, version: z.string().max(100) })).max(100).optional(),
  secrets: z.array(z.looseObject({ name: text, value: z.string().nullable().optional() })).max(100).optional(),
  supported_triggers: z.array(z.looseObject({ id: text, version: z.string().max(20).optional() })).max(10).optional(),
  deployed: z.boolean().optional(),
})
const bindingEntry = z.looseObject({ action_name: text, display_name: z.string().max(2000).optional() })

const sections = z.looseObject({
  clients: z.array(clientEntry).optional(),
  resourceServers: z.array(resourceServerEntry).optional(),
  clientGrants: z.array(clientGrantEntry).optional(),
  roles: z.array(roleEntry).optional(),
  organizations: z.array(organizationEntry).optional(),
  databases: z.array(databaseEntry).optional(),
  connections: z.array(connectionEntry).optional(),
  actions: z.array(actionEntry).optional(),
  triggers: z.record(z.string(), z.array(bindingEntry).max(100)).optional(),
})

export type ClientEntry = z.output<typeof clientEntry>
export type ResourceServerEntry = z.output<typeof resourceServerEntry>
export type ClientGrantEntry = z.output<typeof clientGrantEntry>
export type RoleEntry = z.output<typeof roleEntry>
export type OrganizationEntry = z.output<typeof organizationEntry>
export type ConnectionEntry = z.output<typeof connectionEntry>
export type DatabaseEntry = z.output<typeof databaseEntry>
export type ActionEntry = z.output<typeof actionEntry>
export type BindingEntry = z.output<typeof bindingEntry>

/** The sections Latchkey carries over; `other` holds every other top-level key as written. */
export interface TenantFile {
  readonly clients: readonly ClientEntry[]
  readonly resourceServers: readonly ResourceServerEntry[]
  readonly clientGrants: readonly ClientGrantEntry[]
  readonly roles: readonly RoleEntry[]
  readonly organizations: readonly OrganizationEntry[]
  readonly databases: readonly DatabaseEntry[]
  readonly connections: readonly ConnectionEntry[]
  readonly actions: readonly ActionEntry[]
  readonly triggers: Readonly<Record<string, readonly BindingEntry[]>>
  readonly other: Readonly<Record<string, unknown>>
  /** The folder the file is in: action code paths are relative to it. */
  readonly baseDir: string
}

const KNOWN = new Set(['clients', 'resourceServers', 'clientGrants', 'roles', 'organizations', 'databases', 'connections', 'actions', 'triggers'])
const STRING_KEYWORD = /##([A-Za-z0-9_]+)##/g
const JSON_KEYWORD = /@@([A-Za-z0-9_]+)@@/g

/**
 * The Deploy CLI's keyword replacement: `##KEY##` becomes the value as text, `@@KEY@@` the value
 * as JSON (an array or object in place). A keyword with no value is an error naming it.
 */
export function replaceKeywords(source: string, keywords: Readonly<Record<string, unknown>>): string {
  const missing = new Set<string>()
  const replace = (as: (value: unknown) => string) => (whole: string, key: string) => {
    if (Object.hasOwn(keywords, key)) return as(keywords[key])
    missing.add(key)
    return whole
  }
  const replaced = source
    .replace(JSON_KEYWORD, replace((value) => JSON.stringify(value)))
    .replace(STRING_KEYWORD, replace((value) => (typeof value === 'string' ? value : JSON.stringify(value))))
  if (missing.size > 0)
    throw new TenantFileError(
      `the file uses keywords with no value: ${[...missing].map((k) => `##${k}## or @@${k}@@`).join(', ')} (give them with --keywords FILE, a JSON object, as the Deploy CLI's AUTH0_KEYWORD_REPLACE_MAPPINGS)`,
    )
  return replaced
}

/** Parses the text of a tenant.yaml (after keyword replacement); `baseDir` is where its files are. */
export function parseTenantYaml(source: string, baseDir: string, keywords: Readonly<Record<string, unknown>> = {}): TenantFile {
  let document: unknown
  try {
    document = parse(replaceKeywords(source, keywords), { maxAliasCount: 1000 })
  } catch (error) {
    if (error instanceof TenantFileError) throw error
    throw new TenantFileError(`not YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  if (document === null || document === undefined) document = {}
  if (typeof document !== 'object' || Array.isArray(document)) throw new TenantFileError('expected a YAML mapping of sections (clients, resourceServers, …) at the top')
  const parsed = sections.safeParse(dropNulls(document))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new TenantFileError(`${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`)
  }
  const data = parsed.data
  const other = Object.fromEntries(Object.entries(data).filter(([key, value]) => !KNOWN.has(key) && value !== null && value !== undefined))
  return {
    clients: data.clients ?? [],
    resourceServers: data.resourceServers ?? [],
    clientGrants: data.clientGrants ?? [],
    roles: data.roles ?? [],
    organizations: data.organizations ?? [],
    databases: data.databases ?? [],
    connections: data.connections ?? [],
    actions: data.actions ?? [],
    triggers: data.triggers ?? {},
    other,
    baseDir,
  }
}

/** Reads and parses a tenant.yaml from disk. */
export function readTenantYaml(file: string, keywords: Readonly<Record<string, unknown>> = {}): TenantFile {
  let source: string
  try {
    source = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EISDIR') throw new TenantFileError("is a folder: give the tenant.yaml file (the Deploy CLI's YAML format; its directory format is not read)")
    throw new TenantFileError(`cannot read it: ${code ?? (error as Error).message}`)
  }
  return parseTenantYaml(source, dirname(resolve(file)), keywords)
}

/** A file an entry names (action code), relative to the YAML's folder; null when it cannot be read. */
export function readRelative(baseDir: string, path: string): string | null {
  try {
    return readFileSync(isAbsolute(path) ? path : resolve(baseDir, path), 'utf8')
  } catch {
    return null
  }
}
