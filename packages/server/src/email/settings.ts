/**
 * Email settings (issue 14), read once at start-up with the rest of the configuration:
 *
 * - `LATCHKEY_SMTP_URL`: `smtp://user:pass@host:port` (STARTTLS whenever the server offers it, as
 *   nodemailer does by default) or `smtps://…` (TLS from the first byte, port 465 by default). It
 *   holds the password: only `smtpUrlForLog` may reach a log line.
 * - `LATCHKEY_EMAIL_FROM`: the From header; by default `Latchkey <no-reply@{issuer host}>`.
 * - `LATCHKEY_DEV_OUTBOX`: on/off (settings/boolean.ts). On by default with `--demo` on an issuer on
 *   this machine, else off. The development outbox shows every email, reset links included, at
 *   `/dev/outbox` to anyone who reaches the server, so on an issuer that is not localhost or loopback
 *   it is refused unless `LATCHKEY_DEV_OUTBOX_ON_PUBLIC_ISSUER=on` forces it, as the demo is.
 * - `LATCHKEY_EMAIL_TEMPLATES`: a folder of per-deployment template overrides (templates.ts).
 * - `LATCHKEY_EMAIL_RETENTION_DAYS`: days sent and failed emails stay listed (default 30).
 * - `LATCHKEY_EMAIL_VERIFICATION`: `optional` (default, as at Auth0: unverified users log in and apps
 *   see `email_verified: false`) or `required` (a user of the database connection logs in only once
 *   their address is verified: interaction/complete-login.ts).
 * - `LATCHKEY_WELCOME_EMAIL`: on/off (default off, as at Auth0): the `welcome_email` after a sign-up.
 */
import { isLocalIssuer } from '../demo-issuer.js'
import { parseBoolean } from '../settings/boolean.js'

export const DEV_OUTBOX_ENV = 'LATCHKEY_DEV_OUTBOX'
export const DEV_OUTBOX_FORCE_ENV = 'LATCHKEY_DEV_OUTBOX_ON_PUBLIC_ISSUER'

export interface EmailConfig {
  /** `smtp://…` or `smtps://…`, or null: no SMTP. Holds the password: log `smtpUrlForLog(url)` only. */
  readonly smtpUrl: string | null
  /** The From header (`Name <address>`). */
  readonly from: string
  /** Emails are kept readable at /dev/outbox (and, without SMTP, logged with their link): development only. */
  readonly devOutbox: boolean
  /** The folder of template overrides, or null: Latchkey's defaults only. */
  readonly templatesDir: string | null
  /** Days sent and failed emails are kept in the outbox's list; 0 keeps them forever. */
  readonly retentionDays: number
  /** Whether users of the database connection must verify their address before they may log in. */
  readonly verification: 'optional' | 'required'
  /** Whether a sign-up sends the welcome email. */
  readonly welcome: boolean
}

/** The SMTP URL without its password (`smtp://user:***@host:587`), for logs and messages. */
export function smtpUrlForLog(value: string): string {
  try {
    const url = new URL(value)
    if (url.password) url.password = '***'
    return url.toString()
  } catch {
    return '(unparsable URL)'
  }
}

function smtpUrl(value: string | undefined): string | null {
  if (value === undefined) return null
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new Error('LATCHKEY_SMTP_URL must be a URL such as smtp://user:password@mail.example.com:587 or smtps://…:465')
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error(`LATCHKEY_SMTP_URL must start with smtp:// or smtps:// (got ${url.protocol}//…)`)
  if (!url.hostname) throw new Error('LATCHKEY_SMTP_URL names no host')
  return url.toString()
}

function fromHeader(value: string | undefined, issuer: string): string {
  if (value === undefined) return `Latchkey <no-reply@${new URL(issuer).hostname}>`
  const from = value.trim()
  // One header line, with an address in it: a newline would let the value add headers.
  if (/[\r\n\0]/.test(from) || !/[^\s<>@]+@[^\s<>@]+/.test(from)) throw new Error(`LATCHKEY_EMAIL_FROM must be an address or "Name <address>" on one line (got ${JSON.stringify(from.slice(0, 80))})`)
  return from
}

function retentionDays(value: string | undefined): number {
  if (value === undefined) return 30
  const days = Number(value.trim())
  if (!/^\d+$/.test(value.trim()) || days > 36_500) throw new Error('LATCHKEY_EMAIL_RETENTION_DAYS must be a whole number of days between 0 (keep forever) and 36500')
  return days
}

/** The refusal of the development outbox on a public issuer. */
export function devOutboxRefusal(issuer: string): string {
  return (
    `refusing to turn on the development outbox (${DEV_OUTBOX_ENV}) on ${issuer}: /dev/outbox would show every email, password-reset links included, ` +
    `to anyone who reaches the server. Configure LATCHKEY_SMTP_URL instead (docs/email.md), or, on a server no real user relies on, set ${DEV_OUTBOX_FORCE_ENV}=on.`
  )
}

export function emailConfig(env: Readonly<Record<string, string | undefined>>, issuer: string, demo: boolean): EmailConfig {
  const local = isLocalIssuer(issuer)
  // The demo on a public issuer (forced) does not get the outbox by default: its links would be public.
  const devOutbox = parseBoolean(DEV_OUTBOX_ENV, env[DEV_OUTBOX_ENV], demo && local)
  if (devOutbox && !local && !parseBoolean(DEV_OUTBOX_FORCE_ENV, env[DEV_OUTBOX_FORCE_ENV], false)) throw new Error(devOutboxRefusal(issuer))
  return {
    smtpUrl: smtpUrl(env.LATCHKEY_SMTP_URL),
    from: fromHeader(env.LATCHKEY_EMAIL_FROM, issuer),
    devOutbox,
    templatesDir: env.LATCHKEY_EMAIL_TEMPLATES?.trim() || null,
    retentionDays: retentionDays(env.LATCHKEY_EMAIL_RETENTION_DAYS),
    verification: verification(env.LATCHKEY_EMAIL_VERIFICATION),
    welcome: parseBoolean('LATCHKEY_WELCOME_EMAIL', env.LATCHKEY_WELCOME_EMAIL, false),
  }
}

function verification(value: string | undefined): 'optional' | 'required' {
  const v = value?.trim().toLowerCase()
  if (v === undefined || v === '' || v === 'optional') return 'optional'
  if (v === 'required') return 'required'
  throw new Error(`LATCHKEY_EMAIL_VERIFICATION must be optional or required (got ${JSON.stringify(value?.slice(0, 40))})`)
}
