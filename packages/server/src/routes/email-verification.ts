/**
 * `/u/email-verification?ticket=…`: the link of the verification email. Opening it verifies the
 * address (as at Auth0: a link a mail scanner opens first still proves the mailbox received it), once;
 * a spent, expired or unknown link gets a 4xx page and changes nothing.
 */
import { isTicketValue } from '@latchkey/core'
import type { Hono } from 'hono'
import { verifyEmail } from '../account/email-verification.js'
import type { Deps } from '../deps.js'
import { pageResponse } from '../http/page-headers.js'
import { emailVerifiedPage } from '../views/email-verification.js'
import { errorPage } from '../views/message.js'

const LINK_GONE = 'This verification link has expired or was already used. Log in to ask for a new one, or contact the administrator.'

export function emailVerificationRoutes(app: Hono, deps: Deps): void {
  app.get('/u/email-verification', async (c) => {
    const values = new URL(c.req.url).searchParams.getAll('ticket')
    const value = values.length === 1 && isTicketValue(values[0]) ? (values[0] as string) : null
    const result = value ? await verifyEmail(c, deps, value) : null
    if (!result?.ok) return pageResponse(c, errorPage('invalid_request', LINK_GONE), 400)
    const client = result.ticket.clientId ? await deps.store.applications.get(result.ticket.clientId) : null
    return pageResponse(c, emailVerifiedPage(result.user.email, result.ticket.resultUrl ?? client?.initiateLoginUri ?? null, client?.name ?? null))
  })
}
