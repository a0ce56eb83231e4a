/**
 * Federated logout (Auth0's `federated` parameter at /v2/logout and /oidc/logout): after Latchkey's
 * own session ends, a session that began with a login through an `oidc` connection whose provider
 * publishes an `end_session_endpoint` is ended there too (OpenID Connect RP-Initiated Logout 1.0,
 * Latchkey as the relying party):
 *
 *   browser → {end_session_endpoint}?client_id&id_token_hint&post_logout_redirect_uri={issuer}logout/callback&state
 *           → the provider logs out (it may ask) → {issuer}logout/callback?state → the app's returnTo
 *
 * `{issuer}logout/callback` is the one post-logout URL an administrator registers at the provider,
 * as `{issuer}login/callback` is for login. Where to go from there (the app's returnTo, already checked
 * against its allowed logout URLs, and the app's own `state`) travels in `state`, sealed with the
 * key-encryption key and valid for a limited time, so the callback redirects only where a checked
 * logout asked to and nothing in the URL can be changed. Logging out never fails because of the
 * provider: a provider that is down, a connection since deleted or a strategy without logout leaves
 * the normal logout (the returnTo, or the logged-out page).
 */
import type { SsoSessionRecord } from '@latchkey/core'
import type { Context } from 'hono'
import type { Deps } from '../deps.js'
import { pageResponse } from '../http/page-headers.js'
import { KeyEncryptionError } from '../keys/key-encryption.js'
import { errorPage, messagePage } from '../views/message.js'
import { UpstreamError } from './strategies/index.js'

/** How long the provider may take (its own confirmation page included) before the way back expires. */
const RETURN_SECONDS = 15 * 60
const PURPOSE = 'federated-logout-return'

/** Where a logout goes once every session has ended: the app's checked returnTo (with its state), or Latchkey's page. */
export interface LogoutReturn {
  readonly returnTo: string | null
  readonly state: string | null
}

interface SealedReturn {
  /** What this sealed value is for: nothing else sealed with the same key is taken for it. */
  readonly purpose: typeof PURPOSE
  readonly returnTo: string | null
  readonly state: string | null
  readonly expiresAt: number
}

export function logoutCallbackUrl(deps: Deps): string {
  return `${deps.config.issuer}logout/callback`
}

/**
 * The provider's logout URL for the session's upstream login, or null when there is nothing to end
 * there (not an upstream login, a connection since deleted, a strategy or provider without
 * end_session_endpoint, or the provider unreachable — logged, never an error of the logout).
 */
export async function federatedLogoutUrl(deps: Deps, session: SsoSessionRecord, back: LogoutReturn): Promise<string | null> {
  if (session.upstream === null) return null
  const connection = await deps.store.connections.get(session.upstream.connectionId)
  const strategy = connection ? deps.strategies.get(connection.strategy) : null
  if (!connection || !strategy?.endSessionUrl) return null
  const sealed: SealedReturn = { purpose: PURPOSE, returnTo: back.returnTo, state: back.state, expiresAt: deps.clock.now() + RETURN_SECONDS * 1000 }
  try {
    return await strategy.endSessionUrl(
      // Ending a session needs no client secret: only the registration's client_id travels.
      { name: connection.name, strategy: connection.strategy, options: connection.options, clientSecret: null },
      {
        postLogoutRedirectUri: logoutCallbackUrl(deps),
        state: await deps.keys.encryption.encrypt(JSON.stringify(sealed)),
        idTokenHint: await openedIdToken(deps, session.upstream.sealedIdToken),
      },
    )
  } catch (err) {
    if (!(err instanceof UpstreamError)) throw err
    deps.log.warn({ connection: connection.name, reason: err.code }, 'federated logout skipped: the provider could not be reached')
    return null
  }
}

/** The upstream ID token as the hint; without it (none kept, or sealed by a key-encryption key since retired) the provider is asked without one. */
async function openedIdToken(deps: Deps, sealed: string | null): Promise<string | null> {
  if (sealed === null) return null
  try {
    return await deps.keys.encryption.openText(sealed)
  } catch (err) {
    if (!(err instanceof KeyEncryptionError)) throw err
    return null
  }
}

/** `GET {issuer}logout/callback`: back from the provider's logout, on to where the logout was asked to go. */
export async function finishFederatedLogout(c: Context, deps: Deps): Promise<Response> {
  const states = new URL(c.req.url).searchParams.getAll('state')
  const back = states.length === 1 && states[0] && states[0].length <= 4096 ? await openReturn(deps, states[0]) : null
  // Latchkey's session already ended before the trip to the provider; only the way on is in question.
  if (back === null) return pageResponse(c, errorPage('invalid_request', 'You are logged out, but this return from the identity provider could not be verified, so it leads nowhere. Go back to the application.'), 400)
  if (back.returnTo === null) return pageResponse(c, messagePage('Logged out', 'You are now logged out, here and at your identity provider.'))
  const url = new URL(back.returnTo)
  if (back.state !== null) url.searchParams.set('state', back.state)
  return c.redirect(url.toString(), 302)
}

async function openReturn(deps: Deps, state: string): Promise<LogoutReturn | null> {
  let value: unknown
  try {
    value = JSON.parse(await deps.keys.encryption.openText(state))
  } catch {
    return null
  }
  const v = value as Partial<SealedReturn> | null
  if (typeof v !== 'object' || v === null || v.purpose !== PURPOSE || typeof v.expiresAt !== 'number' || v.expiresAt <= deps.clock.now()) return null
  if ((v.returnTo !== null && typeof v.returnTo !== 'string') || (v.state !== null && typeof v.state !== 'string')) return null
  return { returnTo: v.returnTo ?? null, state: v.state ?? null }
}
