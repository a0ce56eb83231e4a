/**
 * Password reset by email (issue 14), the two halves every way in shares (the login page's "Forgot
 * your password?", Auth0's `POST /dbconnections/change_password`, and a Management API ticket):
 *
 * - `requestPasswordReset`: for a user of the database connection with that address, a single-use
 *   ticket (only its hash stored) and the `reset_email` with its link, written to the outbox in one
 *   transaction. Whatever happens (no such user, a blocked one, too many emails to that address) the
 *   caller answers the same, and not sooner than `MIN_ANSWER_MS`: nothing to learn from the answer or
 *   its timing. Audited `scpr` / `fcpr` (Auth0's codes).
 * - `resetPassword`: the ticket spent, once, with the new password under the password policy; every
 *   other reset ticket of the user spent, every SSO session ended and every refresh token revoked;
 *   the `password_changed` email sent. Audited `scp` / `fcp`.
 */
import { requestFacts, runPostChangePassword } from '../actions/run-triggers.js'
import { type ApplicationRecord, checkPassword as checkPasswordPolicy, newTicket, normalizeEmail, RegistrationError, type TicketRecord, ticketHash, ticketUrl, type UserRecord } from '@latchkey/core'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { hashPassword } from '../passwords.js'
import { userEmailVariables } from './user-email.js'

/** The least time a reset request takes to answer, whatever it found. */
export const MIN_ANSWER_MS = 250

export interface ResetRequest {
  readonly email: string
  /** The application it was asked from (its name in the email). */
  readonly app: ApplicationRecord | null
  /** Where to continue after the reset (already checked by the caller), or null. */
  readonly resultUrl?: string | null
}

export async function requestPasswordReset(c: Context, deps: Deps, request: ResetRequest): Promise<void> {
  const floor = new Promise((resolve) => setTimeout(resolve, MIN_ANSWER_MS))
  try {
    await sendResetEmail(c, deps, request)
  } finally {
    await floor
  }
}

async function sendResetEmail(c: Context, deps: Deps, request: ResetRequest): Promise<void> {
  const address = normalizeEmail(request.email)
  const clientId = request.app?.clientId
  const refuse = (reason: string, user?: UserRecord) =>
    deps.audit.record(c, { type: 'fcpr', clientId, userId: user?.id, details: { user_name: address.slice(0, 254), reason } })
  if (address === '' || address.length > 254) return refuse('not an email address')
  const user = await deps.store.users.findByEmail(address)
  if (!user) return refuse('no user of the database connection has this address')
  if (user.blocked) return refuse('user is blocked', user)
  if (!deps.email.available) {
    deps.log.warn({ client_id: clientId }, 'a password reset was asked for, but no email can be sent (configure LATCHKEY_SMTP_URL)')
    return refuse('email is not configured', user)
  }
  if (!(await deps.limits.admitEmail(address))) return refuse('too many emails to this address', user)

  const now = deps.clock.now()
  const ticket = newTicket({ kind: 'password_reset', userId: user.id, email: user.email, clientId: clientId ?? null, resultUrl: request.resultUrl ?? null }, now)
  await deps.store.transaction(async (tx) => {
    await tx.tickets.insert(ticket.record)
    await deps.email.enqueue(
      {
        template: 'reset_email',
        to: user.email,
        userId: user.id,
        variables: userEmailVariables(deps, user, request.app, ticketUrl(deps.config.issuer, 'password_reset', ticket.value)),
      },
      tx,
    )
  })
  deps.log.info({ client_id: clientId, user_id: user.id }, 'password reset email queued')
  await deps.audit.record(c, { type: 'scpr', clientId, userId: user.id, details: { user_name: user.email } })
}

/** The ticket behind a reset link while it can still be used, or null. */
export async function usableResetTicket(deps: Deps, value: string): Promise<TicketRecord | null> {
  return deps.store.tickets.findUsable(ticketHash(value), 'password_reset', deps.clock.now())
}

export type ResetResult =
  | { readonly ok: true; readonly ticket: TicketRecord; readonly user: UserRecord }
  /** `policy`: the password is refused (the ticket is still usable); `ticket`: the link is spent, expired or unknown. */
  | { readonly ok: false; readonly problem: 'policy' | 'ticket'; readonly message: string }

export async function resetPassword(c: Context, deps: Deps, value: string, password: string): Promise<ResetResult> {
  try {
    checkPasswordPolicy(password)
  } catch (err) {
    if (!(err instanceof RegistrationError)) throw err
    return { ok: false, problem: 'policy', message: `The password ${err.message.replace(/^password /, '')}.` }
  }
  const passwordHash = await hashPassword(password)
  const now = deps.clock.now()
  const done = await deps.store.transaction(async (tx) => {
    const ticket = await tx.tickets.consume(ticketHash(value), 'password_reset', now)
    const user = ticket ? await tx.users.get(ticket.userId) : null
    // The address the link was sent to must still be the user's, and the user still one with a password.
    if (!ticket || !user || user.email !== ticket.email || user.passwordHash === null || user.blocked) return { ticket, user: null }
    const updated = await tx.users.update(user.id, { passwordHash, updatedAt: now })
    await tx.tickets.spendAllForUser(user.id, 'password_reset', now)
    await tx.sessions.endAllForUser(user.id, now)
    await tx.refreshTokens.revokeForUser(user.id, now)
    if (deps.email.available) {
      const app = ticket.clientId ? await tx.applications.get(ticket.clientId) : null
      await deps.email.enqueue(
        {
          template: 'password_changed',
          to: user.email,
          userId: user.id,
          variables: userEmailVariables(deps, user, app, null),
        },
        tx,
      )
    }
    return { ticket, user: updated }
  })
  if (!done.ticket || !done.user) {
    await deps.audit.record(c, { type: 'fcp', clientId: done.ticket?.clientId ?? undefined, userId: done.ticket?.userId, details: { reason: done.ticket ? 'the user can no longer reset this password' : 'the link is spent, expired or unknown' } })
    return { ok: false, problem: 'ticket', message: 'This password reset link has expired or was already used. Ask for a new one.' }
  }
  deps.log.info({ user_id: done.user.id }, 'password changed through a reset link; sessions and refresh tokens revoked')
  await deps.audit.record(c, { type: 'scp', clientId: done.ticket.clientId ?? undefined, userId: done.user.id, details: { user_name: done.user.email } })
  await runPostChangePassword(deps, { user: done.user, request: requestFacts(c, deps) })
  return { ok: true, ticket: done.ticket, user: done.user }
}
