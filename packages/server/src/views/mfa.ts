/**
 * The second-factor pages (issue 15): the challenge (a code from the authenticator app, or a recovery
 * code), the TOTP enrolment (the QR code, the `otpauth://` URI and the secret as text, confirmed by a
 * first code), and the recovery codes shown once. Plain forms: no JavaScript needed.
 */
import { html, raw } from 'hono/html'
import { layout, type Html } from './layout.js'
import { webAuthnForm, webAuthnHead } from './webauthn.js'

export interface ChallengeView {
  readonly interactionId: string
  readonly csrf: string
  readonly appName: string
  readonly email: string
  /** Offer "Remember this browser for N days" (0: not offered). */
  readonly rememberDays: number
  /** Show the recovery-code form instead of the code form. */
  readonly recovery: boolean
  /** The user has a confirmed TOTP app (true when absent): the code form is shown. */
  readonly totp?: boolean
  /** The user has security keys or passkeys: "Use your security key" is offered (it needs JavaScript). */
  readonly webauthn?: boolean
  readonly error?: string | null
}

const errorLine = (error: string | null | undefined) => (error ? html`<p class="error" role="alert" id="mfa-error">${error}</p>` : '')

function rememberBox(days: number) {
  return days > 0
    ? html`<label class="check"><input type="checkbox" name="remember" value="on" /> Remember this browser for ${days} days</label>`
    : ''
}

export function challengePage(view: ChallengeView): Html {
  const state = encodeURIComponent(view.interactionId)
  const form = view.recovery
    ? html`<form method="post" action="/u/mfa?state=${state}" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="recovery_code">Recovery code</label>
        <input id="recovery_code" name="recovery_code" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus ${view.error ? html`aria-describedby="mfa-error" aria-invalid="true"` : ''} />
        <p class="hint">Each recovery code works once.</p>
        <button type="submit" name="action" value="recovery">Continue</button>
      </form>
      <p class="alt"><a href="/u/mfa?state=${state}">${view.totp === false ? 'Use your security key instead' : 'Use your authenticator app instead'}</a></p>`
    : html`${view.webauthn
        ? webAuthnForm({
            ceremony: 'second-factor',
            action: `/u/mfa/webauthn?state=${state}`,
            optionsUrl: `/u/mfa/webauthn/options?state=${state}`,
            csrf: view.csrf,
            label: 'Use your security key',
            extra: rememberBox(view.rememberDays),
          })
        : ''}
      ${view.webauthn && view.totp !== false ? html`<p class="alt">or</p>` : ''}
      ${view.totp === false
        ? ''
        : html`<form method="post" action="/u/mfa?state=${state}" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="code">Code from your authenticator app</label>
        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="8" required ${view.webauthn ? '' : html`autofocus`} ${view.error ? html`aria-describedby="mfa-error" aria-invalid="true"` : ''} />
        ${rememberBox(view.rememberDays)}
        <button type="submit" name="action" value="otp">Verify</button>
      </form>`}
      <p class="alt"><a href="/u/mfa?state=${state}&amp;method=recovery">Use a recovery code</a></p>`
  return layout(
    'Verify it is you',
    html`<h1>Verify it is you</h1>
      <p><strong>${view.email}</strong>, to continue to <strong>${view.appName}</strong>, confirm with your second factor.</p>
      ${errorLine(view.error)}
      ${form}`,
    view.webauthn && !view.recovery ? webAuthnHead : '',
  )
}

export interface EnrolView {
  readonly interactionId: string
  readonly csrf: string
  readonly appName: string
  readonly email: string
  /** The QR code of the otpauth URI, as an SVG document (rendered as an image). */
  readonly qrSvg: string
  readonly otpauthUri: string
  /** The secret in groups of four, for typing by hand. */
  readonly secret: string
  readonly error?: string | null
}

export function enrolPage(view: EnrolView): Html {
  const state = encodeURIComponent(view.interactionId)
  const qr = `data:image/svg+xml;base64,${Buffer.from(view.qrSvg).toString('base64')}`
  return layout(
    'Set up two-step verification',
    html`<h1>Set up two-step verification</h1>
      <p>To continue to <strong>${view.appName}</strong>, add <strong>${view.email}</strong> to an authenticator app
        (Google Authenticator, Microsoft Authenticator, 1Password, Aegis…): scan this code, or enter the key by hand.</p>
      <p class="qr"><img src="${raw(qr)}" width="200" height="200" alt="QR code of the authenticator key" /></p>
      <p class="hint">Key: <code>${view.secret}</code></p>
      <p class="hint">Or open: <code>${view.otpauthUri}</code></p>
      ${errorLine(view.error)}
      <form method="post" action="/u/mfa/enroll?state=${state}" novalidate>
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <label for="code">The 6-digit code the app shows</label>
        <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="8" required autofocus ${view.error ? html`aria-describedby="mfa-error" aria-invalid="true"` : ''} />
        <button type="submit">Verify and turn on</button>
      </form>
      <h2>Or use a security key or passkey</h2>
      <p class="hint">A security key (YubiKey, Titan…), or this device's screen lock (Touch ID, Windows Hello, Android).</p>
      ${webAuthnForm({ ceremony: 'register-key', action: `/u/mfa/webauthn/register?state=${state}&kind=key`, optionsUrl: `/u/mfa/webauthn/register/options?state=${state}&kind=key`, csrf: view.csrf, label: 'Use a security key or this device', secondary: true })}
      <p class="hint">A passkey also lets you sign in without your password next time.</p>
      ${webAuthnForm({ ceremony: 'register-passkey', action: `/u/mfa/webauthn/register?state=${state}&kind=passkey`, optionsUrl: `/u/mfa/webauthn/register/options?state=${state}&kind=passkey`, csrf: view.csrf, label: 'Create a passkey', secondary: true })}`,
    webAuthnHead,
  )
}

export interface RecoveryCodesView {
  readonly interactionId: string
  readonly csrf: string
  readonly codes: readonly string[]
}

export function recoveryCodesPage(view: RecoveryCodesView): Html {
  return layout(
    'Save your recovery codes',
    html`<h1>Save your recovery codes</h1>
      <p>If you lose your authenticator, each of these codes lets you in once. Keep them somewhere safe:
        they are shown only now.</p>
      <ul class="codes">${view.codes.map((code) => html`<li><code>${code}</code></li>`)}</ul>
      <form method="post" action="/u/mfa/continue?state=${encodeURIComponent(view.interactionId)}">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <button type="submit">I have saved them: continue</button>
      </form>
      <p class="alt"><a href="/u/account" target="_blank" rel="noopener">Manage your sign-in methods</a></p>`,
  )
}

export interface NoticeView {
  readonly interactionId: string
  readonly csrf: string
  readonly title: string
  readonly text: string
}

/** A notice on the way (a recovery code was used), then on with the login. */
export function noticePage(view: NoticeView): Html {
  return layout(
    view.title,
    html`<h1>${view.title}</h1>
      <p>${view.text}</p>
      <form method="post" action="/u/mfa/continue?state=${encodeURIComponent(view.interactionId)}">
        <input type="hidden" name="csrf" value="${view.csrf}" />
        <button type="submit">Continue</button>
      </form>`,
  )
}
