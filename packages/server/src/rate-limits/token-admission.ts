/**
 * The token endpoint's limits, taken before any work so that parallel requests cannot overshoot:
 * 1. every request, per client_id + IP (a generous ceiling; its state goes out as X-RateLimit-*);
 * 2. requests presenting one refresh token, per SHA-256(token) + IP (Auth0's rule);
 * 3. a failure point per client_id + IP, reserved now and given back unless the answer is
 *    `invalid_grant` or `invalid_client`, so at most `points` guesses are ever in flight or done.
 */
import { single, type OAuthError, type RawParams } from '@latchkey/core'
import { claimedClientId } from '../http/client-auth.js'
import { bucketKey, type Limiter } from './limiter.js'
import { rateLimitHeaders } from './too-many-requests.js'

export interface TokenRequestFacts {
  readonly ip: string
  readonly params: RawParams
  readonly authorization: string | undefined
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

/** The client the request names (body, Basic header or client assertion): the key of its buckets. */
const namedClient = claimedClientId

export async function admitTokenRequest(limiters: TokenLimiters, facts: TokenRequestFacts): Promise<TokenAdmission> {
  const client = bucketKey(namedClient(facts.params, facts.authorization), facts.ip)
  const ceiling = await limiters.token.take(client)
  const refreshToken = single(facts.params, 'grant_type') === 'refresh_token' ? single(facts.params, 'refresh_token') : undefined
  if (refreshToken !== undefined) await limiters.refreshToken.take(bucketKey(refreshToken, facts.ip))
  await limiters.tokenFailures.take(client)
  return {
    headers: rateLimitHeaders(limiters.token.limit.points, ceiling),
    async settle(error) {
      if (error === null || !COUNTED.has(error.error)) await limiters.tokenFailures.giveBack(client)
    },
  }
}
