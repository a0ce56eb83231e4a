/**
 * `/dev/outbox`: the development outbox's page (only when LATCHKEY_DEV_OUTBOX is on, as with
 * `npm start`; otherwise these routes do not exist and the address answers 404). It lists the newest
 * emails of the outbox (recipient, subject, time, status) and shows each one: its link, its plain
 * text, and its HTML in a sandboxed frame (no scripts, no forms, served from its own address with a
 * CSP of its own). Like every page it cannot be framed by other sites and is never cached. It shows
 * reset links to whoever reaches it: development only (docs/email.md).
 */
import type { OutboxEmailRecord } from '@latchkey/core'
import type { Context, Hono } from 'hono'
import { html } from 'hono/html'
import type { Deps } from '../deps.js'
import { PAGE_CSP, pageResponse } from '../http/page-headers.js'
import { errorPage } from '../views/message.js'
import { layout } from '../views/layout.js'
import type { KeptEmail } from './development-mailbox.js'
import { type OutboxMessage, openMessage } from './sealed-message.js'

const LISTED = 50
const ID = /^em_[A-Za-z0-9]{1,64}$/
/** The email page frames its HTML (served by this server): nothing else may load. */
const EMAIL_PAGE_CSP = `${PAGE_CSP}; frame-src 'self'`
/** The email's own HTML: no scripts, no forms, no plugins, no network but images; framed by our page only. */
const EMAIL_HTML_CSP = "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

const STYLESHEET = `main.card { width: min(100% - 2rem, 60rem); }
table { width: 100%; border-collapse: collapse; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e4e4e7; vertical-align: top; }
pre { white-space: pre-wrap; word-break: break-word; background: #f4f4f5; padding: .75rem; border-radius: 6px; }
iframe { width: 100%; height: 32rem; border: 1px solid #e4e4e7; border-radius: 6px; }
.notice { background: #fef3c7; padding: .5rem .75rem; border-radius: 6px; }
`
const HEAD = html`<link rel="stylesheet" href="/dev/outbox/outbox.css" />`
const NOTICE = html`<p class="notice">Development outbox: emails are kept here (and in the server's log) so you can open their links. Never turn this on where real users are (docs/email.md).</p>`

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19))

/** The message: this node's copy once sent, else the outbox's sealed one while it waits. */
async function messageOf(deps: Deps, email: OutboxEmailRecord | null, kept: KeptEmail | null): Promise<OutboxMessage | null> {
  if (kept) return kept.message
  if (!email?.sealedMessage) return null
  return openMessage(deps.keys.encryption, email.sealedMessage).catch(() => null)
}

export function developmentOutboxRoutes(app: Hono, deps: Deps): void {
  const mailbox = deps.devOutbox
  if (!mailbox) return

  app.get('/dev/outbox/outbox.css', (c) => c.body(STYLESHEET, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'no-store' }))

  app.get('/dev/outbox', async (c) => {
    const emails = await deps.store.outbox.list({ perPage: LISTED })
    const rows = await Promise.all(
      emails.map(async (e) => {
        const message = await messageOf(deps, e, mailbox.get(e.id))
        return html`<tr>
          <td>${iso(e.sentAt ?? e.createdAt)}</td>
          <td>${e.to}</td>
          <td><a href="/dev/outbox/${e.id}">${message?.subject ?? `(${e.template})`}</a></td>
          <td>${e.status}${e.lastError ? html`<br /><small>${e.lastError}</small>` : ''}</td>
        </tr>`
      }),
    )
    return pageResponse(
      c,
      layout(
        'Outbox',
        html`<h1>Outbox</h1>
          ${NOTICE}
          ${
            emails.length === 0
              ? html`<p>No emails yet. Ask for one (“Forgot your password?” on the login page) and reload.</p>`
              : html`<table>
                  <thead><tr><th>Time (UTC)</th><th>To</th><th>Subject</th><th>Status</th></tr></thead>
                  <tbody>${rows}</tbody>
                </table>`
          }`,
        HEAD,
      ),
    )
  })

  const find = async (c: Context) => {
    const id = c.req.param('id') ?? ''
    if (!ID.test(id)) return null
    const email = await deps.store.outbox.get(id)
    const kept = mailbox.get(id)
    const message = await messageOf(deps, email, kept)
    if (!message || (!email && !kept)) return null
    return { id, to: email?.to ?? kept?.to ?? '', status: email?.status ?? 'sent', at: email?.sentAt ?? email?.createdAt ?? kept?.sentAt ?? null, message }
  }
  const gone = (c: Context) =>
    pageResponse(c, errorPage('not_found', 'This email is not in the development outbox (its message is kept in memory by the node that sent it, until it restarts).'), 404)

  app.get('/dev/outbox/:id', async (c) => {
    const found = await find(c)
    if (!found) return gone(c)
    const { id, to, status, at, message } = found
    const link = message.url && /^https?:\/\//i.test(message.url) ? message.url : null
    return pageResponse(
      c,
      layout(
        message.subject,
        html`<p><a href="/dev/outbox">← Outbox</a></p>
          <h1>${message.subject}</h1>
          ${NOTICE}
          <table>
            <tr><th>To</th><td>${to}</td></tr>
            <tr><th>From</th><td>${deps.config.email.from}</td></tr>
            <tr><th>Time (UTC)</th><td>${iso(at)}</td></tr>
            <tr><th>Status</th><td>${status}</td></tr>
          </table>
          ${link ? html`<p>Link in this email: <a href="${link}">${link}</a></p>` : ''}
          <h2>Text</h2>
          <pre>${message.text}</pre>
          <h2>HTML</h2>
          <iframe sandbox title="The email's HTML" src="/dev/outbox/${id}/html"></iframe>`,
        HEAD,
      ),
      200,
      EMAIL_PAGE_CSP,
    )
  })

  app.get('/dev/outbox/:id/html', async (c) => {
    const found = await find(c)
    if (!found) return gone(c)
    c.header('X-Frame-Options', 'SAMEORIGIN')
    return pageResponse(c, found.message.html, 200, EMAIL_HTML_CSP)
  })
}
