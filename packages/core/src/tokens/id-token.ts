/**
 * ID tokens (OpenID Connect Core §2): signed with the app's algorithm (RS256 by default), audience
 * the client, `azp` the client, `nonce` on code grants only, `auth_time`, `sid`, `amr` and `acr` of the login,
 * profile and email claims by scope (§5.4), and `org_id` / `org_name` after a login to an
 * organization (Auth0's claims; spa-js checks them).
 */
import { SignJWT } from 'jose'
import { toSeconds } from '../clock.js'
import type { OrganizationRecord, UserRecord } from '../records.js'
import type { TokenContext } from './signer.js'

export const ID_TOKEN_LIFETIME_SECONDS = 36_000

export interface IdTokenInput {
  readonly user: UserRecord
  readonly clientId: string
  readonly scope: readonly string[]
  readonly authTime: number
  readonly nonce: string | null
  readonly sid: string | null
  /** The organization the user logged in to. */
  readonly organization?: OrganizationRecord | null
  /** RFC 8176 authentication method references, and the `acr` satisfied (OpenID Connect Core §2). */
  readonly amr?: readonly string[]
  readonly acr?: string
  /** Actions' custom claims: never over a claim the server sets (those are written after them). */
  readonly customClaims?: Readonly<Record<string, unknown>> | undefined
}

/** Auth0's organization claims: the id, and the name lower-cased (names are stored lower-case). */
export function organizationClaims(org: Pick<OrganizationRecord, 'id' | 'name'> | null | undefined): { org_id?: string; org_name?: string } {
  return org ? { org_id: org.id, org_name: org.name.toLowerCase() } : {}
}

/** The claims a user's profile contributes, by granted scope (OIDC Core §5.4). */
export function profileClaims(user: UserRecord, scope: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {}
  if (scope.includes('profile')) {
    // A user of an upstream connection may have no email (''): no claim is made up from it.
    if (user.name ?? user.email) claims.name = user.name ?? user.email
    if (user.nickname ?? user.email) claims.nickname = user.nickname ?? user.email.split('@')[0]
    if (user.givenName) claims.given_name = user.givenName
    if (user.familyName) claims.family_name = user.familyName
    if (user.picture) claims.picture = user.picture
    claims.updated_at = new Date(user.updatedAt).toISOString()
  }
  if (scope.includes('email') && user.email !== '') {
    claims.email = user.email
    claims.email_verified = user.emailVerified
  }
  return claims
}

export async function mintIdToken(ctx: TokenContext, input: IdTokenInput): Promise<string> {
  const iat = toSeconds(ctx.now)
  return new SignJWT({
    ...input.customClaims,
    ...profileClaims(input.user, input.scope),
    azp: input.clientId,
    auth_time: toSeconds(input.authTime),
    ...(input.nonce !== null ? { nonce: input.nonce } : {}),
    ...(input.sid !== null ? { sid: input.sid } : {}),
    ...(input.amr && input.amr.length > 0 ? { amr: [...input.amr] } : {}),
    ...(input.acr ? { acr: input.acr } : {}),
    ...organizationClaims(input.organization),
  })
    .setProtectedHeader({ alg: ctx.signingKey.alg, typ: 'JWT', kid: ctx.signingKey.kid })
    .setIssuer(ctx.issuer)
    .setSubject(input.user.id)
    .setAudience(input.clientId)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ID_TOKEN_LIFETIME_SECONDS)
    .sign(ctx.signingKey.key)
}
