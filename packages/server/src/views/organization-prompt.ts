/**
 * The organization prompt (Auth0's pre-login prompt): an app that requires an organization, opened
 * without one, asks for its name before the login form.
 */
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'

export interface OrganizationPromptView {
  readonly interactionId: string
  readonly csrf: string
  readonly appName: string
  readonly name?: string | null
  readonly error?: string | null
}

export function organizationPromptPage(view: OrganizationPromptView): Html {
  return layout(
    'Organization',
    html`<h1>Enter your organization</h1>
      <p>to continue to <strong>${view.appName}</strong></p>
      ${view.error ? html`<p class="error" role="alert" id="organization-error">${view.error}</p>` : ''}
      <form method="post" action="/u/organization?state=${encodeURIComponent(view.interactionId)}" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="organization">Organization name</label>
        <input id="organization" name="organization" type="text" autocomplete="organization" autocapitalize="none" spellcheck="false" required
          value="${view.name ?? ''}" ${view.error ? html`aria-describedby="organization-error" aria-invalid="true"` : ''} />
        <button type="submit" name="action" value="continue">Continue</button>
      </form>`,
  )
}
