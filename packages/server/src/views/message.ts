/** Error and information pages: shown where a redirect would be unsafe or there is nowhere to go. */
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'

/** `continueAt`: a page of Latchkey's own where the user's login carries on (never an app's URL). */
export function errorPage(error: string, description: string, continueAt: string | null = null): Html {
  return layout(
    'Error',
    html`<h1>Something went wrong</h1>
      <p class="error" role="alert"><code>${error}</code>: ${description}</p>
      ${continueAt?.startsWith('/u/') ? html`<p><a href="${continueAt}">Continue your login</a></p>` : ''}
      <p>Go back to the application and try again. If the problem persists, contact its administrator.</p>`,
  )
}

export function messagePage(title: string, text: string): Html {
  return layout(title, html`<h1>${title}</h1><p>${text}</p>`)
}

/** What a person opening the server's root in a browser sees. */
export function homePage(issuer: string, demo = false): Html {
  return layout(
    'Latchkey',
    html`<h1>Latchkey is running</h1>
      <p>This is an OAuth 2.0 / OpenID Connect authorization server. Applications send users to
        <code>${issuer}authorize</code>; its configuration is at
        <a href="/.well-known/openid-configuration">/.well-known/openid-configuration</a>.</p>
      ${demo ? html`<p>New here? <a href="/playground">Walk through the six steps of a login in the playground</a>.</p>` : ''}`,
  )
}
