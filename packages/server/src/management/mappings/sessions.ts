/**
 * Auth0's sessions and refresh tokens ↔ Latchkey's SSO sessions and refresh-token grants. Both are
 * named by public ids only: a session by its `sid` (the ID token's claim), a refresh token by its
 * grant's id (the access tokens' `grant_id`; one id for a rotating token and every successor).
 * Never a cookie, a token or a hash of either. Dates are ISO strings; a lifetime that never ends is
 * `null`, as Auth0 writes it.
 */
import { type ApplicationRecord, NEVER_EXPIRES, type SsoSessionRecord, userinfoAudience } from '@latchkey/core'
import type { LiveRefreshGrant, SessionWithClients } from '@latchkey/storage'
import { z } from 'zod'

const iso = (ms: number) => new Date(ms).toISOString()
const isoOrNull = (ms: number) => (ms >= NEVER_EXPIRES ? null : iso(ms))

const date = z.string().describe('ISO 8601 date and time.')

export const sessionSchema = z
  .object({
    id: z.string().describe("The session's id: the `sid` of the ID tokens issued in it."),
    user_id: z.string(),
    created_at: date,
    updated_at: date,
    authenticated_at: date.describe('When the user last authenticated in it (a login, or a second factor passed).'),
    idle_expires_at: date.describe('When it ends unless the browser comes back.'),
    expires_at: date.describe('When it ends at the latest.'),
    last_interacted_at: date.describe('When the browser last came back to it (to the minute).'),
    device: z
      .object({ initial_user_agent: z.string().optional(), initial_ip: z.string().optional() })
      .optional()
      .describe('The browser that logged in (absent for sessions from before Latchkey kept it).'),
    clients: z.array(z.object({ client_id: z.string() })).describe('The applications that got a code or a refresh token from it.'),
    authentication: z.object({ methods: z.array(z.object({ name: z.string(), timestamp: date })) }).describe('How the user authenticated (RFC 8176 amr values).'),
  })
  .describe("A user's login session at Latchkey (the SSO session its cookie names).")

export const refreshTokenSchema = z
  .object({
    id: z.string().describe("The refresh token's id (its grant's, kept across rotations)."),
    user_id: z.string(),
    created_at: date.describe('When the first token of the grant was issued (the login).'),
    idle_expires_at: date.nullable().describe('When it expires unless used; null: no idle lifetime.'),
    expires_at: date.nullable().describe('When it expires at the latest; null: never.'),
    client_id: z.string(),
    session_id: z.string().nullable().describe('The session of the login it came from.'),
    rotating: z.boolean().describe("Whether each use returns a new token (the application's rotation type)."),
    resource_servers: z.array(z.object({ audience: z.string(), scopes: z.string() })).describe('The API it is for and its scopes (space-separated).'),
    last_exchanged_at: date.optional().describe('When it was last exchanged, for a rotating token that has been (absent otherwise).'),
  })
  .describe("A user's live refresh token.")

export function presentSession({ session, clientIds }: SessionWithClients): z.output<typeof sessionSchema> {
  const lastInteraction = Math.max(session.createdAt, session.authTime, session.lastInteractedAt ?? 0)
  const device = session.device
  return {
    id: session.sid,
    user_id: session.userId,
    created_at: iso(session.createdAt),
    updated_at: iso(lastInteraction),
    authenticated_at: iso(session.authTime),
    idle_expires_at: iso(session.idleExpiresAt),
    expires_at: iso(session.expiresAt),
    last_interacted_at: iso(lastInteraction),
    ...(device !== undefined
      ? { device: { ...(device.userAgent !== null ? { initial_user_agent: device.userAgent } : {}), ...(device.ip !== null ? { initial_ip: device.ip } : {}) } }
      : {}),
    clients: clientIds.map((clientId) => ({ client_id: clientId })),
    authentication: { methods: amrOf(session).map((name) => ({ name, timestamp: iso(session.authTime) })) },
  }
}

/** Sessions from before `amr` was kept were password logins. */
const amrOf = (session: SsoSessionRecord): readonly string[] => session.amr ?? ['pwd']

export function presentRefreshToken(grant: LiveRefreshGrant, app: ApplicationRecord | null, issuer: string): z.output<typeof refreshTokenSchema> {
  return {
    id: grant.grantId,
    user_id: grant.userId,
    created_at: iso(grant.createdAt),
    idle_expires_at: isoOrNull(grant.expiresAt),
    expires_at: isoOrNull(grant.grantExpiresAt),
    client_id: grant.clientId,
    session_id: grant.sid,
    rotating: app?.refreshToken.rotation === 'rotating',
    resource_servers: [{ audience: grant.audience ?? userinfoAudience(issuer), scopes: grant.scope.join(' ') }],
    ...(grant.lastRotatedAt !== null ? { last_exchanged_at: iso(grant.lastRotatedAt) } : {}),
  }
}
