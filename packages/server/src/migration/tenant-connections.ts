/**
 * The database connection (`databases`) and upstream connections (`connections`) from a tenant.yaml.
 * Latchkey has one database connection, Username-Password-Authentication: the file sets which
 * applications it is enabled for (by name, as the Deploy CLI writes them); its options are
 * Latchkey's own (password rules, custom scripts…) and are reported when they say anything.
 * Upstream connections of the strategies Latchkey implements (oidc, google-oauth2, github, oauth2)
 * are created or updated with their options checked by the strategy; exports carry no client
 * secrets: a new connection takes its secret from --secrets (`"connection:NAME"`, sealed with the
 * key-encryption key), else it is created without one (set it with `latchkey connections update`),
 * or not carried over when its strategy needs one. An existing connection's secret is never
 * changed. Other strategies are reported with a reason.
 */
import { type ConnectionRecord, createConnection, DATABASE_CONNECTION, isConnectionStrategy, updateConnection } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { recordAdminChange } from '../cli/audit.js'
import { checkClientSecret, checkConnectionOptions } from '../management/connection-options.js'
import { CONNECTION_FIELD_NAMES } from '../management/mappings/connections.js'
import type { PlanContext } from './tenant-plan.js'
import { changedFields, isEmptySetting, item, type LeftOut, orFail, type PlanItem, skip } from './tenant-items.js'
import type { ConnectionEntry, DatabaseEntry } from './tenant-yaml.js'

const DATABASE_OPTION_REASONS: Readonly<Record<string, string>> = {
  customScripts:
    "custom database scripts are not carried over: import the users with their hashes (latchkey import users), or let them log in through Latchkey's trickle migration from the old tenant (this connection's options.import_mode and options.migration_source)",
  enabledDatabaseCustomization: "custom databases are not supported: use latchkey import users, or Latchkey's trickle migration from the old tenant",
  import_mode:
    "Auth0's import mode reads a legacy database through custom scripts; Latchkey's trickle migration reads the old Auth0 tenant instead: set options.import_mode with options.migration_source on this connection",
  passwordPolicy: "Latchkey applies its own password rules (length, breached-password check), not Auth0's policies",
  password_complexity_options: "Latchkey applies its own password rules, not Auth0's complexity options",
  password_history: 'password history is not supported',
  password_no_personal_info: "Latchkey applies its own password rules, not Auth0's personal-information check",
  password_dictionary: "Latchkey applies its own password rules, not Auth0's dictionary",
  requires_username: 'usernames are not supported: users log in with their email',
  validation: 'usernames are not supported: users log in with their email',
  disable_signup: 'sign-up is a server setting in Latchkey, not a connection option',
  'attributes.phone_number': 'phone numbers as identifiers are not supported: users log in with their email',
  'attributes.username': 'usernames are not supported: users log in with their email',
  'authentication_methods.passkey': 'passkeys as a first factor are not supported (WebAuthn is a second factor: latchkey mfa)',
}
/** Options whose parts are reported one by one (an email identifier and passwords are what Latchkey does). */
const DATABASE_NESTED: Readonly<Record<string, readonly string[]>> = { attributes: ['email'], authentication_methods: ['password'] }
/** Options that change nothing in Latchkey (brute-force protection is always on). */
const DATABASE_HARMLESS = new Set(['brute_force_protection', 'strategy_version', 'configuration', 'mfa'])

const STRATEGY_REASONS: Readonly<Record<string, string>> = {
  samlp: 'SAML connections are not supported',
  waad: 'Microsoft Entra ID (waad) connections are not supported: create an oidc connection to Entra ID instead',
  adfs: 'ADFS connections are not supported: use an oidc connection if ADFS offers OpenID Connect',
  ad: 'AD/LDAP connections (the AD connector) are not supported',
  pingfederate: 'PingFederate connections are not supported: use an oidc connection',
  'google-apps': 'Google Workspace connections are not supported: use a google-oauth2 or oidc connection',
  okta: 'Okta Workforce connections are not supported as such: create an oidc connection to Okta instead',
  sms: 'passwordless (SMS) is not supported',
  email: 'passwordless (email) is not supported',
  auth0: `Latchkey has one database connection (${DATABASE_CONNECTION.name})`,
}

/** The applications a connection is enabled for, by name or client_id; unknown ones left out. */
function enabledClients(ctx: PlanContext, refs: readonly string[] | undefined, leftOut: LeftOut[]): string[] | undefined {
  if (refs === undefined) return undefined
  const ids: string[] = []
  for (const ref of refs) {
    const app = ctx.clients.resolve(ref)
    if (typeof app === 'string') leftOut.push({ field: `enabled_clients: ${ref}`, reason: app })
    else ids.push(app.clientId)
  }
  return [...new Set(ids)]
}

/** Enables and disables applications so the connection's list is `wanted`. */
async function setEnabled(store: Store, connection: ConnectionRecord, current: readonly string[], wanted: readonly string[]): Promise<void> {
  const on = wanted.filter((id) => !current.includes(id))
  const off = current.filter((id) => !wanted.includes(id))
  for (const id of on) await store.connections.setEnabled(connection.id, id, true)
  for (const id of off) await store.connections.setEnabled(connection.id, id, false)
  if (on.length + off.length > 0)
    await recordAdminChange(store, { action: 'connection.clients_updated', details: { connection_id: connection.id, name: connection.name, enabled: on, disabled: off, source: 'tenant.yaml' } })
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x))

/**
 * `intoDatabase`: this entry is the one carried into Latchkey's database connection (the file's
 * `Username-Password-Authentication`, else its only database); any other database is skipped.
 */
export function planDatabase(ctx: PlanContext, entry: DatabaseEntry, store: Store, intoDatabase: boolean): Promise<PlanItem> {
  return orFail('databases', entry.name, async () => {
    if (!intoDatabase)
      return skip('databases', entry.name, `Latchkey has one database connection (${DATABASE_CONNECTION.name}): import its users into it with latchkey import users`)
    const current = await store.connections.findByName(DATABASE_CONNECTION.name)
    if (!current) return skip('databases', entry.name, 'the database connection is missing from this database')
    const leftOut: LeftOut[] = []
    if (entry.name !== DATABASE_CONNECTION.name)
      leftOut.push({ field: 'name', reason: `carried into Latchkey's one database connection, ${DATABASE_CONNECTION.name}; its users keep their auth0|… ids` })
    const options = Object.entries(entry.options ?? {}).flatMap(([option, value]): [string, unknown][] => {
      const fine = DATABASE_NESTED[option]
      if (fine === undefined || value === null || typeof value !== 'object') return [[option, value]]
      return Object.entries(value).flatMap(([part, v]): [string, unknown][] => (fine.includes(part) ? [] : [[`${option}.${part}`, v]]))
    })
    for (const [option, value] of options) {
      if (DATABASE_HARMLESS.has(option) || isEmptySetting(value) || (option === 'passwordPolicy' && value === 'none')) continue
      leftOut.push({ field: `options.${option}`, reason: DATABASE_OPTION_REASONS[option] ?? 'Latchkey has no such database option' })
    }
    // Applications created by this import get the database connection, as every new application does.
    const now = [...new Set([...current.enabledClients, ...ctx.newClientIds])]
    const wanted = enabledClients(ctx, entry.enabled_clients, leftOut) ?? now
    if (sameSet(now, wanted)) return item({ section: 'databases', name: current.name, id: current.id, action: 'unchanged', leftOut })
    return item({
      section: 'databases',
      name: current.name,
      id: current.id,
      action: 'update',
      changes: ['enabled_clients'],
      leftOut,
      apply: async (s) => {
        const fresh = await s.connections.get(current.id)
        await setEnabled(s, current, fresh?.enabledClients ?? now, wanted)
      },
    })
  })
}

export function planConnection(ctx: PlanContext, entry: ConnectionEntry, store: Store): Promise<PlanItem> {
  return orFail(
    'connections',
    entry.name,
    async () => {
      if (!isConnectionStrategy(entry.strategy) || entry.strategy === DATABASE_CONNECTION.strategy)
        return skip('connections', entry.name, STRATEGY_REASONS[entry.strategy] ?? `${entry.strategy} connections are not supported: Latchkey connects to oidc, google-oauth2, github and oauth2 providers (a custom oauth2 connection often fits)`)
      const leftOut: LeftOut[] = []
      const { client_secret: _secret, ...options } = entry.options ?? {}
      const listed = enabledClients(ctx, entry.enabled_clients, leftOut)
      const current = await store.connections.findByName(entry.name)
      // The same applications in another order are no change.
      const clients = current && listed && sameSet(current.enabledClients, listed) ? [...current.enabledClients] : listed
      const input = {
        ...(entry.display_name !== undefined ? { displayName: entry.display_name } : {}),
        options,
        ...(entry.metadata !== undefined ? { metadata: entry.metadata } : {}),
        ...(entry.is_domain_connection !== undefined ? { isDomainConnection: entry.is_domain_connection } : {}),
      }
      if (!current) {
        const secret = ctx.secrets[`connection:${entry.name}`]
        const { record: created, clientSecret } = createConnection(
          { ...input, ...(secret !== undefined ? { options: { ...options, client_secret: secret } } : {}), name: entry.name, strategy: entry.strategy, enabledClients: clients },
          ctx.now,
          checkConnectionOptions,
        )
        try {
          checkClientSecret(created, clientSecret)
        } catch {
          return skip(
            'connections',
            entry.name,
            `the export has no client secret and ${entry.strategy} needs one: give it in --secrets as "connection:${entry.name}", or create it with latchkey connections create --name ${entry.name} --strategy ${entry.strategy} … --client-secret-stdin`,
            leftOut,
          )
        }
        const record = clientSecret === null ? created : { ...created, sealedClientSecret: await (await ctx.encryption()).encrypt(clientSecret) }
        if (clientSecret === null && options.type !== 'front_channel')
          leftOut.push({
            field: 'options.client_secret',
            reason: `exports carry no secrets: give it in --secrets as "connection:${entry.name}", or set it with printf %s "$SECRET" | latchkey connections update ${entry.name} --client-secret-stdin`,
          })
        ctx.connectionNames.set(record.id, record.name)
        return item({
          section: 'connections',
          name: record.name,
          id: record.id,
          action: 'create',
          leftOut,
          apply: async (s) => {
            await s.connections.insert(record)
            await recordAdminChange(s, { action: 'connection.created', details: { connection_id: record.id, name: record.name, strategy: record.strategy, enabled_clients: [...record.enabledClients], source: 'tenant.yaml' } })
          },
        })
      }
      if (current.strategy !== entry.strategy)
        return skip('connections', entry.name, `a ${current.strategy} connection has this name in Latchkey: a connection's strategy cannot change`, leftOut)
      const { record: next } = updateConnection(current, { ...input, ...(clients !== undefined ? { enabledClients: clients } : {}) }, ctx.now, checkConnectionOptions)
      const fields = changedFields(current, next)
      if (fields.length === 0) return item({ section: 'connections', name: current.name, id: current.id, action: 'unchanged', leftOut })
      return item({
        section: 'connections',
        name: current.name,
        id: current.id,
        action: 'update',
        changes: fields,
        leftOut,
        apply: async (s) => {
          const { id, name: _name, strategy: _strategy, createdAt: _createdAt, enabledClients: wanted, ...patch } = next
          if (fields.some((f) => f !== 'enabledClients')) {
            await s.connections.update(id, patch)
            await recordAdminChange(s, { action: 'connection.updated', details: { connection_id: id, name: current.name, fields: fields.filter((f) => f !== 'enabledClients'), source: 'tenant.yaml' } })
          }
          await setEnabled(s, current, current.enabledClients, wanted)
        },
      })
    },
    CONNECTION_FIELD_NAMES,
  )
}
