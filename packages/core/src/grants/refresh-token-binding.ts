/**
 * Who may use a refresh token, the one rule the grant and the store share: the client it was issued
 * to (RFC 9700 §4.14.2: another client cannot even rotate it), with a proof of the DPoP key it is
 * bound to, when it is bound to one (RFC 9449 §5: a thief without the key can neither use the token
 * nor burn it). The store's rotating statement is this rule in SQL (storage's refresh-tokens.ts), and
 * its contract test runs the same cases against both.
 */
import type { RotationBinding } from '../ports.js'
import type { RefreshTokenRecord } from '../records.js'

export const INVALID_REFRESH_TOKEN = 'Unknown or invalid refresh token.'

/** Why `presented` may not use `token` (the error description), or null when it may. */
export function bindingRefusal(token: Pick<RefreshTokenRecord, 'clientId' | 'dpopJkt'>, presented: RotationBinding): string | null {
  if (token.clientId !== presented.clientId) return INVALID_REFRESH_TOKEN
  if (token.dpopJkt === undefined) return null
  if (presented.dpopJkt === null) return 'This refresh token is bound to a DPoP key: send a DPoP proof.'
  return presented.dpopJkt === token.dpopJkt ? null : 'The DPoP proof key does not match the refresh token.'
}
