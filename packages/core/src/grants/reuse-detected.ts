/**
 * A replayed authorization code or refresh token (RFC 6749 §4.1.2, RFC 9700 §4.14.2). To the client
 * it is the same `invalid_grant` as any bad code or token; the server can tell it apart, because the
 * grant has just revoked what the credential issued, and records it in the audit log.
 */
import { InvalidGrant } from '../errors.js'

export interface ReuseFacts {
  readonly kind: 'authorization_code' | 'refresh_token'
  readonly clientId: string
  readonly userId: string
  /** The grant (one authorization code and every refresh token rotated from it) that was revoked. */
  readonly grantId: string
  /** How many refresh tokens the replay revoked (0 when they were revoked already). */
  readonly revoked: number
}

export class ReuseDetected extends InvalidGrant {
  readonly reuse: ReuseFacts
  constructor(description: string, reuse: ReuseFacts) {
    super(description)
    this.reuse = reuse
  }
}
