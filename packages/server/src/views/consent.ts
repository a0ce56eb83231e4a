/** The consent form: what the app asks for, with Accept and Deny. */
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'

export interface ConsentView {
  readonly interactionId: string
  readonly csrf: string
  readonly appName: string
  readonly apiName: string | null
  readonly userEmail: string
  readonly scopes: readonly { readonly value: string; readonly description: string }[]
}

export function consentPage(view: ConsentView): Html {
  return layout(
    'Authorize',
    html`<h1>Authorize ${view.appName}</h1>
      <p>Hi <strong>${view.userEmail}</strong>, <strong>${view.appName}</strong> is requesting access to your
        ${view.apiName ? html`<strong>${view.apiName}</strong>` : 'profile'} account:</p>
      <ul class="scopes">
        ${view.scopes.map((s) => html`<li><code>${s.value}</code>${s.description ? html` — ${s.description}` : ''}</li>`)}
      </ul>
      <form method="post" action="/u/consent?state=${encodeURIComponent(view.interactionId)}">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <div class="actions">
          <button type="submit" name="action" value="deny" class="secondary">Decline</button>
          <button type="submit" name="action" value="accept">Accept</button>
        </div>
      </form>`,
  )
}
