/**
 * /organizations (Auth0's Organizations): create, list (offset or checkpoint paging), get by id or
 * name, update, delete; and their enabled connections (the ways to log in to the organization,
 * each perhaps making members of those who use it). Members and invitations are in
 * organization-members.ts and organization-invitations.ts. Every change goes to the audit log.
 */
import { createOrganization, findOrganization, type OrganizationRecord, updateOrganization } from '@latchkey/core'
import { ConflictError, type Store } from '@latchkey/storage'
import { z } from 'zod'
import { CONNECTION_NAME, LEGACY_CONNECTION_ID, organizationBody } from '../../organizations/shape.js'
import { badRequest, conflict, notFound, registration } from '../errors.js'
import {
  addConnectionBody,
  CONNECTION_NOT_FOUND,
  checkSignup,
  connectionIdOf,
  connectionInput,
  createOrganizationBody,
  enabledConnectionBody,
  enabledConnectionSchema,
  ORGANIZATION_FIELD_NAMES,
  organizationInput,
  organizationSchema,
  updateConnectionBody,
  updateOrganizationBody,
} from '../mappings/organizations.js'
import { checkpointSchema, pageAnswer, pagedSchema, pageWindow } from '../paging.js'
import { integerParam, pagingParams } from '../query.js'
import { type Resource, route } from '../route.js'

export const idParams = z.strictObject({ id: z.string().min(1).max(100).describe('The organization id (org_…).') })
const nameParams = z.strictObject({ name: z.string().min(1).max(100).describe('The organization name.') })
const connectionParams = z.strictObject({
  id: idParams.shape.id,
  connectionId: z.string().min(1).max(100).describe(`The connection's id (for the database connection, ${LEGACY_CONNECTION_ID} or ${CONNECTION_NAME} accepted too).`),
})

/** Offset paging (page, per_page, include_totals) or checkpoint paging (from, take), not both. */
export const listQuery = z
  .strictObject({
    ...pagingParams,
    from: z.string().min(1).max(256).optional().describe('Checkpoint paging: the `next` of the previous answer.'),
    take: integerParam(1, 100).optional().describe('Checkpoint paging: how many results (50 by default).'),
  })
  .refine((q) => !((q.from !== undefined || q.take !== undefined) && (q.page !== undefined || q.per_page !== undefined || q.include_totals !== undefined)), {
    message: 'Use page/per_page/include_totals or from/take, not both',
  })

export const ORGANIZATION_NOT_FOUND = () => notFound('No organization found by that id or name.', 'inexistent_organization')

export async function findOrg(store: Store, id: string): Promise<OrganizationRecord> {
  const org = id.startsWith('org_') ? await store.organizations.get(id) : null
  if (!org) throw ORGANIZATION_NOT_FOUND()
  return org
}

const nameTaken = (err: unknown): never => {
  if (err instanceof ConflictError) throw conflict('An organization with this name already exists.', 'organization_conflict')
  throw err
}

const ERRORS_404 = { 404: 'No such organization (inexistent_organization).' }

export const organizations: Resource = {
  tag: 'organizations',
  description: 'Organizations: the businesses whose members log in to them (`organization` at /authorize, org_id and org_name in tokens).',
  routes: [
    route({
      method: 'get',
      path: '/organizations',
      summary: 'List organizations',
      scopes: ['read:organizations'],
      query: listQuery,
      answer: {
        status: 200,
        description: 'Offset paging: the organizations oldest first. Checkpoint paging (from/take): ordered by id, with `next` while more remain.',
        schema: z.union([pagedSchema('organizations', organizationSchema), checkpointSchema('organizations', organizationSchema)]),
      },
      async handle({ deps, query }) {
        if (query.from !== undefined || query.take !== undefined) {
          const page = await deps.store.organizations.listFrom({ ...(query.from ? { from: query.from } : {}), take: query.take ?? 50 })
          return { status: 200, body: { organizations: page.items.map(organizationBody), ...(page.next ? { next: page.next } : {}) } }
        }
        const rows = await deps.store.organizations.list(pageWindow(query))
        return pageAnswer('organizations', query, rows.map(organizationBody), () => deps.store.organizations.count())
      },
    }),
    route({
      method: 'post',
      path: '/organizations',
      summary: 'Create an organization',
      scopes: ['create:organizations'],
      body: createOrganizationBody,
      answer: { status: 201, description: 'The new organization.', schema: organizationSchema },
      errors: { 409: 'An organization with this name exists (organization_conflict).' },
      async handle({ deps, body, audit }) {
        const missing = (ref: string) => badRequest(`Connections: ${ref.slice(0, 100)} not found.`)
        const connections = body.enabled_connections ? await Promise.all(body.enabled_connections.map((c) => connectionInput(deps.store, c, missing))) : undefined
        if (connections && new Set(connections.map((c) => c.connectionId)).size < connections.length) throw badRequest('Payload validation error: a connection is named more than once in enabled_connections.')
        const org = registration(ORGANIZATION_FIELD_NAMES, () => createOrganization({ ...organizationInput(body), name: body.name }, deps.clock.now()))
        // Without enabled_connections, the database connection (the store's default, Latchkey's behaviour before organizations had connections).
        await deps.store.organizations.insert(org, connections).catch(nameTaken)
        await audit.change({ action: 'organization.created', description: 'Create an organization', details: { org_id: org.id, name: org.name } })
        return { status: 201, body: organizationBody(org) }
      },
    }),
    route({
      method: 'get',
      path: '/organizations/name/:name',
      summary: 'Get an organization by name',
      scopes: ['read:organizations'],
      params: nameParams,
      answer: { status: 200, description: 'The organization.', schema: organizationSchema },
      errors: ERRORS_404,
      async handle({ deps, params }) {
        const org = params.name.startsWith('org_') ? null : await findOrganization(deps.store.organizations, params.name)
        if (!org) throw ORGANIZATION_NOT_FOUND()
        return { status: 200, body: organizationBody(org) }
      },
    }),
    route({
      method: 'get',
      path: '/organizations/:id',
      summary: 'Get an organization',
      scopes: ['read:organizations'],
      params: idParams,
      answer: { status: 200, description: 'The organization.', schema: organizationSchema },
      errors: ERRORS_404,
      async handle({ deps, params }) {
        return { status: 200, body: organizationBody(await findOrg(deps.store, params.id)) }
      },
    }),
    route({
      method: 'patch',
      path: '/organizations/:id',
      summary: 'Update an organization',
      scopes: ['update:organizations'],
      params: idParams,
      body: updateOrganizationBody,
      answer: { status: 200, description: 'The organization as updated.', schema: organizationSchema },
      errors: { ...ERRORS_404, 409: 'The new name is taken (organization_conflict).' },
      async handle({ deps, params, body, audit }) {
        const input = organizationInput(body)
        if (Object.keys(input).length === 0 && body.branding === undefined) throw badRequest('Payload validation error: nothing to update.')
        const current = await findOrg(deps.store, params.id)
        const next = registration(ORGANIZATION_FIELD_NAMES, () =>
          updateOrganization(current, body.branding === null ? { ...input, branding: null } : input, deps.clock.now()),
        )
        const { id, createdAt: _createdAt, ...patch } = next
        const updated = (await deps.store.organizations.update(id, patch).catch(nameTaken)) ?? next
        await audit.change({ action: 'organization.updated', description: 'Update an organization', details: { org_id: id, name: updated.name, fields: Object.keys(body) } })
        return { status: 200, body: organizationBody(updated) }
      },
    }),
    route({
      method: 'delete',
      path: '/organizations/:id',
      summary: 'Delete an organization (its memberships, invitations and the refresh tokens issued for it; the users stay)',
      scopes: ['delete:organizations'],
      params: idParams,
      answer: { status: 204, description: 'Deleted.' },
      errors: ERRORS_404,
      async handle({ deps, params, audit }) {
        const org = await findOrg(deps.store, params.id)
        if (!(await deps.store.organizations.delete(org.id))) throw ORGANIZATION_NOT_FOUND()
        await audit.change({ action: 'organization.deleted', description: 'Delete an organization', details: { org_id: org.id, name: org.name } })
        return { status: 204 }
      },
    }),
    route({
      method: 'get',
      path: '/organizations/:id/enabled_connections',
      summary: 'List the connections enabled for an organization',
      scopes: ['read:organization_connections'],
      params: idParams,
      query: z.strictObject(pagingParams),
      answer: { status: 200, description: 'The enabled connections, oldest first.', schema: pagedSchema('enabled_connections', enabledConnectionSchema) },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const org = await findOrg(deps.store, params.id)
        const rows = await deps.store.organizations.listConnections(org.id, pageWindow(query))
        return pageAnswer('enabled_connections', query, rows.map(enabledConnectionBody), () => deps.store.organizations.countConnections(org.id))
      },
    }),
    route({
      method: 'post',
      path: '/organizations/:id/enabled_connections',
      summary: 'Enable a connection for an organization',
      scopes: ['create:organization_connections'],
      params: idParams,
      body: addConnectionBody,
      answer: { status: 201, description: 'The enabled connection.', schema: enabledConnectionSchema },
      errors: { 404: 'No such organization or connection.', 409: 'The connection is already enabled for the organization.' },
      async handle({ deps, params, body, audit }) {
        const org = await findOrg(deps.store, params.id)
        const input = await connectionInput(deps.store, body, CONNECTION_NOT_FOUND)
        if (!(await deps.store.organizations.enableConnection(org.id, input, deps.clock.now()))) {
          // Not added: already there, or the organization or connection went meanwhile.
          if (!(await deps.store.organizations.getConnection(org.id, input.connectionId))) throw CONNECTION_NOT_FOUND()
          throw conflict('The connection is already enabled for this organization.', 'connection_already_enabled')
        }
        const enabled = await deps.store.organizations.getConnection(org.id, input.connectionId)
        if (!enabled) throw CONNECTION_NOT_FOUND()
        await audit.change({
          action: 'organization.connection_enabled',
          description: 'Enable a connection for an organization',
          details: { org_id: org.id, connection_id: enabled.connectionId, connection: enabled.connection.name, assign_membership_on_login: enabled.assignMembershipOnLogin },
        })
        return { status: 201, body: enabledConnectionBody(enabled) }
      },
    }),
    route({
      method: 'get',
      path: '/organizations/:id/enabled_connections/:connectionId',
      summary: 'Get a connection enabled for an organization',
      scopes: ['read:organization_connections'],
      params: connectionParams,
      answer: { status: 200, description: 'The enabled connection.', schema: enabledConnectionSchema },
      errors: { 404: 'No such organization, or the connection is not enabled for it.' },
      async handle({ deps, params }) {
        const org = await findOrg(deps.store, params.id)
        const connectionId = await connectionIdOf(deps.store, params.connectionId)
        const enabled = connectionId === null ? null : await deps.store.organizations.getConnection(org.id, connectionId)
        if (!enabled) throw CONNECTION_NOT_FOUND()
        return { status: 200, body: enabledConnectionBody(enabled) }
      },
    }),
    route({
      method: 'patch',
      path: '/organizations/:id/enabled_connections/:connectionId',
      summary: 'Update a connection enabled for an organization',
      scopes: ['update:organization_connections'],
      params: connectionParams,
      body: updateConnectionBody,
      answer: { status: 200, description: 'The enabled connection.', schema: enabledConnectionSchema },
      errors: { 404: 'No such organization, or the connection is not enabled for it.' },
      async handle({ deps, params, body, audit }) {
        const org = await findOrg(deps.store, params.id)
        checkSignup(body)
        const connectionId = await connectionIdOf(deps.store, params.connectionId)
        const patch = {
          ...(body.assign_membership_on_login !== undefined ? { assignMembershipOnLogin: body.assign_membership_on_login } : {}),
          ...(body.show_as_button !== undefined ? { showAsButton: body.show_as_button } : {}),
        }
        const updated = connectionId === null ? null : await deps.store.organizations.updateConnection(org.id, connectionId, patch)
        if (!updated) throw CONNECTION_NOT_FOUND()
        await audit.change({
          action: 'organization.connection_updated',
          description: 'Update a connection enabled for an organization',
          details: { org_id: org.id, connection_id: updated.connectionId, connection: updated.connection.name, fields: Object.keys(body) },
        })
        return { status: 200, body: enabledConnectionBody(updated) }
      },
    }),
    route({
      method: 'delete',
      path: '/organizations/:id/enabled_connections/:connectionId',
      summary: 'Disable a connection for an organization (its members stay members)',
      scopes: ['delete:organization_connections'],
      params: connectionParams,
      answer: { status: 204, description: 'Disabled.' },
      errors: { 404: 'No such organization, or the connection is not enabled for it.' },
      async handle({ deps, params, audit }) {
        const org = await findOrg(deps.store, params.id)
        const connectionId = await connectionIdOf(deps.store, params.connectionId)
        if (connectionId === null || !(await deps.store.organizations.disableConnection(org.id, connectionId))) throw CONNECTION_NOT_FOUND()
        await audit.change({ action: 'organization.connection_disabled', description: 'Disable a connection for an organization', details: { org_id: org.id, connection_id: connectionId } })
        return { status: 204 }
      },
    }),
  ],
}
