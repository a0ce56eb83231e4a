/**
 * Connections: /api/v2/connections, listed (paged, with the strategy), created with what the chosen
 * strategy needs, edited (the client secret is write-only: left empty it is kept), deleted after a
 * confirmation; and on each, the applications it is enabled for (/connections/{id}/clients), ticked
 * on and off.
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { type Connection, type ConnectionForm, DATABASE_STRATEGY, STRATEGIES, connectionBody, connectionFormOf, newConnectionForm, strategyLabel } from '../connection-forms.js'
import type { FieldErrors } from '../forms.js'
import { DeleteButton, ErrorBox, Field, Link, ListPage, describedBy, messageOf, type Session } from '../ui.js'
import type { Client } from './applications.js'

const PER_PAGE = 20
const CONSOLE_CLIENT_ID = 'latchkey-admin-console'

export function ConnectionsPage({ session }: { session: Session }) {
  return html`<${ListPage}
    session=${session}
    title="Connections"
    createLabel="Create connection"
    createPath="connections/new"
    empty="No connections. The user database is created at start; add an identity provider to let people log in with it."
    path="connections"
    itemsKey="connections"
    perPage=${PER_PAGE}
    rowKey=${(connection: Connection) => connection.id}
    columns=${[
      { header: 'Name', cell: (c: Connection) => html`<${Link} session=${session} to=${`connections/${encodeURIComponent(c.id)}`}>${c.name}<//>` },
      { header: 'Strategy', cell: (c: Connection) => html`${strategyLabel(c.strategy)} <code>${c.strategy}</code>` },
      { header: 'Applications', cell: (c: Connection) => String(c.enabled_clients?.length ?? 0) },
    ]}
  />`
}

/** Every page of a checkpoint-paged list (`from`/`take`, `next` while more remain). */
async function allEnabled(session: Session, id: string): Promise<string[]> {
  const ids: string[] = []
  let from: string | undefined
  do {
    const query = new URLSearchParams({ take: '100', ...(from !== undefined ? { from } : {}) })
    const page = await session.api.get<{ clients: { client_id: string }[]; next?: string }>(`connections/${encodeURIComponent(id)}/clients?${query}`)
    ids.push(...page.clients.map((c) => c.client_id))
    from = page.next
  } while (from !== undefined)
  return ids
}

/** Every application, page after page (the API gives at most 100 at a time). */
async function allApplications(session: Session): Promise<Client[]> {
  const all: Client[] = []
  for (let page = 0; ; page++) {
    const { items, total } = await session.api.page<Client>('clients', 'clients', page, 100)
    all.push(...items)
    if (items.length < 100 || all.length >= total) return all
  }
}

/** The applications the connection is enabled for: a checkbox per application, each change sent at once. */
function EnabledApplications({ session, connection }: { session: Session; connection: Connection }) {
  const [apps, setApps] = useState<Client[] | null>(null)
  const [enabled, setEnabled] = useState<ReadonlySet<string>>(new Set())
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const load = () =>
    Promise.all([allApplications(session), allEnabled(session, connection.id)]).then(
      ([clients, ids]) => {
        setApps(clients.filter((app) => app.app_type !== 'non_interactive'))
        setEnabled(new Set(ids))
      },
      (e: unknown) => setError(messageOf(e)),
    )
  useEffect(() => {
    void load()
  }, [connection.id])
  const toggle = async (clientId: string, status: boolean) => {
    setError(null)
    setBusy(true)
    // Shown at once; the list is read back from the API after the change (or its refusal).
    setEnabled(new Set(status ? [...enabled, clientId] : [...enabled].filter((id) => id !== clientId)))
    try {
      await session.api.patch(`connections/${encodeURIComponent(connection.id)}/clients`, [{ client_id: clientId, status }])
    } catch (e) {
      setError(messageOf(e))
    } finally {
      await load()
      setBusy(false)
    }
  }
  const database = connection.strategy === DATABASE_STRATEGY
  return html`<section aria-labelledby="enabled-title" class="panel">
    <h2 id="enabled-title">Applications</h2>
    <p class="hint">The applications whose users may log in with ${connection.name}. Changes are saved at once.</p>
    <${ErrorBox} error=${error} />
    ${apps === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${apps !== null && apps.length === 0 ? html`<p class="empty">No application logs people in yet: create one under Applications.</p>` : null}
    ${apps !== null && apps.length > 0
      ? html`<fieldset><legend>Enabled for</legend><div class="choices">${apps.map((app) => {
          // Switching the user database off for this console's own app would lock its administrators out.
          const locked = database && app.client_id === CONSOLE_CLIENT_ID && enabled.has(app.client_id)
          return html`<label class="check" key=${app.client_id}><input type="checkbox" disabled=${session.readOnly || busy || locked} checked=${enabled.has(app.client_id)}
            onChange=${(e: Event) => toggle(app.client_id, (e.target as HTMLInputElement).checked)} /> ${app.name}${locked ? ' (this console: kept on)' : ''}</label>`
        })}</div></fieldset>`
      : null}
  </section>`
}

function text(
  form: ConnectionForm,
  errors: FieldErrors,
  set: (patch: Partial<ConnectionForm>) => void,
  disabled: boolean,
  name: keyof ConnectionForm,
  label: string,
  hint?: string,
  attrs: Record<string, unknown> = {},
) {
  const id = `conn-${name}`
  return html`<${Field} id=${id} label=${label} hint=${hint} error=${errors[name]}>
    <input id=${id} type="text" disabled=${disabled} aria-invalid=${errors[name] ? 'true' : undefined} aria-describedby=${describedBy(id, hint !== undefined, errors[name])}
      value=${form[name] as string} onInput=${(e: Event) => set({ [name]: (e.target as HTMLInputElement).value })} ...${attrs} />
  <//>`
}

/** Create (id undefined) or edit one connection. */
export function ConnectionPage({ session, id }: { session: Session; id?: string }) {
  const [connection, setConnection] = useState<Connection | null>(null)
  const [form, setForm] = useState<ConnectionForm>(newConnectionForm())
  const [errors, setErrors] = useState<FieldErrors>({})
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const show = (found: Connection) => {
    setConnection(found)
    setForm(connectionFormOf(found))
  }
  useEffect(() => {
    if (id !== undefined) session.api.get<Connection>(`connections/${encodeURIComponent(id)}`).then(show, (e: unknown) => setError(messageOf(e)))
  }, [id])
  const set = (patch: Partial<ConnectionForm>) => setForm({ ...form, ...patch })
  const disabled = session.readOnly
  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setSaved(null)
    const mapped = connectionBody(form, connection ?? undefined)
    if ('errors' in mapped) {
      setErrors(mapped.errors)
      return
    }
    setErrors({})
    try {
      if (connection !== null) {
        show(await session.api.patch<Connection>(`connections/${encodeURIComponent(connection.id)}`, mapped.body))
        setSaved('Saved.')
      } else {
        const created = await session.api.post<Connection>('connections', mapped.body)
        show(created)
        setSaved(`Created ${created.name}. Now enable it for the applications that should offer it.`)
        history.replaceState(null, '', session.href(`connections/${encodeURIComponent(created.id)}`))
      }
    } catch (e) {
      setError(messageOf(e))
    }
  }
  if (id !== undefined && connection === null)
    return html`<section><h1 id="page-title">Connection</h1><${ErrorBox} error=${error} />${error === null ? html`<p>Loading…</p>` : null}</section>`
  const isSaved = connection !== null
  const strategy = form.strategy
  const database = strategy === DATABASE_STRATEGY
  const field = (name: keyof ConnectionForm, label: string, hint?: string, attrs: Record<string, unknown> = {}) => text(form, errors, set, disabled, name, label, hint, attrs)
  const secretHint = isSaved
    ? 'Write-only: never shown. Leave empty to keep the current one; type a new one to replace it.'
    : strategy === 'oidc'
      ? 'Leave empty for a public registration (PKCE only), if the provider allows it.'
      : 'Required: the secret the provider issued with the client ID.'
  return html`<section aria-labelledby="page-title">
    <p><${Link} session=${session} to="connections">← Connections<//></p>
    <h1 id="page-title">${isSaved ? connection?.name : 'Create connection'}</h1>
    ${isSaved
      ? html`<dl class="facts">
          <dt>Strategy</dt><dd>${strategyLabel(strategy)} <code>${strategy}</code></dd>
          <dt>Connection id</dt><dd><code data-testid="connection-id">${connection?.id}</code></dd>
        </dl>`
      : null}
    ${!database ? html`<p class="hint">Register this callback URL at the provider: <code>${session.issuer}login/callback</code></p>` : null}
    ${saved !== null ? html`<p class="ok" role="status">${saved}</p>` : null}
    <${ErrorBox} error=${error} />
    <form onSubmit=${submit} noValidate>
      ${isSaved
        ? null
        : html`${field('name', 'Name', 'Unique, and it cannot change: letters, digits and "-", e.g. acme-okta.')}
            <${Field} id="conn-strategy" label="Identity provider">
              <select id="conn-strategy" disabled=${disabled} value=${strategy}
                onChange=${(e: Event) => setForm({ ...newConnectionForm((e.target as HTMLSelectElement).value), name: form.name, display_name: form.display_name })}>
                ${STRATEGIES.map((s) => html`<option value=${s.value}>${s.label}</option>`)}
              </select>
            <//>`}
      ${database ? null : field('display_name', 'Button label', 'What the login page’s "Continue with …" button says; empty: the name.')}
      ${strategy === 'oidc' ? field('issuer', 'Issuer or discovery URL', "The provider's issuer (https://login.example.com/) or its /.well-known/openid-configuration URL.", { inputmode: 'url' }) : null}
      ${strategy === 'github' ? field('base_url', 'GitHub Enterprise Server URL', 'Empty for github.com.', { inputmode: 'url' }) : null}
      ${strategy === 'oauth2'
        ? html`${field('authorization_endpoint', 'Authorization URL', undefined, { inputmode: 'url' })}
            ${field('token_endpoint', 'Token URL', undefined, { inputmode: 'url' })}
            ${field('userinfo_endpoint', 'User info URL', 'Where Latchkey reads the profile with the access token.', { inputmode: 'url' })}`
        : null}
      ${database
        ? html`<fieldset>
            <legend>Trickle migration from Auth0</legend>
            <p class="hint">With import mode on, a user unknown here who logs in with a password is checked against the old Auth0 tenant and copied here.</p>
            <label class="check"><input type="checkbox" disabled=${disabled} checked=${form.import_mode}
              onChange=${(e: Event) => set({ import_mode: (e.target as HTMLInputElement).checked })} /> Import users from Auth0 at their first login</label>
            ${field('migration_domain', 'Old tenant’s domain', 'e.g. old-tenant.eu.auth0.com')}
            ${field('migration_client_id', 'Old tenant’s application client ID')}
            ${field('migration_realm', 'Old tenant’s database connection', 'Empty: Username-Password-Authentication.')}
            ${field('migration_audience', 'Audience', 'Optional: an API of the old tenant to ask a token for.')}
          </fieldset>`
        : html`${field('client_id', 'Client ID', 'The client ID the provider gave Latchkey.')}`}
      ${!database || form.import_mode || form.migration_domain !== ''
        ? html`<${Field} id="conn-secret" label=${database ? 'Old tenant’s application client secret' : 'Client secret'} hint=${secretHint} error=${errors.client_secret}>
            <input id="conn-secret" type="password" autocomplete="new-password" disabled=${disabled} aria-describedby=${describedBy('conn-secret', true, errors.client_secret)}
              placeholder=${isSaved ? '(unchanged)' : ''} value=${form.client_secret} onInput=${(e: Event) => set({ client_secret: (e.target as HTMLInputElement).value })} />
          <//>`
        : null}
      ${!database ? field('scope', 'Scopes', 'Space-separated scopes asked of the provider.') : null}
      ${strategy === 'oidc' || strategy === 'oauth2'
        ? html`<${Field} id="conn-domain_aliases" label="Email domains" hint="Optional, one a line: addresses at these domains go straight to this provider from the login page." error=${errors.domain_aliases}>
            <textarea id="conn-domain_aliases" rows="2" disabled=${disabled} aria-invalid=${errors.domain_aliases ? 'true' : undefined}
              aria-describedby=${describedBy('conn-domain_aliases', true, errors.domain_aliases)} value=${form.domain_aliases}
              onInput=${(e: Event) => set({ domain_aliases: (e.target as HTMLTextAreaElement).value })}></textarea>
          <//>`
        : null}
      <div class="actions">
        <button type="submit" class="primary" disabled=${disabled}>${isSaved ? 'Save changes' : 'Create'}</button>
        ${isSaved && !database && connection !== null
          ? html`<${DeleteButton} what=${`the connection ${connection.name} and the users who log in only with it`} disabled=${disabled} onConfirm=${async () => {
              await session.api.delete(`connections/${encodeURIComponent(connection.id)}`)
              session.navigate('connections')
            }} />`
          : null}
      </div>
      ${database ? html`<p class="hint">The user database cannot be deleted; switch it off for the applications that should use only other connections.</p>` : null}
    </form>
    ${connection !== null ? html`<${EnabledApplications} session=${session} connection=${connection} />` : null}
  </section>`
}
