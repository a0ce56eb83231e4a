/**
 * The rate limits of a running server (`deps.limits`): the buckets built once on the configured
 * backend, and the ways routes use them: one request per IP (/authorize, the login form), the
 * token endpoint's admission, the revocation endpoint's (failed client authentication, counted in
 * the token endpoint's bucket), and a login attempt. With `LATCHKEY_RATE_LIMITS=off` every
 * operation admits at once and nothing is counted.
 */
import type { Logger } from '../logger.js'
import { openBackend, type Backend } from './backend.js'
import { LIMITS, type LimitName, type RateLimitConfig } from './config.js'
import { Limiter, bucketKey } from './limiter.js'
import { admitLogin, type LoginAttempt } from './login-attempts.js'
import { admitRevokeRequest } from './revoke-admission.js'
import { admitTokenRequest, type TokenAdmission, type TokenRequestFacts } from './token-admission.js'
import { RateLimited, tryAgainIn } from './too-many-requests.js'

export type PerIpLimit = 'authorize' | 'login' | 'management' | 'signup' | 'passwordReset'

export interface Limits {
  readonly enabled: boolean
  readonly backend: Backend['kind'] | 'off'
  /** Counts one request from `ip`; throws `RateLimited` (worded for a page) over the limit. */
  perIp(name: PerIpLimit, ip: string): Promise<void>
  /** Takes the token endpoint's points; throws `RateLimited` over any of its limits. */
  admitToken(facts: TokenRequestFacts): Promise<TokenAdmission>
  /** Reserves /oauth/revoke's failure point (the token endpoint's `tokenFailures`); throws `RateLimited` over it. */
  admitRevoke(facts: TokenRequestFacts): Promise<TokenAdmission>
  /** Reserves a login attempt for `email` from `ip`; throws `RateLimited` while delayed or locked. */
  admitLogin(ip: string, email: string): Promise<LoginAttempt>
  /** Counts one email asked for `address`; false over the limit (the caller sends nothing and answers the same). */
  admitEmail(address: string): Promise<boolean>
  close(): Promise<void>
}

const ADMITTED: TokenAdmission = { headers: {}, settle: async () => {} }
const NOTHING_TO_COUNT: LoginAttempt = { succeeded: async () => {}, failed: async () => false, abandoned: async () => {} }

export const noLimits: Limits = {
  enabled: false,
  backend: 'off',
  perIp: async () => {},
  admitToken: async () => ADMITTED,
  admitRevoke: async () => ADMITTED,
  admitLogin: async () => NOTHING_TO_COUNT,
  admitEmail: async () => true,
  close: async () => {},
}

/** IPv6 clients are keyed by their /64: one host usually holds the whole prefix. */
export function ipKey(ip: string): string {
  if (!ip.includes(':')) return ip
  const [head = '', tail = ''] = ip.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`
}

/** Told the bucket's name each time a limit refuses a request (the metrics count them). */
export type OnRefused = (limit: string) => void

/** Reports a refusal on its way out. */
function reporting<T>(onRefused: OnRefused | undefined, work: Promise<T>): Promise<T> {
  if (!onRefused) return work
  return work.catch((err: unknown) => {
    if (err instanceof RateLimited) onRefused(err.limit)
    throw err
  })
}

/** Builds the buckets on the backend the configuration and database call for. */
export async function openLimits(config: RateLimitConfig, db: string, log: Logger, onRefused?: OnRefused): Promise<Limits> {
  if (!config.enabled) return noLimits
  const backend = await openBackend(config, db, log)
  const limiter = (name: LimitName) => {
    const limit = config.limits[name]
    const bucket = name.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)
    return new Limiter(bucket, limit, backend.create({ name: bucket, points: limit.points, seconds: limit.seconds }), log)
  }
  const token = { token: limiter('token'), refreshToken: limiter('refreshToken'), tokenFailures: limiter('tokenFailures') }
  const login = {
    loginFailures: limiter('loginFailures'),
    loginDelay: new Limiter('login-delay', { points: 1, seconds: 60 }, backend.create({ name: 'login-delay', points: 1, seconds: 60 }), log),
  }
  const perIp = { authorize: limiter('authorize'), login: limiter('login'), management: limiter('management'), signup: limiter('signup'), passwordReset: limiter('passwordReset') }
  const emailsPerAddress = limiter('emailsPerAddress')
  log.info({ backend: backend.kind, limits: Object.fromEntries(Object.keys(LIMITS).map((n) => [n, `${config.limits[n as LimitName].points}/${config.limits[n as LimitName].seconds}`])) }, 'rate limits on')

  return {
    enabled: true,
    backend: backend.kind,
    async perIp(name, ip) {
      await reporting(onRefused, perIp[name].take(bucketKey(ipKey(ip)), tryAgainIn))
    },
    admitToken: (facts) => reporting(onRefused, admitTokenRequest(token, { ...facts, ip: ipKey(facts.ip) })),
    admitRevoke: (facts) => reporting(onRefused, admitRevokeRequest(token.tokenFailures, { ...facts, ip: ipKey(facts.ip) })),
    admitLogin: (ip, email) => reporting(onRefused, admitLogin(login, log, ipKey(ip), email)),
    async admitEmail(address) {
      try {
        await reporting(onRefused, emailsPerAddress.take(bucketKey('email', address)))
        return true
      } catch (err) {
        if (err instanceof RateLimited) return false
        throw err
      }
    },
    close: () => backend.close(),
  }
}
