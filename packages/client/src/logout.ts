/**
 * Logout: forget the user here, revoke the refresh tokens (RFC 7009, best effort: a failure never
 * keeps the user logged in), and build the URL of the server's logout for the caller to navigate
 * to: the discovery `end_session_endpoint` (OpenID Connect RP-Initiated Logout) with `id_token_hint`,
 * `post_logout_redirect_uri` and `client_id`, or Auth0's `/v2/logout` when discovery lists none.
 */
import * as oauth from 'oauth4webapi'
import type { Context } from './context.js'
import { InvalidArgumentError } from './errors.js'
import { translate } from './protocol.js'

export interface LogoutOptions {
  /** Where the server sends the browser after logging out; must be one of the app's allowed logout URLs. */
  readonly returnTo?: string
  /** Adds Auth0's `federated` parameter (also log out of the upstream identity provider, where there is one). */
  readonly federated?: boolean
  /**
   * Called once for each refresh token the server could not revoke (network failure or an error
   * answer), with the error. Logout still succeeds: use it to warn that the token stays valid until it expires.
   */
  readonly onRevocationError?: (error: unknown) => void
}

async function revoke(ctx: Context, as: oauth.AuthorizationServer, token: string, onError: (error: unknown) => void): Promise<void> {
  try {
    const res = await oauth.revocationRequest(as, ctx.protocol.client(), oauth.None(), token, {
      ...ctx.protocol.http(),
      additionalParameters: { token_type_hint: 'refresh_token' },
    })
    await oauth.processRevocationResponse(res)
  } catch (err) {
    // Best effort: the local session is gone either way, and the token still expires on its own.
    onError(translate(err))
  }
}

export async function logout(ctx: Context, options: LogoutOptions = {}): Promise<string> {
  const { config, protocol, store } = ctx
  if (options.returnTo !== undefined) {
    try {
      new URL(options.returnTo)
    } catch (cause) {
      throw new InvalidArgumentError('returnTo must be an absolute URL', { cause })
    }
  }
  const session = await store.session()
  const sets = await store.allTokens(session)
  await store.clearSession(session)
  // The next login binds its tokens to a new DPoP key.
  await config.dpop?.forget()

  const as = await protocol.server()
  const refreshTokens = [...new Set(sets.map((s) => s.tokens.refreshToken).filter((t): t is string => t !== undefined))]
  const onError = options.onRevocationError ?? (() => undefined)
  if (as.revocation_endpoint) await Promise.all(refreshTokens.map((token) => revoke(ctx, as, token, onError)))

  if (as.end_session_endpoint) {
    const url = new URL(as.end_session_endpoint)
    if (session) url.searchParams.set('id_token_hint', session.idToken)
    url.searchParams.set('client_id', config.clientId)
    if (options.returnTo !== undefined) url.searchParams.set('post_logout_redirect_uri', options.returnTo)
    if (options.federated) url.searchParams.set('federated', '')
    return url.href
  }
  const url = new URL('/v2/logout', config.issuer)
  url.searchParams.set('client_id', config.clientId)
  if (options.returnTo !== undefined) url.searchParams.set('returnTo', options.returnTo)
  if (options.federated) url.searchParams.set('federated', '')
  return url.href
}
