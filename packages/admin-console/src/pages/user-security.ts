/**
 * A user's identities (unlink a secondary one: DELETE /users/{id}/identities/{provider}/{user_id}),
 * MFA factors (`/users/{id}/authentication-methods`: list, delete one; reset every factor: DELETE
 * /users/{id}/authenticators; forget remembered browsers), and emails (send the verification email:
 * POST /jobs/verification-email; a password reset link: POST /tickets/password-change, which, as in
 * Auth0, answers a single-use link and sends nothing: the administrator hands it over), as sections
 * of the user's page.
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { ConfirmButton, everyItem, usePaged } from '../assign.js'
import { ErrorBox, Outcome, Pager, type Session, Snippet, useChange } from '../ui.js'
import { UserSection, when } from './user-section.js'
import type { User } from './users.js'

const userPath = (userId: string, rest: string) => `users/${encodeURIComponent(userId)}/${rest}`

export function UserIdentities(props: { session: Session; user: User; onChange: () => Promise<void> }) {
  const [open, setOpen] = useState(false)
  return html`<${UserSection} title="Identities" id="user-identities" open=${open} onToggle=${setOpen}><${IdentitiesBody} ...${props} /><//>`
}

function IdentitiesBody({ session, user, onChange }: { session: Session; user: User; onChange: () => Promise<void> }) {
  const change = useChange()
  return html`
    <p class="hint">The ways this user logs in. The first is the primary one (the user's own connection); the others were linked to it. Unlinking one makes it a user of its own again.</p>
    <${Outcome} change=${change} />
    <ul class="rows" aria-label="Identities">${user.identities.map(
      (identity, index) => html`<li key=${`${identity.provider}|${identity.user_id}`}>
        <span><strong>${identity.connection}</strong> <span class="hint">${identity.provider} · <code>${identity.user_id}</code>${index === 0 ? ' · primary' : ''}</span></span>
        ${index > 0
          ? html`<${ConfirmButton} label="Unlink" name=${`Unlink ${identity.connection} ${identity.user_id}`}
              question=${`Unlink the ${identity.connection} account ${identity.user_id}? It becomes a separate user, who logs in on their own.`}
              confirmLabel="Yes, unlink" disabled=${session.readOnly}
              onConfirm=${async () => {
                await session.api.delete(`${userPath(user.user_id, 'identities')}/${encodeURIComponent(identity.provider)}/${encodeURIComponent(identity.user_id)}`)
                await onChange()
                await change.run(async () => {}, `Unlinked ${identity.connection} ${identity.user_id}: it is a user of its own now.`)
              }} />`
          : null}
      </li>`,
    )}</ul>`
}

interface Factor {
  readonly id: string
  readonly type: string
  readonly name?: string
  readonly created_at: string
  readonly last_auth_at?: string
}

const FACTOR_TYPES: Readonly<Record<string, string>> = {
  totp: 'Authenticator app (one-time codes)',
  'webauthn-roaming': 'Security key',
  'webauthn-platform': 'Device biometrics',
  passkey: 'Passkey',
  'recovery-code': 'Recovery codes',
}

const PER_PAGE = 20

export function UserFactors(props: { session: Session; userId: string }) {
  const [open, setOpen] = useState(false)
  return html`<${UserSection} title="Multi-factor authentication" id="user-factors" open=${open} onToggle=${setOpen}><${FactorsBody} ...${props} /><//>`
}

function FactorsBody({ session, userId }: { session: Session; userId: string }) {
  const paged = usePaged<Factor>(session, userPath(userId, 'authentication-methods'), 'authenticators', PER_PAGE)
  const change = useChange()
  const list = paged.list
  const label = (f: Factor) => `${FACTOR_TYPES[f.type] ?? f.type}${f.name ? ` "${f.name}"` : ''}`
  return html`
    <p class="hint">The user's second factors. Deleting one (or all) also forgets the browsers where they chose "remember this browser"; where MFA is required they enrol again at their next login.</p>
    <${ErrorBox} error=${paged.error} />
    <${Outcome} change=${change} />
    ${list === null && paged.error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null && list.total === 0 ? html`<p class="empty">No factors enrolled.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<ul class="rows factors" aria-label="Factors">${list.items.map(
          (factor) => html`<li key=${factor.id}>
            <span><strong>${label(factor)}</strong> <span class="hint">enrolled ${when(factor.created_at)} · last used ${when(factor.last_auth_at)}</span></span>
            <${ConfirmButton} label="Delete" name=${`Delete ${label(factor)}`} question=${`Delete the factor ${label(factor)}? The user can no longer log in with it.`}
              confirmLabel="Yes, delete" disabled=${session.readOnly}
              onConfirm=${async () => {
                await session.api.delete(userPath(userId, `authentication-methods/${encodeURIComponent(factor.id)}`))
                paged.reload()
                await change.run(async () => {}, `Deleted ${label(factor)}.`)
              }} />
          </li>`,
        )}</ul>`
      : null}
    ${list !== null ? html`<${Pager} page=${paged.page} perPage=${PER_PAGE} total=${list.total} onPage=${paged.setPage} />` : null}
    <div class="actions">
      ${list !== null && list.total > 0
        ? html`<${ConfirmButton} label="Reset all factors" question="Delete every factor and recovery code of this user? Where MFA is required, they enrol again at their next login."
            confirmLabel="Yes, reset" disabled=${session.readOnly}
            onConfirm=${async () => {
              await session.api.delete(userPath(userId, 'authenticators'))
              paged.reload()
              await change.run(async () => {}, 'Every factor deleted: the user enrols again where MFA is required.')
            }} />`
        : null}
      <button type="button" disabled=${session.readOnly}
        onClick=${() => change.run(() => session.api.post(userPath(userId, 'multifactor/actions/invalidate-remember-browser')), 'Remembered browsers forgotten: the next login asks for a factor again.')}>Forget remembered browsers</button>
    </div>`
}

/** The password reset link's lifetime, sent as `ttl_sec` so the page can say it. */
const RESET_LINK_SECONDS = 24 * 3600

export function UserEmails(props: { session: Session; user: User }) {
  const [open, setOpen] = useState(false)
  return html`<${UserSection} title="Emails and password" id="user-emails" open=${open} onToggle=${setOpen}><${EmailsBody} ...${props} /><//>`
}

interface ResetApp {
  readonly client_id: string
  readonly name: string
  readonly app_type?: string
}

/** The apps a reset email may name (the page it sends the user back to): those people log in to, not the console. */
const CONSOLE_CLIENT_ID = 'latchkey-admin-console'
const loginApps = (apps: ResetApp[]) => apps.filter((app) => app.client_id !== CONSOLE_CLIENT_ID && app.app_type !== 'non_interactive')

/**
 * Sends the user the reset email through the Authentication API, as the login page's "Forgot your
 * password?" does (`POST /dbconnections/change_password`, Auth0's; no token: it is public and
 * limited per IP), naming `clientId`. Its answer is the same whether or not the address has an
 * account, so what it says is passed on as it is.
 */
async function sendResetEmail(session: Session, clientId: string, email: string): Promise<string> {
  const response = await fetch(new URL('dbconnections/change_password', session.issuer).href, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ client_id: clientId, email, connection: 'Username-Password-Authentication' }),
  })
  const text = await response.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // a plain-text answer
  }
  if (!response.ok) {
    const refusal = body as { description?: unknown; error_description?: unknown; message?: unknown }
    const reason = [refusal?.description, refusal?.error_description, refusal?.message].find((v) => typeof v === 'string')
    throw new Error(typeof reason === 'string' ? reason : `The server answered ${response.status}`)
  }
  return typeof body === 'string' && body !== '' ? body : "We've just sent you an email to reset your password."
}

function EmailsBody({ session, user }: { session: Session; user: User }) {
  const change = useChange()
  const [link, setLink] = useState<{ url: string; until: string } | null>(null)
  const [apps, setApps] = useState<ResetApp[] | null>(null)
  const [appId, setAppId] = useState('')
  const [canEmail, setCanEmail] = useState<boolean | null>(null)
  const hasPassword = user.identities.some((identity) => identity.provider === 'auth0')
  useEffect(() => {
    if (!hasPassword || user.email === undefined) return
    everyItem<ResetApp>(session, 'clients', 'clients').then(
      (all) => {
        const found = loginApps(all)
        setApps(found)
        setAppId(found[0]?.client_id ?? '')
      },
      () => setApps([]),
    )
    session.api.get<{ latchkey?: { email?: { transport?: string } } }>('tenants/settings').then(
      (settings) => setCanEmail(settings.latchkey?.email?.transport !== 'none'),
      () => setCanEmail(true),
    )
  }, [])
  const createLink = () =>
    change.run(async () => {
      const answer = await session.api.post<{ ticket: string }>('tickets/password-change', { user_id: user.user_id, ttl_sec: RESET_LINK_SECONDS })
      setLink({ url: answer.ticket, until: new Date(Date.now() + RESET_LINK_SECONDS * 1000).toLocaleString() })
    }, 'Password reset link created.')
  const email = user.email
  const sendReset = async (event: Event) => {
    event.preventDefault()
    if (email === undefined) return
    if (appId === '') {
      change.fail('Choose the application the email names.')
      return
    }
    let said = ''
    await change.run(async () => {
      said = await sendResetEmail(session, appId, email)
    }, `Password reset email sent to ${email}.`)
    if (said !== '' && !said.startsWith("We've just sent")) change.fail(said)
  }
  return html`
    <${Outcome} change=${change} />
    <h3>Email address</h3>
    ${email === undefined
      ? html`<p>The user has no email address.</p>`
      : user.email_verified
        ? html`<p>${email} is verified.</p>`
        : html`<p>${email} is not verified yet. The email has a link that verifies it (it is sent through Latchkey's email settings).</p>
            <div class="actions">
              <button type="button" disabled=${session.readOnly}
                onClick=${() => change.run(() => session.api.post('jobs/verification-email', { user_id: user.user_id }), `Verification email sent to ${email}.`)}>Send verification email</button>
            </div>`}
    <h3>Password</h3>
    ${hasPassword
      ? html`${email !== undefined
          ? html`<form class="search" onSubmit=${sendReset}>
              <p>A password reset email has a link that lets the user choose a new password, once, as the login page's "Forgot your password?" sends. It names an application and sends the user back to it afterwards.</p>
              ${canEmail === false ? html`<p class="hint">No email can be sent: this server has no SMTP server (Settings, Email). Create a link below instead.</p>` : null}
              <label for="reset-app">Application the email names</label>
              <div class="search-row">
                <select id="reset-app" disabled=${session.readOnly || apps === null || canEmail === false} value=${appId}
                  onChange=${(e: Event) => setAppId((e.target as HTMLSelectElement).value)}>
                  ${apps === null ? html`<option value="">Loading applications…</option>` : null}
                  ${apps !== null && apps.length === 0 ? html`<option value="">No application people log in to yet</option>` : null}
                  ${(apps ?? []).map((app) => html`<option value=${app.client_id}>${app.name}</option>`)}
                </select>
                <button type="submit" disabled=${session.readOnly || appId === '' || canEmail === false}>Send password reset email</button>
              </div>
            </form>`
          : null}
          <p>A password reset link does the same without email: as in Auth0, a ticket is a link for you to hand over.</p>
          <div class="actions"><button type="button" disabled=${session.readOnly} onClick=${createLink}>Create password reset link</button></div>
          ${link !== null
            ? html`<div class="secret">
                <${Snippet} title="Password reset link" code=${link.url} />
                <p>It works once, until ${link.until} (24 hours). Send it to the user over a channel you trust: whoever has it can set the password.</p>
              </div>`
            : null}`
      : html`<p>The user logs in through ${user.identities[0]?.connection ?? 'another connection'}: they have no password here.</p>`}`
}
