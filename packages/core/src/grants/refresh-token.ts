/**
 * grant_type=refresh_token (RFC 6749 §6). A rotating application's tokens (the default) rotate with
 * reuse detection (RFC 9700 §4.14.2): every use returns a new token of the same grant; a rotated-out
 * token presented again after the app's reuse interval revokes the grant (all its refresh tokens,
 * and its access tokens at /userinfo). A non-rotating application's token (Auth0's
 * `rotation_type: non-rotating`) is used as it is: the answer carries no refresh_token, the client
 * keeps using the one it has, and any number of refreshes with it may run at once; its idle expiry,
 * when it has one, slides at each use (refresh-token-policy.ts). Everything else is the same for
 * both: the binding, revocation, the user and organization checks, post-login actions. Audience and scope come from the grant; a `scope` parameter may only narrow it. Who
 * may use a token is refresh-token-binding.ts (its client, with its DPoP key's proof when bound).
 * A grant issued for an organization keeps its `org_id` / `org_name` while the user stays a member;
 * once they are removed (or the organization deleted) the grant is revoked.
 */
import { tokenChangesOf } from '../actions/commands.js'
import { AccessDenied, InvalidGrant, InvalidRequest, InvalidScope } from '../errors.js'
import { sha256 } from '../opaque.js'
import { single } from '../params.js'
import type { RotationBinding, UseOutcome } from '../ports.js'
import type { ApiRecord } from '../records.js'
import { parseScope } from '../scope.js'
import type { Grant, GrantContext } from './grant.js'
import { issueTokens, loadApi, loadOrganization } from './issue-tokens.js'
import { bindingRefusal, INVALID_REFRESH_TOKEN } from './refresh-token-binding.js'
import { ReuseDetected } from './reuse-detected.js'
import { idleLifetimeSeconds } from './refresh-token-policy.js'

export { INVALID_REFRESH_TOKEN } from './refresh-token-binding.js'

export interface RefreshTokenRequest {
  readonly refreshToken: string
  /** RFC 6749 §6: a narrower scope for this response; absent: the grant's. Null: malformed. */
  readonly scope: readonly string[] | null | undefined
}

/** The API may be gone, or have stopped allowing offline access, since the token was issued. */
async function usableApi(ctx: GrantContext, audience: string | null): Promise<ApiRecord | null> {
  const api = await loadApi(ctx, audience).catch(() => {
    throw new InvalidGrant(INVALID_REFRESH_TOKEN)
  })
  if (api !== null && !api.allowOfflineAccess) throw new InvalidGrant(INVALID_REFRESH_TOKEN)
  return api
}

/** A non-rotating refresh: the store checks the token and slides its idle expiry, if it has one, in one statement. */
async function useWithoutRotation(ctx: GrantContext, tokenHash: string, now: number, binding: RotationBinding): Promise<UseOutcome> {
  const idle = idleLifetimeSeconds(ctx.client.refreshToken)
  return ctx.store.refreshTokens.use(tokenHash, now, idle === null ? null : idle * 1000, binding)
}

export const refreshToken: Grant<RefreshTokenRequest> = {
  type: 'refresh_token',
  parse(params) {
    const token = single(params, 'refresh_token')
    if (token === undefined) throw new InvalidRequest('Missing required parameter: refresh_token')
    const scope = single(params, 'scope')
    const asked = scope === undefined ? undefined : parseScope(scope)
    // A `scope` of spaces names no scope: as if it were not sent (RFC 6749 §3.1), not an empty grant.
    return { refreshToken: token, scope: asked?.length === 0 ? undefined : asked }
  },
  async handle(ctx, request) {
    const now = ctx.clock.now()
    const tokenHash = sha256(request.refreshToken)
    const binding: RotationBinding = { clientId: ctx.client.clientId, dpopJkt: ctx.dpop?.jkt ?? null }

    // With a `scope` parameter the token is read first: a scope beyond the grant is refused before the
    // token is used. Without one (the usual request), one statement checks the binding and rotates
    // (or, for a non-rotating app, uses) the token.
    let responseScope: readonly string[] | undefined
    let api: ApiRecord | null | undefined
    if (request.scope !== undefined) {
      const known = await ctx.store.refreshTokens.findByHash(tokenHash)
      if (!known) throw new InvalidGrant(INVALID_REFRESH_TOKEN)
      const refusal = bindingRefusal(known, binding)
      if (refusal !== null) throw new InvalidGrant(refusal)
      api = await usableApi(ctx, known.audience)
      const asked = request.scope
      if (asked === null || !asked.every((s) => known.scope.includes(s)))
        throw new InvalidScope('The requested scope exceeds the scope of the original grant.')
      responseScope = known.scope.filter((s) => asked.includes(s))
    }

    const policy = ctx.client.refreshToken
    const keeps = policy.rotation === 'non-rotating'
    const result = keeps
      ? await useWithoutRotation(ctx, tokenHash, now, binding)
      : await ctx.store.refreshTokens.rotate(tokenHash, now, policy.reuseIntervalSeconds * 1000, binding)
    if (result.outcome === 'unbound') throw new InvalidGrant(bindingRefusal(result.token, binding) ?? INVALID_REFRESH_TOKEN)
    if (result.outcome === 'invalid') throw new InvalidGrant(INVALID_REFRESH_TOKEN)
    if (result.outcome === 'reuse-detected') {
      const { grantId, userId, clientId } = result.token
      const revoked = await ctx.store.refreshTokens.revokeGrant(grantId, now)
      throw new ReuseDetected(INVALID_REFRESH_TOKEN, { kind: 'refresh_token', clientId, userId, grantId, revoked })
    }
    const rotated = result.token
    // Without a `scope` parameter the API is checked once the token is used: a token whose API is
    // gone, or no longer allows offline access, would be refused every time anyway.
    api ??= await usableApi(ctx, rotated.audience)

    // The rotating (or using) statement read the user too; a reuse within the interval reads it now.
    const user = result.outcome === 'reuse-allowed' ? await ctx.store.users.get(rotated.userId) : result.user
    if (!user || user.blocked) {
      await ctx.store.refreshTokens.revokeGrant(rotated.grantId, now)
      throw new InvalidGrant(user ? 'user is blocked' : INVALID_REFRESH_TOKEN)
    }
    const organization = await loadOrganization(ctx, rotated.organization, user.id).catch(async (err: unknown) => {
      await ctx.store.refreshTokens.revokeGrant(rotated.grantId, now)
      throw err
    })

    // Post-login runs again at every refresh. A denial ends the grant: its refresh token was rotated
    // already, and the user the actions refused keeps nothing issued from it.
    const outcome = ctx.actions
      ? await ctx.actions.postLogin({ client: ctx.client, user, api, scope: responseScope ?? rotated.scope, organization, authTime: rotated.authTime, amr: rotated.amr ?? [] })
      : null
    if (outcome?.denied) {
      await ctx.store.refreshTokens.revokeGrant(rotated.grantId, now)
      throw new AccessDenied(outcome.denied.reason)
    }

    return issueTokens(ctx, {
      user,
      grantId: rotated.grantId,
      scope: rotated.scope,
      ...(responseScope !== undefined ? { responseScope } : {}),
      audience: rotated.audience,
      authTime: rotated.authTime,
      sid: rotated.sid,
      nonce: null,
      continues: { expiresAt: rotated.grantExpiresAt, ...(rotated.dpopJkt !== undefined ? { dpopJkt: rotated.dpopJkt } : {}) },
      keepsRefreshToken: keeps,
      organization,
      ...(rotated.amr ? { amr: rotated.amr } : {}),
      ...(rotated.acr ? { acr: rotated.acr } : {}),
      tokenChanges: outcome ? tokenChangesOf(outcome) : null,
    }, api)
  },
}
