/**
 * A user's roles (`/users/{id}/roles`: list, assign from the roles there are, remove) and
 * permissions (`/users/{id}/permissions`: every permission they have with where it comes from; give
 * one of an API's scopes directly, remove a direct one), as sections of the user's page.
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { everyItem, usePaged } from '../assign.js'
import { messageOf, Outcome, Pager, type Session, useChange } from '../ui.js'
import { UserSection } from './user-section.js'

interface Role {
  readonly id: string
  readonly name: string
  readonly description: string
}

interface UserPermission {
  readonly resource_server_identifier: string
  readonly resource_server_name: string
  readonly permission_name: string
  readonly description: string
  readonly sources: readonly { readonly source_id: string; readonly source_name: string; readonly source_type: 'DIRECT' | 'ROLE' }[]
}

interface Api {
  readonly identifier: string
  readonly name: string
  readonly scopes?: readonly { readonly value: string; readonly description?: string }[]
}

const PER_PAGE = 20
const userPath = (userId: string, rest: string) => `users/${encodeURIComponent(userId)}/${rest}`

export function UserRoles(props: { session: Session; userId: string }) {
  const [open, setOpen] = useState(false)
  return html`<${UserSection} title="Roles" id="user-roles" open=${open} onToggle=${setOpen}><${RolesBody} ...${props} /><//>`
}

function RolesBody({ session, userId }: { session: Session; userId: string }) {
  const paged = usePaged<Role>(session, userPath(userId, 'roles'), 'roles', PER_PAGE)
  const [roles, setRoles] = useState<Role[] | null>(null)
  const [choice, setChoice] = useState('')
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    everyItem<Role>(session, 'roles', 'roles').then(setRoles, (e: unknown) => setError(messageOf(e)))
  }, [])
  const outcome = useChange()
  /** A change, then the list again. */
  const change = async (what: () => Promise<unknown>, message: string) => {
    if (await outcome.run(what, message)) paged.reload()
  }
  const assign = (event: Event) => {
    event.preventDefault()
    const role = roles?.find((r) => r.id === choice)
    if (role === undefined) {
      outcome.fail('Choose a role to assign.')
      return
    }
    void change(() => session.api.post(userPath(userId, 'roles'), { roles: [role.id] }), `Assigned the role ${role.name}.`).then(() => setChoice(''))
  }
  const list = paged.list
  return html`
    <p class="hint">Roles give the user their permissions for your APIs (outside organizations; a member's roles in an organization are on its Members).</p>
    <${Outcome} change=${outcome} error=${paged.error ?? error} />
    ${list === null && paged.error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null && list.total === 0 ? html`<p class="empty">No roles: assign one below.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<ul class="rows" aria-label="The user's roles">${list.items.map(
          (role) => html`<li key=${role.id}>
            <span><strong>${role.name}</strong> <span class="hint">${role.description}</span></span>
            <button type="button" disabled=${session.readOnly} aria-label=${`Remove the role ${role.name}`}
              onClick=${() => change(() => session.api.delete(userPath(userId, 'roles'), { roles: [role.id] }), `Removed the role ${role.name}.`)}>Remove</button>
          </li>`,
        )}</ul>`
      : null}
    ${list !== null ? html`<${Pager} page=${paged.page} perPage=${PER_PAGE} total=${list.total} onPage=${paged.setPage} />` : null}
    <form class="search" onSubmit=${assign}>
      <label for="assign-role">Assign a role</label>
      <div class="search-row">
        <select id="assign-role" disabled=${session.readOnly || roles === null} value=${choice} onChange=${(e: Event) => setChoice((e.target as HTMLSelectElement).value)}>
          <option value="">${roles === null ? 'Loading roles…' : roles.length === 0 ? 'No roles yet: create one on the Roles page' : 'Choose a role'}</option>
          ${(roles ?? []).map((role) => html`<option value=${role.id}>${role.name}</option>`)}
        </select>
        <button type="submit" disabled=${session.readOnly || choice === ''}>Assign</button>
      </div>
    </form>`
}

export function UserPermissions(props: { session: Session; userId: string }) {
  const [open, setOpen] = useState(false)
  return html`<${UserSection} title="Permissions" id="user-permissions" open=${open} onToggle=${setOpen}><${PermissionsBody} ...${props} /><//>`
}

const sourcesOf = (p: UserPermission) =>
  p.sources.map((s) => (s.source_type === 'DIRECT' ? 'given directly' : `from the role ${s.source_name}`)).join(', ')

function PermissionsBody({ session, userId }: { session: Session; userId: string }) {
  const paged = usePaged<UserPermission>(session, userPath(userId, 'permissions'), 'permissions', PER_PAGE)
  const [apis, setApis] = useState<Api[] | null>(null)
  const [apiId, setApiId] = useState('')
  const [scope, setScope] = useState('')
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    everyItem<Api>(session, 'resource-servers', 'resource_servers').then(
      (all) => setApis(all.filter((api) => (api.scopes ?? []).length > 0)),
      (e: unknown) => setError(messageOf(e)),
    )
  }, [])
  const outcome = useChange()
  /** A change, then the list again. */
  const change = async (what: () => Promise<unknown>, message: string) => {
    if (await outcome.run(what, message)) paged.reload()
  }
  const api = apis?.find((a) => a.identifier === apiId)
  const add = (event: Event) => {
    event.preventDefault()
    if (api === undefined || scope === '') {
      outcome.fail('Choose an API and one of its permissions.')
      return
    }
    const permission = { resource_server_identifier: api.identifier, permission_name: scope }
    void change(() => session.api.post(userPath(userId, 'permissions'), { permissions: [permission] }), `Gave ${scope} of ${api.name}.`).then(() => setScope(''))
  }
  const list = paged.list
  return html`
    <p class="hint">Every permission the user has, given directly or through a role. Only those given directly are removed here; the others go with their role.</p>
    <${Outcome} change=${outcome} error=${paged.error ?? error} />
    ${list === null && paged.error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${list !== null && list.total === 0 ? html`<p class="empty">No permissions: give one below, or assign a role.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<ul class="rows" aria-label="The user's permissions">${list.items.map(
          (p) => html`<li key=${`${p.resource_server_identifier} ${p.permission_name}`}>
            <span><strong>${p.permission_name}</strong> <span class="hint">${p.resource_server_name} · ${sourcesOf(p)}</span></span>
            ${p.sources.some((s) => s.source_type === 'DIRECT')
              ? html`<button type="button" disabled=${session.readOnly} aria-label=${`Remove the permission ${p.permission_name} of ${p.resource_server_name}`}
                  onClick=${() =>
                    change(
                      () => session.api.delete(userPath(userId, 'permissions'), { permissions: [{ resource_server_identifier: p.resource_server_identifier, permission_name: p.permission_name }] }),
                      `Removed ${p.permission_name}.`,
                    )}>Remove</button>`
              : null}
          </li>`,
        )}</ul>`
      : null}
    ${list !== null ? html`<${Pager} page=${paged.page} perPage=${PER_PAGE} total=${list.total} onPage=${paged.setPage} />` : null}
    <form onSubmit=${add}>
      <fieldset>
        <legend>Give a permission</legend>
        <div class="filters">
          <div class="field">
            <label for="permission-api">API</label>
            <select id="permission-api" disabled=${session.readOnly || apis === null} value=${apiId} onChange=${(e: Event) => {
              setApiId((e.target as HTMLSelectElement).value)
              setScope('')
            }}>
              <option value="">${apis === null ? 'Loading APIs…' : apis.length === 0 ? 'No API has permissions yet' : 'Choose an API'}</option>
              ${(apis ?? []).map((a) => html`<option value=${a.identifier}>${a.name}</option>`)}
            </select>
          </div>
          <div class="field">
            <label for="permission-scope">Permission</label>
            <select id="permission-scope" disabled=${session.readOnly || api === undefined} value=${scope} onChange=${(e: Event) => setScope((e.target as HTMLSelectElement).value)}>
              <option value="">${api === undefined ? 'Choose an API first' : 'Choose a permission'}</option>
              ${(api?.scopes ?? []).map((s) => html`<option value=${s.value}>${s.value}${s.description ? ` (${s.description})` : ''}</option>`)}
            </select>
          </div>
          <div class="actions"><button type="submit" disabled=${session.readOnly || scope === ''}>Add permission</button></div>
        </div>
      </fieldset>
    </form>`
}
