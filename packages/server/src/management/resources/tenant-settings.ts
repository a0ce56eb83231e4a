/**
 * The deployment's settings as Auth0's tenant settings (`GET /tenants/settings`): the fields Latchkey
 * can fill truthfully (session lifetimes in hours, what the authorization server supports, the few
 * flags that mean something here), and, under `latchkey`, what Auth0 keeps elsewhere or not at all:
 * sign-up, the MFA environment defaults, where emails go, rate limits, audit retention, each with
 * the environment variable that sets it. All of these are read at start from the environment (the
 * MFA policy, which changes at run time, is PUT /guardian/policies), so there is no PATCH.
 */
import { ACR_MULTI_FACTOR } from '@latchkey/core'
import { z } from 'zod'
import type { Config } from '../../config.js'
import type { Deps } from '../../deps.js'
import { MFA_POLICY_SETTING } from '../../mfa/requirement.js'
import { isMfaPolicy } from '../../mfa/settings.js'
import { LIMITS, type LimitName } from '../../rate-limits/config.js'
import { fieldParams, selectFields } from '../query.js'
import { type Resource, route } from '../route.js'

const HOUR = 3600

const limitSchema = z.object({ points: z.number().int(), seconds: z.number().int(), env: z.string() })

const latchkeySchema = z
  .object({
    signup: z.object({ enabled: z.boolean(), env: z.literal('LATCHKEY_SIGNUP') }).describe('Whether people may create their own accounts (/u/signup, /dbconnections/signup); invitations work either way.'),
    mfa: z
      .object({
        policy_source: z.enum(['management_api', 'LATCHKEY_MFA']).describe('Where the policy in force (GET /guardian/policies) comes from: set through the API, or still the environment’s.'),
        env_policy: z.enum(['never', 'optional', 'always']).describe('LATCHKEY_MFA.'),
        remember_browser_days: z.number().int().describe('LATCHKEY_MFA_REMEMBER_DAYS; 0: not offered.'),
      })
      .describe('Second factors: the environment’s defaults.'),
    email: z
      .object({
        transport: z.enum(['smtp', 'development', 'none']).describe('smtp: LATCHKEY_SMTP_URL; development: logged and shown at /dev/outbox (LATCHKEY_DEV_OUTBOX); none: the features that need email are unavailable.'),
        from: z.string().describe('LATCHKEY_EMAIL_FROM.'),
        verification: z.enum(['optional', 'required']).describe('LATCHKEY_EMAIL_VERIFICATION.'),
        welcome_email: z.boolean().describe('LATCHKEY_WELCOME_EMAIL.'),
        retention_days: z.number().int().describe('LATCHKEY_EMAIL_RETENTION_DAYS; 0 keeps them forever.'),
      })
      .describe('Where emails go (GET /emails/provider has the SMTP server).'),
    rate_limits: z
      .object({
        enabled: z.boolean().describe('LATCHKEY_RATE_LIMITS.'),
        store: z.enum(['memory', 'postgres', 'redis', 'off']).describe('Where the counters live: redis (LATCHKEY_REDIS_URL), postgres (the database), memory (this process), or off.'),
        limits: z.record(z.string(), limitSchema).describe('Each limit: at most `points` within `seconds`, and the variable (POINTS/SECONDS) that overrides it.'),
      })
      .describe('Rate limits and brute-force protection.'),
    audit_retention_days: z.number().int().describe('LATCHKEY_AUDIT_RETENTION_DAYS; 0 keeps events forever.'),
  })
  .describe("Latchkey's own settings, each with the environment variable that sets it (restart to change).")

const settingsSchema = z
  .object({
    session_lifetime: z.number().describe('Hours a login session stays valid.'),
    idle_session_lifetime: z.number().describe('Hours a login session may go unused.'),
    session_cookie: z.object({ mode: z.literal('persistent') }),
    flags: z.object({
      enable_sso: z.literal(true),
      enable_dynamic_client_registration: z.literal(false),
      enable_public_signup_user_exists_error: z.literal(false),
    }),
    acr_values_supported: z.array(z.string()),
    pushed_authorization_requests_supported: z.literal(false),
    authorization_response_iss_parameter_supported: z.literal(true),
    latchkey: latchkeySchema,
  })
  .describe("The deployment's settings in Auth0's shape, with Latchkey's own under `latchkey`.")

export type TenantSettings = z.output<typeof settingsSchema>

function emailTransport(config: Config): 'smtp' | 'development' | 'none' {
  if (config.email.smtpUrl !== null) return 'smtp'
  return config.email.devOutbox ? 'development' : 'none'
}

/** The settings in force: the configuration read at start, and whether the MFA policy was set through the API. */
export async function tenantSettings(deps: Pick<Deps, 'config' | 'store' | 'limits'>): Promise<TenantSettings> {
  const { config } = deps
  const storedPolicy = await deps.store.settings.get(MFA_POLICY_SETTING)
  const limits = Object.fromEntries(
    (Object.keys(LIMITS) as LimitName[]).map((name) => [name, { ...config.rateLimits.limits[name], env: LIMITS[name].env }]),
  )
  return {
    session_lifetime: config.session.absoluteSeconds / HOUR,
    idle_session_lifetime: config.session.idleSeconds / HOUR,
    session_cookie: { mode: 'persistent' },
    flags: { enable_sso: true, enable_dynamic_client_registration: false, enable_public_signup_user_exists_error: false },
    acr_values_supported: [ACR_MULTI_FACTOR],
    pushed_authorization_requests_supported: false,
    authorization_response_iss_parameter_supported: true,
    latchkey: {
      signup: { enabled: config.signup, env: 'LATCHKEY_SIGNUP' },
      mfa: {
        policy_source: isMfaPolicy(storedPolicy) ? 'management_api' : 'LATCHKEY_MFA',
        env_policy: config.mfa.policy,
        remember_browser_days: config.mfa.rememberDays,
      },
      email: {
        transport: emailTransport(config),
        from: config.email.from,
        verification: config.email.verification,
        welcome_email: config.email.welcome,
        retention_days: config.email.retentionDays,
      },
      rate_limits: { enabled: config.rateLimits.enabled, store: deps.limits.backend, limits },
      audit_retention_days: config.auditRetentionDays,
    },
  }
}

export const tenants: Resource = {
  tag: 'tenants',
  description: "The deployment's settings (read only: they come from the environment).",
  routes: [
    route({
      method: 'get',
      path: '/tenants/settings',
      summary: 'Get tenant settings',
      scopes: ['read:tenant_settings'],
      query: z.strictObject(fieldParams),
      answer: { status: 200, description: 'The settings in force.', schema: settingsSchema },
      async handle({ deps, query }) {
        return { status: 200, body: selectFields(await tenantSettings(deps), query) }
      },
    }),
  ],
}
