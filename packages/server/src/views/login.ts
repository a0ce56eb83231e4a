/**
 * The login form: labelled `username` and `password` fields, a CSRF token, one uniform error. It says
 * which organization the user is logging in to, and, for an invitation, who invited them; the email
 * is then the invitee's and cannot be changed. A "Sign up" link appears when sign-up is on. Above the
 * form, a "Continue with …" button per upstream connection enabled for the app (a plain form post:
 * no JavaScript needed); the password form is left out when the app does not use the database
 * connection. "Sign in with a passkey" (it needs JavaScript, and says so) comes last; where the browser
 * can, it also offers the passkeys in the email field's autofill (conditional UI). Served with
 * WEBAUTHN_PAGE_CSP.
 */
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'
import { webAuthnForm, webAuthnHead } from './webauthn.js'

export interface LoginView {
  readonly interactionId: string
  readonly csrf: string
  readonly appName: string
  readonly email?: string | null
  readonly error?: string | null
  /** The display name of the organization being logged in to. */
  readonly organization?: string | null
  /** Set while accepting an invitation: who sent it. The email is then fixed. */
  readonly inviter?: string | null
  /** Where "Sign up" leads, when sign-up is offered. */
  readonly signupUrl?: string | null
  /** The upstream connections enabled for the app: a button each. */
  readonly connections?: readonly { readonly name: string; readonly label: string }[]
  /** Whether the app uses the database connection (the email and password form); true when absent. */
  readonly passwordForm?: boolean
  /** Where "Forgot your password?" leads, when email can be sent. */
  readonly resetUrl?: string | null
}

function passkeyForm(view: LoginView) {
  const state = encodeURIComponent(view.interactionId)
  return html`${view.connections?.length || view.passwordForm !== false ? html`<p class="alt">or</p>` : ''}
      ${webAuthnForm({ ceremony: 'passkey-login', action: `/u/login/passkey?state=${state}`, optionsUrl: `/u/login/passkey/options?state=${state}`, csrf: view.csrf, label: 'Sign in with a passkey', secondary: true, autofill: !view.error })}`
}

function heading(view: LoginView) {
  if (view.inviter && view.organization)
    return html`<h1>Accept your invitation</h1>
      <p><strong>${view.inviter}</strong> invited you to join <strong>${view.organization}</strong> on
        <strong>${view.appName}</strong>. Log in to accept.</p>`
  if (view.organization)
    return html`<h1>Log in to ${view.organization}</h1>
      <p>to continue to <strong>${view.appName}</strong></p>`
  return html`<h1>Log in</h1>
      <p>to continue to <strong>${view.appName}</strong></p>`
}

export function loginPage(view: LoginView): Html {
  const locked = Boolean(view.inviter)
  return layout(
    'Log in',
    html`${heading(view)}
      ${view.error ? html`<p class="error" role="alert" id="login-error">${view.error}</p>` : ''}
      ${connectionButtons(view)}
      ${view.passwordForm === false ? '' : passwordForm(view, locked)}
      ${view.inviter ? '' : passkeyForm(view)}
      ${view.signupUrl && view.passwordForm !== false ? html`<p class="alt">Don't have an account? <a href="${view.signupUrl}">Sign up</a></p>` : ''}`,
    view.inviter ? '' : webAuthnHead,
  )
}

function connectionButtons(view: LoginView) {
  if (!view.connections || view.connections.length === 0) return ''
  return html`<form method="post" action="/u/login/connection?state=${encodeURIComponent(view.interactionId)}" class="connections">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        ${view.connections.map((c) => html`<button type="submit" name="connection" value="${c.name}">Continue with ${c.label}</button>`)}
      </form>
      ${view.passwordForm === false ? '' : html`<p class="alt">or</p>`}`
}

function passwordForm(view: LoginView, locked: boolean) {
  return html`<form method="post" action="/u/login?state=${encodeURIComponent(view.interactionId)}" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="username">Email address</label>
        <input id="username" name="username" type="email" autocomplete="username webauthn" required
          value="${view.email ?? ''}" ${locked ? html`readonly aria-readonly="true"` : ''} ${view.error ? html`aria-describedby="login-error" aria-invalid="true"` : ''} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required ${locked ? html`autofocus` : ''} />
        ${view.resetUrl ? html`<p class="hint"><a href="${view.resetUrl}">Forgot your password?</a></p>` : ''}
        <button type="submit" name="action" value="login">Continue</button>
      </form>`
}
