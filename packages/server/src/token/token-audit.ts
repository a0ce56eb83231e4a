/**
 * What the token endpoint writes to the audit log: per grant, a success (client, user, audience,
 * scopes, whether a refresh token came with it), from what the grant says it did (never by reading
 * the tokens it minted), or a failure (the OAuth error); a replayed code or refresh token gets its
 * own event, with how many refresh tokens it revoked. Never a token, code, verifier or secret.
 */
import { type AuditEventInput, type GrantResult, type OAuthError, ReuseDetected, tokenEventType } from '@latchkey/core'
import type { TokenRequest } from './token-request.js'

export function tokenIssuedEvent(grantType: string, clientId: string, result: GrantResult): AuditEventInput | null {
  const type = tokenEventType(grantType, 'success')
  if (type === null) return null
  const { response } = result
  return {
    type,
    clientId,
    userId: result.userId,
    details: {
      grant_type: grantType,
      audience: result.audience,
      scope: response.scope,
      token_type: response.token_type,
      id_token_issued: response.id_token !== undefined,
      refresh_token_issued: response.refresh_token !== undefined,
    },
  }
}

/** `clientId`: the authenticated client, when authentication got that far. */
export function tokenRefusedEvent(request: TokenRequest, clientId: string | undefined, thrown: unknown, error: OAuthError): AuditEventInput | null {
  if (thrown instanceof ReuseDetected) {
    const { reuse } = thrown
    return {
      type: reuse.kind === 'refresh_token' ? 'ferrt' : 'authorization_code_reused',
      clientId: reuse.clientId,
      userId: reuse.userId,
      details: { grant_type: reuse.kind, grant_id: reuse.grantId, revoked_refresh_tokens: reuse.revoked },
    }
  }
  // Over a rate limit: the limiter answers for it; one row per refused request would let a flood fill the log.
  if (error.status === 429) return null
  const grantType = request.grantType
  const type = grantType === undefined ? null : tokenEventType(grantType, 'failure')
  if (type === null) return null
  const claimed = request.client.claimedId
  return {
    type,
    clientId: clientId ?? (claimed === '' ? null : claimed.slice(0, 128)),
    details: { grant_type: grantType, error: error.error, error_description: error.description },
  }
}
