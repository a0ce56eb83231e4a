/**
 * POST /oauth/revoke's limit. The client authenticates there as at the token endpoint (RFC 7009
 * §2.1), so a client secret could be guessed there as well: each request reserves a failure point
 * in the token endpoint's own `tokenFailures` bucket (per client_id + IP, the same key), before the
 * client is authenticated, and gives it back unless the answer is `invalid_client`. One bucket for
 * both endpoints, so guesses cannot be spread over the two to get twice as many; reserved before
 * the work, so parallel guesses cannot overshoot it.
 */
import type { OAuthError } from '@latchkey/core'
import { bucketKey, type Limiter } from './limiter.js'
import type { TokenAdmission, TokenRequestFacts } from './token-admission.js'

export async function admitRevokeRequest(tokenFailures: Limiter, facts: TokenRequestFacts): Promise<TokenAdmission> {
  const client = bucketKey(facts.clientId, facts.ip)
  await tokenFailures.take(client)
  return {
    headers: {},
    async settle(error: OAuthError | null) {
      if (error?.error !== 'invalid_client') await tokenFailures.giveBack(client)
    },
  }
}
