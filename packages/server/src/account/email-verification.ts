/**
 * Email verification (issue 14): a single-use ticket sent in the `verify_email` email (at sign-up,
 * through `/dbconnections/signup`, or asked for by the Management API), whose link sets
 * `email_verified` once the address it was sent to is still the user's. Audited `svr` / `fvr` (the
 * email queued or not) and `sv` / `fv` (the link used or refused), Auth0's codes.
 */
import { type ApplicationRecord, newTicket, type TicketRecord, ticketHash, ticketUrl, type UserRecord } from '@latchkey/core'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { userEmailVariables } from './user-email.js'

export interface VerificationRequest {
  readonly user: UserRecord
  readonly app: ApplicationRecord | null
  readonly resultUrl?: string | null
  readonly ttlSeconds?: number | null
}

/** Queues the verification email; false (audited `fvr`) when it cannot be sent. */
export async function queueVerificationEmail(c: Context, deps: Deps, request: VerificationRequest): Promise<boolean> {
  const { user, app } = request
  const clientId = app?.clientId
  const refuse = async (reason: string) => {
    await deps.audit.record(c, { type: 'fvr', clientId, userId: user.id, details: { user_name: user.email, reason } })
    return false
  }
  if (user.email === '') return refuse('the user has no email address')
  if (user.emailVerified) return refuse('the address is already verified')
  if (!deps.email.available) return refuse('email is not configured')
  if (!(await deps.limits.admitEmail(user.email))) return refuse('too many emails to this address')
  const ticket = newTicket({ kind: 'email_verification', userId: user.id, email: user.email, clientId: clientId ?? null, resultUrl: request.resultUrl ?? null, ttlSeconds: request.ttlSeconds ?? null }, deps.clock.now())
  // The ticket and its email together, or neither (not inside a caller's transaction: the audit log writes outside it).
  await deps.store.transaction(async (tx) => {
    await tx.tickets.insert(ticket.record)
    await deps.email.enqueue(
      {
        template: 'verify_email',
        to: user.email,
        userId: user.id,
        variables: userEmailVariables(deps, user, app, ticketUrl(deps.config.issuer, 'email_verification', ticket.value)),
      },
      tx,
    )
  })
  await deps.audit.record(c, { type: 'svr', clientId, userId: user.id, details: { user_name: user.email } })
  return true
}

export type VerificationResult = { readonly ok: true; readonly ticket: TicketRecord; readonly user: UserRecord } | { readonly ok: false; readonly ticket: TicketRecord | null }

/** Spends the ticket and marks the address verified, when it is still the user's. */
export async function verifyEmail(c: Context, deps: Deps, value: string): Promise<VerificationResult> {
  const now = deps.clock.now()
  const ticket = await deps.store.tickets.consume(ticketHash(value), 'email_verification', now)
  const user = ticket ? await deps.store.users.get(ticket.userId) : null
  if (!ticket || !user || user.email !== ticket.email) {
    await deps.audit.record(c, { type: 'fv', clientId: ticket?.clientId ?? undefined, userId: ticket?.userId, details: { reason: ticket ? 'the address is no longer the user\'s' : 'the link is spent, expired or unknown' } })
    return { ok: false, ticket }
  }
  const updated = user.emailVerified ? user : await deps.store.users.update(user.id, { emailVerified: true, updatedAt: now })
  if (!updated) return { ok: false, ticket }
  deps.log.info({ user_id: user.id }, 'email address verified')
  await deps.audit.record(c, { type: 'sv', clientId: ticket.clientId ?? undefined, userId: user.id, details: { user_name: user.email } })
  return { ok: true, ticket, user: updated }
}
