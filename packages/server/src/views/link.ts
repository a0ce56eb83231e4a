/**
 * The link step's page: the upstream account that just logged in has the verified email of an
 * existing account; the user proves that account (its password, or one of its connections) to add
 * the new login to it, or keeps them separate. Plain forms: no JavaScript needed.
 */
import { html } from 'hono/html'
import { layout, type Html } from './layout.js'

export interface LinkView {
  readonly interactionId: string
  readonly csrf: string
  readonly appName: string
  /** The email both accounts have. */
  readonly email: string
  /** The connection the user just logged in with (its display name). */
  readonly newLogin: string
  readonly password: boolean
  /** The existing account's connections the user may prove it with. */
  readonly connections: readonly { readonly name: string; readonly label: string }[]
  readonly error?: string | null
}

export function linkPage(view: LinkView): Html {
  const state = encodeURIComponent(view.interactionId)
  return layout(
    'Link your accounts',
    html`<h1>You already have an account</h1>
      <p>An account with <strong>${view.email}</strong> already exists. To log in to it with
        <strong>${view.newLogin}</strong> from now on, prove that it is yours. Then continue to <strong>${view.appName}</strong>.</p>
      ${view.error ? html`<p class="error" role="alert" id="link-error">${view.error}</p>` : ''}
      ${
        view.password
          ? html`<form method="post" action="/u/link?state=${state}" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="username">Email address</label>
        <input id="username" name="username" type="email" autocomplete="username" value="${view.email}" readonly aria-readonly="true" />
        <label for="password">Password of your existing account</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required autofocus ${view.error ? html`aria-describedby="link-error" aria-invalid="true"` : ''} />
        <button type="submit" name="action" value="password">Link and continue</button>
      </form>`
          : ''
      }
      ${
        view.connections.length > 0
          ? html`<form method="post" action="/u/link/connection?state=${state}" class="connections">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        ${view.connections.map((c) => html`<button type="submit" name="connection" value="${c.name}">Prove it with ${c.label}</button>`)}
      </form>`
          : ''
      }
      <form method="post" action="/u/link?state=${state}">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <p class="alt">Not yours, or you would rather not?</p>
        <button type="submit" name="action" value="separate" class="secondary">Keep them separate</button>
      </form>`,
  )
}
