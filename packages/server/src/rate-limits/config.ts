/**
 * Rate-limit policy from the environment, read once at start-up:
 * `LATCHKEY_RATE_LIMITS=off` switches every limit off (benchmarks), `LATCHKEY_RATE_LIMIT_<NAME>=points/seconds`
 * overrides one limit, `LATCHKEY_REDIS_URL` shares the counters through Redis. Unknown limit names
 * are refused, so a typo cannot silently leave a default in force.
 */
import { parseBoolean } from '../settings/boolean.js'

export type LimitName = 'token' | 'tokenFailures' | 'refreshToken' | 'authorize' | 'login' | 'loginFailures' | 'management' | 'signup' | 'passwordReset' | 'emailsPerAddress'

/** At most `points` within `seconds` (for loginFailures: failures before a lock of `seconds`). */
export interface Limit {
  readonly points: number
  readonly seconds: number
}

export interface RateLimitConfig {
  readonly enabled: boolean
  readonly limits: Readonly<Record<LimitName, Limit>>
  /** `redis://…` or `rediss://…`: counters live in Redis, with PostgreSQL or memory as insurance. */
  readonly redisUrl: string | null
}

/** Each limit, the variable that overrides it, and its default. */
export const LIMITS: Readonly<Record<LimitName, { readonly env: string; readonly fallback: Limit }>> = {
  // Every /oauth/token request, per client_id + IP: a generous ceiling.
  token: { env: 'LATCHKEY_RATE_LIMIT_TOKEN', fallback: { points: 1000, seconds: 60 } },
  // invalid_grant / invalid_client answers, per client_id + IP (counted before the work, refunded on success);
  // /oauth/revoke's invalid_client answers count in the same bucket (revoke-admission.ts).
  tokenFailures: { env: 'LATCHKEY_RATE_LIMIT_TOKEN_FAILURES', fallback: { points: 30, seconds: 60 } },
  // Requests presenting one refresh token, per token + IP (Auth0's rule).
  refreshToken: { env: 'LATCHKEY_RATE_LIMIT_REFRESH_TOKEN', fallback: { points: 10, seconds: 60 } },
  // GET|POST /authorize, per IP.
  authorize: { env: 'LATCHKEY_RATE_LIMIT_AUTHORIZE', fallback: { points: 300, seconds: 60 } },
  // POST /u/login, per IP.
  login: { env: 'LATCHKEY_RATE_LIMIT_LOGIN', fallback: { points: 100, seconds: 60 } },
  // Failed logins per account + IP: this many lock the account for that IP for `seconds`.
  loginFailures: { env: 'LATCHKEY_RATE_LIMIT_LOGIN_FAILURES', fallback: { points: 10, seconds: 900 } },
  // Every /api/v2 request (the Management API), per IP, before the token is checked.
  management: { env: 'LATCHKEY_RATE_LIMIT_MANAGEMENT', fallback: { points: 600, seconds: 60 } },
  // POST /u/signup (accounts created, or refused), per IP: sign-up is where addresses could be probed.
  signup: { env: 'LATCHKEY_RATE_LIMIT_SIGNUP', fallback: { points: 20, seconds: 600 } },
  // Password-reset requests (the forgot-password form, /dbconnections/change_password), per IP.
  passwordReset: { env: 'LATCHKEY_RATE_LIMIT_PASSWORD_RESET', fallback: { points: 20, seconds: 600 } },
  // Emails asked for one address (resets, verifications), whoever asks: over it, no email is sent
  // and the answer stays the same (nothing to learn, nobody's inbox to flood).
  emailsPerAddress: { env: 'LATCHKEY_RATE_LIMIT_EMAILS_PER_ADDRESS', fallback: { points: 5, seconds: 3600 } },
}

const PREFIX = 'LATCHKEY_RATE_LIMIT_'
const MAX_POINTS = 1_000_000
const MAX_SECONDS = 86_400

function parseLimit(name: string, value: string): Limit {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value)
  const points = Number(match?.[1])
  const seconds = Number(match?.[2])
  if (!match || points < 1 || points > MAX_POINTS || seconds < 1 || seconds > MAX_SECONDS)
    throw new Error(`${name} must be POINTS/SECONDS, e.g. 10/60 (points 1–${MAX_POINTS}, seconds 1–${MAX_SECONDS})`)
  return { points, seconds }
}

function parseRedisUrl(value: string | undefined): string | null {
  if (value === undefined) return null
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error('LATCHKEY_REDIS_URL must be a redis:// or rediss:// URL')
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('LATCHKEY_REDIS_URL must be a redis:// or rediss:// URL')
  return value
}

/** Reads the policy; empty variables count as unset. Throws on malformed values and unknown names. */
export function rateLimitConfig(env: Readonly<Record<string, string | undefined>>): RateLimitConfig {
  const set = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name])
  const known = new Set(Object.values(LIMITS).map((l) => l.env))
  for (const name of Object.keys(env))
    if (name.startsWith(PREFIX) && !known.has(name) && set(name) !== undefined)
      throw new Error(`unknown rate limit ${name} (known: ${[...known].join(', ')})`)
  const limits = Object.fromEntries(
    Object.entries(LIMITS).map(([key, { env: name, fallback }]) => {
      const value = set(name)
      return [key, value === undefined ? fallback : parseLimit(name, value)]
    }),
  ) as Record<LimitName, Limit>
  return { enabled: parseBoolean('LATCHKEY_RATE_LIMITS', set('LATCHKEY_RATE_LIMITS'), true), limits, redisUrl: parseRedisUrl(set('LATCHKEY_REDIS_URL')) }
}
