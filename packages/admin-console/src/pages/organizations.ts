/**
 * Organizations: /api/v2/organizations, listed (paged; found by exact name through
 * /organizations/name/{name}), created with branding and metadata, edited, deleted; on each, its
 * members (added by email address, removed, with their roles there), its invitations (created with
 * the link shown once, revoked) and its enabled connections (enabled, with or without adding
 * members at login, changed, disabled).
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import { ConfirmButton, everyItem, UserFinder, usePaged } from '../assign.js'
import type { FieldErrors } from '../forms.js'
import {
  type InvitationForm,
  invitationBody,
  newInvitationForm,
  newOrganizationForm,
  type OrganizationForm,
  organizationBody,
  organizationFormOf,
} from '../org-forms.js'
import { DeleteButton, ErrorBox, Field, Link, Pager, describedBy, messageOf, type Session } from '../ui.js'
import type { Client } from './applications.js'
import { isBuiltIn, type Role } from './roles.js'

interface Organization {
  readonly id: string
  readonly name: string
  readonly display_name?: string
  readonly branding?: { logo_url?: string; colors?: { primary?: string; page_background?: string } }
  readonly metadata?: Record<string, string>
}

interface Member {
  readonly user_id: string
  readonly email?: string
  readonly name?: string
  readonly roles: { id: string; name: string }[]
}

interface Invitation {
  readonly id: string
  readonly inviter: { name: string }
  readonly invitee: { email: string }
  readonly invitation_url?: string
  readonly created_at: string
  readonly expires_at: string
  readonly client_id: string
  readonly connection_id: string
  readonly roles: string[]
}

interface EnabledConnection {
  readonly connection_id: string
  readonly assign_membership_on_login: boolean
  readonly connection: { name: string; strategy: string }
}

const PER_PAGE = 25
const CONSOLE_CLIENT_ID = 'latchkey-admin-console'
const when = (iso: string) => new Date(iso).toLocaleString()

export function OrganizationsPage({ session }: { session: Session }) {
  const { list, error, page, setPage } = usePaged<Organization>(session, 'organizations', 'organizations', PER_PAGE)
  const [text, setText] = useState('')
  const [found, setFound] = useState<Organization | null | undefined>(undefined)
  const [findError, setFindError] = useState<string | null>(null)
  const find = async (event: Event) => {
    event.preventDefault()
    setFindError(null)
    const name = text.trim()
    if (name === '') {
      setFound(undefined)
      return
    }
    try {
      setFound(await session.api.get<Organization>(`organizations/name/${encodeURIComponent(name)}`))
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setFound(null)
      else setFindError(messageOf(e))
    }
  }
  const shown = found === undefined ? list : { items: found === null ? [] : [found], total: found === null ? 0 : 1 }
  const row = (org: Organization) => html`<tr key=${org.id}>
    <td><${Link} session=${session} to=${`organizations/${encodeURIComponent(org.id)}`}>${org.name}<//></td>
    <td>${org.display_name ?? ''}</td>
    <td><code>${org.id}</code></td>
  </tr>`
  return html`<section aria-labelledby="page-title">
    <div class="page-head">
      <h1 id="page-title">Organizations</h1>
      <button type="button" class="primary" disabled=${session.readOnly} onClick=${() => session.navigate('organizations/new')}>Create organization</button>
    </div>
    <p class="hint">The businesses or teams whose members log in to them: apps send <code>organization</code> to /authorize, and tokens carry <code>org_id</code>.</p>
    <form role="search" class="search" onSubmit=${find}>
      <label for="org-search">Find an organization by its exact name</label>
      <div class="search-row">
        <input id="org-search" type="search" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
        <button type="submit">Find</button>
        ${found !== undefined ? html`<button type="button" onClick=${() => { setText(''); setFound(undefined) }}>Show all</button>` : null}
      </div>
    </form>
    <${ErrorBox} error=${findError ?? error} />
    ${shown === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${shown !== null && shown.total === 0
      ? html`<p class="empty">${found === undefined ? 'No organizations yet. Create one for each business or team whose people log in together.' : `No organization is named “${text.trim()}”.`}</p>`
      : null}
    ${shown !== null && shown.items.length > 0
      ? html`<table>
          <caption class="visually-hidden">Organizations</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Display name</th><th scope="col">Id</th></tr></thead>
          <tbody>${shown.items.map(row)}</tbody>
        </table>`
      : null}
    ${list !== null && found === undefined ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
  </section>`
}

/** The roles a member or invitee may get: every role but the built-in administrator ones. */
function useRoles(session: Session): Role[] {
  const [roles, setRoles] = useState<Role[]>([])
  useEffect(() => {
    everyItem<Role>(session, 'roles', 'roles').then((all) => setRoles(all.filter((role) => !isBuiltIn(role))), () => setRoles([]))
  }, [])
  return roles
}

function MemberRow({ session, org, member, roles, reload }: { session: Session; org: Organization; member: Member; roles: Role[]; reload: () => void }) {
  const [choice, setChoice] = useState('')
  const [error, setError] = useState<string | null>(null)
  const who = member.email ?? member.user_id
  const rolesPath = `organizations/${encodeURIComponent(org.id)}/members/${encodeURIComponent(member.user_id)}/roles`
  const selectId = `member-role-${member.user_id.replace(/[^A-Za-z0-9_-]/g, '_')}`
  const give = async (event: Event) => {
    event.preventDefault()
    setError(null)
    if (choice === '') return setError('Choose a role to give.')
    try {
      await session.api.post(rolesPath, { roles: [choice] })
      setChoice('')
      reload()
    } catch (e) {
      setError(messageOf(e))
    }
  }
  const available = roles.filter((role) => !member.roles.some((r) => r.id === role.id))
  return html`<li class="member">
    <div class="member-head">
      <span><${Link} session=${session} to=${`users/${encodeURIComponent(member.user_id)}`}>${who}<//>${member.name && member.name !== member.email ? ` ${member.name}` : ''}</span>
      <${ConfirmButton} label="Remove" name=${`Remove ${who}`} question=${`Remove ${who} from ${org.name}? Their refresh tokens for it stop working.`} confirmLabel="Yes, remove"
        disabled=${session.readOnly} onConfirm=${async () => {
          await session.api.delete(`organizations/${encodeURIComponent(org.id)}/members`, { members: [member.user_id] })
          reload()
        }} />
    </div>
    <div class="member-roles">
      <span class="hint">Roles here:</span>
      ${member.roles.length === 0 ? html`<span class="hint">none</span>` : null}
      ${member.roles.map(
        (role) => html`<span class="chip" key=${role.id}>${role.name}
          <${ConfirmButton} label="Remove" name=${`Remove role ${role.name} from ${who}`} question=${`Take ${role.name} from ${who} in ${org.name}?`} confirmLabel="Yes, take it"
            disabled=${session.readOnly} onConfirm=${async () => {
              await session.api.delete(rolesPath, { roles: [role.id] })
              reload()
            }} /></span>`,
      )}
    </div>
    ${available.length > 0
      ? html`<form class="search-row" onSubmit=${give} noValidate>
          <label class="visually-hidden" for=${selectId}>Role to give ${who}</label>
          <select id=${selectId} disabled=${session.readOnly} value=${choice} onChange=${(e: Event) => setChoice((e.target as HTMLSelectElement).value)}>
            <option value="">Give a role…</option>
            ${available.map((role) => html`<option value=${role.id}>${role.name}</option>`)}
          </select>
          <button type="submit" disabled=${session.readOnly} aria-label=${`Give the role to ${who}`}>Give</button>
        </form>`
      : null}
    <${ErrorBox} error=${error} />
  </li>`
}

function Members({ session, org, roles }: { session: Session; org: Organization; roles: Role[] }) {
  const path = `organizations/${encodeURIComponent(org.id)}/members`
  const { list, error, page, setPage, reload } = usePaged<Member>(session, path, 'members', PER_PAGE)
  const [done, setDone] = useState<string | null>(null)
  return html`<section aria-labelledby="members-title" class="panel">
    <h2 id="members-title">Members</h2>
    <${ErrorBox} error=${error} />
    ${list !== null && list.total === 0 ? html`<p class="empty">No members yet: add users, or invite people.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<ul class="rows members">${list.items.map((member) => html`<${MemberRow} key=${member.user_id} session=${session} org=${org} member=${member} roles=${roles} reload=${reload} />`)}</ul>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
    ${roles.length === 0 && list !== null && list.total > 0 ? html`<p class="hint">Members get roles here once there are roles: create them under Roles.</p>` : null}
    ${done !== null ? html`<p class="ok" role="status">${done}</p>` : null}
    <${UserFinder} session=${session} id="member-email" label="Add a member: their email address" action="Add" disabled=${session.readOnly}
      onPick=${async (user: { user_id: string; email?: string }) => {
        await session.api.post(path, { members: [user.user_id] })
        setDone(`${user.email ?? user.user_id} is a member of ${org.name}.`)
        reload()
      }} />
  </section>`
}

function Invitations({ session, org, roles, connections }: { session: Session; org: Organization; roles: Role[]; connections: EnabledConnection[] }) {
  const path = `organizations/${encodeURIComponent(org.id)}/invitations`
  const { list, error, page, setPage, reload } = usePaged<Invitation>(session, path, 'invitations', PER_PAGE)
  const [apps, setApps] = useState<Client[]>([])
  const [form, setForm] = useState<InvitationForm>(newInvitationForm())
  const [errors, setErrors] = useState<FieldErrors>({})
  const [formError, setFormError] = useState<string | null>(null)
  const [created, setCreated] = useState<Invitation | null>(null)
  useEffect(() => {
    // Invitation links open an app people log in to with organizations.
    everyItem<Client>(session, 'clients', 'clients').then(
      (all) =>
        setApps(
          all.filter(
            (app) =>
              app.client_id !== CONSOLE_CLIENT_ID && (app.grant_types ?? []).includes('authorization_code') && (app.organization_usage === 'allow' || app.organization_usage === 'require'),
          ),
        ),
      (e: unknown) => setFormError(messageOf(e)),
    )
  }, [org.id])
  const appName = (clientId: string) => apps.find((app) => app.client_id === clientId)?.name ?? clientId
  const roleName = (id: string) => roles.find((role) => role.id === id)?.name ?? id
  const set = (patch: Partial<InvitationForm>) => setForm({ ...form, ...patch })
  const invite = async (event: Event) => {
    event.preventDefault()
    setFormError(null)
    setCreated(null)
    const mapped = invitationBody(form)
    if ('errors' in mapped) {
      setErrors(mapped.errors)
      return
    }
    setErrors({})
    try {
      setCreated(await session.api.post<Invitation>(path, mapped.body))
      setForm({ ...newInvitationForm(form.inviter), client_id: form.client_id })
      reload()
    } catch (e) {
      setFormError(messageOf(e))
    }
  }
  const disabled = session.readOnly
  return html`<section aria-labelledby="invitations-title" class="panel">
    <h2 id="invitations-title">Invitations</h2>
    <p class="hint">Invitations not accepted yet. The invitee opens the link, logs in or signs up with the invited email address, and joins with the roles given.</p>
    <${ErrorBox} error=${error} />
    ${list !== null && list.total === 0 ? html`<p class="empty">No pending invitations.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<table>
          <caption class="visually-hidden">Pending invitations</caption>
          <thead><tr><th scope="col">Invitee</th><th scope="col">Application and roles</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Revoke</span></th></tr></thead>
          <tbody>${list.items.map(
            (inv) => html`<tr key=${inv.id}>
              <td>${inv.invitee.email}<br /><span class="hint">from ${inv.inviter.name}</span></td>
              <td>${appName(inv.client_id)}${inv.roles.length > 0 ? html`<br /><span class="hint">${inv.roles.map(roleName).join(', ')}</span>` : null}</td>
              <td>${new Date(inv.expires_at).getTime() < Date.now() ? html`<span class="badge">expired</span> ` : null}${when(inv.expires_at)}</td>
              <td><${ConfirmButton} label="Revoke" name=${`Revoke the invitation of ${inv.invitee.email}`} question=${`Revoke the invitation of ${inv.invitee.email}? Its link stops working.`}
                confirmLabel="Yes, revoke" disabled=${disabled} onConfirm=${async () => {
                  await session.api.delete(`${path}/${encodeURIComponent(inv.id)}`)
                  if (created?.id === inv.id) setCreated(null)
                  reload()
                }} /></td>
            </tr>`,
          )}</tbody>
        </table>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
    ${created?.invitation_url
      ? html`<div class="secret" role="status">
          <p><strong>The invitation link for ${created.invitee.email}, shown this once:</strong> send it to them (Latchkey keeps only a hash of its ticket).</p>
          <pre tabindex="0"><code data-testid="invitation-url">${created.invitation_url}</code></pre>
        </div>`
      : null}
    <form onSubmit=${invite} noValidate>
      <h3>Invite someone</h3>
      <${ErrorBox} error=${formError} />
      ${apps.length === 0
        ? html`<p class="hint">No application uses organizations yet: on an application that logs people in, set Organization usage to allow or require.</p>`
        : null}
      <div class="form-grid">
        <${Field} id="invite-email" label="Invitee's email address" error=${errors.email}>
          <input id="invite-email" type="email" disabled=${disabled} aria-invalid=${errors.email ? 'true' : undefined} aria-describedby=${describedBy('invite-email', false, errors.email)}
            value=${form.email} onInput=${(e: Event) => set({ email: (e.target as HTMLInputElement).value })} />
        <//>
        <${Field} id="invite-inviter" label="Inviter's name" hint="As the invitee will read it." error=${errors.inviter}>
          <input id="invite-inviter" type="text" disabled=${disabled} aria-invalid=${errors.inviter ? 'true' : undefined} aria-describedby=${describedBy('invite-inviter', true, errors.inviter)}
            value=${form.inviter} onInput=${(e: Event) => set({ inviter: (e.target as HTMLInputElement).value })} />
        <//>
        <${Field} id="invite-app" label="Application" hint="The app the link opens." error=${errors.client_id}>
          <select id="invite-app" disabled=${disabled} aria-invalid=${errors.client_id ? 'true' : undefined} aria-describedby=${describedBy('invite-app', true, errors.client_id)}
            value=${form.client_id} onChange=${(e: Event) => set({ client_id: (e.target as HTMLSelectElement).value })}>
            <option value="">Choose…</option>
            ${apps.map((app) => html`<option value=${app.client_id}>${app.name}</option>`)}
          </select>
        <//>
        <${Field} id="invite-connection" label="Connection" hint="How the invitee logs in.">
          <select id="invite-connection" disabled=${disabled} aria-describedby="invite-connection-hint" value=${form.connection_id}
            onChange=${(e: Event) => set({ connection_id: (e.target as HTMLSelectElement).value })}>
            <option value="">Default</option>
            ${connections.filter((c) => c.connection.strategy === 'auth0').map((c) => html`<option value=${c.connection_id}>${c.connection.name}</option>`)}
          </select>
        <//>
        <${Field} id="invite-ttl" label="Valid for (days)" hint="1 to 30." error=${errors.ttl_days}>
          <input id="invite-ttl" type="text" inputmode="numeric" disabled=${disabled} aria-invalid=${errors.ttl_days ? 'true' : undefined}
            aria-describedby=${describedBy('invite-ttl', true, errors.ttl_days)} value=${form.ttl_days} onInput=${(e: Event) => set({ ttl_days: (e.target as HTMLInputElement).value })} />
        <//>
      </div>
      ${roles.length > 0
        ? html`<fieldset><legend>Roles the invitee gets on joining</legend><div class="choices">${roles.map(
            (role) => html`<label class="check"><input type="checkbox" disabled=${disabled} checked=${form.roles.includes(role.id)}
              onChange=${(e: Event) => set({ roles: (e.target as HTMLInputElement).checked ? [...form.roles, role.id] : form.roles.filter((r) => r !== role.id) })} /> ${role.name}</label>`,
          )}</div></fieldset>`
        : null}
      <label class="check"><input type="checkbox" disabled=${disabled} checked=${form.send_email} onChange=${(e: Event) => set({ send_email: (e.target as HTMLInputElement).checked })} />
        Also email the link (needs email sending set up on the server)</label>
      <div class="actions"><button type="submit" disabled=${disabled}>Create invitation</button></div>
    </form>
  </section>`
}

/** A connection of the tenant, as GET /api/v2/connections lists it. */
interface TenantConnection {
  readonly id: string
  readonly name: string
  readonly strategy: string
}

function ConnectionRow({ session, org, enabled, reload }: { session: Session; org: Organization; enabled: EnabledConnection; reload: () => void }) {
  const [error, setError] = useState<string | null>(null)
  // Shown as clicked at once; back as it was if the change is refused.
  const [assigns, setAssigns] = useState(enabled.assign_membership_on_login)
  useEffect(() => setAssigns(enabled.assign_membership_on_login), [enabled.assign_membership_on_login])
  const name = enabled.connection.name
  const path = `organizations/${encodeURIComponent(org.id)}/enabled_connections/${encodeURIComponent(enabled.connection_id)}`
  const toggle = async (event: Event) => {
    const on = (event.target as HTMLInputElement).checked
    setError(null)
    setAssigns(on)
    try {
      await session.api.patch(path, { assign_membership_on_login: on })
      reload()
    } catch (e) {
      setAssigns(!on)
      setError(messageOf(e))
    }
  }
  return html`<tr>
    <td>${name}</td>
    <td>${enabled.connection.strategy}</td>
    <td>
      <label class="check"><input type="checkbox" disabled=${session.readOnly} checked=${assigns} onChange=${toggle}
        aria-label=${`Add users to ${org.name} when they log in with ${name}`} /> ${assigns ? 'Yes' : 'No'}</label>
      <${ErrorBox} error=${error} />
    </td>
    <td><${ConfirmButton} label="Disable" name=${`Disable ${name}`} question=${`Disable ${name} for ${org.name}? Its users can no longer log in to the organization with it (they stay members).`}
      confirmLabel="Yes, disable" disabled=${session.readOnly} onConfirm=${async () => {
        await session.api.delete(path)
        reload()
      }} /></td>
  </tr>`
}

function Connections({ session, org, onLoad }: { session: Session; org: Organization; onLoad: (connections: EnabledConnection[]) => void }) {
  const path = `organizations/${encodeURIComponent(org.id)}/enabled_connections`
  const { list, error, page, setPage, reload } = usePaged<EnabledConnection>(session, path, 'enabled_connections', PER_PAGE)
  const [tenant, setTenant] = useState<TenantConnection[]>([])
  const [choice, setChoice] = useState('')
  const [assign, setAssign] = useState(false)
  const [formError, setFormError] = useState<string | null>(null)
  const [done, setDone] = useState<string | null>(null)
  useEffect(() => {
    if (list !== null) onLoad(list.items)
  }, [list])
  useEffect(() => {
    everyItem<TenantConnection>(session, 'connections', 'connections').then(setTenant, (e: unknown) => setFormError(messageOf(e)))
  }, [org.id])
  // Those not enabled yet (as far as the page shown tells; the API refuses one already enabled).
  const available = tenant.filter((c) => !(list?.items ?? []).some((e) => e.connection_id === c.id))
  const enable = async (event: Event) => {
    event.preventDefault()
    setFormError(null)
    setDone(null)
    if (choice === '') return setFormError('Choose a connection to enable.')
    try {
      const enabled = await session.api.post<EnabledConnection>(path, { connection_id: choice, assign_membership_on_login: assign })
      setDone(`${enabled.connection.name} is enabled for ${org.name}.`)
      setChoice('')
      setAssign(false)
      reload()
    } catch (e) {
      setFormError(messageOf(e))
    }
  }
  const disabled = session.readOnly
  return html`<section aria-labelledby="connections-title" class="panel">
    <h2 id="connections-title">Enabled connections</h2>
    <p class="hint">How people log in to this organization: its login page offers only these (of those enabled for the application). A connection may add the users who log in with it as members; otherwise only members, added or invited, get in.</p>
    <${ErrorBox} error=${error} />
    ${list !== null && list.total === 0 ? html`<p class="empty">No connection is enabled: nobody can log in to this organization. Enable one below.</p>` : null}
    ${list !== null && list.items.length > 0
      ? html`<table>
          <caption class="visually-hidden">Enabled connections</caption>
          <thead><tr><th scope="col">Connection</th><th scope="col">Strategy</th><th scope="col">Adds members at login</th><th scope="col"><span class="visually-hidden">Disable</span></th></tr></thead>
          <tbody>${list.items.map((c) => html`<${ConnectionRow} key=${c.connection_id} session=${session} org=${org} enabled=${c} reload=${reload} />`)}</tbody>
        </table>`
      : null}
    ${list !== null ? html`<${Pager} page=${page} perPage=${PER_PAGE} total=${list.total} onPage=${setPage} />` : null}
    ${done !== null ? html`<p class="ok" role="status">${done}</p>` : null}
    <form onSubmit=${enable} noValidate>
      <h3>Enable a connection</h3>
      <${ErrorBox} error=${formError} />
      <${Field} id="org-connection" label="Connection to enable" hint="Those of the tenant not enabled here yet.">
        <select id="org-connection" disabled=${disabled} aria-describedby="org-connection-hint" value=${choice} onChange=${(e: Event) => setChoice((e.target as HTMLSelectElement).value)}>
          <option value="">Choose a connection…</option>
          ${available.map((c) => html`<option value=${c.id}>${c.name} (${c.strategy})</option>`)}
        </select>
      <//>
      <label class="check"><input type="checkbox" disabled=${disabled} checked=${assign} onChange=${(e: Event) => setAssign((e.target as HTMLInputElement).checked)} />
        Add users to the organization when they log in with it</label>
      <div class="actions"><button type="submit" disabled=${disabled}>Enable</button></div>
    </form>
  </section>`
}

/** Create (id undefined) or see and change one organization. */
export function OrganizationPage({ session, id }: { session: Session; id?: string }) {
  const [org, setOrg] = useState<Organization | null>(null)
  const [form, setForm] = useState<OrganizationForm>(newOrganizationForm())
  const [errors, setErrors] = useState<FieldErrors>({})
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [connections, setConnections] = useState<EnabledConnection[]>([])
  const roles = useRoles(session)
  const show = (found: Organization) => {
    setOrg(found)
    setForm(organizationFormOf(found))
  }
  useEffect(() => {
    if (id !== undefined) session.api.get<Organization>(`organizations/${encodeURIComponent(id)}`).then(show, (e: unknown) => setError(messageOf(e)))
  }, [id])
  const set = (patch: Partial<OrganizationForm>) => setForm({ ...form, ...patch })
  const disabled = session.readOnly
  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setSaved(null)
    const mapped = organizationBody(form, org ?? undefined)
    if ('errors' in mapped) {
      setErrors(mapped.errors)
      return
    }
    setErrors({})
    try {
      if (org !== null) {
        show(await session.api.patch<Organization>(`organizations/${encodeURIComponent(org.id)}`, mapped.body))
        setSaved('Saved.')
      } else {
        const created = await session.api.post<Organization>('organizations', mapped.body)
        show(created)
        setSaved(`Created ${created.name}. Add members or invite people below.`)
        history.replaceState(null, '', session.href(`organizations/${encodeURIComponent(created.id)}`))
      }
    } catch (e) {
      setError(messageOf(e))
    }
  }
  if (id !== undefined && org === null)
    return html`<section><h1 id="page-title">Organization</h1><${ErrorBox} error=${error} />${error === null ? html`<p>Loading…</p>` : null}</section>`
  const text = (name: keyof OrganizationForm, label: string, hint?: string) => {
    const fieldId = `org-${name}`
    return html`<${Field} id=${fieldId} label=${label} hint=${hint} error=${errors[name]}>
      <input id=${fieldId} type="text" disabled=${disabled} aria-invalid=${errors[name] ? 'true' : undefined} aria-describedby=${describedBy(fieldId, hint !== undefined, errors[name])}
        value=${form[name]} onInput=${(e: Event) => set({ [name]: (e.target as HTMLInputElement).value })} />
    <//>`
  }
  return html`<section aria-labelledby="page-title">
    <p><${Link} session=${session} to="organizations">← Organizations<//></p>
    <h1 id="page-title">${org !== null ? (org.display_name ?? org.name) : 'Create organization'}</h1>
    ${org !== null ? html`<p>Organization id <code data-testid="org-id">${org.id}</code></p>` : null}
    ${saved !== null ? html`<p class="ok" role="status">${saved}</p>` : null}
    <${ErrorBox} error=${error} />
    <form onSubmit=${submit} noValidate>
      ${text('name', 'Name', 'Unique: 3 to 50 lower-case letters, digits, - or _; what apps send as organization= and people may type at login.')}
      ${text('display_name', 'Display name', 'What the login page shows.')}
      <fieldset>
        <legend>Branding</legend>
        ${text('logo_url', 'Logo URL', 'https, shown on the login page.')}
        <div class="form-grid">
          ${text('primary', 'Primary color', '#rrggbb')}
          ${text('page_background', 'Page background color', '#rrggbb')}
        </div>
      </fieldset>
      <${Field} id="org-metadata" label="Metadata" hint="Optional: key=value, one a line (at most 25)." error=${errors.metadata}>
        <textarea id="org-metadata" rows="3" disabled=${disabled} aria-invalid=${errors.metadata ? 'true' : undefined} aria-describedby=${describedBy('org-metadata', true, errors.metadata)}
          value=${form.metadata} onInput=${(e: Event) => set({ metadata: (e.target as HTMLTextAreaElement).value })}></textarea>
      <//>
      <div class="actions">
        <button type="submit" class="primary" disabled=${disabled}>${org !== null ? 'Save changes' : 'Create'}</button>
        ${org !== null
          ? html`<${DeleteButton} what=${`the organization ${org.name} (its memberships and invitations; the users stay)`} disabled=${disabled} onConfirm=${async () => {
              await session.api.delete(`organizations/${encodeURIComponent(org.id)}`)
              session.navigate('organizations')
            }} />`
          : null}
      </div>
    </form>
    ${org !== null
      ? html`<${Members} key=${`m-${org.id}`} session=${session} org=${org} roles=${roles} />
          <${Invitations} key=${`i-${org.id}`} session=${session} org=${org} roles=${roles} connections=${connections} />
          <${Connections} key=${`c-${org.id}`} session=${session} org=${org} onLoad=${setConnections} />`
      : null}
  </section>`
}
