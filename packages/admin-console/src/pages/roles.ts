/**
 * Roles: /api/v2/roles, listed (paged, found by name), created, renamed, deleted; on each role the
 * permissions it gives (scopes of APIs: added by ticking an API's scopes, removed) and the users who
 * have it (assigned by email address, removed). The built-in administrator roles are shown read
 * only: `latchkey admins` manages them, and the API refuses to change them.
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { ConfirmButton, everyItem, UserFinder, usePaged } from '../assign.js'
import type { FieldErrors } from '../forms.js'
import { type RoleForm, roleBody } from '../org-forms.js'
import { DeleteButton, ErrorBox, Field, Link, Pager, describedBy, messageOf, type Session } from '../ui.js'
import type { ResourceServer } from './apis.js'

export interface Role {
  readonly id: string
  readonly name: string
  readonly description?: string
}

interface RolePermission {
  readonly resource_server_identifier: string
  readonly permission_name: string
  readonly resource_server_name?: string
  readonly description?: string
}

interface RoleUser {
  readonly user_id: string
  readonly email?: string
  readonly name?: string
}

/** The roles Latchkey keeps (packages/server/src/management/admins.ts): shown, never changed here. */
export const BUILT_IN_ROLES: ReadonlySet<string> = new Set(['Latchkey Admin', 'Latchkey Read-only'])
export const isBuiltIn = (role: Role) => BUILT_IN_ROLES.has(role.name)

const PER_PAGE = 25

export function RolesPage({ session }: { session: Session }) {
  const [text, setText] = useState('')
  const [filter, setFilter] = useState('')
  const { list, error, page, setPage } = usePaged<Role>(session, 'roles', 'roles', PER_PAGE, filter === '' ? {} : { name_filter: filter })
  const search = (event: Event) => {
    event.preventDefault()
    setPage(0)
    setFilter(text.trim())
  }
  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title">Roles</h1>
      <button type="button" class="primary" disabled=${session.readOnly} onClick=${() => session.navigate('roles/new')}>Create role</button>
    </div>
    <p class="hint">A role is a named set of permissions (scopes of your APIs). Users get the permissions of their roles in their access tokens for APIs with RBAC on.</p>
    <form role="search" class="search" onSubmit=${search}>
      <label for="role-search">Find roles by name</label>
      <div class="search-row">
        <input id="role-search" type="search" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
        <button type="submit">Search</button>
        ${filter !== '' ? html`<button type="button" onClick=${() => { setText(''); setFilter('') }}>Show all</button>` : null}
      </div>
    </form>
    <${ErrorBox} error=${error} />
    ${list === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null && list.total === 0 ? html`<p class="empty">${filter === '' ? 'No roles yet. Create one, give it permissions, then assign it to users.' : `No role's name contains “${filter}”.`}</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<table>
          <caption class="visually-hidden">Roles</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Description</th></tr></thead>
          <tbody>${list.items.map(
            (role) => html`<tr key=${role.id}>
              <td><${Link} session=${session} to=${`roles/${encodeURIComponent(role.id)}`}>${role.name}<//>${isBuiltIn(role) ? html` <span class="badge">built in</span>` : null}</td>
              <td>${role.description}</td>
            </tr>`,
          )}</tbody>
        </table>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
  </section>`
}

const permissionKey = (p: { resource_server_identifier: string; permission_name: string }) => `${p.resource_server_identifier} ${p.permission_name}`

function Permissions({ session, role, locked }: { session: Session; role: Role; locked: boolean }) {
  const path = `roles/${encodeURIComponent(role.id)}/permissions`
  const { list, error, page, setPage, reload } = usePaged<RolePermission>(session, path, 'permissions', PER_PAGE)
  const [apis, setApis] = useState<ResourceServer[]>([])
  const [apiId, setApiId] = useState('')
  const [ticked, setTicked] = useState<string[]>([])
  const [held, setHeld] = useState<ReadonlySet<string>>(new Set())
  const [formError, setFormError] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  useEffect(() => {
    if (locked) return
    // The Management API's own scopes are not given through roles (latchkey admins does that).
    session.api.page<ResourceServer>('resource-servers', 'resource_servers', 0, 100).then(
      (answer) => setApis(answer.items.filter((api) => api.is_system !== true)),
      (e: unknown) => setFormError(messageOf(e)),
    )
  }, [role.id, locked])
  const api = apis.find((a) => a.id === apiId)
  useEffect(() => {
    // Which of the chosen API's scopes the role gives already (every page of them).
    if (api === undefined) return
    everyItem<RolePermission>(session, path, 'permissions').then(
      (all) => setHeld(new Set(all.map(permissionKey))),
      (e: unknown) => setFormError(messageOf(e)),
    )
  }, [apiId, list])
  const add = async (event: Event) => {
    event.preventDefault()
    setFormError(null)
    setDone(null)
    if (api === undefined) return setFormError('Choose an API.')
    if (ticked.length === 0) return setFormError('Tick at least one scope to give.')
    try {
      await session.api.post(path, { permissions: ticked.map((name) => ({ resource_server_identifier: api.identifier, permission_name: name })) })
      setDone(`Added ${ticked.join(', ')}.`)
      setTicked([])
      reload()
    } catch (e) {
      setFormError(messageOf(e))
    }
  }
  const remove = async (p: RolePermission) => {
    await session.api.delete(path, { permissions: [{ resource_server_identifier: p.resource_server_identifier, permission_name: p.permission_name }] })
    setDone(null)
    reload()
  }
  const scopes = (api?.scopes ?? []).filter((scope) => !held.has(permissionKey({ resource_server_identifier: api?.identifier ?? '', permission_name: scope.value })))
  return html`<section aria-labelledby="permissions-title" class="panel">
    <h2 id="permissions-title">Permissions</h2>
    <${ErrorBox} error=${error} />
    ${list !== null && list.total === 0 ? html`<p class="empty">This role gives no permissions yet.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<table>
          <caption class="visually-hidden">Permissions of ${role.name}</caption>
          <thead><tr><th scope="col">Permission</th><th scope="col">API</th>${locked ? null : html`<th scope="col"><span class="visually-hidden">Remove</span></th>`}</tr></thead>
          <tbody>${list.items.map(
            (p) => html`<tr key=${permissionKey(p)}>
              <td><code>${p.permission_name}</code>${p.description && p.description !== p.permission_name ? html`<br /><span class="hint">${p.description}</span>` : null}</td>
              <td>${p.resource_server_name ?? p.resource_server_identifier}</td>
              ${locked
                ? null
                : html`<td><${ConfirmButton} label="Remove" name=${`Remove ${p.permission_name}`} question=${`Remove ${p.permission_name} from ${role.name}? Its users lose it.`} confirmLabel="Yes, remove"
                    disabled=${session.readOnly} onConfirm=${() => remove(p)} /></td>`}
            </tr>`,
          )}</tbody>
        </table>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
    ${locked
      ? null
      : html`<form onSubmit=${add} noValidate>
          <h3>Add permissions</h3>
          ${done !== null ? html`<p class="ok" role="status">${done}</p>` : null}
          <${ErrorBox} error=${formError} />
          <${Field} id="permission-api" label="API" hint="The API whose scopes the role gives.">
            <select id="permission-api" aria-describedby="permission-api-hint" disabled=${session.readOnly} value=${apiId}
              onChange=${(e: Event) => { setApiId((e.target as HTMLSelectElement).value); setTicked([]); setDone(null) }}>
              <option value="">Choose…</option>
              ${apis.map((a) => html`<option value=${a.id}>${a.name} (${a.identifier})</option>`)}
            </select>
          <//>
          ${apis.length === 0 ? html`<p class="hint">No API to take permissions from: create one under APIs, with its scopes.</p>` : null}
          ${api !== undefined && scopes.length === 0 ? html`<p class="hint">${(api.scopes ?? []).length === 0 ? 'This API has no scopes: add them on its page.' : 'The role gives every scope of this API already.'}</p>` : null}
          ${api !== undefined && scopes.length > 0
            ? html`<fieldset><legend>Scopes of ${api.name}</legend>${scopes.map(
                (scope) => html`<label class="check"><input type="checkbox" disabled=${session.readOnly} checked=${ticked.includes(scope.value)}
                  onChange=${(e: Event) => setTicked((e.target as HTMLInputElement).checked ? [...ticked, scope.value] : ticked.filter((s) => s !== scope.value))} />
                  <span><code>${scope.value}</code>${scope.description && scope.description !== scope.value ? ` ${scope.description}` : ''}</span></label>`,
              )}</fieldset>`
            : null}
          <button type="submit" disabled=${session.readOnly || api === undefined || scopes.length === 0}>Add permissions</button>
        </form>`}
  </section>`
}

function Users({ session, role, locked }: { session: Session; role: Role; locked: boolean }) {
  const path = `roles/${encodeURIComponent(role.id)}/users`
  const { list, error, page, setPage, reload } = usePaged<RoleUser>(session, path, 'users', PER_PAGE)
  const [done, setDone] = useState<string | null>(null)
  return html`<section aria-labelledby="users-title" class="panel">
    <h2 id="users-title">Users with this role</h2>
    ${locked ? html`<p class="hint">Administrators of this console: <code>latchkey admins add|remove EMAIL</code> changes who they are.</p>` : null}
    <${ErrorBox} error=${error} />
    ${list !== null && list.total === 0 ? html`<p class="empty">No user has this role.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<ul class="rows">${list.items.map(
          (user) => html`<li key=${user.user_id}>
            <span><${Link} session=${session} to=${`users/${encodeURIComponent(user.user_id)}`}>${user.email ?? user.user_id}<//>${user.name && user.name !== user.email ? ` ${user.name}` : ''}</span>
            ${locked
              ? null
              : html`<${ConfirmButton} label="Remove" name=${`Remove ${user.email ?? user.user_id}`} question=${`Take ${role.name} from ${user.email ?? user.user_id}?`} confirmLabel="Yes, remove" disabled=${session.readOnly}
                  onConfirm=${async () => {
                    await session.api.delete(`users/${encodeURIComponent(user.user_id)}/roles`, { roles: [role.id] })
                    setDone(null)
                    reload()
                  }} />`}
          </li>`,
        )}</ul>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
    ${locked
      ? null
      : html`${done !== null ? html`<p class="ok" role="status">${done}</p>` : null}
          <${UserFinder} session=${session} id="role-user-email" label="Assign the role to a user: their email address" action="Assign" disabled=${session.readOnly}
            onPick=${async (user: { user_id: string; email?: string }) => {
              await session.api.post(path, { users: [user.user_id] })
              setDone(`${user.email ?? user.user_id} has the role ${role.name}.`)
              reload()
            }} />`}
  </section>`
}

/** Create (id undefined) or see and change one role. */
export function RolePage({ session, id }: { session: Session; id?: string }) {
  const [role, setRole] = useState<Role | null>(null)
  const [form, setForm] = useState<RoleForm>({ name: '', description: '' })
  const [errors, setErrors] = useState<FieldErrors>({})
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const show = (found: Role) => {
    setRole(found)
    setForm({ name: found.name, description: found.description ?? '' })
  }
  useEffect(() => {
    if (id !== undefined) session.api.get<Role>(`roles/${encodeURIComponent(id)}`).then(show, (e: unknown) => setError(messageOf(e)))
  }, [id])
  const builtIn = role !== null && isBuiltIn(role)
  const disabled = session.readOnly || builtIn
  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setSaved(null)
    const mapped = roleBody(form)
    if ('errors' in mapped) {
      setErrors(mapped.errors)
      return
    }
    setErrors({})
    try {
      if (role !== null) {
        show(await session.api.patch<Role>(`roles/${encodeURIComponent(role.id)}`, mapped.body))
        setSaved('Saved.')
      } else {
        const created = await session.api.post<Role>('roles', mapped.body)
        show(created)
        setSaved(`Created ${created.name}. Now give it permissions, and assign it to users.`)
        history.replaceState(null, '', session.href(`roles/${encodeURIComponent(created.id)}`))
      }
    } catch (e) {
      setError(messageOf(e))
    }
  }
  if (id !== undefined && role === null)
    return html`<section><h1 id="page-title">Role</h1><${ErrorBox} error=${error} />${error === null ? html`<p>Loading…</p>` : null}</section>`
  return html`<section aria-labelledby="page-title">
    <p><${Link} session=${session} to="roles">← Roles<//></p>
    <h1 id="page-title">${role !== null ? role.name : 'Create role'}</h1>
    ${builtIn
      ? html`<p class="built-in" data-testid="built-in">Built in: manage administrators with <code>latchkey admins</code>. Latchkey keeps this role's name and permissions (the Management API's ${role?.name === 'Latchkey Admin' ? 'scopes' : 'read scopes'}); it cannot be changed or deleted here.</p>`
      : null}
    ${saved !== null ? html`<p class="ok" role="status">${saved}</p>` : null}
    <${ErrorBox} error=${error} />
    <form onSubmit=${submit} noValidate>
      <${Field} id="role-name" label="Name" error=${errors.name}>
        <input id="role-name" type="text" disabled=${disabled} aria-invalid=${errors.name ? 'true' : undefined} aria-describedby=${describedBy('role-name', false, errors.name)}
          value=${form.name} onInput=${(e: Event) => setForm({ ...form, name: (e.target as HTMLInputElement).value })} />
      <//>
      <${Field} id="role-description" label="Description" hint="What the role is for (at most 140 characters)." error=${errors.description}>
        <input id="role-description" type="text" disabled=${disabled} aria-invalid=${errors.description ? 'true' : undefined}
          aria-describedby=${describedBy('role-description', true, errors.description)}
          value=${form.description} onInput=${(e: Event) => setForm({ ...form, description: (e.target as HTMLInputElement).value })} />
      <//>
      <div class="actions">
        <button type="submit" class="primary" disabled=${disabled}>${role !== null ? 'Save changes' : 'Create'}</button>
        ${role !== null && !builtIn
          ? html`<${DeleteButton} what=${`the role ${role.name} (its users lose its permissions)`} disabled=${disabled} onConfirm=${async () => {
              await session.api.delete(`roles/${encodeURIComponent(role.id)}`)
              session.navigate('roles')
            }} />`
          : null}
      </div>
    </form>
    ${role !== null ? html`<${Permissions} key=${`p-${role.id}`} session=${session} role=${role} locked=${builtIn} /><${Users} key=${`u-${role.id}`} session=${session} role=${role} locked=${builtIn} />` : null}
  </section>`
}
