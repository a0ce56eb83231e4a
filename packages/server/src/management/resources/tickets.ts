/**
 * Auth0's tickets and verification-email job (issue 14):
 *
 * - `POST /tickets/password-change` and `POST /tickets/email-verification` answer `{ ticket }`: the
 *   single-use link (`{issuer}u/reset-password?ticket=…`, `{issuer}u/email-verification?ticket=…`)
 *   for the administrator to hand over; no email is sent. Only the ticket's hash is stored.
 * - `POST /jobs/verification-email` sends the verification email now (through the outbox) and
 *   answers Auth0's job shape.
 */
import { type ApplicationRecord, DATABASE_CONNECTION, MAX_TICKET_TTL_SECONDS, newTicket, randomAlphanumeric, type TicketKind, ticketUrl, type UserRecord } from '@latchkey/core'
import { z } from 'zod'
import { queueVerificationEmail } from '../../account/email-verification.js'
import type { Deps } from '../../deps.js'
import { badRequest, ManagementError, notFound } from '../errors.js'
import { type Resource, route } from '../route.js'

const resultUrl = z
  .string()
  .max(2048)
  .refine((v) => URL.canParse(v) && ['https:', 'http:'].includes(new URL(v).protocol), 'must be an http(s) URL')
  .describe('Where the page offers to continue once the ticket is used.')
const ttl = z.number().int().min(0).max(MAX_TICKET_TTL_SECONDS).describe(`Seconds the ticket stays valid (0: the default; at most ${MAX_TICKET_TTL_SECONDS}).`)
const compat = (what: string) => z.unknown().optional().describe(`Accepted for compatibility; ${what}.`)

const passwordChangeBody = z
  .strictObject({
    user_id: z.string().min(1).max(256).optional().describe('The user (auth0|…); or email and connection_id.'),
    email: z.string().min(1).max(254).optional().describe('With connection_id: the user of the database connection with this address.'),
    connection_id: z.string().min(1).max(64).optional().describe("The database connection's id (with email)."),
    client_id: z.string().min(1).max(256).optional().describe('The application the user continues to (its name and login URI).'),
    result_url: resultUrl.optional(),
    ttl_sec: ttl.optional(),
    mark_email_as_verified: z.literal(false, { error: 'mark_email_as_verified is not supported: verify the address with an email-verification ticket' }).optional(),
    organization_id: compat('without effect'),
    includeEmailInRedirect: compat('without effect'),
  })
  .describe('Who the password-change ticket is for.')

const emailVerificationBody = z
  .strictObject({
    user_id: z.string().min(1).max(256).describe('The user (auth0|…).'),
    client_id: z.string().min(1).max(256).optional().describe('The application the user continues to.'),
    result_url: resultUrl.optional(),
    ttl_sec: ttl.optional(),
    organization_id: compat('without effect'),
    includeEmailInRedirect: compat('without effect'),
    identity: compat('the user is the user_id given'),
  })
  .describe('Who the email-verification ticket is for.')

const verificationJobBody = z
  .strictObject({
    user_id: z.string().min(1).max(256).describe('The user (auth0|…) to send the verification email to.'),
    client_id: z.string().min(1).max(256).optional().describe('The application named in the email.'),
    organization_id: compat('without effect'),
    identity: compat('the user is the user_id given'),
  })
  .describe('The user to send a verification email to.')

const ticketSchema = z.object({ ticket: z.string().describe('The single-use link.') })
const jobSchema = z.object({ status: z.string(), type: z.string(), created_at: z.string(), id: z.string() })

async function userOf(deps: Deps, userId: string): Promise<UserRecord> {
  const user = await deps.store.users.get(userId)
  if (!user) throw notFound('The user does not exist.', 'inexistent_user')
  return user
}

async function appOf(deps: Deps, clientId: string | undefined): Promise<ApplicationRecord | null> {
  if (clientId === undefined) return null
  const app = await deps.store.applications.get(clientId)
  if (!app) throw notFound('The client does not exist', 'inexistent_client')
  return app
}

async function issue(deps: Deps, kind: TicketKind, user: UserRecord, app: ApplicationRecord | null, resultUrlValue: string | undefined, ttlSec: number | undefined): Promise<string> {
  const ticket = newTicket({ kind, userId: user.id, email: user.email, clientId: app?.clientId ?? null, resultUrl: resultUrlValue ?? null, ttlSeconds: ttlSec ?? null }, deps.clock.now())
  await deps.store.tickets.insert(ticket.record)
  return ticketUrl(deps.config.issuer, kind, ticket.value)
}

export const tickets: Resource = {
  tag: 'tickets',
  description: 'Single-use links to change a password or verify an email address.',
  routes: [
    route({
      method: 'post',
      path: '/tickets/password-change',
      summary: 'Create a password change ticket',
      scopes: ['create:user_tickets'],
      body: passwordChangeBody,
      answer: { status: 201, description: 'The ticket: a link to the new-password page.', schema: ticketSchema },
      errors: { 404: 'The user, connection or client does not exist.' },
      async handle({ deps, body, audit }) {
        let user: UserRecord
        if (body.user_id !== undefined) user = await userOf(deps, body.user_id)
        else {
          if (body.email === undefined || body.connection_id === undefined) throw badRequest("Payload validation error: 'Missing required property: user_id' (or email and connection_id).")
          const connection = await deps.store.connections.get(body.connection_id)
          if (!connection || connection.name !== DATABASE_CONNECTION.name) throw notFound('The connection does not exist', 'inexistent_connection')
          const found = await deps.store.users.findByEmail(body.email)
          if (!found) throw notFound('The user does not exist.', 'inexistent_user')
          user = found
        }
        if (user.passwordHash === null) throw badRequest('The user has no password: they log in through their connection.', 'operation_not_supported')
        const url = await issue(deps, 'password_reset', user, await appOf(deps, body.client_id), body.result_url, body.ttl_sec)
        await audit.change({ action: 'ticket.password_change.created', description: 'Create a password change ticket', userId: user.id, details: { user_name: user.email } })
        return { status: 201, body: { ticket: url } }
      },
    }),
    route({
      method: 'post',
      path: '/tickets/email-verification',
      summary: 'Create an email verification ticket',
      scopes: ['create:user_tickets'],
      body: emailVerificationBody,
      answer: { status: 201, description: 'The ticket: a link that verifies the address.', schema: ticketSchema },
      errors: { 404: 'The user or client does not exist.' },
      async handle({ deps, body, audit }) {
        const user = await userOf(deps, body.user_id)
        if (user.email === '') throw badRequest('The user has no email address.', 'operation_not_supported')
        const url = await issue(deps, 'email_verification', user, await appOf(deps, body.client_id), body.result_url, body.ttl_sec)
        await audit.change({ action: 'ticket.email_verification.created', description: 'Create an email verification ticket', userId: user.id, details: { user_name: user.email } })
        return { status: 201, body: { ticket: url } }
      },
    }),
    route({
      method: 'post',
      path: '/jobs/verification-email',
      summary: 'Send an email address verification email',
      scopes: ['update:users'],
      body: verificationJobBody,
      answer: { status: 201, description: "The job (Auth0's shape); the email waits in the outbox.", schema: jobSchema },
      errors: { 404: 'The user or client does not exist.' },
      async handle({ c, deps, body }) {
        const user = await userOf(deps, body.user_id)
        if (user.email === '') throw badRequest('The user has no email address.', 'operation_not_supported')
        if (user.emailVerified) throw badRequest('The email address is already verified.', 'operation_not_supported')
        if (!deps.email.available) throw badRequest('No email can be sent: configure LATCHKEY_SMTP_URL.', 'operation_not_supported')
        if (!(await queueVerificationEmail(c, deps, { user, app: await appOf(deps, body.client_id) })))
          throw new ManagementError(429, 'too_many_requests', 'Too many emails to this address; try again later.')
        return { status: 201, body: { status: 'pending', type: 'verification_email', created_at: new Date(deps.clock.now()).toISOString(), id: `job_${randomAlphanumeric(16)}` } }
      },
    }),
  ],
}
