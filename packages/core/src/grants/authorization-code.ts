/**
 * grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6), read top to bottom:
 * presence → atomic consume by the client it was issued to (another client's attempt leaves it
 * alone; the same client's replay revokes what the first redemption issued) → redirect_uri binding → PKCE → DPoP key binding (RFC 9449 §10) → user still allowed (and still a
 * member of the organization the code is for) → mint.
 */
import { InvalidGrant, InvalidRequest } from '../errors.js'
import { sha256 } from '../opaque.js'
import { single } from '../params.js'
import { isValidVerifier, verifyS256 } from '../pkce.js'
import type { Grant } from './grant.js'
import { issueTokens, loadApi, loadOrganization } from './issue-tokens.js'
import { ReuseDetected } from './reuse-detected.js'

export const INVALID_CODE = 'Invalid authorization code'
export const FAILED_VERIFIER = 'Failed to verify code verifier'

export interface AuthorizationCodeRequest {
  readonly code: string
  /** RFC 7636 §4.5: required when the authorization request had a challenge (checked against the code). */
  readonly codeVerifier: string | undefined
  /** RFC 6749 §4.1.3: required when the authorization request included one (checked against the code). */
  readonly redirectUri: string | undefined
}

export const authorizationCode: Grant<AuthorizationCodeRequest> = {
  type: 'authorization_code',
  parse(params) {
    const code = single(params, 'code')
    if (code === undefined) throw new InvalidRequest('Missing required parameter: code')
    return { code, codeVerifier: single(params, 'code_verifier'), redirectUri: single(params, 'redirect_uri') }
  },
  async handle(ctx, { code, codeVerifier: verifier, redirectUri }) {
    if (verifier !== undefined && !isValidVerifier(verifier)) throw new InvalidGrant(FAILED_VERIFIER)
    const now = ctx.clock.now()
    const codeHash = sha256(code)

    const consumed = await ctx.store.authorizationCodes.consume(codeHash, ctx.client.clientId, now)
    if (!consumed) {
      // RFC 6749 §4.1.2: a code used twice by its client revokes the tokens issued from it.
      const known = await ctx.store.authorizationCodes.findByHash(codeHash)
      if (known?.consumedAt != null && known.clientId === ctx.client.clientId) {
        const revoked = await ctx.store.refreshTokens.revokeGrant(known.grantId, now)
        throw new ReuseDetected(INVALID_CODE, { kind: 'authorization_code', clientId: known.clientId, userId: known.userId, grantId: known.grantId, revoked })
      }
      throw new InvalidGrant(INVALID_CODE)
    }
    const { code: record, user } = consumed

    if (record.redirectUriProvided ? redirectUri !== record.redirectUri : redirectUri !== undefined && redirectUri !== record.redirectUri)
      throw new InvalidGrant('redirect_uri does not match the one used in the authorization request.')

    // PKCE, with the downgrade defence of RFC 9700 §2.1.1: no verifier without a challenge.
    if (record.codeChallenge !== null) {
      if (verifier === undefined || !verifyS256(verifier, record.codeChallenge)) throw new InvalidGrant(FAILED_VERIFIER)
    } else if (verifier !== undefined) {
      throw new InvalidGrant(FAILED_VERIFIER)
    }

    // RFC 9449 §10: a code bound with dpop_jkt is redeemed only with a proof of that key.
    if (record.dpopJkt !== undefined) {
      if (!ctx.dpop) throw new InvalidGrant('This authorization code requires a DPoP proof.')
      if (ctx.dpop.jkt !== record.dpopJkt) throw new InvalidGrant('The DPoP proof key does not match dpop_jkt.')
    }

    if (!user) throw new InvalidGrant(INVALID_CODE)
    if (user.blocked) throw new InvalidGrant('user is blocked')

    const organization = await loadOrganization(ctx, record.organization, user.id)
    const api = await loadApi(ctx, record.audience)
    return issueTokens(ctx, {
      user,
      grantId: record.grantId,
      scope: record.scope,
      audience: record.audience,
      authTime: record.authTime,
      sid: record.sid,
      nonce: record.nonce,
      continues: null,
      organization,
      ...(record.amr ? { amr: record.amr } : {}),
      ...(record.acr ? { acr: record.acr } : {}),
      // The post-login actions ran when the code was issued; what they changed travels with it.
      tokenChanges: record.tokenChanges ?? null,
    }, api)
  },
}
