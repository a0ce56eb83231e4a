/**
 * grant_type=refresh_token (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2):
 * every use returns a new token of the same family; a rotated-out token presented again after the
 * app's reuse interval revokes the whole family. Audience and scope come from the grant; a `scope`
 * parameter may only narrow it. A token bound to a DPoP key needs a proof of that key (RFC 9449 §5).
 * A family issued for an organization keeps its `org_id` / `org_name` while the user stays a member;
 * once they are removed (or the organization deleted) the family is revoked.
 */
import { InvalidGrant, InvalidRequest, InvalidScope } from '../errors.js'
import { sha256 } from '../opaque.js'
import { single } from '../params.js'
import { parseScope } from '../scope.js'
import type { ApiRecord, RefreshTokenRecord } from '../records.js'
import type { GrantContext, GrantHandler } from './grant.js'
import { issueTokens, loadApi, loadOrganization } from './issue-tokens.js'
import { ReuseDetected } from './reuse-detected.js'

export const INVALID_REFRESH_TOKEN = 'Unknown or invalid refresh token.'

/**
 * Bound to the client (RFC 9700 §4.14.2): another client cannot even rotate it. Bound to a DPoP key
 * (RFC 9449 §5): only a proof of that key may use it, so a thief without the key can neither use the
 * token nor burn it. Throws for a token that is not this request's to use.
 */
function checkBinding(ctx: GrantContext, token: RefreshTokenRecord): void {
  if (token.clientId !== ctx.client.clientId) throw new InvalidGrant(INVALID_REFRESH_TOKEN)
  if (token.dpopJkt !== undefined) {
    if (!ctx.dpop) throw new InvalidGrant('This refresh token is bound to a DPoP key: send a DPoP proof.')
    if (ctx.dpop.jkt !== token.dpopJkt) throw new InvalidGrant('The DPoP proof key does not match the refresh token.')
  }
}

/** The API may be gone, or have stopped allowing offline access, since the token was issued. */
async function usableApi(ctx: GrantContext, audience: string | null): Promise<ApiRecord | null> {
  const api = await loadApi(ctx, audience).catch(() => {
    throw new InvalidGrant(INVALID_REFRESH_TOKEN)
  })
  if (api !== null && !api.allowOfflineAccess) throw new InvalidGrant(INVALID_REFRESH_TOKEN)
  return api
}

export const refreshToken: GrantHandler = {
  type: 'refresh_token',
  async handle(ctx) {
    const token = single(ctx.params, 'refresh_token')
    if (token === undefined) throw new InvalidRequest('Missing required parameter: refresh_token')
    const now = ctx.clock.now()
    const tokenHash = sha256(token)

    // With a `scope` parameter the token is read first: a scope beyond the grant is refused before the
    // token is used. Without one (the usual request), one statement checks the bindings and rotates.
    const requested = single(ctx.params, 'scope')
    let responseScope: readonly string[] | undefined
    let api: ApiRecord | null | undefined
    if (requested !== undefined) {
      const known = await ctx.store.refreshTokens.findByHash(tokenHash)
      if (!known) throw new InvalidGrant(INVALID_REFRESH_TOKEN)
      checkBinding(ctx, known)
      api = await usableApi(ctx, known.audience)
      const asked = parseScope(requested)
      if (asked === null || !asked.every((s) => known.scope.includes(s)))
        throw new InvalidScope('The requested scope exceeds the scope of the original grant.')
      responseScope = known.scope.filter((s) => asked.includes(s))
    }

    const reuseIntervalMs = ctx.client.refreshToken.reuseIntervalSeconds * 1000
    const binding = { clientId: ctx.client.clientId, dpopJkt: ctx.dpop?.jkt ?? null }
    const result = await ctx.store.refreshTokens.rotate(tokenHash, now, reuseIntervalMs, binding)
    if (result.outcome === 'unbound') {
      checkBinding(ctx, result.token)
      throw new InvalidGrant(INVALID_REFRESH_TOKEN)
    }
    if (result.outcome === 'invalid') throw new InvalidGrant(INVALID_REFRESH_TOKEN)
    if (result.outcome === 'reuse-detected') {
      const { familyId, grantId, userId, clientId } = result.token
      const revoked = await ctx.store.refreshTokens.revokeFamily(familyId, now)
      throw new ReuseDetected(INVALID_REFRESH_TOKEN, { kind: 'refresh_token', clientId, userId, grantId, familyId, revoked })
    }
    const rotated = result.token
    // Without a `scope` parameter the API is checked once the token is used: a token whose API is
    // gone, or no longer allows offline access, would be refused every time anyway.
    api ??= await usableApi(ctx, rotated.audience)

    const user = await ctx.store.users.get(rotated.userId)
    if (!user || user.blocked) {
      await ctx.store.refreshTokens.revokeFamily(rotated.familyId, now)
      throw new InvalidGrant(user ? 'user is blocked' : INVALID_REFRESH_TOKEN)
    }
    const organization = await loadOrganization(ctx, rotated.organization, user.id).catch(async (err: unknown) => {
      await ctx.store.refreshTokens.revokeFamily(rotated.familyId, now)
      throw err
    })

    return issueTokens(ctx, {
      user,
      grantId: rotated.grantId,
      scope: rotated.scope,
      ...(responseScope !== undefined ? { responseScope } : {}),
      audience: rotated.audience,
      authTime: rotated.authTime,
      sid: rotated.sid,
      nonce: null,
      family: { id: rotated.familyId, expiresAt: rotated.familyExpiresAt },
      ...(rotated.dpopJkt !== undefined ? { refreshJkt: rotated.dpopJkt } : {}),
      organization,
      ...(rotated.amr ? { amr: rotated.amr } : {}),
      ...(rotated.acr ? { acr: rotated.acr } : {}),
    }, api)
  },
}
