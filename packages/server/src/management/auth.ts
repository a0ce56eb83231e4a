/**
 * Who may call the Management API: a Bearer access token (RFC 6750 §2.1, header only) that Latchkey
 * itself issued (RFC 9068 JWT, `typ: at+jwt`, RS256, the exact issuer) for the audience
 * `{issuer}api/v2/`, verified in-process against the keys this server publishes: either an
 * application's own (client_credentials), or an administrator's issued to the admin console's app
 * (its scope the administrator's permissions: core's authorization/management-api.ts). Any other
 * user token, a token bound to a DPoP key, of an application that no longer exists, or of a user who
 * no longer exists or is blocked is refused. Each route then names the scopes that allow it.
 */
import { ADMIN_CONSOLE_CLIENT_ID } from '@latchkey/core'
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { managementAudience } from './audience.js'
import { ManagementError } from './errors.js'
import type { Caller } from './route.js'

const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i

function unauthorized(message: string, realm: string, error?: string): ManagementError {
  const challenge = error ? `Bearer realm="${realm}", error="${error}"` : `Bearer realm="${realm}"`
  return new ManagementError(401, 'invalid_token', message, { 'WWW-Authenticate': challenge })
}

function verificationMessage(err: unknown, audience: string): string {
  if (err instanceof joseErrors.JWTExpired) return 'Expired token received for JSON Web Token validation'
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'aud') return `Bad audience: the token is not for the Management API (${audience})`
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'iss') return 'Bad issuer: the token was not issued by this server'
  return 'Invalid token'
}

async function verify(deps: Deps, token: string): Promise<JWTPayload> {
  const issuer = deps.config.issuer
  const audience = managementAudience(issuer)
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(await deps.keys.jwks()), {
      issuer,
      audience,
      typ: 'at+jwt',
      algorithms: ['RS256'],
      currentDate: new Date(deps.clock.now()),
      clockTolerance: 5,
      requiredClaims: ['exp', 'iat', 'sub', 'client_id'],
    })
    return payload
  } catch (err) {
    throw unauthorized(verificationMessage(err, audience), issuer, 'invalid_token')
  }
}

/** The caller of this request, or a 401 in Auth0's shape with an RFC 6750 challenge. */
export async function authenticate(c: Context, deps: Deps): Promise<Caller> {
  const realm = deps.config.issuer
  const authorization = c.req.header('authorization')
  if (!authorization) throw unauthorized('Missing authentication', realm)
  const match = BEARER.exec(authorization.trim())
  if (!match?.[1]) throw unauthorized('Bad HTTP authentication header format: expected "Bearer <access token>"', realm, 'invalid_request')
  const payload = await verify(deps, match[1])
  const clientId = payload.client_id
  // An application's own token (client_credentials: `sub` is `<client_id>@clients`), or an administrator's through the console.
  const ownToken = typeof clientId === 'string' && payload.sub === `${clientId}@clients` && payload.gty === 'client-credentials'
  const adminToken = clientId === ADMIN_CONSOLE_CLIENT_ID && deps.config.adminConsole.enabled && payload.gty === undefined
  if (typeof clientId !== 'string' || (!ownToken && !adminToken))
    throw unauthorized('Invalid token: the Management API accepts tokens from the client_credentials grant only (and administrators’ from the admin console)', realm, 'invalid_token')
  if (payload.cnf !== undefined) throw unauthorized('Invalid token: DPoP-bound tokens are not accepted by the Management API', realm, 'invalid_token')
  const app = await deps.store.applications.get(clientId)
  if (!app) throw unauthorized('Invalid token: the application it was issued to no longer exists', realm, 'invalid_token')
  const scopes = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ').filter((s) => s !== '') : [])
  if (ownToken) return { clientId, scopes }
  // As /userinfo: the user still exists and is not blocked, and the grant was not revoked (logout, reuse).
  const grantId = payload.grant_id
  if (typeof grantId !== 'string') throw unauthorized('Invalid token', realm, 'invalid_token')
  const userId = payload.sub as string
  const found = await deps.store.users.getWithGrant(userId, grantId)
  if (!found || found.user.blocked || found.grantRevoked) throw unauthorized('Invalid token: revoked, or its administrator no longer exists or is blocked', realm, 'invalid_token')
  return { clientId, scopes, userId }
}

/** 403 unless the caller holds one of `scopes`. */
export function requireScope(caller: Caller, scopes: readonly string[]): void {
  if (scopes.some((s) => caller.scopes.has(s))) return
  throw new ManagementError(403, 'insufficient_scope', `Insufficient scope, expected any of: ${scopes.join(',')}`)
}
