/**
 * The sign-up form: email and a new password (the policy is stated under the field), a CSRF token,
 * and a link back to the login form. For an invitation the email is the invitee's and cannot change.
 */
import { MIN_PASSWORD_LENGTH } from '@latchkey/core'
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'

export interface SignupView {
  readonly interactionId: string
  readonly csrf: string
  readonly appName: string
  readonly email?: string | null
  readonly error?: string | null
  /** The display name of the organization being joined. */
  readonly organization?: string | null
  /** Set while accepting an invitation: who sent it. The email is then fixed. */
  readonly inviter?: string | null
}

function heading(view: SignupView) {
  if (view.inviter && view.organization)
    return html`<h1>Accept your invitation</h1>
      <p><strong>${view.inviter}</strong> invited you to join <strong>${view.organization}</strong> on
        <strong>${view.appName}</strong>. Create your account to accept.</p>`
  if (view.organization)
    return html`<h1>Sign up to ${view.organization}</h1>
      <p>to continue to <strong>${view.appName}</strong></p>`
  return html`<h1>Sign up</h1>
      <p>to continue to <strong>${view.appName}</strong></p>`
}

export function signupPage(view: SignupView): Html {
  const state = encodeURIComponent(view.interactionId)
  const locked = Boolean(view.inviter)
  return layout(
    'Sign up',
    html`${heading(view)}
      ${view.error ? html`<p class="error" role="alert" id="signup-error">${view.error}</p>` : ''}
      <form method="post" action="/u/signup?state=${state}" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="email">Email address</label>
        <input id="email" name="email" type="email" autocomplete="username" required
          value="${view.email ?? ''}" ${locked ? html`readonly aria-readonly="true"` : ''} ${view.error ? html`aria-describedby="signup-error" aria-invalid="true"` : ''} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}"
          aria-describedby="password-hint" ${locked ? html`autofocus` : ''} />
        <p class="hint" id="password-hint">At least ${MIN_PASSWORD_LENGTH} characters.</p>
        <button type="submit" name="action" value="signup">Sign up</button>
      </form>
      <p class="alt">Already have an account? <a href="/u/login?state=${state}">Log in</a></p>`,
  )
}
