/**
 * What the token endpoint writes to the audit log: per grant, a success (client, user, audience,
 * scopes, whether a refresh token came with it) or a failure (the OAuth error); a replayed code or
 * refresh token gets its own event, with how many refresh tokens it revoked. Never a token, code,
 * verifier or secret: the user comes from the `sub` of the access token just minted.
 */
import {
  type AuditEventInput,
  type OAuthError,
  ReuseDetected,
  type RawParams,
  single,
  type TokenResponse,
  tokenEventType,
  userinfoAudience,
} from '@latchkey/core'
import { decodeJwt, type JWTPayload } from 'jose'
import { claimedClientId } from './client-auth.js'

/** What the route learnt before it answered: filled in as the request is read. */
export interface TokenAttempt {
  params?: RawParams
  /** The Authorization header: a Basic user names the client of a failed request. */
  authorization?: string | undefined
  /** The authenticated client. */
  clientId?: string
}

function grantTypeOf(attempt: TokenAttempt): string | undefined {
  return attempt.params ? single(attempt.params, 'grant_type') : undefined
}

/** The claims of the access token just minted; none if it is not a JWT (the event must not fail the answer). */
function accessTokenClaims(token: string): JWTPayload {
  try {
    return decodeJwt(token)
  } catch {
    return {}
  }
}

export function tokenIssuedEvent(attempt: TokenAttempt, response: TokenResponse, issuer: string): AuditEventInput | null {
  const grantType = grantTypeOf(attempt)
  const type = grantType === undefined ? null : tokenEventType(grantType, 'success')
  if (type === null) return null
  const claims = accessTokenClaims(response.access_token)
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? [])
  // A client_credentials token's `sub` is the application itself (`<client_id>@clients`), not a user.
  const user = grantType !== 'client_credentials' && typeof claims.sub === 'string' ? claims.sub : null
  return {
    type,
    clientId: attempt.clientId ?? null,
    userId: user,
    details: {
      grant_type: grantType,
      audience: audiences.find((aud) => aud !== userinfoAudience(issuer)) ?? null,
      scope: response.scope,
      token_type: response.token_type,
      id_token_issued: response.id_token !== undefined,
      refresh_token_issued: response.refresh_token !== undefined,
    },
  }
}

export function tokenRefusedEvent(attempt: TokenAttempt, thrown: unknown, error: OAuthError): AuditEventInput | null {
  if (thrown instanceof ReuseDetected) {
    const { reuse } = thrown
    return {
      type: reuse.kind === 'refresh_token' ? 'ferrt' : 'authorization_code_reused',
      clientId: reuse.clientId,
      userId: reuse.userId,
      details: { grant_type: reuse.kind, family_id: reuse.familyId, revoked_refresh_tokens: reuse.revoked },
    }
  }
  // Over a rate limit: the limiter answers for it; one row per refused request would let a flood fill the log.
  if (error.status === 429) return null
  const grantType = grantTypeOf(attempt)
  const type = grantType === undefined ? null : tokenEventType(grantType, 'failure')
  if (type === null) return null
  const claimed = attempt.params ? claimedClientId(attempt.params, attempt.authorization) : ''
  return {
    type,
    clientId: attempt.clientId ?? (claimed === '' ? null : claimed.slice(0, 128)),
    details: { grant_type: grantType, error: error.error, error_description: error.description },
  }
}
