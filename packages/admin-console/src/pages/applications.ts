/** Applications: /api/v2/clients, listed, created (the secret shown once), edited, rotated, deleted. */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { APP_TYPES, GRANT_TYPES, applicationBody, applicationFormOf, newApplicationForm, type ApplicationForm, type FieldErrors } from '../forms.js'
import { DeleteButton, ErrorBox, Field, Link, ListPage, describedBy, messageOf, type Session } from '../ui.js'
import { ApplicationConnections } from './application-connections.js'

export interface Client {
  readonly client_id: string
  readonly client_secret?: string
  readonly name: string
  readonly app_type: string
  readonly callbacks?: string[]
  readonly allowed_logout_urls?: string[]
  readonly web_origins?: string[]
  readonly grant_types?: string[]
  readonly token_endpoint_auth_method?: string
  readonly refresh_token?: { rotation_type?: string; token_lifetime?: number; idle_token_lifetime?: number }
  readonly organization_usage?: string
  readonly organization_require_behavior?: string
}

const PER_PAGE = 20
const CONSOLE_CLIENT_ID = 'latchkey-admin-console'
const typeLabel = (type: string) => APP_TYPES.find((t) => t.value === type)?.label ?? type

export function ApplicationsPage({ session }: { session: Session }) {
  return html`<${ListPage}
    session=${session}
    title="Applications"
    createLabel="Create application"
    createPath="applications/new"
    empty="No applications yet. Create one for each app that logs people in or calls your APIs."
    path="clients"
    itemsKey="clients"
    perPage=${PER_PAGE}
    rowKey=${(client: Client) => client.client_id}
    columns=${[
      { header: 'Name', cell: (client: Client) => html`<${Link} session=${session} to=${`applications/${encodeURIComponent(client.client_id)}`}>${client.name}<//>` },
      { header: 'Type', cell: (client: Client) => typeLabel(client.app_type) },
      { header: 'Client ID', cell: (client: Client) => html`<code>${client.client_id}</code>` },
    ]}
  />`
}

function Secret({ secret }: { secret: string }) {
  return html`<div class="secret" role="status">
    <p><strong>The client secret, shown this once:</strong> store it now; Latchkey keeps only its hash.</p>
    <pre tabindex="0"><code>${secret}</code></pre>
  </div>`
}

function lineField(form: ApplicationForm, errors: FieldErrors, set: (patch: Partial<ApplicationForm>) => void, name: 'callbacks' | 'allowed_logout_urls' | 'web_origins', label: string, hint: string, disabled: boolean) {
  const id = `app-${name}`
  return html`<${Field} id=${id} label=${label} hint=${hint} error=${errors[name]}>
    <textarea id=${id} rows="3" disabled=${disabled} aria-invalid=${errors[name] ? 'true' : undefined} aria-describedby=${describedBy(id, true, errors[name])}
      value=${form[name]} onInput=${(e: Event) => set({ [name]: (e.target as HTMLTextAreaElement).value })}></textarea>
  <//>`
}

/** Create (clientId undefined) or edit one application. */
export function ApplicationPage({ session, id: clientId }: { session: Session; id?: string }) {
  const editing = clientId !== undefined
  const [client, setClient] = useState<Client | null>(null)
  const [form, setForm] = useState<ApplicationForm>(newApplicationForm())
  const [errors, setErrors] = useState<FieldErrors>({})
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  const [secret, setSecret] = useState<string | null>(null)
  const path = editing ? `clients/${encodeURIComponent(clientId)}` : ''
  useEffect(() => {
    if (!editing) return
    session.api.get<Client>(path).then(
      (found) => {
        setClient(found)
        setForm(applicationFormOf(found))
      },
      (e: unknown) => setError(messageOf(e)),
    )
  }, [clientId])
  const set = (patch: Partial<ApplicationForm>) => setForm({ ...form, ...patch })
  // The console's own application is kept by the server at every start: changing it here could only lock the console out.
  const own = clientId === CONSOLE_CLIENT_ID
  const disabled = session.readOnly || own
  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setSaved(null)
    const mapped = applicationBody(form, editing)
    if ('errors' in mapped) {
      setErrors(mapped.errors)
      return
    }
    setErrors({})
    try {
      if (editing) {
        const updated = await session.api.patch<Client>(path, mapped.body)
        setClient(updated)
        setForm(applicationFormOf(updated))
        setSaved('Saved.')
      } else {
        const created = await session.api.post<Client>('clients', mapped.body)
        setClient(created)
        setForm(applicationFormOf(created))
        if (created.client_secret) setSecret(created.client_secret)
        setSaved(`Created ${created.name}.`)
        history.replaceState(null, '', session.href(`applications/${encodeURIComponent(created.client_id)}`))
      }
    } catch (e) {
      setError(messageOf(e))
    }
  }
  const currentId = client?.client_id
  const rotate = async () => {
    if (currentId === undefined) return
    setError(null)
    try {
      const rotated = await session.api.post<Client>(`clients/${encodeURIComponent(currentId)}/rotate-secret`)
      if (rotated.client_secret) setSecret(rotated.client_secret)
    } catch (e) {
      setError(messageOf(e))
    }
  }
  if (editing && client === null)
    return html`<section><h1 id="page-title">Application</h1><${ErrorBox} error=${error} />${error === null ? html`<p>Loading…</p>` : null}</section>`
  const isSaved = currentId !== undefined
  const interactive = form.app_type !== 'non_interactive'
  const confidential = client !== null && client.token_endpoint_auth_method !== undefined && client.token_endpoint_auth_method !== 'none'
  return html`<section aria-labelledby="page-title">
    <p><${Link} session=${session} to="applications">← Applications<//></p>
    <h1 id="page-title">${isSaved ? client?.name : 'Create application'}</h1>
    ${currentId !== undefined ? html`<p>Client ID <code data-testid="client-id">${currentId}</code></p>` : null}
    ${own ? html`<p class="hint">This console's own application: Latchkey keeps it in shape at every start, so it is shown here read only.</p>` : null}
    ${secret !== null ? html`<${Secret} secret=${secret} />` : null}
    ${saved !== null ? html`<p class="ok" role="status">${saved}</p>` : null}
    <${ErrorBox} error=${error} />
    <form onSubmit=${submit} noValidate>
      <${Field} id="app-name" label="Name" error=${errors.name}>
        <input id="app-name" type="text" required disabled=${disabled} aria-invalid=${errors.name ? 'true' : undefined} aria-describedby=${describedBy('app-name', false, errors.name)}
          value=${form.name} onInput=${(e: Event) => set({ name: (e.target as HTMLInputElement).value })} />
      <//>
      <${Field} id="app-type" label="Application type" hint=${isSaved ? 'The type cannot change once created.' : 'Single-page and native apps are public clients (PKCE, no secret).'}>
        <select id="app-type" disabled=${disabled || isSaved} aria-describedby="app-type-hint" value=${form.app_type}
          onChange=${(e: Event) => {
            const type = (e.target as HTMLSelectElement).value
            setForm({ ...newApplicationForm(type), name: form.name, callbacks: form.callbacks, allowed_logout_urls: form.allowed_logout_urls, web_origins: form.web_origins })
          }}>
          ${APP_TYPES.map((type) => html`<option value=${type.value}>${type.label}</option>`)}
        </select>
      <//>
      ${interactive ? lineField(form, errors, set, 'callbacks', 'Allowed callback URLs', 'One a line: where Latchkey may send the browser back with the code.', disabled) : null}
      ${interactive ? lineField(form, errors, set, 'allowed_logout_urls', 'Allowed logout URLs', 'One a line: where the browser may return after logout.', disabled) : null}
      ${interactive ? lineField(form, errors, set, 'web_origins', 'Allowed web origins', 'One a line, scheme://host[:port]: origins that may call Latchkey from the browser.', disabled) : null}
      <fieldset>
        <legend>Grant types</legend>
        ${errors.grant_types ? html`<p class="field-error" id="grant-error">${errors.grant_types}</p>` : null}
        ${GRANT_TYPES.map(
          (grant) => html`<label class="check"><input type="checkbox" disabled=${disabled} checked=${form.grant_types.includes(grant)}
            onChange=${(e: Event) => set({ grant_types: (e.target as HTMLInputElement).checked ? [...form.grant_types, grant] : form.grant_types.filter((g) => g !== grant) })} /> ${grant}</label>`,
        )}
      </fieldset>
      <fieldset>
        <legend>Refresh tokens</legend>
        <${Field} id="app-rotation" label="Rotation" hint="Rotating: a new refresh token at every refresh, with reuse detection (recommended for public clients).">
          <select id="app-rotation" disabled=${disabled} aria-describedby="app-rotation-hint" value=${form.rotation_type}
            onChange=${(e: Event) => set({ rotation_type: (e.target as HTMLSelectElement).value as ApplicationForm['rotation_type'] })}>
            <option value="rotating">Rotating</option><option value="non-rotating">Non-rotating</option>
          </select>
        <//>
        <${Field} id="app-lifetime" label="Absolute lifetime (seconds)" error=${errors.token_lifetime}>
          <input id="app-lifetime" inputmode="numeric" disabled=${disabled} aria-invalid=${errors.token_lifetime ? 'true' : undefined} aria-describedby=${describedBy('app-lifetime', false, errors.token_lifetime)}
            value=${form.token_lifetime} onInput=${(e: Event) => set({ token_lifetime: (e.target as HTMLInputElement).value })} />
        <//>
        <${Field} id="app-idle" label="Idle lifetime (seconds)" error=${errors.idle_token_lifetime}>
          <input id="app-idle" inputmode="numeric" disabled=${disabled} aria-invalid=${errors.idle_token_lifetime ? 'true' : undefined} aria-describedby=${describedBy('app-idle', false, errors.idle_token_lifetime)}
            value=${form.idle_token_lifetime} onInput=${(e: Event) => set({ idle_token_lifetime: (e.target as HTMLInputElement).value })} />
        <//>
      </fieldset>
      <fieldset>
        <legend>Organizations</legend>
        <${Field} id="app-org-usage" label="Organization usage">
          <select id="app-org-usage" disabled=${disabled} value=${form.organization_usage}
            onChange=${(e: Event) => set({ organization_usage: (e.target as HTMLSelectElement).value as ApplicationForm['organization_usage'] })}>
            <option value="deny">Individuals only (deny)</option><option value="allow">Individuals and organizations (allow)</option><option value="require">Organizations only (require)</option>
          </select>
        <//>
        ${form.organization_usage === 'require'
          ? html`<${Field} id="app-org-behavior" label="When no organization is given">
              <select id="app-org-behavior" disabled=${disabled} value=${form.organization_require_behavior}
                onChange=${(e: Event) => set({ organization_require_behavior: (e.target as HTMLSelectElement).value as ApplicationForm['organization_require_behavior'] })}>
                <option value="no_prompt">Refuse the login (no_prompt)</option><option value="pre_login_prompt">Ask for the organization (pre_login_prompt)</option>
              </select>
            <//>`
          : null}
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary" disabled=${disabled}>${isSaved ? 'Save changes' : 'Create'}</button>
        ${isSaved && confidential ? html`<button type="button" disabled=${disabled} onClick=${rotate}>Rotate secret</button>` : null}
        ${isSaved && currentId !== undefined
          ? html`<${DeleteButton} what=${`the application ${client?.name}`} disabled=${disabled} onConfirm=${async () => {
              await session.api.delete(`clients/${encodeURIComponent(currentId)}`)
              session.navigate('applications')
            }} />`
          : null}
      </div>
    </form>
    ${currentId !== undefined && interactive && !own ? html`<${ApplicationConnections} session=${session} clientId=${currentId} />` : null}
  </section>`
}
