/**
 * Users: /api/v2/users, listed (paged through every user) or searched on the server (Auth0's user
 * search syntax: a name, an email address or the start of one, a user id, or a query naming
 * fields; paged within the first 1000 results), created in Latchkey's database, their profile
 * edited, blocked or unblocked, deleted; and, on a user's page, their roles and permissions,
 * identities, MFA factors and emails (user-access.ts, user-security.ts), in collapsible sections.
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { type FieldErrors, type UserForm, userBody } from '../forms.js'
import { DeleteButton, describedBy, ErrorBox, Field, Link, messageOf, Pager, type Session } from '../ui.js'
import { pageableTotal, SEARCH_RESULTS_LIMIT, userQueryOf } from '../user-search.js'
import { UserPermissions, UserRoles } from './user-access.js'
import { when } from './user-section.js'
import { UserEmails, UserFactors, UserIdentities } from './user-security.js'
import { UserSessions } from './user-sessions.js'

export interface User {
  readonly user_id: string
  readonly email?: string
  readonly email_verified: boolean
  readonly name: string
  readonly blocked: boolean
  readonly created_at: string
  readonly last_login?: string
  readonly logins_count: number
  readonly identities: { connection: string; provider: string; user_id: string; isSocial: boolean }[]
}

const PER_PAGE = 25
const count = (n: number, one: string, many: string) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`

export function UsersPage({ session }: { session: Session }) {
  const [page, setPage] = useState(0)
  const [text, setText] = useState('')
  const [q, setQ] = useState<string | null>(null)
  const [list, setList] = useState<{ items: User[]; total: number } | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    setError(null)
    setList(null)
    session.api.page<User>('users', 'users', page, PER_PAGE, q === null ? {} : { q, search_engine: 'v3' }).then(setList, (e: unknown) => setError(messageOf(e)))
  }, [page, q])
  const submit = (event: Event) => {
    event.preventDefault()
    setPage(0)
    setQ(userQueryOf(text))
  }
  const searching = q !== null
  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title">Users</h1>
      <button type="button" class="primary" disabled=${session.readOnly} onClick=${() => session.navigate('users/new')}>Create user</button>
    </div>
    <form role="search" class="search" onSubmit=${submit}>
      <label for="user-search">Search by email, name or user id</label>
      <p class="hint" id="user-search-hint">The start of a name or an email address, a whole user id, or a query such as <code>name:jan* AND email:"jane@example.com"</code>.</p>
      <div class="search-row">
        <input id="user-search" type="search" aria-describedby="user-search-hint" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
        ${searching
          ? html`<button type="button" onClick=${() => {
              setText('')
              setPage(0)
              setQ(null)
            }}>Show all</button>`
          : null}
      </div>
    </form>
    <${ErrorBox} error=${error} />
    ${list === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null
      ? html`<p class="hint" role="status" data-testid="users-total">${searching ? count(list.total, 'user matches', 'users match') : count(list.total, 'user', 'users')}${
          searching && list.total > SEARCH_RESULTS_LIMIT ? `: the first ${SEARCH_RESULTS_LIMIT.toLocaleString('en')} are shown, narrow the search to see the others` : ''
        }</p>`
      : null}
    ${list !== null && list.total === 0 ? html`<p class="empty">${searching ? 'No user matches.' : 'No users yet: they appear when people sign up, or create one.'}</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<table>
          <caption class="visually-hidden">Users</caption>
          <thead><tr><th scope="col">Email</th><th scope="col">Name</th><th scope="col">Last login</th></tr></thead>
          <tbody>${list.items.map(
            (user) => html`<tr key=${user.user_id}>
              <td><${Link} session=${session} to=${`users/${encodeURIComponent(user.user_id)}`}>${user.email ?? user.user_id}<//>${user.blocked ? html` <span class="badge">blocked</span>` : null}</td>
              <td>${user.name}</td>
              <td>${when(user.last_login)}</td>
            </tr>`,
          )}</tbody>
        </table>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${pageableTotal(list.total, searching)} onPage=${setPage} />` : null}
  </section>`
}

/** Create (id undefined) or see and change one user. */
export function UserPage({ session, id }: { session: Session; id?: string }) {
  const [user, setUser] = useState<User | null>(null)
  const [form, setForm] = useState<UserForm>({ email: '', password: '', name: '', email_verified: false })
  const [errors, setErrors] = useState<FieldErrors>({})
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const show = (found: User) => {
    setUser(found)
    setForm({ email: found.email ?? '', password: '', name: found.name, email_verified: found.email_verified })
  }
  useEffect(() => {
    if (id !== undefined) session.api.get<User>(`users/${encodeURIComponent(id)}`).then(show, (e: unknown) => setError(messageOf(e)))
  }, [id])
  const set = (patch: Partial<UserForm>) => setForm({ ...form, ...patch })
  const disabled = session.readOnly
  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setSaved(null)
    const mapped = userBody(form, user !== null)
    if ('errors' in mapped) {
      setErrors(mapped.errors)
      return
    }
    setErrors({})
    try {
      if (user !== null) {
        show(await session.api.patch<User>(`users/${encodeURIComponent(user.user_id)}`, mapped.body))
        setSaved('Saved.')
      } else {
        const created = await session.api.post<User>('users', mapped.body)
        show(created)
        setSaved(`Created ${created.email ?? created.user_id}.`)
        history.replaceState(null, '', session.href(`users/${encodeURIComponent(created.user_id)}`))
      }
    } catch (e) {
      setError(messageOf(e))
    }
  }
  const setBlocked = async (blocked: boolean) => {
    if (user === null) return
    setError(null)
    try {
      show(await session.api.patch<User>(`users/${encodeURIComponent(user.user_id)}`, { blocked }))
      setSaved(blocked ? 'Blocked: the user is signed out everywhere and cannot log in.' : 'Unblocked.')
    } catch (e) {
      setError(messageOf(e))
    }
  }
  const reload = async () => {
    if (user !== null) show(await session.api.get<User>(`users/${encodeURIComponent(user.user_id)}`))
  }
  if (id !== undefined && user === null)
    return html`<section><h1 id="page-title">User</h1><${ErrorBox} error=${error} />${error === null ? html`<p>Loading…</p>` : null}</section>`
  return html`<section aria-labelledby="page-title">
    <p><${Link} session=${session} to="users">← Users<//></p>
    <h1 id="page-title">${user !== null ? (user.email ?? user.user_id) : 'Create user'}</h1>
    ${user !== null
      ? html`<dl class="facts">
          <dt>User id</dt><dd><code>${user.user_id}</code></dd>
          <dt>Status</dt><dd>${user.blocked ? 'Blocked' : 'Active'}</dd>
          <dt>Email</dt><dd>${user.email === undefined ? 'none' : user.email_verified ? 'verified' : 'not verified'}</dd>
          <dt>Created</dt><dd>${when(user.created_at)}</dd>
          <dt>Last login</dt><dd>${when(user.last_login)} (${user.logins_count} logins)</dd>
          <dt>Connections</dt><dd>${user.identities.map((identity) => identity.connection).join(', ')}</dd>
        </dl>`
      : null}
    ${saved !== null ? html`<p class="ok" role="status">${saved}</p>` : null}
    <${ErrorBox} error=${error} />
    <form onSubmit=${submit} noValidate>
      <${Field} id="user-email" label="Email address" error=${errors.email}>
        <input id="user-email" type="email" disabled=${disabled} aria-invalid=${errors.email ? 'true' : undefined} aria-describedby=${describedBy('user-email', false, errors.email)}
          value=${form.email} onInput=${(e: Event) => set({ email: (e.target as HTMLInputElement).value })} />
      <//>
      <${Field} id="user-name" label="Name">
        <input id="user-name" type="text" disabled=${disabled} value=${form.name} onInput=${(e: Event) => set({ name: (e.target as HTMLInputElement).value })} />
      <//>
      ${user === null
        ? html`<${Field} id="user-password" label="Password" hint="The user's first password; Latchkey's password policy applies." error=${errors.password}>
            <input id="user-password" type="password" autocomplete="new-password" disabled=${disabled} aria-invalid=${errors.password ? 'true' : undefined}
              aria-describedby=${describedBy('user-password', true, errors.password)} value=${form.password} onInput=${(e: Event) => set({ password: (e.target as HTMLInputElement).value })} />
          <//>`
        : null}
      <label class="check"><input type="checkbox" disabled=${disabled} checked=${form.email_verified}
        onChange=${(e: Event) => set({ email_verified: (e.target as HTMLInputElement).checked })} /> Email address verified</label>
      <div class="actions">
        <button type="submit" class="primary" disabled=${disabled}>${user !== null ? 'Save changes' : 'Create'}</button>
        ${user !== null ? html`<button type="button" disabled=${disabled} onClick=${() => setBlocked(!user.blocked)}>${user.blocked ? 'Unblock' : 'Block'}</button>` : null}
        ${user !== null
          ? html`<${DeleteButton} what=${`the user ${user.email ?? user.user_id}`} disabled=${disabled} onConfirm=${async () => {
              await session.api.delete(`users/${encodeURIComponent(user.user_id)}`)
              session.navigate('users')
            }} />`
          : null}
      </div>
    </form>
    ${user !== null
      ? html`<div class="user-sections">
          <${UserRoles} session=${session} userId=${user.user_id} />
          <${UserPermissions} session=${session} userId=${user.user_id} />
          <${UserIdentities} session=${session} user=${user} onChange=${reload} />
          <${UserFactors} session=${session} userId=${user.user_id} />
          <${UserEmails} session=${session} user=${user} />
          <${UserSessions} session=${session} userId=${user.user_id} />
        </div>`
      : null}
  </section>`
}
