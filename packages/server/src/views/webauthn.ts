/**
 * The WebAuthn parts of the login pages (issue 15): a form per ceremony that the page's script
 * (assets/webauthn.js, with @simplewebauthn/browser) drives: it fetches the options, asks the
 * authenticator, puts its answer in the form and posts it. Without JavaScript, or in a browser
 * without WebAuthn, the form says so; the other ways on the page (codes, passwords) keep working.
 */
import { html } from 'hono/html'
import type { HtmlEscapedString } from 'hono/utils/html'

/** The scripts: the library's browser bundle, then ours. Pages that include them are served with WEBAUTHN_PAGE_CSP. */
export const webAuthnHead = html`<script src="/u/assets/simplewebauthn-browser.js" defer></script>
    <script src="/u/assets/webauthn.js" defer></script>`

export type BrowserCeremony = 'register-key' | 'register-passkey' | 'second-factor' | 'passkey-login'

export interface WebAuthnFormView {
  readonly ceremony: BrowserCeremony
  /** Where the answer is posted (a page), and where the options come from (JSON); both carry `?state=`. */
  readonly action: string
  readonly optionsUrl: string
  readonly csrf: string
  readonly label: string
  readonly secondary?: boolean
  /** Also offer the credentials in the browser's autofill of the username field (conditional UI); not after a failure, which would start it again. */
  readonly autofill?: boolean
  /** More fields inside the form (the "remember this browser" box). */
  readonly extra?: HtmlEscapedString | Promise<HtmlEscapedString> | ''
}

export function webAuthnForm(view: WebAuthnFormView) {
  return html`<form method="post" action="${view.action}" class="webauthn" data-webauthn="${view.ceremony}" data-options="${view.optionsUrl}"${view.autofill ? html` data-autofill="on"` : ''}>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <input type="hidden" name="response" value="" />
        ${view.extra ?? ''}
        <button type="submit" ${view.secondary ? html`class="secondary"` : ''} disabled>${view.label}</button>
        <p class="hint" data-webauthn-status role="status" aria-live="polite"></p>
        <noscript><p class="hint">Security keys and passkeys need JavaScript, which is off in this browser.</p></noscript>
      </form>`
}
