/** The page a verification link opens once it has verified the address. */
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'

export function emailVerifiedPage(email: string, continueUrl: string | null, appName: string | null): Html {
  return layout(
    'Email verified',
    html`<h1>Your email address is verified</h1>
      <p><strong>${email}</strong> is now verified. You can close this page.</p>
      ${continueUrl ? html`<p class="alt"><a href="${continueUrl}">Continue to ${appName ?? 'the application'}</a></p>` : ''}`,
  )
}
