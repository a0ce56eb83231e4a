/** The login form: labelled `username` and `password` fields, a CSRF token, one uniform error. */
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'

export interface LoginView {
  readonly interactionId: string
  readonly csrf: string
  readonly appName: string
  readonly email?: string | null
  readonly error?: string | null
}

export function loginPage(view: LoginView): Html {
  return layout(
    'Log in',
    html`<h1>Log in</h1>
      <p>to continue to <strong>${view.appName}</strong></p>
      ${view.error ? html`<p class="error" role="alert" id="login-error">${view.error}</p>` : ''}
      <form method="post" action="/u/login?state=${encodeURIComponent(view.interactionId)}" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="username">Email address</label>
        <input id="username" name="username" type="email" autocomplete="username" required
          value="${view.email ?? ''}" ${view.error ? html`aria-describedby="login-error" aria-invalid="true"` : ''} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit" name="action" value="login">Continue</button>
      </form>`,
  )
}
