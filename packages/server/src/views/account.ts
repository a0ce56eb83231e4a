/**
 * The user's own account page (issue 15): `/u/account`, for the user of the browser's SSO session:
 * their sign-in methods (authenticator apps, security keys, passkeys), recovery codes left, and the
 * forms that change them (routes/account.ts). Every form carries the account token; the security-key
 * and passkey forms need JavaScript (views/webauthn.ts), the others do not.
 */
import { html, raw } from 'hono/html'
import { layout, type Html } from './layout.js'
import { webAuthnForm, webAuthnHead } from './webauthn.js'

export interface AccountFactorView {
  readonly id: string
  readonly label: string
  readonly createdAt: number
  readonly lastUsedAt: number | null
}

export interface AccountView {
  readonly csrf: string
  readonly email: string
  readonly factors: readonly AccountFactorView[]
  /** Unused recovery codes; null when the user has none. */
  readonly recoveryCodesLeft: number | null
  /** Whether the session may change the sign-in methods now (recent, and multi-factor when the user has a factor). */
  readonly recent: boolean
  /** Under the policy `always`, removing the last factor means enrolling again at the next login: say so. */
  readonly policyAlways: boolean
  readonly notice?: string | null
  readonly error?: string | null
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)
const token = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}" />`

function factorRow(view: AccountView, factor: AccountFactorView) {
  const last = view.factors.length === 1
  return html`<li>
      <strong>${factor.label}</strong>
      <span class="hint">added ${day(factor.createdAt)}, ${factor.lastUsedAt === null ? 'never used' : html`last used ${day(factor.lastUsedAt)}`}</span>
      ${view.recent
        ? html`<form method="post" action="/u/account/remove">
        ${token(view.csrf)}<input type="hidden" name="id" value="${factor.id}" />
        ${last && view.policyAlways ? html`<p class="hint">This is your only one: you will set up another at your next login.</p>` : ''}
        <button type="submit" class="secondary">Remove</button>
      </form>`
        : ''}
    </li>`
}

export function accountPage(view: AccountView): Html {
  const add = view.recent
    ? html`<h2>Add a sign-in method</h2>
      <form method="post" action="/u/account/totp/new">
        ${token(view.csrf)}
        <button type="submit">Add an authenticator app</button>
      </form>
      <p class="hint">A security key (YubiKey, Titan…), or this device's screen lock (Touch ID, Windows Hello, Android).</p>
      ${webAuthnForm({ ceremony: 'register-key', action: '/u/account/webauthn?kind=key', optionsUrl: '/u/account/webauthn/options?kind=key', csrf: view.csrf, label: 'Add a security key', secondary: true })}
      <p class="hint">A passkey lets you sign in without your password.</p>
      ${webAuthnForm({ ceremony: 'register-passkey', action: '/u/account/webauthn?kind=passkey', optionsUrl: '/u/account/webauthn/options?kind=passkey', csrf: view.csrf, label: 'Create a passkey', secondary: true })}
      ${view.factors.length > 0
        ? html`<h2>Recovery codes</h2>
      <form method="post" action="/u/account/recovery-codes">
        ${token(view.csrf)}
        <p class="hint">New codes replace the ones you have: the old ones stop working.</p>
        <button type="submit" class="secondary">Get new recovery codes</button>
      </form>`
        : ''}`
    : html`<p class="notice" id="confirm-it-is-you"><strong>Confirm it is you.</strong> To add or remove a sign-in method, log in again
        ${view.factors.length > 0 ? 'with your second factor' : ''} through an application (log out, then log in), and come back here within 15 minutes.</p>`
  return layout(
    'Your sign-in methods',
    html`<h1>Your sign-in methods</h1>
      <p>Logged in as <strong>${view.email}</strong>.</p>
      ${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
      ${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
      ${view.factors.length > 0
        ? html`<ul class="factors">${view.factors.map((f) => factorRow(view, f))}</ul>`
        : html`<p>You sign in with your password only.</p>`}
      <p>Recovery codes left: <strong id="recovery-codes-left">${view.recoveryCodesLeft ?? 0}</strong></p>
      ${add}`,
    view.recent ? webAuthnHead : '',
  )
}

export interface AccountTotpView {
  readonly csrf: string
  readonly email: string
  readonly qrSvg: string
  readonly otpauthUri: string
  readonly secret: string
  readonly error?: string | null
}

/** Adding an authenticator app: the QR code, the key as text, and the first code. */
export function accountTotpPage(view: AccountTotpView): Html {
  const qr = `data:image/svg+xml;base64,${Buffer.from(view.qrSvg).toString('base64')}`
  return layout(
    'Add an authenticator app',
    html`<h1>Add an authenticator app</h1>
      <p>Add <strong>${view.email}</strong> to an authenticator app: scan this code, or enter the key by hand.</p>
      <p class="qr"><img src="${raw(qr)}" width="200" height="200" alt="QR code of the authenticator key" /></p>
      <p class="hint">Key: <code>${view.secret}</code></p>
      <p class="hint">Or open: <code>${view.otpauthUri}</code></p>
      ${view.error ? html`<p class="error" role="alert" id="mfa-error">${view.error}</p>` : ''}
      <form method="post" action="/u/account/totp" novalidate>
        ${token(view.csrf)}
        <label for="code">The 6-digit code the app shows</label>
        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="8" required autofocus ${view.error ? html`aria-describedby="mfa-error" aria-invalid="true"` : ''} />
        <button type="submit">Verify and turn on</button>
      </form>
      <p class="alt"><a href="/u/account">Back to your sign-in methods</a></p>`,
  )
}

/** A page after a change: what happened, the recovery codes when new ones were made (shown once), and the way back. */
export function accountDonePage(view: { readonly title: string; readonly text: string; readonly codes?: readonly string[] | null }): Html {
  return layout(
    view.title,
    html`<h1>${view.title}</h1>
      <p>${view.text}</p>
      ${view.codes
        ? html`<p>If you lose your authenticator, each of these codes lets you in once. Keep them somewhere safe: they are shown only now.</p>
      <ul class="codes">${view.codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>`
        : ''}
      <p class="alt"><a href="/u/account">Back to your sign-in methods</a></p>`,
  )
}

/** No session in this browser: log in through an application first. */
export function accountLoggedOutPage(): Html {
  return layout(
    'Your sign-in methods',
    html`<h1>Your sign-in methods</h1>
      <p>You are not logged in in this browser. Log in through one of the applications that use this service,
        then come back to <a href="/u/account">this page</a> to manage your authenticator apps, security keys, passkeys and recovery codes.</p>`,
  )
}
