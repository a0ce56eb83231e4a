/**
 * Users: /api/v2/users, listed (paged), found by email address (q=email:"…") or id, created in
 * Latchkey's database, their profile edited, blocked or unblocked, deleted.
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import { type FieldErrors, type UserForm, userBody, userSearchOf } from '../forms.js'
import { DeleteButton, ErrorBox, Field, Link, Pager, describedBy, messageOf, type Session } from '../ui.js'

interface User {
  readonly user_id: string
  readonly email?: string
  readonly email_verified: boolean
  readonly name: string
  readonly blocked: boolean
  readonly created_at: string
  readonly last_login?: string
  readonly logins_count: number
  readonly identities: { connection: string; provider: string; user_id: string }[]
}

const PER_PAGE = 25
const when = (iso: string | undefined) => (iso === undefined ? 'never' : new Date(iso).toLocaleString())

export function UsersPage({ session }: { session: Session }) {
  const [page, setPage] = useState(0)
  const [text, setText] = useState('')
  const [search, setSearch] = useState<{ email: string } | { id: string } | null>(null)
  const [list, setList] = useState<{ items: User[]; total: number } | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    setError(null)
    setList(null)
    const load =
      search === null
        ? session.api.page<User>('users', 'users', page, PER_PAGE)
        : 'email' in search
          ? session.api.page<User>('users', 'users', 0, PER_PAGE, { q: `email:"${search.email.replace(/(["\\])/g, '\\$1')}"` })
          : session.api.get<User>(`users/${encodeURIComponent(search.id)}`).then(
              (user) => ({ items: [user], total: 1 }),
              (e: unknown) => {
                if (e instanceof ApiError && e.status === 404) return { items: [], total: 0 }
                throw e
              },
            )
    load.then(setList, (e: unknown) => setError(messageOf(e)))
  }, [page, search])
  const submit = (event: Event) => {
    event.preventDefault()
    const parsed = userSearchOf(text)
    if (parsed !== null && 'error' in parsed) {
      setError(parsed.error)
      return
    }
    setPage(0)
    setSearch(parsed)
  }
  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title">Users</h1>
      <button type="button" class="primary" disabled=${session.readOnly} onClick=${() => session.navigate('users/new')}>Create user</button>
    </div>
    <form role="search" class="search" onSubmit=${submit}>
      <label for="user-search">Find a user by email address or user id</label>
      <div class="search-row">
        <input id="user-search" type="search" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
        ${search !== null ? html`<button type="button" onClick=${() => { setText(''); setSearch(null) }}>Show all</button>` : null}
      </div>
    </form>
    <${ErrorBox} error=${error} />
    ${list === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null && list.total === 0 ? html`<p class="empty">${search === null ? 'No users yet: they appear when people sign up, or create one.' : 'No user matches.'}</p>` : null}
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
    ${list !== null && search === null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
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
  if (id !== undefined && user === null)
    return html`<section><h1 id="page-title">User</h1><${ErrorBox} error=${error} />${error === null ? html`<p>Loading…</p>` : null}</section>`
  return html`<section aria-labelledby="page-title">
    <p><${Link} session=${session} to="users">← Users<//></p>
    <h1 id="page-title">${user !== null ? (user.email ?? user.user_id) : 'Create user'}</h1>
    ${user !== null
      ? html`<dl class="facts">
          <dt>User id</dt><dd><code>${user.user_id}</code></dd>
          <dt>Status</dt><dd>${user.blocked ? 'Blocked' : 'Active'}</dd>
          <dt>Created</dt><dd>${when(user.created_at)}</dd>
          <dt>Last login</dt><dd>${when(user.last_login)} (${user.logins_count} logins)</dd>
          <dt>Identities</dt><dd>${user.identities.map((identity) => identity.connection).join(', ')}</dd>
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
  </section>`
}
