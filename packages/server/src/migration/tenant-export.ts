/**
 * `latchkey export tenant`: Latchkey's configuration as the Auth0 Deploy CLI's tenant.yaml, in the
 * Management API's shapes (the same mappings its answers use), with every client_id and
 * organization id (as the Deploy CLI's --export_ids writes them), so `latchkey import tenant` reads
 * it back keeping them. Client grants and enabled_clients name applications by name, as the Deploy
 * CLI does (by client_id when two share a name). No secrets: not the applications', not the
 * connections', not the actions' (their names only). Action code goes to files beside the YAML.
 * The deployment's MFA policy, when set, is Auth0's guardianPolicies.
 */
import { createPublicKey } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { ACTION_TRIGGERS, ADMIN_CONSOLE_CLIENT_ID, type ApplicationRecord, isDatabaseConnection } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { stringify } from 'yaml'
import { CliError, listAll } from '../cli/run.js'
import { ADMIN_ROLE_NAMES } from '../management/admins.js'
import { TRIGGER_VERSIONS, ACTION_RUNTIME } from '../management/mappings/actions.js'
import { presentClient } from '../management/mappings/clients.js'
import { presentResourceServer } from '../management/mappings/resource-servers.js'
import { guardianPolicies } from '../management/resources/guardian.js'
import { MFA_POLICY_SETTING } from '../mfa/requirement.js'
import { isMfaPolicy } from '../mfa/settings.js'
import { brandingBody } from '../organizations/shape.js'

export interface ExportedTenant {
  readonly yaml: string
  readonly counts: Readonly<Record<string, number>>
}

/** A private_key_jwt application's keys as Auth0's credentials (PEM), so the export can be imported. */
function credentials(app: ApplicationRecord) {
  return (app.jwks?.keys ?? []).map((jwk, i) => ({
    credential_type: 'public_key',
    name: jwk.kid ?? `key-${i + 1}`,
    pem: createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString(),
    ...(jwk.alg ? { alg: jwk.alg } : {}),
    ...(jwk.kid ? { kid: jwk.kid } : {}),
  }))
}

function client(app: ApplicationRecord) {
  const { client_secret: _secret, client_authentication_methods: _methods, ...body } = presentClient(app)
  return app.tokenEndpointAuthMethod === 'private_key_jwt' ? { ...body, client_authentication_methods: { private_key_jwt: { credentials: credentials(app) } } } : body
}

/** A folder name for an action's code. */
const folder = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_')

/**
 * The tenant as YAML. With `output`, action code is written to `actions/<name>/code.js` beside it;
 * without, a tenant with actions is refused (the YAML names its code files).
 */
export async function exportTenant(store: Store, output?: string): Promise<ExportedTenant> {
  // What the server keeps itself is not exported: the Management API, the admin console's app and the administrator roles.
  const apps = (await listAll((page) => store.applications.list(page))).filter((app) => app.clientId !== ADMIN_CONSOLE_CLIENT_ID)
  const apis = (await listAll((page) => store.apis.list(page))).filter((api) => !api.isSystem)
  const grants = await listAll((page) => store.clientGrants.list(page))
  const roles = (await listAll((page) => store.roles.list(page))).filter((role) => !ADMIN_ROLE_NAMES.has(role.name))
  const connections = await listAll((page) => store.connections.list(page))
  const organizations = await listAll((page) => store.organizations.list(page))
  const orgConnections = new Map(await Promise.all(organizations.map(async (org) => [org.id, await store.organizations.listConnections(org.id)] as const)))
  const actions = await listAll((page) => store.actions.list(page))
  const policy = await store.settings.get(MFA_POLICY_SETTING)
  if (actions.length > 0 && output === undefined) throw new CliError('the tenant has actions, whose code is written beside the YAML: give --output FILE', 2)

  const names = new Map<string, number>()
  for (const app of apps) names.set(app.name, (names.get(app.name) ?? 0) + 1)
  const byId = new Map(apps.map((a) => [a.clientId, a]))
  const exported = (clientIds: readonly string[]) => clientIds.filter((id) => id !== ADMIN_CONSOLE_CLIENT_ID)
  const ref = (clientId: string) => {
    const app = byId.get(clientId)
    return app && names.get(app.name) === 1 ? app.name : clientId
  }

  const doc: Record<string, unknown> = {
    resourceServers: apis.map((api) => {
      const { id: _id, is_system: _system, ...body } = presentResourceServer(api)
      return body
    }),
    clients: apps.map(client),
    clientGrants: grants.map((g) => ({ client_id: ref(g.clientId), audience: g.audience, scope: [...g.scope] })),
    roles: await Promise.all(
      roles.map(async (role) => ({
        name: role.name,
        description: role.description,
        permissions: (await listAll((page) => store.roles.listPermissions(role.id, page))).map((p) => ({ permission_name: p.name, resource_server_identifier: p.apiIdentifier })),
      })),
    ),
    databases: connections
      .filter((c) => isDatabaseConnection(c))
      .map((c) => ({ name: c.name, strategy: c.strategy, enabled_clients: exported(c.enabledClients).map(ref), options: {} })),
    connections: connections
      .filter((c) => !isDatabaseConnection(c))
      .map((c) => ({
        name: c.name,
        strategy: c.strategy,
        ...(c.displayName !== null ? { display_name: c.displayName } : {}),
        enabled_clients: exported(c.enabledClients).map(ref),
        is_domain_connection: c.isDomainConnection,
        options: c.options,
        ...(Object.keys(c.metadata).length ? { metadata: c.metadata } : {}),
      })),
    organizations: organizations.map((org) => ({
      id: org.id,
      name: org.name,
      ...(org.displayName !== null ? { display_name: org.displayName } : {}),
      ...(org.branding ? { branding: brandingBody(org.branding) } : {}),
      ...(Object.keys(org.metadata).length ? { metadata: org.metadata } : {}),
      connections: (orgConnections.get(org.id) ?? []).map((c) => ({ name: c.connection.name, assign_membership_on_login: c.assignMembershipOnLogin, show_as_button: c.showAsButton })),
    })),
    actions: actions.map((action) => ({
      name: action.name,
      code: `./actions/${folder(action.name)}/code.js`,
      runtime: ACTION_RUNTIME,
      dependencies: action.dependencies.map((d) => ({ name: d.name, version: d.version })),
      secrets: action.secretNames.map((name) => ({ name })),
      supported_triggers: [{ id: action.trigger, version: TRIGGER_VERSIONS[action.trigger] }],
      deployed: action.deployed !== null,
    })),
    ...(isMfaPolicy(policy) ? { guardianPolicies: { policies: guardianPolicies(policy) } } : {}),
    triggers: Object.fromEntries(
      await Promise.all(ACTION_TRIGGERS.map(async (trigger) => [trigger, (await store.actions.bound(trigger)).map((b) => ({ action_name: b.name, display_name: b.displayName }))])),
    ),
  }
  if (output !== undefined) {
    for (const action of actions) {
      const file = join(dirname(resolve(output)), 'actions', folder(action.name), 'code.js')
      mkdirSync(dirname(file), { recursive: true })
      writeFileSync(file, action.code)
    }
  }
  const counts = {
    clients: apps.length,
    resourceServers: apis.length,
    clientGrants: grants.length,
    roles: roles.length,
    connections: connections.length,
    organizations: organizations.length,
    actions: actions.length,
  }
  return { yaml: stringify(doc, { lineWidth: 0 }), counts }
}
