/**
 * A user's login sessions (`/users/{id}/sessions`) and refresh tokens (`/users/{id}/refresh-tokens`),
 * as two collapsible sections of the user's page: when each started, was last used and expires, the
 * browser and the applications, each with Revoke, and Revoke all; every revocation asks first.
 * Revoking a session signs that browser out (its next login asks for the password again); revoking
 * a refresh token makes the application's next refresh fail. Read-only administrators see the lists
 * with the buttons disabled.
 */
import { html } from 'htm/preact'
import { useEffect, useId, useRef, useState } from 'preact/hooks'
import { ErrorBox, messageOf, type Session } from '../ui.js'

interface UserSession {
  readonly id: string
  readonly created_at: string
  readonly authenticated_at: string
  readonly last_interacted_at: string
  readonly idle_expires_at: string
  readonly expires_at: string
  readonly device?: { readonly initial_user_agent?: string; readonly initial_ip?: string }
  readonly clients: readonly { readonly client_id: string }[]
  readonly authentication: { readonly methods: readonly { readonly name: string }[] }
}

interface RefreshToken {
  readonly id: string
  readonly created_at: string
  readonly idle_expires_at: string | null
  readonly expires_at: string | null
  readonly client_id: string
  readonly session_id: string | null
  readonly rotating: boolean
  readonly resource_servers: readonly { readonly audience: string; readonly scopes: string }[]
  readonly last_exchanged_at?: string
}

/** What an application is called, by client_id (its id when it is gone or cannot be read). */
type AppNames = ReadonlyMap<string, string>

const date = (iso: string | null | undefined) => (iso == null ? 'never' : new Date(iso).toLocaleString())
/** The earlier of two expiries (null: none). */
const firstOf = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : Date.parse(a) < Date.parse(b) ? a : b)
const userPath = (userId: string, rest: string) => `users/${encodeURIComponent(userId)}/${rest}`

/** RFC 8176 `amr` values as people say them. */
const METHODS: Readonly<Record<string, string>> = {
  pwd: 'password',
  fed: 'another identity provider',
  otp: 'one-time code',
  mfa: 'second factor',
  hwk: 'security key',
  swk: 'passkey',
  user: 'user presence',
  pin: 'PIN',
}
const methodsOf = (s: UserSession) => s.authentication.methods.map((m) => METHODS[m.name] ?? m.name).join(', ') || 'password'

/** Every item of a checkpoint-paged list (`{key: [...], next}`). */
async function everyItem<T>(session: Session, path: string, key: string): Promise<T[]> {
  const all: T[] = []
  let from: string | undefined
  do {
    const query = new URLSearchParams({ take: '100', ...(from !== undefined ? { from } : {}) })
    const answer = await session.api.get<Record<string, unknown>>(`${path}?${query}`)
    all.push(...((answer[key] ?? []) as T[]))
    from = typeof answer.next === 'string' ? answer.next : undefined
  } while (from !== undefined)
  return all
}

/** The names of these applications, one GET /clients/{id} each. */
async function appNames(session: Session, clientIds: readonly string[]): Promise<AppNames> {
  const ids = [...new Set(clientIds)]
  const named = await Promise.all(
    ids.map((id) =>
      session.api.get<{ name?: string }>(`clients/${encodeURIComponent(id)}`).then(
        (app) => [id, app.name ?? id] as const,
        () => [id, id] as const,
      ),
    ),
  )
  return new Map(named)
}

/** A button that asks, in place, before it revokes, and moves focus to the question. */
function RevokeButton(props: { label: string; name: string; question: string; disabled: boolean; onConfirm: () => Promise<void> }) {
  const [asking, setAsking] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const question = useRef<HTMLDivElement>(null)
  const textId = useId()
  useEffect(() => {
    if (asking) question.current?.focus()
  }, [asking])
  if (!asking)
    return html`<button type="button" class="danger" disabled=${props.disabled} aria-label=${props.name} onClick=${() => setAsking(true)}>${props.label}</button>`
  const confirm = () =>
    props.onConfirm().then(
      () => setAsking(false),
      (e: unknown) => setError(messageOf(e)),
    )
  return html`<div class="confirm" role="alertdialog" aria-labelledby=${textId} tabindex="-1" ref=${question}>
    <p id=${textId}>${props.question}</p>
    <${ErrorBox} error=${error} />
    <button type="button" class="danger" onClick=${confirm}>Yes, revoke</button>
    <button type="button" onClick=${() => setAsking(false)}>Cancel</button>
  </div>`
}

/** A collapsible section whose list loads when it is opened. */
function Section(props: { id: string; title: string; children: unknown }) {
  const [open, setOpen] = useState(false)
  return html`<details class="user-section" id=${props.id} onToggle=${(e: Event) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
    <summary><h2>${props.title}</h2></summary>
    ${open ? html`<div class="user-section-body">${props.children}</div>` : null}
  </details>`
}

/** A list that loads, reloads after a change, and says what changed or what failed. */
function useList<T>(load: () => Promise<{ items: T[]; names: AppNames }>) {
  const [list, setList] = useState<{ items: T[]; names: AppNames } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  const [version, setVersion] = useState(0)
  useEffect(() => {
    setError(null)
    load().then(setList, (e: unknown) => setError(messageOf(e)))
  }, [version])
  /** Runs a change; on success says `message` and reloads. A failure is shown by the asking button. */
  const change = async (what: () => Promise<unknown>, message: string) => {
    setDone(null)
    await what()
    setDone(message)
    setVersion((v) => v + 1)
  }
  return { list, error, done, change }
}

function SessionsBody({ session, userId }: { session: Session; userId: string }) {
  const { list, error, done, change } = useList(async () => {
    const items = await everyItem<UserSession>(session, userPath(userId, 'sessions'), 'sessions')
    return { items, names: await appNames(session, items.flatMap((s) => s.clients.map((c) => c.client_id))) }
  })
  return html`
    <p class="hint">Where the user is logged in at Latchkey. Revoking a session signs that browser out: its next login asks for the password again. The applications' refresh tokens are listed below.</p>
    <${ErrorBox} error=${error} />
    ${done !== null ? html`<p class="ok" role="status">${done}</p>` : null}
    ${list === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null && list.items.length === 0 ? html`<p class="empty">No active sessions: the user is not logged in anywhere.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<ul class="rows" aria-label="The user's sessions">${list.items.map(
          (s, i) => html`<li key=${s.id}>
            <dl class="facts session-facts">
              <dt>Started</dt><dd>${date(s.created_at)}</dd>
              <dt>Last active</dt><dd>${date(s.last_interacted_at)}</dd>
              <dt>Expires</dt><dd>${date(firstOf(s.idle_expires_at, s.expires_at))} <span class="hint">(at the latest ${date(s.expires_at)})</span></dd>
              <dt>Browser</dt><dd>${s.device?.initial_user_agent ?? 'not recorded'}</dd>
              <dt>IP address</dt><dd>${s.device?.initial_ip ?? 'not recorded'}</dd>
              <dt>Logged in with</dt><dd>${methodsOf(s)}</dd>
              <dt>Applications</dt><dd>${s.clients.length === 0 ? 'none yet' : s.clients.map((c) => list.names.get(c.client_id) ?? c.client_id).join(', ')}</dd>
              <dt>Session id</dt><dd><code>${s.id}</code></dd>
            </dl>
            <${RevokeButton} label="Revoke" name=${`Revoke session ${i + 1} (started ${date(s.created_at)})`} disabled=${session.readOnly}
              question="Revoke this session? That browser is signed out and must log in again."
              onConfirm=${() => change(() => session.api.delete(`sessions/${encodeURIComponent(s.id)}`), 'Session revoked: that browser must log in again.')} />
          </li>`,
        )}</ul>
        <${RevokeButton} label="Revoke all sessions" name="Revoke all sessions" disabled=${session.readOnly}
          question=${`Revoke all ${list.items.length} sessions? The user is signed out everywhere and must log in again.`}
          onConfirm=${() => change(() => session.api.delete(userPath(userId, 'sessions')), 'All sessions revoked: the user must log in again everywhere.')} />`
      : null}`
}

function RefreshTokensBody({ session, userId }: { session: Session; userId: string }) {
  const { list, error, done, change } = useList(async () => {
    const items = await everyItem<RefreshToken>(session, userPath(userId, 'refresh-tokens'), 'tokens')
    return { items, names: await appNames(session, items.map((t) => t.client_id)) }
  })
  return html`
    <p class="hint">What lets the user's applications get new access tokens without a login. Revoking one makes that application's next refresh fail (invalid_grant): the user logs in again there.</p>
    <${ErrorBox} error=${error} />
    ${done !== null ? html`<p class="ok" role="status">${done}</p>` : null}
    ${list === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null && list.items.length === 0 ? html`<p class="empty">No refresh tokens: no application keeps the user logged in offline.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<ul class="rows" aria-label="The user's refresh tokens">${list.items.map((t) => {
          const app = list.names.get(t.client_id) ?? t.client_id
          return html`<li key=${t.id}>
            <dl class="facts session-facts">
              <dt>Application</dt><dd>${app}</dd>
              <dt>Issued</dt><dd>${date(t.created_at)}</dd>
              <dt>Expires</dt><dd>${date(firstOf(t.idle_expires_at, t.expires_at))}${t.idle_expires_at !== null ? html` <span class="hint">(unless used; at the latest ${date(t.expires_at)})</span>` : null}</dd>
              <dt>Rotating</dt><dd>${t.rotating ? 'yes: a new token at every use' : 'no: the same token is reused'}</dd>
              <dt>Last used</dt><dd>${t.last_exchanged_at !== undefined ? date(t.last_exchanged_at) : t.rotating ? 'not yet' : 'not recorded'}</dd>
              <dt>For</dt><dd>${t.resource_servers.map(
                (r) => html`${r.audience === `${session.issuer}userinfo` ? 'Sign-in only (no API)' : html`<code>${r.audience}</code>`} <span class="hint">${r.scopes}</span> `,
              )}</dd>
            </dl>
            <${RevokeButton} label="Revoke" name=${`Revoke the refresh token of ${app} (issued ${date(t.created_at)})`} disabled=${session.readOnly}
              question=${`Revoke this refresh token of ${app}? Its next refresh fails and the user must log in again there.`}
              onConfirm=${() => change(() => session.api.delete(`refresh-tokens/${encodeURIComponent(t.id)}`), `Refresh token of ${app} revoked.`)} />
          </li>`
        })}</ul>
        <${RevokeButton} label="Revoke all refresh tokens" name="Revoke all refresh tokens" disabled=${session.readOnly}
          question=${`Revoke all ${list.items.length} refresh tokens? Every application's next refresh fails.`}
          onConfirm=${() => change(() => session.api.delete(userPath(userId, 'refresh-tokens')), 'All refresh tokens revoked.')} />`
      : null}`
}

/** The user's sessions and refresh tokens: two sections of the user's page. */
export function UserSessions({ session, userId }: { session: Session; userId: string }) {
  return html`<${Section} id="user-sessions" title="Sessions"><${SessionsBody} session=${session} userId=${userId} /><//>
    <${Section} id="user-refresh-tokens" title="Refresh tokens"><${RefreshTokensBody} session=${session} userId=${userId} /><//>`
}
