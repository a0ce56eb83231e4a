/**
 * `createClient`: one app (client id, redirect URI) at one issuer, with its storage. Every method
 * is a thin call into the module that does the work.
 */
import * as oauth from 'oauth4webapi'
import { buildAuthorizeUrl, type AuthorizeOptions } from './authorize.js'
import { handleCallback, type CallbackResult } from './callback.js'
import { userFromClaims, type User } from './claims.js'
import { normalizeOptions, type ClientOptions } from './config.js'
import type { Context } from './context.js'
import { dpopOption, withNonceRetry } from './dpop.js'
import { LoginRequiredError } from './errors.js'
import { fetchWithAuth, type FetchWithAuthOptions } from './fetch-with-auth.js'
import { logout, type LogoutOptions } from './logout.js'
import { Protocol, translate } from './protocol.js'
import { SessionStore, type TokenSet } from './session-store.js'
import { detailsOf, TokenManager, type AccessTokenDetails, type GetAccessTokenOptions } from './tokens.js'

export interface LatchkeyClient {
  /** The authorization URL to send the user to; keeps state, nonce and PKCE verifier in the storage. */
  buildAuthorizeUrl(options?: AuthorizeOptions): Promise<string>
  /** Completes a login from the URL the server redirected to. */
  handleCallback(url: string | URL): Promise<CallbackResult>
  /** A valid access token for the audience, refreshed (once, whoever asks) when needed. */
  getAccessToken(options?: GetAccessTokenOptions & { readonly detailedResponse?: false }): Promise<string>
  /** The same, with its expiry and scope. */
  getAccessToken(options: GetAccessTokenOptions & { readonly detailedResponse: true }): Promise<AccessTokenDetails>
  /** `fetch` with `Authorization: Bearer`, refreshing and retrying once on a 401 `invalid_token`. */
  fetchWithAuth(input: string | URL | Request, init?: RequestInit, options?: FetchWithAuthOptions): Promise<Response>
  /** The ID token's claims without the protocol ones, or null when nobody is logged in. */
  getUser(): Promise<User | null>
  /** True when a user is logged in with an access token that is valid or refreshable. */
  isAuthenticated(): Promise<boolean>
  /** The OpenID Connect UserInfo response for the logged-in user (its `sub` must match the ID token's). */
  fetchUserInfo(options?: FetchWithAuthOptions): Promise<User>
  /** Forgets the user, revokes the refresh tokens (best effort) and returns the server's logout URL. */
  logout(options?: LogoutOptions): Promise<string>
}

export function createClient(options: ClientOptions): LatchkeyClient {
  const config = normalizeOptions(options)
  const ctx: Context = { config, protocol: new Protocol(config), store: new SessionStore(config) }
  const tokens = new TokenManager(ctx)
  const getAccessToken = async (o?: GetAccessTokenOptions) => (o?.detailedResponse ? detailsOf(await tokens.tokenSet(o)) : tokens.accessToken(o))

  return {
    buildAuthorizeUrl: (o) => buildAuthorizeUrl(ctx, o),
    handleCallback: (url) => handleCallback(ctx, url),
    getAccessToken: getAccessToken as LatchkeyClient['getAccessToken'],
    fetchWithAuth: (input, init, o) => fetchWithAuth(ctx, tokens, input, init, o),
    async getUser() {
      const session = await ctx.store.session()
      return session ? userFromClaims(session.claims) : null
    },
    async isAuthenticated() {
      const session = await ctx.store.session()
      if (!session) return false
      const now = config.clock.now()
      const usable = ({ tokens: t }: { tokens: TokenSet }) => t.refreshToken !== undefined || t.expiresAt === null || t.expiresAt - config.leewaySeconds * 1000 > now
      return (await ctx.store.allTokens(session)).some(usable)
    },
    async fetchUserInfo(o = {}) {
      const session = await ctx.store.session()
      if (!session) throw new LoginRequiredError('login_required', 'nobody is logged in')
      const { accessToken, tokenType } = await tokens.tokenSet({ audience: o.audience ?? config.audience })
      const as = await ctx.protocol.server()
      const client = ctx.protocol.client()
      try {
        const http = { ...ctx.protocol.http(), ...(await dpopOption(config.dpop, tokenType)) }
        return (await withNonceRetry(async () =>
          oauth.processUserInfoResponse(as, client, session.claims.sub, await oauth.userInfoRequest(as, client, accessToken, http)),
        )) as User
      } catch (err) {
        throw translate(err)
      }
    },
    logout: (o) => logout(ctx, o),
  }
}
