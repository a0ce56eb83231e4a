/**
 * The SSO session: an opaque random cookie (HttpOnly, SameSite=Lax, Secure and `__Host-` on https)
 * whose SHA-256 names a server-side session record. Nothing about the user lives in the cookie.
 */
import { randomId, randomToken, type SessionDevice, type SessionUpstream, sha256, type SsoSessionRecord, type UserRecord } from '@latchkey/core'
import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { Deps } from '../deps.js'
import { clientIp } from './client-ip.js'

export interface ActiveSession {
  readonly record: SsoSessionRecord
  readonly user: UserRecord
}

const cookieName = (deps: Deps, base: string) => (deps.config.secureCookies ? `__Host-${base}` : base)

export const sessionCookie = (deps: Deps) => cookieName(deps, 'latchkey_session')
/** Binds login transactions to the browser that started them (anti-CSRF, see interaction/csrf). */
export const browserCookie = (deps: Deps) => cookieName(deps, 'latchkey_browser')

function cookieOptions(deps: Deps, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    secure: deps.config.secureCookies,
    sameSite: 'Lax' as const,
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  }
}

/** The browser's active session and its (unblocked or blocked) user, or null. */
export async function readSession(c: Context, deps: Deps): Promise<ActiveSession | null> {
  const value = getCookie(c, sessionCookie(deps))
  if (!value || value.length > 256) return null
  const now = deps.clock.now()
  const found = await deps.store.sessions.findActiveWithUser(sha256(value), now)
  if (!found?.user) return null
  const { session: record, user } = found
  const idleExpiresAt = Math.min(now + deps.config.session.idleSeconds * 1000, record.expiresAt)
  if (idleExpiresAt - record.idleExpiresAt > 60_000) await deps.store.sessions.touch(record.idHash, idleExpiresAt, now)
  return { record, user }
}

/** The browser starting a session, as the Management API shows it (Auth0's `initial_user_agent`, `initial_ip`). */
function deviceOf(c: Context, deps: Deps): SessionDevice {
  const ip = clientIp(c, deps.config.trustProxy)
  return { userAgent: c.req.header('user-agent')?.slice(0, 512) ?? null, ip: ip === 'unknown' ? null : ip }
}

/** Starts a session after a successful login, ending the browser's previous one; `upstream` when the login went through a connection; `amr`: how the user authenticated (RFC 8176). */
export async function startSession(c: Context, deps: Deps, user: UserRecord, upstream: SessionUpstream | null = null, amr: readonly string[] = ['pwd']): Promise<SsoSessionRecord> {
  const now = deps.clock.now()
  const previous = getCookie(c, sessionCookie(deps))
  if (previous && previous.length <= 256) await deps.store.sessions.end(sha256(previous), now)
  const value = randomToken()
  const record: SsoSessionRecord = {
    idHash: sha256(value),
    sid: randomId(),
    userId: user.id,
    authTime: now,
    createdAt: now,
    idleExpiresAt: now + deps.config.session.idleSeconds * 1000,
    expiresAt: now + deps.config.session.absoluteSeconds * 1000,
    endedAt: null,
    upstream,
    amr: [...amr],
    device: deviceOf(c, deps),
  }
  await deps.store.sessions.insert(record)
  setCookie(c, sessionCookie(deps), value, cookieOptions(deps, deps.config.session.absoluteSeconds))
  return record
}

export async function endSession(c: Context, deps: Deps): Promise<void> {
  const value = getCookie(c, sessionCookie(deps))
  if (value && value.length <= 256) await deps.store.sessions.end(sha256(value), deps.clock.now())
  deleteCookie(c, sessionCookie(deps), cookieOptions(deps))
}

/** The browser-binding value, created on first use (a session cookie: it ends with the browser). */
export function browserBinding(c: Context, deps: Deps, create: boolean): string | null {
  const existing = getCookie(c, browserCookie(deps))
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing
  if (!create) return null
  const value = randomToken()
  setCookie(c, browserCookie(deps), value, cookieOptions(deps))
  return value
}
