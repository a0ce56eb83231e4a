/**
 * /connections: the ways users log in (Auth0's connections), as Auth0's Management API serves them:
 * the database connection (Username-Password-Authentication, strategy auth0) and the upstream
 * identity providers (oidc, google-oauth2, github, oauth2), and the applications each is enabled
 * for. Creating and changing go through @latchkey/core's registration rules (the CLI's too) and the
 * strategy's own check of its options. The upstream client secret is sealed with the server's
 * key-encryption key before it reaches the store, and never answered. Every change is audited.
 */
import { type ConnectionRecord, createConnection, updateConnection } from '@latchkey/core'
import { ConflictError, type Store } from '@latchkey/storage'
import { z } from 'zod'
import type { Deps } from '../../deps.js'
import { checkClientSecret, checkConnectionOptions } from '../connection-options.js'
import { badRequest, conflict, notFound, registration } from '../errors.js'
import {
  CONNECTION_FIELD_NAMES,
  checkImmutable,
  checkRealms,
  connectionSchema,
  createConnectionBody,
  DATABASE_CONNECTION_NOT_DELETABLE,
  enabledClientChangesBody,
  enabledClientSchema,
  presentConnection,
  updateConnectionBody,
} from '../mappings/connections.js'
import { checkpointPage, checkpointSchema, everyPage, MAX_PER_PAGE, pageAnswer, pagedSchema, pageWindow } from '../paging.js'
import { fieldParams, integerParam, pagingParams, repeatableParam, selectFields } from '../query.js'
import { type Resource, route } from '../route.js'

const STRATEGY_VALUE = /^[a-z0-9-]{1,64}$/

const idParams = z.strictObject({ id: z.string().min(1).max(100).describe('The id of the connection (con_…).') })
const fieldsQuery = z.strictObject(fieldParams)
const checkpointParams = {
  from: z.string().min(1).max(256).optional().describe('Checkpoint paging: the `next` of the previous answer.'),
  take: integerParam(1, MAX_PER_PAGE).optional().describe(`Checkpoint paging: how many results (at most ${MAX_PER_PAGE}; 50 by default).`),
}
const listQuery = z
  .strictObject({
    ...pagingParams,
    ...checkpointParams,
    ...fieldParams,
    strategy: repeatableParam
      .transform((values) => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== ''))
      .pipe(z.array(z.string().regex(STRATEGY_VALUE, 'Expected a strategy name such as oidc or github')).max(100))
      .optional()
      .describe('Only connections of these strategies (the parameter may repeat, or hold a comma-separated list).'),
    name: z.string().min(1).max(128).optional().describe('Only the connection with this name.'),
  })
  .refine((q) => !((q.from !== undefined || q.take !== undefined) && (q.page !== undefined || q.per_page !== undefined || q.include_totals !== undefined)), {
    message: 'Use page/per_page/include_totals or from/take, not both',
  })
const clientsQuery = z.strictObject(checkpointParams)

const CONNECTION_NOT_FOUND = () => notFound('The connection does not exist', 'inexistent_connection')
const ERRORS_404 = { 404: 'The connection does not exist (inexistent_connection).' }

export async function findConnection(store: Store, id: string): Promise<ConnectionRecord> {
  const connection = await store.connections.get(id)
  if (!connection) throw CONNECTION_NOT_FOUND()
  return connection
}

const nameTaken = (err: unknown): never => {
  if (err instanceof ConflictError) throw conflict('A connection with the same name already exists', 'connection_conflict')
  throw err
}

/** Every client id must name an application (Auth0 refuses unknown ones too). */
async function checkClientsExist(store: Store, clientIds: readonly string[] | undefined, field: string): Promise<void> {
  for (const clientId of new Set(clientIds ?? [])) {
    if (!(await store.applications.get(clientId)))
      throw badRequest(`Payload validation error: ${field}: no application has the client_id ${JSON.stringify(clientId.slice(0, 256))}.`)
  }
}

/** Seals a new upstream client secret with the server's key-encryption key. */
const seal = (deps: Deps, secret: string): Promise<string> => deps.keys.encryption.encrypt(secret)

export const connections: Resource = {
  tag: 'connections',
  description: 'Connections: the database connection (Username-Password-Authentication) and upstream identity providers, each enabled per application.',
  routes: [
    route({
      method: 'get',
      path: '/connections',
      summary: 'Get connections',
      scopes: ['read:connections'],
      query: listQuery,
      answer: {
        status: 200,
        description: 'The connections, oldest first: by offset, or by checkpoint (what Auth0\'s SDK v5 asks) when from or take is given.',
        schema: z.union([pagedSchema('connections', connectionSchema), checkpointSchema('connections', connectionSchema)]),
      },
      async handle({ deps, query }) {
        const filter = {
          ...(query.strategy !== undefined ? { strategy: query.strategy } : {}),
          ...(query.name !== undefined ? { name: query.name } : {}),
        }
        const present = (connection: ConnectionRecord) => selectFields(presentConnection(connection), query)
        if (query.from !== undefined || query.take !== undefined) {
          const all = await everyPage((p) => deps.store.connections.list({ ...filter, ...p }))
          return { status: 200, body: checkpointPage('connections', all.map(present), query.from, query.take ?? 50) }
        }
        const rows = await deps.store.connections.list({ ...filter, ...pageWindow(query) })
        return pageAnswer('connections', query, rows.map(present), () => deps.store.connections.count(filter))
      },
    }),
    route({
      method: 'post',
      path: '/connections',
      summary: 'Create a connection',
      scopes: ['create:connections'],
      body: createConnectionBody,
      answer: { status: 201, description: 'The new connection (without its client secret).', schema: connectionSchema },
      errors: { 409: 'A connection with this name exists (connection_conflict).' },
      async handle({ deps, body, audit }) {
        checkRealms(body.realms, body.name)
        await checkClientsExist(deps.store, body.enabled_clients, 'enabled_clients')
        const { record, clientSecret } = registration(CONNECTION_FIELD_NAMES, () =>
          createConnection(
            {
              name: body.name,
              strategy: body.strategy,
              displayName: body.display_name,
              options: body.options,
              enabledClients: body.enabled_clients,
              isDomainConnection: body.is_domain_connection,
              metadata: body.metadata,
            },
            deps.clock.now(),
            checkConnectionOptions,
          ),
        )
        registration(CONNECTION_FIELD_NAMES, () => checkClientSecret(record, clientSecret))
        const created = { ...record, sealedClientSecret: clientSecret === null ? null : await seal(deps, clientSecret) }
        await deps.store.connections.insert(created).catch(nameTaken)
        await audit.change({
          action: 'connection.created',
          description: 'Create a connection',
          details: { connection_id: created.id, name: created.name, strategy: created.strategy, enabled_clients: [...created.enabledClients] },
        })
        return { status: 201, body: presentConnection(created) }
      },
    }),
    route({
      method: 'get',
      path: '/connections/:id',
      summary: 'Get a connection',
      scopes: ['read:connections'],
      params: idParams,
      query: fieldsQuery,
      answer: { status: 200, description: 'The connection (without its client secret).', schema: connectionSchema },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        return { status: 200, body: selectFields(presentConnection(await findConnection(deps.store, params.id)), query) }
      },
    }),
    route({
      method: 'patch',
      path: '/connections/:id',
      summary: 'Update a connection',
      scopes: ['update:connections'],
      params: idParams,
      body: updateConnectionBody,
      answer: { status: 200, description: 'The connection as changed (without its client secret).', schema: connectionSchema },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const current = await findConnection(deps.store, params.id)
        checkImmutable(current, body)
        checkRealms(body.realms, current.name)
        await checkClientsExist(deps.store, body.enabled_clients, 'enabled_clients')
        const { record, clientSecret } = registration(CONNECTION_FIELD_NAMES, () =>
          updateConnection(
            current,
            {
              ...(body.display_name !== undefined ? { displayName: body.display_name } : {}),
              ...(body.options !== undefined ? { options: body.options } : {}),
              ...(body.enabled_clients !== undefined ? { enabledClients: body.enabled_clients } : {}),
              ...(body.is_domain_connection !== undefined ? { isDomainConnection: body.is_domain_connection } : {}),
              ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
            },
            deps.clock.now(),
            checkConnectionOptions,
          ),
        )
        registration(CONNECTION_FIELD_NAMES, () => checkClientSecret(record, clientSecret))
        const sealedClientSecret = typeof clientSecret === 'string' ? await seal(deps, clientSecret) : record.sealedClientSecret
        const { id, name: _name, strategy: _strategy, createdAt: _createdAt, ...patch } = { ...record, sealedClientSecret }
        const updated = await deps.store.connections.update(id, patch)
        if (!updated) throw CONNECTION_NOT_FOUND()
        // A changed issuer or options take effect at once here; other nodes hear the store's change notice.
        deps.strategies.forget(updated.name)
        await audit.change({
          action: 'connection.updated',
          description: 'Update a connection',
          details: {
            connection_id: id,
            name: updated.name,
            strategy: updated.strategy,
            fields: Object.keys(body),
            ...(clientSecret !== undefined ? { client_secret: clientSecret === null ? 'removed' : 'replaced' } : {}),
          },
        })
        return { status: 200, body: presentConnection(updated) }
      },
    }),
    route({
      method: 'delete',
      path: '/connections/:id',
      summary: 'Delete a connection and its users',
      scopes: ['delete:connections'],
      params: idParams,
      answer: { status: 204, description: 'Deleted, with the users whose connection it is and the identities of other users at it (as Auth0 does).' },
      errors: { ...ERRORS_404, 400: 'The database connection cannot be deleted (operation_not_supported).' },
      async handle({ deps, params, audit }) {
        const connection = await findConnection(deps.store, params.id)
        const refusal = DATABASE_CONNECTION_NOT_DELETABLE(connection)
        if (refusal) throw refusal
        if (!(await deps.store.connections.delete(connection.id))) throw CONNECTION_NOT_FOUND()
        deps.strategies.forget(connection.name)
        await audit.change({
          action: 'connection.deleted',
          description: 'Delete a connection',
          details: { connection_id: connection.id, name: connection.name, strategy: connection.strategy },
        })
        return { status: 204 }
      },
    }),
    route({
      method: 'get',
      path: '/connections/:id/clients',
      summary: 'Get the applications a connection is enabled for',
      scopes: ['read:connections'],
      params: idParams,
      query: clientsQuery,
      answer: { status: 200, description: 'By client_id, checkpoint paging: `next` while more remain.', schema: checkpointSchema('clients', enabledClientSchema) },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const connection = await findConnection(deps.store, params.id)
        const page = await deps.store.connections.listClients(connection.id, {
          ...(query.from !== undefined ? { from: query.from } : {}),
          take: query.take ?? 50,
        })
        return { status: 200, body: { clients: page.items.map((clientId) => ({ client_id: clientId })), ...(page.next ? { next: page.next } : {}) } }
      },
    }),
    route({
      method: 'patch',
      path: '/connections/:id/clients',
      summary: 'Enable or disable a connection for applications',
      scopes: ['update:connections'],
      params: idParams,
      body: enabledClientChangesBody,
      answer: { status: 204, description: 'Changed.' },
      errors: ERRORS_404,
      async handle({ deps, params, body, audit }) {
        const connection = await findConnection(deps.store, params.id)
        const wanted = new Map<string, boolean>()
        for (const { client_id: clientId, status } of body) {
          if (wanted.has(clientId) && wanted.get(clientId) !== status)
            throw badRequest(`Payload validation error: client_id ${JSON.stringify(clientId)} is both enabled and disabled in this request.`)
          wanted.set(clientId, status)
        }
        await checkClientsExist(deps.store, [...wanted.keys()], 'client_id')
        await deps.store.transaction(async (tx) => {
          for (const [clientId, status] of wanted) await tx.connections.setEnabled(connection.id, clientId, status)
        })
        const ids = (status: boolean) => [...wanted].filter(([, s]) => s === status).map(([clientId]) => clientId)
        await audit.change({
          action: 'connection.clients_updated',
          description: 'Enable or disable a connection for applications',
          details: { connection_id: connection.id, name: connection.name, enabled_clients: ids(true), disabled_clients: ids(false) },
        })
        return { status: 204 }
      },
    }),
  ],
}
