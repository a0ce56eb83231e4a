/**
 * Access tokens: JWTs in the RFC 9068 profile (`typ: at+jwt`), signed with the API's algorithm
 * (RS256 by default). The audience is the API identifier, plus the issuer's userinfo URL when
 * `openid` was granted (as Auth0 does); without an API the token is good at /userinfo only. A DPoP-bound token carries `cnf.jkt` (RFC 9449 §6.1).
 * A client_credentials token has no user: its `sub` is `<client_id>@clients`, it has no `auth_time`,
 * and it says how it was obtained in `gty`, as Auth0's do. A token issued to a user carries the id
 * of the grant it came from (one authorization code and the refresh-token family it started) as
 * `grant_id`, a random identifier and nothing more: /userinfo refuses the token once that grant is
 * revoked (a replayed code, a reused or revoked refresh token; routes/userinfo.ts).
 */
import { SignJWT } from 'jose'
import { randomId } from '../opaque.js'
import { formatScope } from '../scope.js'
import { toSeconds } from '../clock.js'
import type { OrganizationRecord } from '../records.js'
import { organizationClaims } from './id-token.js'
import type { TokenContext } from './signer.js'

export const USERINFO_ONLY_LIFETIME_SECONDS = 86_400

export interface AccessTokenInput {
  readonly subject: string
  readonly clientId: string
  /** API identifier, or null for a userinfo-only token. */
  readonly audience: string | null
  readonly scope: readonly string[]
  readonly lifetimeSeconds: number
  /** The user's authentication (epoch ms); null when no user authenticated (client_credentials). */
  readonly authTime: number | null
  /** Auth0's `gty` claim, on grants without a user: `client-credentials`. */
  readonly grantType?: 'client-credentials'
  /** RFC 9449 §6.1: the thumbprint of the DPoP key the token is bound to, as `cnf.jkt`. */
  readonly dpopJkt?: string | null
  /** The organization the user logged in to: `org_id` and `org_name`, as in Auth0's access tokens. */
  readonly organization?: OrganizationRecord | null
  /** The grant (its refresh-token family) the token was issued from, as `grant_id`; none for client_credentials. */
  readonly grantId?: string | null
  /** Auth0's `permissions` claim, for an API whose token dialect asks for it (authorization/rbac.ts). */
  readonly permissions?: readonly string[] | undefined
  /** Actions' custom claims: never over a claim the server sets (those are written after them). */
  readonly customClaims?: Readonly<Record<string, unknown>> | undefined
}

export function userinfoAudience(issuer: string): string {
  return `${issuer}userinfo`
}

export function accessTokenAudience(issuer: string, audience: string | null, scope: readonly string[]): string[] {
  const audiences = audience === null ? [] : [audience]
  if (audience === null || scope.includes('openid')) audiences.push(userinfoAudience(issuer))
  return audiences
}

export async function mintAccessToken(ctx: TokenContext, input: AccessTokenInput): Promise<string> {
  const iat = toSeconds(ctx.now)
  const aud = accessTokenAudience(ctx.issuer, input.audience, input.scope)
  return new SignJWT({
    ...input.customClaims,
    azp: input.clientId,
    client_id: input.clientId,
    scope: formatScope(input.scope),
    ...(input.authTime !== null ? { auth_time: toSeconds(input.authTime) } : {}),
    ...(input.grantType !== undefined ? { gty: input.grantType } : {}),
    ...(input.dpopJkt ? { cnf: { jkt: input.dpopJkt } } : {}),
    ...organizationClaims(input.organization),
    ...(input.grantId ? { grant_id: input.grantId } : {}),
    ...(input.permissions !== undefined ? { permissions: [...input.permissions] } : {}),
  })
    .setProtectedHeader({ alg: ctx.signingKey.alg, typ: 'at+jwt', kid: ctx.signingKey.kid })
    .setIssuer(ctx.issuer)
    .setSubject(input.subject)
    .setAudience(aud.length === 1 ? (aud[0] as string) : aud)
    .setIssuedAt(iat)
    .setExpirationTime(iat + input.lifetimeSeconds)
    .setJti(randomId())
    .sign(ctx.signingKey.key)
}
