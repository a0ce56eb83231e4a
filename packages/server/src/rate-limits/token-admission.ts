/**
 * The token endpoint's limits, taken before any work so that parallel requests cannot overshoot:
 * 1. every request, per client_id + IP (a generous ceiling; its state goes out as X-RateLimit-*);
 * 2. requests presenting one refresh token, per SHA-256(token) + IP (Auth0's rule);
 * 3. a failure point per client_id + IP, reserved now and given back unless the answer is
 *    `invalid_grant` or `invalid_client`, so at most `points` guesses are ever in flight or done.
 */
import type { OAuthError } from '@latchkey/core'
import { bucketKey, type Limiter } from './limiter.js'
import { rateLimitHeaders } from './too-many-requests.js'

/** What the limits key on, from the request as read once (token/token-request.ts). */
export interface TokenRequestFacts {
  readonly ip: string
  /** The client the request names (body, Basic header or client assertion), '' when none: the key of its buckets. */
  readonly clientId: string
  /** The refresh token of a refresh_token grant. */
  readonly refreshToken?: string | undefined
}

export interface TokenAdmission {
  /** X-RateLimit-* of the per-client ceiling, for the answer. */
  readonly headers: Readonly<Record<string, string>>
  /** Keeps the failure point for a refused grant or client; gives it back for anything else. */
  settle(error: OAuthError | null): Promise<void>
}

export interface TokenLimiters {
  readonly token: Limiter
  readonly refreshToken: Limiter
  readonly tokenFailures: Limiter
}

const COUNTED = new Set(['invalid_grant', 'invalid_client'])

export async function admitTokenRequest(limiters: TokenLimiters, facts: TokenRequestFacts): Promise<TokenAdmission> {
  const client = bucketKey(facts.clientId, facts.ip)
  const ceiling = await limiters.token.take(client)
  if (facts.refreshToken !== undefined) await limiters.refreshToken.take(bucketKey(facts.refreshToken, facts.ip))
  await limiters.tokenFailures.take(client)
  return {
    headers: rateLimitHeaders(limiters.token.limit.points, ceiling),
    async settle(error) {
      if (error === null || !COUNTED.has(error.error)) await limiters.tokenFailures.giveBack(client)
    },
  }
}
