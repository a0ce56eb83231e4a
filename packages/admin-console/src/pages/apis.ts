/**
 * APIs: /api/v2/resource-servers, listed, created, edited, deleted; and on each API the
 * machine-to-machine applications allowed to call it (/api/v2/client-grants) with their scopes.
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { SIGNING_ALGS, TOKEN_DIALECTS, apiBody, apiFormOf, newApiForm, type ApiForm, type FieldErrors } from '../forms.js'
import { DeleteButton, ErrorBox, Field, Link, ListPage, describedBy, messageOf, type Session } from '../ui.js'
import type { Client } from './applications.js'

export interface ResourceServer {
  readonly id: string
  readonly name: string
  readonly identifier: string
  readonly is_system?: boolean
  readonly scopes?: { value: string; description?: string }[]
  readonly allow_offline_access?: boolean
  readonly token_lifetime?: number
  readonly signing_alg?: string
  readonly enforce_policies?: boolean
  readonly token_dialect?: string
}

interface ClientGrant {
  readonly id: string
  readonly client_id: string
  readonly audience: string
  readonly scope: string[]
}

const PER_PAGE = 20

export function ApisPage({ session }: { session: Session }) {
  return html`<${ListPage}
    session=${session}
    title="APIs"
    createLabel="Create API"
    createPath="apis/new"
    empty="No APIs yet. Register each API that accepts Latchkey's access tokens."
    path="resource-servers"
    itemsKey="resource_servers"
    perPage=${PER_PAGE}
    rowKey=${(api: ResourceServer) => api.id}
    columns=${[
      {
        header: 'Name',
        cell: (api: ResourceServer) =>
          html`<${Link} session=${session} to=${`apis/${encodeURIComponent(api.id)}`}>${api.name}<//>${api.is_system ? html` <span class="badge">system</span>` : null}`,
      },
      { header: 'Identifier (audience)', cell: (api: ResourceServer) => html`<code>${api.identifier}</code>` },
    ]}
  />`
}

function MachineToMachine({ session, api }: { session: Session; api: ResourceServer }) {
  const [grants, setGrants] = useState<ClientGrant[] | null>(null)
  const [apps, setApps] = useState<Client[]>([])
  const [error, setError] = useState<string | null>(null)
  const [choice, setChoice] = useState('')
  const [scopes, setScopes] = useState<string[]>([])
  const load = () =>
    Promise.all([
      session.api.page<ClientGrant>('client-grants', 'client_grants', 0, 100, { audience: api.identifier }),
      session.api.page<Client>('clients', 'clients', 0, 100, { app_type: 'non_interactive' }),
    ]).then(([g, a]) => {
      setGrants(g.items)
      setApps(a.items)
    }, (e: unknown) => setError(messageOf(e)))
  useEffect(() => {
    void load()
  }, [api.identifier])
  const authorise = async (event: Event) => {
    event.preventDefault()
    setError(null)
    if (choice === '') {
      setError('Choose the machine-to-machine application to authorise.')
      return
    }
    try {
      await session.api.post('client-grants', { client_id: choice, audience: api.identifier, scope: scopes })
      setChoice('')
      setScopes([])
      await load()
    } catch (e) {
      setError(messageOf(e))
    }
  }
  const nameOf = (clientId: string) => apps.find((app) => app.client_id === clientId)?.name ?? clientId
  const ungranted = apps.filter((app) => !(grants ?? []).some((grant) => grant.client_id === app.client_id))
  return html`<section aria-labelledby="m2m-title" class="panel">
    <h2 id="m2m-title">Machine-to-machine applications</h2>
    <p class="hint">Applications allowed to get tokens for this API with the client credentials grant, and the scopes they get.</p>
    <${ErrorBox} error=${error} />
    ${grants !== null && grants.length === 0 ? html`<p class="empty">No application is authorised yet.</p>` : null}
    ${grants !== null && grants.length > 0
      ? html`<ul class="grants">${grants.map(
          (grant) => html`<li key=${grant.id}>
            <span><strong>${nameOf(grant.client_id)}</strong> ${grant.scope.length > 0 ? grant.scope.join(' ') : '(no scopes)'}</span>
            <${DeleteButton} what=${`the authorisation of ${nameOf(grant.client_id)}`} disabled=${session.readOnly} onConfirm=${async () => {
              await session.api.delete(`client-grants/${encodeURIComponent(grant.id)}`)
              await load()
            }} />
          </li>`,
        )}</ul>`
      : null}
    ${ungranted.length > 0
      ? html`<form onSubmit=${authorise} noValidate>
          <${Field} id="grant-client" label="Authorise an application">
            <select id="grant-client" disabled=${session.readOnly} value=${choice} onChange=${(e: Event) => setChoice((e.target as HTMLSelectElement).value)}>
              <option value="">Choose…</option>
              ${ungranted.map((app) => html`<option value=${app.client_id}>${app.name}</option>`)}
            </select>
          <//>
          ${(api.scopes ?? []).length > 0
            ? html`<fieldset><legend>Scopes granted</legend>${(api.scopes ?? []).map(
                (scope) => html`<label class="check"><input type="checkbox" disabled=${session.readOnly} checked=${scopes.includes(scope.value)}
                  onChange=${(e: Event) => setScopes((e.target as HTMLInputElement).checked ? [...scopes, scope.value] : scopes.filter((s) => s !== scope.value))} /> ${scope.value}</label>`,
              )}</fieldset>`
            : null}
          <button type="submit" disabled=${session.readOnly}>Authorise</button>
        </form>`
      : grants !== null ? html`<p class="hint">Every machine-to-machine application is authorised, or there are none: create one under Applications.</p>` : null}
  </section>`
}

/** Create (id undefined) or edit one API. */
export function ApiPage({ session, id }: { session: Session; id?: string }) {
  const editing = id !== undefined
  const [api, setApi] = useState<ResourceServer | null>(null)
  const [form, setForm] = useState<ApiForm>(newApiForm())
  const [errors, setErrors] = useState<FieldErrors>({})
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  useEffect(() => {
    if (id === undefined) return
    session.api.get<ResourceServer>(`resource-servers/${encodeURIComponent(id)}`).then(
      (found) => {
        setApi(found)
        setForm(apiFormOf(found))
      },
      (e: unknown) => setError(messageOf(e)),
    )
  }, [id])
  const set = (patch: Partial<ApiForm>) => setForm({ ...form, ...patch })
  const system = api?.is_system === true
  const disabled = session.readOnly || system
  const submit = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setSaved(null)
    const mapped = apiBody(form, api !== null)
    if ('errors' in mapped) {
      setErrors(mapped.errors)
      return
    }
    setErrors({})
    try {
      const answer = api !== null
        ? await session.api.patch<ResourceServer>(`resource-servers/${encodeURIComponent(api.id)}`, mapped.body)
        : await session.api.post<ResourceServer>('resource-servers', mapped.body)
      setApi(answer)
      setForm(apiFormOf(answer))
      setSaved(api !== null ? 'Saved.' : `Created ${answer.name}.`)
      if (api === null) history.replaceState(null, '', session.href(`apis/${encodeURIComponent(answer.id)}`))
    } catch (e) {
      setError(messageOf(e))
    }
  }
  if (editing && api === null)
    return html`<section><h1 id="page-title">API</h1><${ErrorBox} error=${error} />${error === null ? html`<p>Loading…</p>` : null}</section>`
  const isSaved = api !== null
  const text = (name: 'name' | 'identifier' | 'token_lifetime', label: string, hint: string, extra: Record<string, unknown> = {}) => {
    const fieldId = `api-${name}`
    return html`<${Field} id=${fieldId} label=${label} hint=${hint} error=${errors[name]}>
      <input id=${fieldId} type="text" aria-invalid=${errors[name] ? 'true' : undefined} aria-describedby=${describedBy(fieldId, true, errors[name])}
        value=${form[name]} onInput=${(e: Event) => set({ [name]: (e.target as HTMLInputElement).value })} disabled=${disabled} ...${extra} />
    <//>`
  }
  return html`<section aria-labelledby="page-title">
    <p><${Link} session=${session} to="apis">← APIs<//></p>
    <h1 id="page-title">${isSaved ? api.name : 'Create API'}</h1>
    ${system ? html`<p class="hint">Latchkey's own Management API: it cannot be changed or deleted.</p>` : null}
    ${saved !== null ? html`<p class="ok" role="status">${saved}</p>` : null}
    <${ErrorBox} error=${error} />
    <form onSubmit=${submit} noValidate>
      ${text('name', 'Name', 'How people see the API here and on consent screens.')}
      ${text('identifier', 'Identifier', isSaved ? 'The audience of its tokens; it cannot change.' : 'The audience apps ask tokens for, usually the API\'s URL, e.g. https://api.example.com/.', isSaved ? { readOnly: true } : {})}
      <${Field} id="api-scopes" label="Scopes (permissions)" hint="One a line: the scope, then optionally a space and what it allows, e.g. read:messages Read messages." error=${errors.scopes}>
        <textarea id="api-scopes" rows="4" disabled=${disabled} aria-invalid=${errors.scopes ? 'true' : undefined} aria-describedby=${describedBy('api-scopes', true, errors.scopes)}
          value=${form.scopes} onInput=${(e: Event) => set({ scopes: (e.target as HTMLTextAreaElement).value })}></textarea>
      <//>
      <label class="check"><input type="checkbox" disabled=${disabled} checked=${form.allow_offline_access}
        onChange=${(e: Event) => set({ allow_offline_access: (e.target as HTMLInputElement).checked })} /> Allow offline access (refresh tokens for this API)</label>
      ${text('token_lifetime', 'Access token lifetime (seconds)', 'How long its access tokens are valid.', { inputmode: 'numeric' })}
      <${Field} id="api-alg" label="Signing algorithm">
        <select id="api-alg" disabled=${disabled} value=${form.signing_alg} onChange=${(e: Event) => set({ signing_alg: (e.target as HTMLSelectElement).value })}>
          ${SIGNING_ALGS.map((alg) => html`<option value=${alg}>${alg}</option>`)}
        </select>
      <//>
      <fieldset>
        <legend>Role-based access control</legend>
        <label class="check"><input type="checkbox" disabled=${disabled} checked=${form.enforce_policies}
          onChange=${(e: Event) => set({ enforce_policies: (e.target as HTMLInputElement).checked })} /> Enable RBAC (tokens carry only the scopes a user's roles allow)</label>
        <${Field} id="api-dialect" label="Token dialect" hint="The _authz dialects add a permissions claim to access tokens.">
          <select id="api-dialect" disabled=${disabled} aria-describedby="api-dialect-hint" value=${form.token_dialect} onChange=${(e: Event) => set({ token_dialect: (e.target as HTMLSelectElement).value })}>
            ${TOKEN_DIALECTS.map((dialect) => html`<option value=${dialect}>${dialect}</option>`)}
          </select>
        <//>
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary" disabled=${disabled}>${isSaved ? 'Save changes' : 'Create'}</button>
        ${isSaved && !system
          ? html`<${DeleteButton} what=${`the API ${api.name}`} disabled=${disabled} onConfirm=${async () => {
              await session.api.delete(`resource-servers/${encodeURIComponent(api.id)}`)
              session.navigate('apis')
            }} />`
          : null}
      </div>
    </form>
    ${isSaved && !system ? html`<${MachineToMachine} session=${session} api=${api} />` : null}
  </section>`
}
