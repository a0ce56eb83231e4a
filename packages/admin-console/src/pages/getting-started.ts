/**
 * Getting started: the seed tutorial (Authorization Code Flow with PKCE) for one of this deployment's
 * applications and APIs, with their real client_id, callback and identifier in every snippet.
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { sdkSnippets, sixSteps, startingPointOf } from '../snippets.js'
import { ErrorBox, Field, Link, Snippet, messageOf, type Session } from '../ui.js'
import type { ResourceServer } from './apis.js'
import type { Client } from './applications.js'

export function GettingStartedPage({ session }: { session: Session }) {
  const [apps, setApps] = useState<Client[] | null>(null)
  const [apis, setApis] = useState<ResourceServer[]>([])
  const [appId, setAppId] = useState('')
  const [apiId, setApiId] = useState('')
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    Promise.all([
      session.api.page<Client>('clients', 'clients', 0, 100, { app_type: 'spa,native' }),
      session.api.page<ResourceServer>('resource-servers', 'resource_servers', 0, 100),
    ]).then(([a, r]) => {
      const ownApps = a.items.filter((app) => app.client_id !== 'latchkey-admin-console')
      const ownApis = r.items.filter((api) => api.is_system !== true)
      setApps(ownApps)
      setApis(ownApis)
      setAppId(ownApps[0]?.client_id ?? '')
      setApiId(ownApis[0]?.id ?? '')
    }, (e: unknown) => setError(messageOf(e)))
  }, [])
  const app = apps?.find((a) => a.client_id === appId)
  const api = apis.find((a) => a.id === apiId)
  const point = app !== undefined ? startingPointOf(session.issuer, app, api) : undefined
  return html`<section aria-labelledby="page-title">
    <h1 id="page-title">Getting started</h1>
    <p>Call your API using the Authorization Code Flow with PKCE. Before you begin:</p>
    <ol class="prerequisites">
      <li>Register the application: type Single-page app or Native, an allowed callback URL, and the Authorization Code grant (and Refresh Token, for refresh tokens). <${Link} session=${session} to="applications/new">Create an application<//></li>
      <li>Register your API; enable Allow Offline Access if apps should get refresh tokens for it. <${Link} session=${session} to="apis/new">Create an API<//></li>
    </ol>
    <${ErrorBox} error=${error} />
    ${apps !== null && apps.length === 0 ? html`<p class="empty">No single-page or native application yet: create one, and its snippets appear here.</p>` : null}
    ${apps !== null && apps.length > 0
      ? html`<div class="choices">
          <${Field} id="start-app" label="Application">
            <select id="start-app" value=${appId} onChange=${(e: Event) => setAppId((e.target as HTMLSelectElement).value)}>
              ${apps.map((a) => html`<option value=${a.client_id}>${a.name}</option>`)}
            </select>
          <//>
          <${Field} id="start-api" label="API">
            <select id="start-api" value=${apiId} onChange=${(e: Event) => setApiId((e.target as HTMLSelectElement).value)}>
              <option value="">None (the Management API's audience)</option>
              ${apis.map((a) => html`<option value=${a.id}>${a.name}</option>`)}
            </select>
          <//>
        </div>`
      : null}
    ${point !== undefined
      ? html`<p>Client ID <code>${point.clientId}</code>, callback <code>${point.callback}</code>, audience <code>${point.audience}</code>.</p>
          <h2>The six steps</h2>
          ${sixSteps(point).map((step) => html`<div class="step"><p><strong>${step.title}</strong>: ${step.text}</p><${Snippet} title=${step.title} code=${step.code} /></div>`)}
          <h2>With an SDK</h2>
          ${sdkSnippets(point).map((snippet) => html`<${Snippet} title=${snippet.title} code=${snippet.code} />`)}`
      : null}
  </section>`
}
