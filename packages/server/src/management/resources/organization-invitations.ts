/**
 * /organizations/{id}/invitations, as Auth0 serves them: the answer to a create carries the
 * `invitation_url` (and `ticket_id`) once, since Latchkey keeps only the ticket's hash; with
 * `send_invitation_email` (by default, where email can be sent: Auth0's default is true) the link is
 * also emailed to the invitee (the `user_invitation` template, through the outbox). Lists show the invitations still
 * pending (Auth0 drops accepted ones). Every change goes to the audit log.
 */
import { createInvitation, type InvitationRecord } from '@latchkey/core'
import { z } from 'zod'
import { CONNECTION_NAME, databaseConnectionId, invitationBody } from '../../organizations/shape.js'
import { badRequest, notFound, registration } from '../errors.js'
import { checkConnectionId, createInvitationBody, invitationSchema, ORGANIZATION_FIELD_NAMES } from '../mappings/organizations.js'
import { pageAnswer, pagedSchema, slicePage, everyPage } from '../paging.js'
import { fieldParams, pagingParams, selectFields } from '../query.js'
import { type Resource, route } from '../route.js'
import { findOrg, idParams } from './organizations.js'
import { findRoles } from './roles.js'

const invitationParams = z.strictObject({ id: idParams.shape.id, invitation_id: z.string().min(1).max(100).describe('The invitation id (uinv_…).') })
const listQuery = z.strictObject({
  ...pagingParams,
  ...fieldParams,
  sort: z.enum(['created_at:1', 'created_at:-1']).optional().describe('created_at:1 (oldest first, the default) or created_at:-1.'),
})

const INVITATION_NOT_FOUND = () => notFound('The invitation does not exist.', 'inexistent_invitation')
const ERRORS_404 = { 404: 'No such organization or invitation.' }

export const organizationInvitations: Resource = {
  tag: 'organization-invitations',
  description: 'Invitations to join organizations, by link.',
  routes: [
    route({
      method: 'get',
      path: '/organizations/:id/invitations',
      summary: 'List the pending invitations of an organization',
      scopes: ['read:organization_invitations'],
      params: idParams,
      query: listQuery,
      answer: { status: 200, description: 'The invitations not accepted yet (expired ones included).', schema: pagedSchema('invitations', invitationSchema) },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const org = await findOrg(deps.store, params.id)
        const all = (await everyPage((page) => deps.store.invitations.listForOrganization(org.id, page))).filter((inv) => inv.consumedAt === null)
        if (query.sort === 'created_at:-1') all.reverse()
        const databaseId = await databaseConnectionId(deps.store)
        const present = (inv: InvitationRecord) => selectFields(invitationBody(inv, databaseId), query)
        return pageAnswer('invitations', query, slicePage(all, query).map(present), async () => all.length)
      },
    }),
    route({
      method: 'post',
      path: '/organizations/:id/invitations',
      summary: 'Invite someone to an organization',
      scopes: ['create:organization_invitations'],
      params: idParams,
      body: createInvitationBody,
      answer: { status: 201, description: 'The invitation, with its invitation_url (shown only now).', schema: invitationSchema },
      errors: { 404: 'No such organization or application.', 400: 'Among others: a role does not exist (inexistent_role).' },
      async handle({ deps, params, body, audit }) {
        const org = await findOrg(deps.store, params.id)
        const sendEmail = body.send_invitation_email ?? deps.email.available
        if (sendEmail && !deps.email.available) throw badRequest('send_invitation_email: no email can be sent (configure LATCHKEY_SMTP_URL); send the invitation_url yourself, with send_invitation_email false.', 'operation_not_supported')
        const databaseId = await databaseConnectionId(deps.store)
        checkConnectionId(body.connection_id, databaseId)
        // An invitation is accepted with a password (or a sign-up): useless where the organization does not use the user database.
        if (!(await deps.store.organizations.getConnection(org.id, databaseId)))
          throw badRequest(
            `Payload validation error: the invitation's connection, ${databaseId} (${CONNECTION_NAME}), is not enabled for this organization: enable it first (POST /api/v2/organizations/${org.id}/enabled_connections).`,
          )
        for (const field of ['app_metadata', 'user_metadata'] as const) {
          if (body[field] !== undefined && Object.keys(body[field]).length > 0)
            throw badRequest(`Payload validation error: ${field} is not supported on invitations by Latchkey: set it on the user after they join.`)
        }
        const app = await deps.store.applications.get(body.client_id)
        if (!app) throw notFound('The client does not exist.', 'inexistent_client')
        if (body.roles !== undefined && body.roles.length > 0) await findRoles(deps.store, body.roles, 400)
        const { record, ticket, url } = registration(ORGANIZATION_FIELD_NAMES, () =>
          createInvitation(
            { email: body.invitee.email, clientId: app.clientId, inviterName: body.inviter.name, roles: body.roles ?? [], ...(body.ttl_sec !== undefined ? { ttlSeconds: body.ttl_sec } : {}) },
            org,
            app,
            deps.clock.now(),
          ),
        )
        await deps.store.transaction(async (tx) => {
          await tx.invitations.insert(record)
          if (sendEmail)
            await deps.email.enqueue(
              {
                template: 'user_invitation',
                to: record.inviteeEmail,
                userId: null,
                variables: {
                  application: { name: app.name },
                  user: { email: record.inviteeEmail, name: null },
                  url,
                  organization: { name: org.displayName ?? org.name },
                  inviter: { name: record.inviterName },
                  locale: null,
                },
              },
              tx,
            )
        })
        await audit.change({
          action: 'invitation.created',
          description: 'Invite a user to an organization',
          details: { org_id: org.id, invitation_id: record.id, target_client_id: app.clientId, invitee: record.inviteeEmail, roles: [...record.roles], email_sent: sendEmail },
        })
        return { status: 201, body: invitationBody(record, databaseId, { url, ticket }) }
      },
    }),
    route({
      method: 'get',
      path: '/organizations/:id/invitations/:invitation_id',
      summary: 'Get an invitation',
      scopes: ['read:organization_invitations'],
      params: invitationParams,
      query: z.strictObject(fieldParams),
      answer: { status: 200, description: 'The invitation (without its link: only its hash is kept).', schema: invitationSchema },
      errors: ERRORS_404,
      async handle({ deps, params, query }) {
        const org = await findOrg(deps.store, params.id)
        const invitation = await deps.store.invitations.get(params.invitation_id)
        if (!invitation || invitation.orgId !== org.id) throw INVITATION_NOT_FOUND()
        return { status: 200, body: selectFields(invitationBody(invitation, await databaseConnectionId(deps.store)), query) }
      },
    }),
    route({
      method: 'delete',
      path: '/organizations/:id/invitations/:invitation_id',
      summary: 'Delete (revoke) an invitation: its link stops working',
      scopes: ['delete:organization_invitations'],
      params: invitationParams,
      answer: { status: 204, description: 'Deleted.' },
      errors: ERRORS_404,
      async handle({ deps, params, audit }) {
        const org = await findOrg(deps.store, params.id)
        const invitation = await deps.store.invitations.get(params.invitation_id)
        if (!invitation || invitation.orgId !== org.id || !(await deps.store.invitations.delete(invitation.id))) throw INVITATION_NOT_FOUND()
        await audit.change({
          action: 'invitation.revoked',
          description: 'Revoke an organization invitation',
          details: { org_id: org.id, invitation_id: invitation.id, target_client_id: invitation.clientId, invitee: invitation.inviteeEmail },
        })
        return { status: 204 }
      },
    }),
  ],
}
