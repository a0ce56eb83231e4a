/**
 * Minting the token response shared by the code and refresh grants: an access token for the API
 * (or /userinfo), an ID token when `openid` was granted, and a refresh token when `offline_access`
 * was granted and still allowed: a new one at the code and at a rotating refresh, none at a
 * non-rotating refresh (the client keeps the one it has, RFC 6749 §6).
 */
import { randomToken, sha256 } from '../opaque.js'
import { formatScope } from '../scope.js'
import { InvalidGrant } from '../errors.js'
import { mintAccessToken, USERINFO_ONLY_LIFETIME_SECONDS } from '../tokens/access-token.js'
import { mintIdToken } from '../tokens/id-token.js'
import type { ApiRecord, OrganizationRecord, RefreshTokenRecord, UserRecord } from '../records.js'
import { notAMember } from '../authorize/organization.js'
import { allowsOfflineAccess } from '../authorize/grantable-scopes.js'
import { authorizedScope, needsPermissions, permissionsClaim } from '../authorization/rbac.js'
import { managementApiScope } from '../authorization/management-api.js'
import { scopeAfterActions, type TokenChanges } from '../actions/commands.js'
import type { GrantContext, GrantResult } from './grant.js'
import { grantExpiry, idleExpiry, NEVER_EXPIRES } from './refresh-token-policy.js'

const NO_PERMISSIONS: ReadonlySet<string> = new Set()

export interface GrantSubject {
  readonly user: UserRecord
  readonly grantId: string
  /** The scope of the grant: kept by the refresh token (RFC 6749 §6). */
  readonly scope: readonly string[]
  /** A narrower scope for this response's access and ID tokens (refresh with `scope`). */
  readonly responseScope?: readonly string[]
  readonly audience: string | null
  readonly authTime: number
  readonly sid: string | null
  /** Code grants only. */
  readonly nonce: string | null
  /**
   * Refresh grants: the grant's refresh tokens so far, which the new one continues: their absolute
   * expiry, and the DPoP key they are bound to already, if any.
   */
  readonly continues: { readonly expiresAt: number; readonly dpopJkt?: string } | null
  /** A non-rotating refresh: the presented token stays the grant's, and no new one is issued. */
  readonly keepsRefreshToken?: boolean
  /** The organization the user logged in to (see loadOrganization): in both tokens and the grant's refresh tokens. */
  readonly organization?: OrganizationRecord | null
  /** How the user authenticated (RFC 8176) and the `acr` satisfied: the ID token's claims, kept by the grant's refresh tokens. */
  readonly amr?: readonly string[]
  readonly acr?: string
  /** What post-login actions changed: claims in each token, scopes of the access token. */
  readonly tokenChanges?: TokenChanges | null
}

/**
 * The organization a code or refresh token was issued for, checked again: it still exists and the
 * user is still a member. Otherwise the grant fails (a removed member's refresh tokens stop working).
 */
export async function loadOrganization(ctx: GrantContext, orgId: string | null, userId: string): Promise<OrganizationRecord | null> {
  if (orgId === null) return null
  const org = await ctx.store.organizations.get(orgId)
  if (!org || !(await ctx.store.organizations.isMember(org.id, userId))) throw new InvalidGrant(notAMember(userId, orgId).description)
  return org
}

/** The API an audience names; the grant fails if it was deleted since. */
export async function loadApi(ctx: GrantContext, audience: string | null): Promise<ApiRecord | null> {
  if (audience === null) return null
  const api = await ctx.store.apis.findByIdentifier(audience)
  if (!api) throw new InvalidGrant(`Service not found: ${audience}`)
  return api
}

/**
 * `api` is the one `subject.audience` names (see loadApi), loaded once by the grant. The access
 * token is signed with the API's algorithm (RS256 for /userinfo alone), the ID token with the app's.
 * The two signatures run at once (WebCrypto does them on the threadpool) while the refresh token is stored.
 */
export async function issueTokens(ctx: GrantContext, subject: GrantSubject, api: ApiRecord | null): Promise<GrantResult> {
  const now = ctx.clock.now()
  const [accessKey, idKey] = await Promise.all([ctx.signingKey(api?.signingAlg ?? 'RS256'), ctx.signingKey(ctx.client.idTokenAlg ?? 'RS256')])
  const tokenCtx = { issuer: ctx.issuer, now, signingKey: accessKey }
  const lifetime = api?.tokenLifetime ?? USERINFO_ONLY_LIFETIME_SECONDS
  // RBAC narrows what this response's tokens carry; the grant (and its refresh tokens) keeps what
  // was consented, so a role given back later counts again at the next refresh.
  const permissions =
    api !== null && (api.isSystem === true || needsPermissions(api)) ? new Set(await ctx.store.permissions.effective(subject.user.id, api.identifier, subject.organization?.id ?? null)) : NO_PERMISSIONS
  const changes = subject.tokenChanges ?? null
  const requested = subject.responseScope ?? subject.scope
  // Actions' scope changes come after RBAC's, as Auth0 applies them ("they override the scopes set by RBAC").
  // The Management API's scope is the administrator's permissions alone: no action widens it.
  const rbacScope = api?.isSystem ? managementApiScope(ctx.client, api, requested, permissions) : authorizedScope(requested, api, permissions)
  const scope = changes && !api?.isSystem ? scopeAfterActions(rbacScope, changes, new Set(api?.scopes.map((s) => s.value) ?? [])) : rbacScope
  const dpopJkt = ctx.dpop?.jkt
  const accessToken = mintAccessToken(tokenCtx, {
    subject: subject.user.id,
    clientId: ctx.client.clientId,
    audience: subject.audience,
    scope,
    lifetimeSeconds: lifetime,
    authTime: subject.authTime,
    dpopJkt,
    organization: subject.organization ?? null,
    grantId: subject.grantId,
    permissions: permissionsClaim(api, permissions),
    customClaims: changes?.accessTokenClaims,
  })
  const idToken = scope.includes('openid')
    ? mintIdToken({ ...tokenCtx, signingKey: idKey }, {
        user: subject.user,
        clientId: ctx.client.clientId,
        scope,
        authTime: subject.authTime,
        nonce: subject.nonce,
        sid: subject.sid,
        organization: subject.organization ?? null,
        amr: subject.amr,
        acr: subject.acr,
        customClaims: changes?.idTokenClaims,
      })
    : undefined
  const refreshToken =
    !subject.keepsRefreshToken && subject.scope.includes('offline_access') && allowsOfflineAccess(ctx.client, api)
      ? issueRefreshToken(ctx, subject, now)
      : undefined
  const [access, id, refresh] = await Promise.all([accessToken, idToken, refreshToken])
  return {
    response: {
      access_token: access,
      token_type: dpopJkt !== undefined ? 'DPoP' : 'Bearer',
      expires_in: lifetime,
      scope: formatScope(scope),
      ...(id !== undefined ? { id_token: id } : {}),
      ...(refresh !== undefined ? { refresh_token: refresh } : {}),
    },
    userId: subject.user.id,
    audience: subject.audience,
    grantId: subject.grantId,
  }
}

async function issueRefreshToken(ctx: GrantContext, subject: GrantSubject, now: number): Promise<string> {
  const policy = ctx.client.refreshToken
  const token = randomToken()
  // A grant keeps the absolute expiry its login set; one that had none (its app's tokens did not
  // expire then) takes the app's absolute lifetime from now on, if it has one today.
  const continued = subject.continues?.expiresAt
  const grantExpiresAt = continued !== undefined && continued !== NEVER_EXPIRES ? continued : grantExpiry(policy, now)
  // RFC 9449 §5: a public client's refresh token issued with a proof is bound to the proof's key;
  // the grant's later tokens stay bound. A confidential client's is already bound to its authentication.
  const refreshJkt = subject.continues?.dpopJkt ?? (ctx.client.tokenEndpointAuthMethod === 'none' ? ctx.dpop?.jkt : undefined)
  const record: RefreshTokenRecord = {
    tokenHash: sha256(token),
    grantId: subject.grantId,
    clientId: ctx.client.clientId,
    userId: subject.user.id,
    scope: subject.scope,
    audience: subject.audience,
    authTime: subject.authTime,
    sid: subject.sid,
    organization: subject.organization?.id ?? null,
    createdAt: now,
    expiresAt: idleExpiry(policy, now, grantExpiresAt),
    grantExpiresAt,
    rotatedAt: null,
    revokedAt: null,
    ...(refreshJkt !== undefined ? { dpopJkt: refreshJkt } : {}),
    ...(subject.amr && subject.amr.length > 0 ? { amr: [...subject.amr] } : {}),
    ...(subject.acr ? { acr: subject.acr } : {}),
  }
  // When a replay of the same code or token raced this request, the store saves the new token
  // already revoked. The answer still goes out: this request won the atomic consume or rotate (it
  // is the one success), and the replay's consequence is that what it received no longer works.
  await ctx.store.refreshTokens.insert(record)
  return token
}
