/**
 * The logout confirmation (OpenID Connect RP-Initiated Logout 1.0 §2): shown when /oidc/logout
 * comes without an `id_token_hint` of the current session, so a page elsewhere cannot end the
 * session behind the user's back. Stay logged in is the first button (Enter keeps the session).
 */
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'

export interface LogoutConfirmView {
  readonly csrf: string
  readonly userEmail: string
  /** The app that asks, when client_id or the hint named one. */
  readonly appName: string | null
  /** What the POST carries forward, already checked (and checked again on the POST). */
  readonly clientId: string | null
  readonly postLogoutRedirectUri: string | null
  readonly state: string | null
  /** Auth0's `federated`, carried forward as a bare parameter. */
  readonly federated: boolean
}

const hidden = (name: string, value: string | null) => (value === null ? '' : html`<input type="hidden" name="${name}" value="${value}" />`)

export function logoutConfirmPage(view: LogoutConfirmView): Html {
  return layout(
    'Log out',
    html`<h1>Log out?</h1>
      <p>${view.appName ? html`<strong>${view.appName}</strong> asks` : 'You were sent here'} to log you out. You are logged in as
        <strong>${view.userEmail}</strong>; logging out ends your login session here for every application.</p>
      <form method="post" action="/u/logout">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        ${hidden('client_id', view.clientId)}${hidden('post_logout_redirect_uri', view.postLogoutRedirectUri)}${hidden('state', view.state)}${hidden('federated', view.federated ? '' : null)}
        <div class="actions">
          <button type="submit" name="action" value="cancel" class="secondary">Stay logged in</button>
          <button type="submit" name="action" value="logout">Log out</button>
        </div>
      </form>`,
  )
}
