/**
 * The answer over a limit: HTTP 429 with Auth0's error code and headers. `Retry-After` is in
 * seconds; `X-RateLimit-Limit` / `-Remaining` / `-Reset` (epoch seconds) describe the bucket that
 * refused the request. JSON endpoints answer `{"error":"too_many_requests",…}`; pages show the
 * same words in HTML.
 */
import { OAuthError } from '@latchkey/core'
import type { Context } from 'hono'
import type { RateLimiterRes } from 'rate-limiter-flexible'
import { pageResponse } from '../http/page-headers.js'
import { errorPage } from '../views/message.js'

export const TOO_MANY_REQUESTS =
  'Too many requests. Check the X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset headers.'

/** Thrown when a limit refuses a request; carries the headers of the answer. */
export class RateLimited extends OAuthError {
  readonly headers: Readonly<Record<string, string>>
  readonly retryAfterSeconds: number
  /** The bucket that refused (`token`, `login-failures`, …): a fixed name, for the metrics. */
  readonly limit: string
  constructor(description: string, headers: Record<string, string>, retryAfterSeconds: number, limit = 'unnamed') {
    super('too_many_requests', description, 429)
    this.name = 'RateLimited'
    this.headers = headers
    this.retryAfterSeconds = retryAfterSeconds
    this.limit = limit
  }
}

/** X-RateLimit-* for a bucket of `limit` points in the state `res` describes. */
export function rateLimitHeaders(limit: number, res: Pick<RateLimiterRes, 'remainingPoints' | 'msBeforeNext'>, now = Date.now()): Record<string, string> {
  const resetMs = Math.max(res.msBeforeNext, 0)
  return {
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': String(Math.max(0, Math.min(limit, res.remainingPoints))),
    'X-RateLimit-Reset': String(Math.ceil((now + resetMs) / 1000)),
  }
}

/** `1 second`, `45 seconds`, `2 minutes`. */
export function waitWords(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`
  const minutes = Math.ceil(seconds / 60)
  return `${minutes} minute${minutes === 1 ? '' : 's'}`
}

/** The words for people, on pages. */
export function tryAgainIn(seconds: number): string {
  return `Too many requests. Try again in ${waitWords(seconds)}.`
}

/** Whole seconds to wait, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000))
}

/** Words for the wait, given in whole seconds. */
export type Describe = (retryAfterSeconds: number) => string

/** The refusal by the bucket `name` of `limit` points that frees up in `msBeforeNext`. */
export function rateLimited(limit: number, msBeforeNext: number, describe: Describe = () => TOO_MANY_REQUESTS, name?: string): RateLimited {
  const wait = retryAfterSeconds(msBeforeNext)
  const headers = { 'Retry-After': String(wait), ...rateLimitHeaders(limit, { remainingPoints: 0, msBeforeNext }) }
  return new RateLimited(describe(wait), headers, wait, name)
}

/** The HTML answer for browser-facing endpoints (/authorize, the login form). */
export function tooManyRequestsPage(c: Context, err: RateLimited): Response | Promise<Response> {
  for (const [name, value] of Object.entries(err.headers)) c.header(name, value)
  return pageResponse(c, errorPage(err.error, err.description), 429)
}
