/**
 * The authorization code: 32 random bytes (base64url), stored only as its SHA-256, single use,
 * short-lived, bound to the client, the redirect URI and the PKCE challenge (RFC 6749 §4.1.2,
 * RFC 9700 §4.5).
 */
import { randomId, randomToken, sha256 } from '../opaque.js'
import type { AuthorizationCodeRecord, AuthorizationRequest } from '../records.js'

export const CODE_LIFETIME_MS = 60_000

export interface IssueCodeInput {
  readonly request: AuthorizationRequest
  readonly userId: string
  readonly authTime: number
  readonly sid: string | null
  readonly now: number
  /** The session's `amr`, and the `acr` satisfied when `acr_values` was requested (ID token claims). */
  readonly amr?: readonly string[]
  readonly acr?: string | null
}

export function issueCode(input: IssueCodeInput): { code: string; record: AuthorizationCodeRecord } {
  const code = randomToken()
  const { request } = input
  return {
    code,
    record: {
      codeHash: sha256(code),
      grantId: randomId(),
      clientId: request.clientId,
      userId: input.userId,
      redirectUri: request.redirectUri,
      redirectUriProvided: request.redirectUriProvided,
      scope: request.scope,
      audience: request.audience,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      nonce: request.nonce,
      authTime: input.authTime,
      sid: input.sid,
      organization: request.organization,
      createdAt: input.now,
      expiresAt: input.now + CODE_LIFETIME_MS,
      consumedAt: null,
      ...(request.dpopJkt !== undefined ? { dpopJkt: request.dpopJkt } : {}),
      ...(input.amr && input.amr.length > 0 ? { amr: [...input.amr] } : {}),
      ...(input.acr ? { acr: input.acr } : {}),
    },
  }
}
