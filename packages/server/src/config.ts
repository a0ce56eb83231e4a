/**
 * Server configuration from flags and environment, validated once at start-up.
 * The issuer is an origin with exactly one trailing slash (`http://localhost:3000/`), as Auth0's is:
 * every token's `iss`, the discovery `issuer` and the RFC 9207 `iss` parameter use it verbatim.
 */
import { z } from 'zod'
import { requireNonceSetting } from './dpop/settings.js'
import { parseTrustProxy, type TrustProxy } from './http/client-ip.js'
import { rateLimitConfig, type RateLimitConfig } from './rate-limits/config.js'
import { parseSecrets } from './keys/secret.js'
import { parseBoolean } from './settings/boolean.js'
import { DEMO } from './demo.js'
import { DEMO_FORCE_ENV, demoRefusal, isLocalIssuer } from './demo-issuer.js'
import { metricsConfig, type MetricsConfig } from './operations/metrics-config.js'
import { emailConfig, type EmailConfig } from './email/settings.js'
import { mfaConfig, type MfaConfig } from './mfa/settings.js'
import { type AdminConsoleConfig, adminConsoleConfig } from './admin-console-app.js'

export const DEFAULT_DB = 'sqlite:./data/latchkey.db'

export interface Config {
  readonly port: number
  readonly host: string
  readonly issuer: string
  readonly db: string
  readonly logLevel: string
  /** https issuers get `Secure`, `__Host-` cookies. */
  readonly secureCookies: boolean
  readonly session: { readonly idleSeconds: number; readonly absoluteSeconds: number }
  readonly interactionSeconds: number
  /** Rotate the signing key automatically when it is older than this many seconds; null: never. */
  readonly keyRotationSeconds: number | null
  /**
   * DPoP (RFC 9449): every proof at the token endpoint and /userinfo must carry a server nonce
   * (env LATCHKEY_DPOP_REQUIRE_NONCE). Off by default, as in node-oidc-provider; see dpop/proofs.ts.
   */
  readonly dpopRequireNonce: boolean
  /** Days audit events are kept (env LATCHKEY_AUDIT_RETENTION_DAYS, default 30); 0 keeps them forever. */
  readonly auditRetentionDays: number
  /** Rate limits and brute-force protection (LATCHKEY_RATE_LIMITS, LATCHKEY_RATE_LIMIT_*, LATCHKEY_REDIS_URL). */
  readonly rateLimits: RateLimitConfig
  /** Which X-Forwarded-For entries to believe for the client IP (LATCHKEY_TRUST_PROXY); none by default. */
  readonly trustProxy: TrustProxy
  /**
   * Secrets for the key-encryption keys (env LATCHKEY_SECRET, comma-separated, then
   * LATCHKEY_SECRET_PREVIOUS; the first seals): see keys/secret.ts. Environment only, never a flag.
   */
  readonly secrets: readonly string[]
  /** Where /metrics is served (LATCHKEY_METRICS_PORT, _HOST, _TOKEN); see operations/metrics-config.ts. */
  readonly metrics: MetricsConfig
  /**
   * Whether people may create their own accounts at /u/signup (env LATCHKEY_SIGNUP, on or off as
   * settings/boolean.ts reads it; default off). Invitations let their invitee sign up either way.
   */
  readonly signup: boolean
  /**
   * Email delivery (LATCHKEY_SMTP_URL, LATCHKEY_EMAIL_FROM, LATCHKEY_DEV_OUTBOX,
   * LATCHKEY_EMAIL_TEMPLATES, LATCHKEY_EMAIL_RETENTION_DAYS); see email/settings.ts and docs/email.md.
   */
  readonly email: EmailConfig
  /** Actions (env LATCHKEY_ACTIONS_TIMEOUT_MS: each action's time limit, default 5000, at most 20000). */
  readonly actions: { readonly timeoutMs: number }
  /** Second factors (LATCHKEY_MFA, LATCHKEY_MFA_REMEMBER_DAYS); see mfa/settings.ts and docs/mfa.md. */
  readonly mfa: MfaConfig
  /**
   * `serve --demo`: the demo registrations are seeded and the /playground page is served. Only on an
   * issuer on this machine (localhost, loopback) unless forced; see demo-issuer.ts.
   */
  readonly demo: boolean
  /** The demo is on and forced onto an issuer that is not localhost or loopback: warn at every start. */
  readonly demoOnPublicIssuer: boolean
  /**
   * The admin console (env LATCHKEY_ADMIN_CONSOLE, on by default; LATCHKEY_ADMIN_CONSOLE_ORIGIN when
   * it is served from its own origin): its application and /admin; see admin-console-app.ts.
   */
  readonly adminConsole: AdminConsoleConfig
}

/** Normalises an issuer to `scheme://host[:port]/`, refusing paths, queries and fragments. */
export function normaliseIssuer(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`issuer must be an absolute URL, got ${JSON.stringify(value)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('issuer must use http or https')
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password)
    throw new Error(`issuer must be an origin such as https://login.example.com/ (got ${value})`)
  return `${url.origin}/`
}

const portSchema = z.coerce.number().int().min(0).max(65535)

export interface ConfigInput {
  port?: string | number | undefined
  host?: string | undefined
  issuer?: string | undefined
  db?: string | undefined
  logLevel?: string | undefined
  /** Days between automatic key rotations (env LATCHKEY_KEY_ROTATION_DAYS); absent or 0: off. */
  keyRotationDays?: string | number | undefined
  dpopRequireNonce?: boolean | undefined
  signup?: boolean | undefined
  demo?: boolean | undefined
  /** `serve --demo-on-public-issuer` (env LATCHKEY_DEMO_ON_PUBLIC_ISSUER): allow the demo on any issuer. */
  demoOnPublicIssuer?: boolean | undefined
}

function actionsTimeout(value: string | undefined): number {
  if (value === undefined) return 5000
  const ms = Number(value)
  if (!/^\d+$/.test(value.trim()) || ms < 100 || ms > 20_000) throw new Error('LATCHKEY_ACTIONS_TIMEOUT_MS must be a whole number of milliseconds from 100 to 20000')
  return ms
}

function retentionDays(value: string | undefined): number {
  if (value === undefined) return 30
  const days = Number(value)
  if (!/^\d+$/.test(value.trim()) || days > 36_500) throw new Error('LATCHKEY_AUDIT_RETENTION_DAYS must be a whole number of days between 0 (keep forever) and 36500')
  return days
}

function rotationSeconds(value: string | number | undefined): number | null {
  if (value === undefined) return null
  const days = Number(value)
  if (!Number.isFinite(days) || days < 0 || days > 3650) throw new Error('key rotation must be a number of days between 0 (off) and 3650')
  return days === 0 ? null : Math.round(days * 86_400)
}

export function loadConfig(input: ConfigInput, environment: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset.
  const env = Object.fromEntries(Object.entries(environment).filter(([, v]) => v !== undefined && v !== ''))
  const parsedPort = portSchema.safeParse(input.port ?? env.PORT ?? 3000)
  if (!parsedPort.success) throw new Error(`port must be an integer between 0 and 65535`)
  const port = parsedPort.data
  const issuer = normaliseIssuer(input.issuer ?? env.LATCHKEY_ISSUER ?? `http://localhost:${port || 3000}/`)
  return {
    port,
    host: input.host ?? env.HOST ?? '0.0.0.0',
    issuer,
    db: input.db ?? env.LATCHKEY_DB ?? DEFAULT_DB,
    logLevel: input.logLevel ?? env.LOG_LEVEL ?? 'info',
    secureCookies: issuer.startsWith('https:'),
    session: { idleSeconds: 3 * 86_400, absoluteSeconds: 7 * 86_400 },
    interactionSeconds: 3600,
    keyRotationSeconds: rotationSeconds(input.keyRotationDays ?? env.LATCHKEY_KEY_ROTATION_DAYS),
    dpopRequireNonce: requireNonceSetting(input.dpopRequireNonce ?? env.LATCHKEY_DPOP_REQUIRE_NONCE),
    auditRetentionDays: retentionDays(env.LATCHKEY_AUDIT_RETENTION_DAYS),
    rateLimits: rateLimitConfig(env),
    trustProxy: parseTrustProxy(env.LATCHKEY_TRUST_PROXY),
    secrets: parseSecrets(env.LATCHKEY_SECRET, env.LATCHKEY_SECRET_PREVIOUS),
    metrics: metricsConfig(env, port),
    signup: parseBoolean('LATCHKEY_SIGNUP', input.signup ?? env.LATCHKEY_SIGNUP, false),
    email: emailConfig(env, issuer, input.demo ?? false),
    actions: { timeoutMs: actionsTimeout(env.LATCHKEY_ACTIONS_TIMEOUT_MS) },
    mfa: mfaConfig(env),
    adminConsole: adminConsoleConfig(env, issuer),
    ...demoSetting(input, env, issuer),
  }
}

/** The demo runs only on an issuer on this machine, unless forced (demo-issuer.ts). */
function demoSetting(input: ConfigInput, env: Readonly<Record<string, string | undefined>>, issuer: string): Pick<Config, 'demo' | 'demoOnPublicIssuer'> {
  const forced = parseBoolean(DEMO_FORCE_ENV, input.demoOnPublicIssuer || env[DEMO_FORCE_ENV], false)
  const demo = input.demo ?? false
  const onPublicIssuer = demo && !isLocalIssuer(issuer)
  if (onPublicIssuer && !forced) throw new Error(demoRefusal(issuer, DEMO.email))
  return { demo, demoOnPublicIssuer: onPublicIssuer }
}
