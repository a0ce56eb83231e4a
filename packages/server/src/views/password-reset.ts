/**
 * The password-reset pages: asking for the email (a page of the login step: "Forgot your password?"),
 * the answer that is the same whether or not the address has an account, and the new-password form a
 * reset link opens. Plain forms, no JavaScript.
 */
import { MIN_PASSWORD_LENGTH } from '@latchkey/core'
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'

export interface ResetRequestView {
  readonly interactionId: string
  readonly csrf: string
  readonly appName: string
  readonly email?: string | null
  readonly error?: string | null
}

export function resetRequestPage(view: ResetRequestView): Html {
  const state = encodeURIComponent(view.interactionId)
  return layout(
    'Reset your password',
    html`<h1>Forgot your password?</h1>
      <p>Enter the email address of your account for <strong>${view.appName}</strong>. We will send you a link to choose a new password.</p>
      ${view.error ? html`<p class="error" role="alert" id="reset-error">${view.error}</p>` : ''}
      <form method="post" action="/u/reset-password/request?state=${state}" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="email">Email address</label>
        <input id="email" name="email" type="email" autocomplete="username" required value="${view.email ?? ''}" ${view.error ? html`aria-describedby="reset-error" aria-invalid="true"` : ''} />
        <button type="submit">Send the link</button>
      </form>
      <p class="alt"><a href="/u/login?state=${state}">Back to log in</a></p>`,
  )
}

/** The same answer whether or not the address has an account; with the development outbox on, where to read the email. */
export function resetRequestedPage(interactionId: string, email: string, devOutbox = false): Html {
  return layout(
    'Check your email',
    html`<h1>Check your email</h1>
      <p>If <strong>${email}</strong> has an account, an email with a link to choose a new password is on its way. The link works once.</p>
      ${devOutbox ? html`<p class="hint">Development outbox: read the email at <a href="/dev/outbox">/dev/outbox</a>.</p>` : ''}
      <p class="alt"><a href="/u/login?state=${encodeURIComponent(interactionId)}">Back to log in</a></p>`,
  )
}

export interface NewPasswordView {
  readonly ticket: string
  readonly email: string
  readonly error?: string | null
}

export function newPasswordPage(view: NewPasswordView): Html {
  return layout(
    'Choose a new password',
    html`<h1>Choose a new password</h1>
      <p>for <strong>${view.email}</strong>. Every device logged in to this account will be logged out.</p>
      ${view.error ? html`<p class="error" role="alert" id="password-error">${view.error}</p>` : ''}
      <form method="post" action="/u/reset-password?ticket=${encodeURIComponent(view.ticket)}" novalidate>
        <input type="hidden" name="username" value="${view.email}" autocomplete="username" />
        <label for="password">New password</label>
        <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${MIN_PASSWORD_LENGTH}" autofocus ${view.error ? html`aria-describedby="password-error" aria-invalid="true"` : ''} />
        <p class="hint">At least ${MIN_PASSWORD_LENGTH} characters.</p>
        <label for="password_confirm">New password, again</label>
        <input id="password_confirm" name="password_confirm" type="password" autocomplete="new-password" required />
        <button type="submit">Change my password</button>
      </form>`,
  )
}

/** After the change: on to the application when it said where. */
export function passwordChangedPage(continueUrl: string | null, appName: string | null): Html {
  return layout(
    'Password changed',
    html`<h1>Your password has been changed</h1>
      <p>You can now log in with your new password. For your security, every device that was logged in to this account has been logged out.</p>
      ${continueUrl ? html`<p class="alt"><a href="${continueUrl}">Continue to ${appName ?? 'the application'}</a></p>` : ''}`,
  )
}
