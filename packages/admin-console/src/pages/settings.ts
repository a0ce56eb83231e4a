/**
 * Settings: the deployment's settings as the Management API reports them. The MFA policy is the one
 * setting changed at run time (/api/v2/guardian/policies); sign-up, email, sessions and rate limits
 * come from the environment (/api/v2/tenants/settings, /api/v2/emails/provider) and are shown with
 * the variable that sets each, read only; the factors are built in (/api/v2/guardian/factors).
 */
import { html } from 'htm/preact'
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from '../api.js'
import { ErrorBox, messageOf, type Session } from '../ui.js'

interface Limit {
  readonly points: number
  readonly seconds: number
  readonly env: string
}

interface TenantSettings {
  readonly session_lifetime: number
  readonly idle_session_lifetime: number
  readonly latchkey: {
    readonly signup: { readonly enabled: boolean; readonly env: string }
    readonly mfa: { readonly policy_source: 'management_api' | 'LATCHKEY_MFA'; readonly env_policy: string; readonly remember_browser_days: number }
    readonly email: { readonly transport: 'smtp' | 'development' | 'none'; readonly from: string; readonly verification: string; readonly welcome_email: boolean; readonly retention_days: number }
    readonly rate_limits: { readonly enabled: boolean; readonly store: string; readonly limits: Readonly<Record<string, Limit>> }
    readonly audit_retention_days: number
  }
}

interface EmailProvider {
  readonly name: string
  readonly enabled: boolean
  readonly default_from_address?: string
  readonly credentials?: { readonly smtp_host?: string; readonly smtp_port?: number; readonly smtp_user?: string }
  readonly settings?: { readonly secure?: boolean }
}

interface Factor {
  readonly name: string
  readonly enabled: boolean
}

type Policy = 'never' | 'optional' | 'always'

const POLICIES: readonly { value: Policy; label: string; api: string[] }[] = [
  { value: 'never', label: 'Never: nobody is asked, unless an application asks for it (acr_values)', api: [] },
  { value: 'optional', label: 'Optional: users who enrolled a factor are asked for it', api: ['latchkey-optional'] },
  { value: 'always', label: 'Always: everyone; users without a factor enrol at their next login', api: ['all-applications'] },
]

const policyOf = (names: readonly string[]): Policy => (names.includes('all-applications') ? 'always' : names.includes('latchkey-optional') ? 'optional' : 'never')

const FACTOR_LABELS: Readonly<Record<string, string>> = {
  otp: 'Authenticator app (TOTP)',
  'webauthn-roaming': 'Security key',
  'webauthn-platform': 'Device authenticator and passkeys',
  'recovery-code': 'Recovery codes',
  sms: 'SMS',
  'push-notification': 'Push notification',
  email: 'Email',
  duo: 'Duo',
}

const LIMIT_LABELS: Readonly<Record<string, string>> = {
  token: 'Token requests, per application and IP',
  tokenFailures: 'Failed token requests, per application and IP',
  refreshToken: 'Uses of one refresh token, per IP',
  authorize: 'Authorization requests, per IP',
  login: 'Login form posts, per IP',
  loginFailures: 'Failed logins before an account is locked for that IP',
  management: 'Management API requests, per IP',
  signup: 'Sign-ups, per IP',
  passwordReset: 'Password-reset requests, per IP',
  emailsPerAddress: 'Emails to one address',
}

/** `86400` → `1 day`, `3600` → `1 hour`, `90` → `90 seconds`. */
export function duration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ]
  for (const [size, unit] of units) if (seconds % size === 0) return `${seconds / size} ${unit}${seconds / size === 1 ? '' : 's'}`
  return `${seconds} seconds`
}

const Env = ({ name }: { name: string }) => html`<code>${name}</code>`

function MfaPolicy({ session, settings, onSaved }: { session: Session; settings: TenantSettings; onSaved: () => void }) {
  const [policy, setPolicy] = useState<Policy | null>(null)
  const [chosen, setChosen] = useState<Policy>('never')
  const [error, setError] = useState<string | null>(null)
  const [saved, setSaved] = useState<string | null>(null)
  useEffect(() => {
    session.api.get<string[]>('guardian/policies').then(
      (names) => {
        setPolicy(policyOf(names))
        setChosen(policyOf(names))
      },
      (e: unknown) => setError(messageOf(e)),
    )
  }, [])
  const save = async (event: Event) => {
    event.preventDefault()
    setError(null)
    setSaved(null)
    try {
      const names = await session.api.put<string[]>('guardian/policies', POLICIES.find((p) => p.value === chosen)?.api ?? [])
      setPolicy(policyOf(names))
      setSaved('Saved: the next logins follow the new policy.')
      onSaved()
    } catch (e) {
      setError(messageOf(e))
    }
  }
  const mfa = settings.latchkey.mfa
  return html`<form onSubmit=${save} noValidate>
    <fieldset>
      <legend>Who is asked for a second factor</legend>
      ${POLICIES.map(
        (p) => html`<label class="check"><input type="radio" name="mfa-policy" value=${p.value} disabled=${session.readOnly || policy === null}
          checked=${chosen === p.value} onChange=${() => setChosen(p.value)} /> ${p.label}</label>`,
      )}
    </fieldset>
    <p class="hint">
      ${mfa.policy_source === 'management_api'
        ? html`Set here (or through the Management API); it overrides <${Env} name="LATCHKEY_MFA" /> (<code>${mfa.env_policy}</code>).`
        : html`From <${Env} name="LATCHKEY_MFA" /> (<code>${mfa.env_policy}</code>) until changed here.`}
      ${' '}An application's own policy still wins for its logins.
    </p>
    ${saved !== null ? html`<p class="ok" role="status">${saved}</p>` : null}
    <${ErrorBox} error=${error} />
    <div class="actions"><button type="submit" class="primary" disabled=${session.readOnly || policy === null || chosen === policy}>Save policy</button></div>
  </form>`
}

function Factors({ session }: { session: Session }) {
  const [factors, setFactors] = useState<Factor[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    session.api.get<Factor[]>('guardian/factors').then(setFactors, (e: unknown) => setError(messageOf(e)))
  }, [])
  return html`<h3>Factors</h3>
    <${ErrorBox} error=${error} />
    ${factors === null && error === null ? html`<p>Loading…</p>` : null}
    ${factors !== null
      ? html`<ul class="factor-list">${factors.map(
          (f) => html`<li key=${f.name}><span>${FACTOR_LABELS[f.name] ?? f.name} <code>${f.name}</code></span> ${f.enabled ? html`<span class="badge on">offered</span>` : html`<span class="badge">not available</span>`}</li>`,
        )}</ul>
        <p class="hint">Built in: users enrol any offered factor; they cannot be switched off.</p>`
      : null}`
}

function Email({ session, settings }: { session: Session; settings: TenantSettings }) {
  const [provider, setProvider] = useState<EmailProvider | null | undefined>(undefined)
  const [error, setError] = useState<string | null>(null)
  const email = settings.latchkey.email
  useEffect(() => {
    // Without SMTP there is no provider to ask for (its 404 would be logged in the browser's console).
    if (email.transport !== 'smtp') {
      setProvider(null)
      return
    }
    session.api.get<EmailProvider>('emails/provider').then(setProvider, (e: unknown) => {
      if (e instanceof ApiError && e.status === 404) setProvider(null)
      else setError(messageOf(e))
    })
  }, [])
  return html`<section aria-labelledby="email-title" class="panel">
    <h2 id="email-title">Email</h2>
    <${ErrorBox} error=${error} />
    ${provider === undefined && error === null ? html`<p>Loading…</p>` : null}
    ${provider !== undefined && provider !== null
      ? html`<dl class="facts" data-testid="email-provider">
          <dt>Sent through</dt><dd>SMTP ${provider.settings?.secure ? '(TLS)' : '(STARTTLS when offered)'}</dd>
          <dt>Server</dt><dd><code>${provider.credentials?.smtp_host}:${provider.credentials?.smtp_port}</code></dd>
          <dt>User</dt><dd>${provider.credentials?.smtp_user ?? '(none)'}</dd>
          <dt>From</dt><dd>${provider.default_from_address}</dd>
        </dl>`
      : null}
    ${provider === null
      ? html`<p data-testid="email-provider">${email.transport === 'development'
          ? html`No SMTP server: emails are only logged and shown at <code>/dev/outbox</code> (the development outbox, <${Env} name="LATCHKEY_DEV_OUTBOX" />). Not for production.`
          : html`No SMTP server: no email is sent, so password resets and address verification by email are unavailable.`}</p>`
      : null}
    <dl class="facts">
      <dt>Address verification</dt><dd>${email.verification === 'required' ? 'Required before a password user may log in' : 'Optional (apps see email_verified)'}</dd>
      <dt>Welcome email</dt><dd>${email.welcome_email ? 'Sent after a sign-up' : 'Not sent'}</dd>
      <dt>Kept in the outbox</dt><dd>${email.retention_days === 0 ? 'forever' : `${email.retention_days} days`}</dd>
    </dl>
    <p class="hint">Set in the environment (restart to change): <${Env} name="LATCHKEY_SMTP_URL" /> (the password is never shown), <${Env} name="LATCHKEY_EMAIL_FROM" />, <${Env} name="LATCHKEY_DEV_OUTBOX" />, <${Env} name="LATCHKEY_EMAIL_VERIFICATION" />, <${Env} name="LATCHKEY_WELCOME_EMAIL" />, <${Env} name="LATCHKEY_EMAIL_RETENTION_DAYS" />.</p>
  </section>`
}

function RateLimits({ settings }: { settings: TenantSettings }) {
  const limits = settings.latchkey.rate_limits
  const stores: Readonly<Record<string, string>> = {
    memory: 'this process’s memory',
    postgres: 'the PostgreSQL database (shared by every node)',
    redis: 'Redis (shared by every node)',
  }
  return html`<section aria-labelledby="limits-title" class="panel">
    <h2 id="limits-title">Rate limits</h2>
    <p data-testid="rate-limits">${limits.enabled ? html`On; the counters live in ${stores[limits.store] ?? limits.store}.` : html`Off (<code>LATCHKEY_RATE_LIMITS=off</code>): nothing is limited.`}</p>
    <table>
      <caption class="visually-hidden">Rate limits</caption>
      <thead><tr><th scope="col">Limit</th><th scope="col">At most</th><th scope="col">Variable</th></tr></thead>
      <tbody>${Object.entries(limits.limits).map(
        ([name, limit]) => html`<tr key=${name}><td>${LIMIT_LABELS[name] ?? name}</td><td>${name === 'loginFailures' ? `${limit.points}, then locked for ${duration(limit.seconds)}` : `${limit.points} per ${duration(limit.seconds)}`}</td><td><code>${limit.env}</code></td></tr>`,
      )}</tbody>
    </table>
    <p class="hint">Set in the environment (restart to change): <${Env} name="LATCHKEY_RATE_LIMITS" /> (on/off), each limit's variable as <code>POINTS/SECONDS</code> (e.g. <code>10/60</code>), <${Env} name="LATCHKEY_REDIS_URL" /> to share the counters through Redis.</p>
  </section>`
}

export function SettingsPage({ session }: { session: Session }) {
  const [settings, setSettings] = useState<TenantSettings | null>(null)
  const [error, setError] = useState<string | null>(null)
  const load = () => session.api.get<TenantSettings>('tenants/settings').then(setSettings, (e: unknown) => setError(messageOf(e)))
  useEffect(() => {
    void load()
  }, [])
  return html`<section aria-labelledby="page-title">
    <h1 id="page-title">Settings</h1>
    <p class="hint">Only the MFA policy changes here; the rest comes from the server's environment variables, shown beside each setting.</p>
    <${ErrorBox} error=${error} />
    ${settings === null && error === null ? html`<p aria-live="polite">Loading…</p>` : null}
    ${settings !== null
      ? html`<section aria-labelledby="signup-title" class="panel">
            <h2 id="signup-title">Sign-up</h2>
            <p data-testid="signup">${settings.latchkey.signup.enabled
              ? 'On: anyone may create an account in the user database from the login page.'
              : 'Off: people cannot create their own accounts; administrators create users, and invitations still let their invitees sign up.'}</p>
            <p class="hint">Set by <${Env} name=${settings.latchkey.signup.env} /> (on or off; restart to change).</p>
          </section>
          <section aria-labelledby="mfa-title" class="panel">
            <h2 id="mfa-title">Multi-factor authentication</h2>
            <${MfaPolicy} session=${session} settings=${settings} onSaved=${load} />
            <${Factors} session=${session} />
            <p class="hint">"Remember this browser": ${settings.latchkey.mfa.remember_browser_days === 0
              ? 'not offered'
              : `skips the second factor for ${settings.latchkey.mfa.remember_browser_days} days`} (<${Env} name="LATCHKEY_MFA_REMEMBER_DAYS" />).</p>
          </section>
          <${Email} session=${session} settings=${settings} />
          <section aria-labelledby="sessions-title" class="panel">
            <h2 id="sessions-title">Sessions</h2>
            <dl class="facts">
              <dt>Login session lifetime</dt><dd>${duration(settings.session_lifetime * 3600)}</dd>
              <dt>Ends after unused for</dt><dd>${duration(settings.idle_session_lifetime * 3600)}</dd>
              <dt>Audit log kept</dt><dd>${settings.latchkey.audit_retention_days === 0 ? 'forever' : `${settings.latchkey.audit_retention_days} days`} (<${Env} name="LATCHKEY_AUDIT_RETENTION_DAYS" />)</dd>
            </dl>
            <p class="hint">Refresh-token lifetimes are set per application (Applications).</p>
          </section>
          <${RateLimits} settings=${settings} />`
      : null}
  </section>`
}
