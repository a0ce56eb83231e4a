/**
 * Auth0's connection fields ↔ Latchkey's ConnectionRecord. The zod schemas check shapes, types and
 * sizes and describe the wire format (they feed the OpenAPI document); the rules (names, strategies,
 * metadata, the client secret's place in `options`) stay in @latchkey/core's registration, which the
 * CLI uses too, and each strategy checks its own options (connections/strategies/).
 *
 * The upstream client secret is write-only: it is taken from `options.client_secret`, sealed with
 * the server's key-encryption key and never answered (Auth0 answers it for some strategies;
 * Latchkey never does). Leaving it out of an update keeps the stored one; `null` removes it.
 */
import { type ConnectionRecord, connectionLabel, isDatabaseConnection, MAX_CONNECTION_DISPLAY_NAME_LENGTH, MAX_CONNECTION_NAME_LENGTH, MAX_ENABLED_CLIENTS } from '@latchkey/core'
import { z } from 'zod'
import { badRequest } from '../errors.js'

/** Auth0's limit per PATCH /connections/{id}/clients. */
export const MAX_CLIENT_CHANGES = 50

const optionsIn = z
  .record(z.string().max(200), z.json())
  .describe(
    "The strategy's options, as Auth0 names them (oidc: discovery_url or issuer, client_id, client_secret, scope, type, domain_aliases; google-oauth2 and github: client_id, client_secret; oauth2: the provider's endpoints). " +
      'client_secret is sealed at rest and never answered; on update the options replace the stored ones, except that a missing client_secret keeps the stored one and null removes it. ' +
      'The database connection takes only import_mode and migration_source (trickle migration from an Auth0 tenant: { type: "auth0", domain, client_id, realm?, audience?, timeout_ms? }, the application\'s secret in client_secret).',
  )

const connectionFields = {
  name: z
    .string()
    .max(MAX_CONNECTION_NAME_LENGTH, `name must be at most ${MAX_CONNECTION_NAME_LENGTH} characters`)
    .describe('Unique: letters, digits and "-", starting and ending with a letter or digit. It cannot change later.'),
  display_name: z.string().max(MAX_CONNECTION_DISPLAY_NAME_LENGTH).describe('What the login page\'s button says; an empty string clears it (the name is used).'),
  strategy: z.string().max(64).describe('oidc, google-oauth2, github or oauth2 (auth0 is the database connection, which exists already). It cannot change later.'),
  options: optionsIn,
  enabled_clients: z
    .array(z.string().min(1).max(256))
    .max(MAX_ENABLED_CLIENTS)
    .describe('The client_id of every application that may use it (replaces the set on update); each must exist. PATCH /connections/{id}/clients changes a few.'),
  is_domain_connection: z.boolean().describe("Auth0's domain-level connection flag (kept and answered)."),
  metadata: z.record(z.string().max(255), z.string().max(255).nullable()).describe('Up to 10 string values of at most 255 characters; on update, null removes a key.'),
  realms: z.array(z.string().max(MAX_CONNECTION_NAME_LENGTH)).max(1).describe("A connection's only realm is its name: [] or [name]. Home-realm discovery uses options.domain_aliases."),
  show_as_button: z
    .literal(true, { error: 'Latchkey shows a button for every upstream connection enabled for the application: show_as_button may only be true' })
    .describe('true only.'),
}

export const createConnectionBody = z
  .strictObject({
    name: connectionFields.name,
    strategy: connectionFields.strategy,
    display_name: connectionFields.display_name.optional(),
    options: connectionFields.options.optional(),
    enabled_clients: connectionFields.enabled_clients.optional(),
    is_domain_connection: connectionFields.is_domain_connection.optional(),
    metadata: connectionFields.metadata.optional(),
    realms: connectionFields.realms.optional(),
    show_as_button: connectionFields.show_as_button.optional(),
  })
  .describe('A new connection to an upstream identity provider.')

export const updateConnectionBody = z
  .strictObject({
    display_name: connectionFields.display_name.optional(),
    options: connectionFields.options.optional(),
    enabled_clients: connectionFields.enabled_clients.optional(),
    is_domain_connection: connectionFields.is_domain_connection.optional(),
    metadata: connectionFields.metadata.optional(),
    realms: connectionFields.realms.optional(),
    show_as_button: connectionFields.show_as_button.optional(),
    name: z.string().max(MAX_CONNECTION_NAME_LENGTH).optional().describe('Only the current name: a connection is never renamed.'),
    strategy: z.string().max(64).optional().describe('Only the current strategy: it never changes.'),
  })
  .describe('The fields to change. name and strategy cannot change (as in Auth0).')

export type CreateConnectionBody = z.output<typeof createConnectionBody>
export type UpdateConnectionBody = z.output<typeof updateConnectionBody>

export const enabledClientChangesBody = z
  .array(
    z.strictObject({
      client_id: z.string().min(1).max(256).describe('An application.'),
      status: z.boolean().describe('true enables the connection for it, false disables it.'),
    }),
  )
  .min(1)
  .max(MAX_CLIENT_CHANGES)
  .describe(`At most ${MAX_CLIENT_CHANGES} changes; each application must exist.`)

export type EnabledClientChanges = z.output<typeof enabledClientChangesBody>

export const connectionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    display_name: z.string(),
    strategy: z.string(),
    options: z.record(z.string(), z.unknown()).describe('Never with client_secret.'),
    enabled_clients: z.array(z.string()),
    is_domain_connection: z.boolean(),
    metadata: z.record(z.string(), z.string()),
    realms: z.array(z.string()),
  })
  .describe('A connection: the database connection (strategy auth0) or an upstream identity provider.')

export type Auth0Connection = z.output<typeof connectionSchema>

export const enabledClientSchema = z.object({ client_id: z.string() }).describe('An application the connection is enabled for.')

/** Core's field paths → the Management API's, for messages from the registration rules. */
export const CONNECTION_FIELD_NAMES: Readonly<Record<string, string>> = {
  name: 'name',
  displayName: 'display_name',
  strategy: 'strategy',
  options: 'options',
  enabledClients: 'enabled_clients',
  isDomainConnection: 'is_domain_connection',
  metadata: 'metadata',
}

/** The record in Auth0's shape. The upstream client secret is never part of it. */
export function presentConnection(connection: ConnectionRecord): Auth0Connection {
  const { client_secret: _never, ...options } = connection.options
  return {
    id: connection.id,
    name: connection.name,
    display_name: connectionLabel(connection),
    strategy: connection.strategy,
    options,
    enabled_clients: [...connection.enabledClients],
    is_domain_connection: connection.isDomainConnection,
    metadata: { ...connection.metadata },
    realms: [connection.name],
  }
}

/** `realms` may only say what Latchkey does: the connection's name is its realm. */
export function checkRealms(realms: readonly string[] | undefined, name: string): void {
  if (realms === undefined || realms.length === 0 || (realms.length === 1 && realms[0] === name)) return
  throw badRequest(
    `Payload validation error: realms: a connection's only realm is its name (${JSON.stringify(name)}); for home-realm discovery set options.domain_aliases.`,
  )
}

/** name and strategy may be sent back unchanged (a read-modify-write), never changed. */
export function checkImmutable(current: ConnectionRecord, body: UpdateConnectionBody): void {
  if (body.name !== undefined && body.name !== current.name)
    throw badRequest(`Payload validation error: name cannot change (${current.name}): create a new connection instead.`)
  if (body.strategy !== undefined && body.strategy !== current.strategy)
    throw badRequest(`Payload validation error: strategy cannot change (${current.strategy}): create a new connection instead.`)
}

export const DATABASE_CONNECTION_NOT_DELETABLE = (connection: ConnectionRecord) =>
  isDatabaseConnection(connection)
    ? badRequest(
        `${connection.name} is Latchkey's user database: it cannot be deleted (disable it for the applications that use only other connections: PATCH /api/v2/connections/${connection.id}/clients).`,
        'operation_not_supported',
      )
    : null
