/**
 * Access tokens: the stored one while it has more than `leewaySeconds` left, otherwise a refresh
 * through rotation. One refresh per audience at a time: callers in this runtime share the refresh in
 * flight, and other tabs wait on a Web Lock (`navigator.locks`) and then find the fresh token in the
 * shared storage instead of spending the same refresh token again.
 */
import * as oauth from 'oauth4webapi'
import type { Context } from './context.js'
import { dpopOption, withNonceRetry } from './dpop.js'
import { LoginRequiredError, ResponseValidationError } from './errors.js'
import { translate } from './protocol.js'
import { tokenSetFrom, type Claims, type TokenSet } from './session-store.js'
import type { Storage } from './storage.js'

export interface GetAccessTokenOptions {
  /** Default: the client's `audience`. */
  readonly audience?: string
  /** Refresh even if the stored token still looks valid (it is shared with any refresh in flight). */
  readonly forceRefresh?: boolean
  /** Resolve to `AccessTokenDetails` (the token with its expiry and scope) instead of the token alone, as Auth0's `detailedResponse`. */
  readonly detailedResponse?: boolean
}

/** What `getAccessToken({ detailedResponse: true })` resolves to; never the refresh token. */
export interface AccessTokenDetails {
  readonly accessToken: string
  readonly tokenType: string
  /** Epoch ms, or null when the server gave no `expires_in`. */
  readonly expiresAt: number | null
  readonly scope?: string
}

export function detailsOf(tokens: TokenSet): AccessTokenDetails {
  const { accessToken, tokenType, expiresAt, scope } = tokens
  return { accessToken, tokenType, expiresAt, ...(scope !== undefined ? { scope } : {}) }
}

/**
 * Refreshes in flight, per storage: clients of one runtime that share a storage (and so a refresh
 * token) share its refresh too, even without Web Locks (Node, workers).
 */
const inflightByStorage = new WeakMap<Storage, Map<string, Promise<TokenSet>>>()

export class TokenManager {
  readonly #ctx: Context
  readonly #inflight: Map<string, Promise<TokenSet>>

  constructor(ctx: Context) {
    this.#ctx = ctx
    let inflight = inflightByStorage.get(ctx.config.storage)
    if (!inflight) {
      inflight = new Map()
      inflightByStorage.set(ctx.config.storage, inflight)
    }
    this.#inflight = inflight
  }

  #fresh(tokens: TokenSet): boolean {
    const { clock, leewaySeconds } = this.#ctx.config
    return tokens.expiresAt === null || tokens.expiresAt - leewaySeconds * 1000 > clock.now()
  }

  async accessToken(options: GetAccessTokenOptions = {}): Promise<string> {
    return (await this.tokenSet(options)).accessToken
  }

  /** The valid token set of the audience: the stored one, or a refreshed one. */
  async tokenSet(options: GetAccessTokenOptions = {}): Promise<TokenSet> {
    const audience = options.audience ?? this.#ctx.config.audience
    if (!options.forceRefresh) {
      const tokens = await this.#ctx.store.tokens(audience)
      if (tokens && this.#fresh(tokens)) return tokens
    }
    return this.refresh(audience, options.forceRefresh ? { stale: await this.#current(audience) } : {})
  }

  async #current(audience: string | undefined): Promise<string | undefined> {
    return (await this.#ctx.store.tokens(audience))?.accessToken
  }

  /**
   * Refreshes the token set of `audience`, or joins the refresh in flight. `stale` is an access
   * token known to be rejected: a stored token other than it (refreshed meanwhile) is used as is.
   */
  refresh(audience: string | undefined, options: { stale?: string | undefined } = {}): Promise<TokenSet> {
    const name = `${this.#ctx.config.keyPrefix}refresh:${audience ?? ''}`
    const inflight = this.#inflight.get(name)
    // A refresh in flight may have found the stored token still valid: if that is the rejected one, refresh again.
    if (inflight) return inflight.then((set) => (options.stale !== undefined && set.accessToken === options.stale ? this.refresh(audience, options) : set))
    const locks = this.#ctx.config.locks
    const run = () => this.#refresh(audience, options.stale)
    const promise = (locks ? locks.request(name, run) : run()).finally(() => this.#inflight.delete(name))
    this.#inflight.set(name, promise)
    return promise
  }

  async #refresh(audience: string | undefined, stale: string | undefined): Promise<TokenSet> {
    const { config, protocol, store } = this.#ctx
    const tokens = await store.tokens(audience)
    if (!tokens) throw new LoginRequiredError('login_required', `no session for audience ${audience ?? '(default)'}`)
    if (stale === undefined ? this.#fresh(tokens) : tokens.accessToken !== stale) return tokens
    if (tokens.refreshToken === undefined) {
      throw new LoginRequiredError('login_required', 'the access token expired and there is no refresh token (request offline_access)')
    }
    const as = await protocol.server()
    const client = protocol.client()
    let response: oauth.TokenEndpointResponse
    try {
      const http = { ...protocol.http(), ...(await dpopOption(config.dpop)) }
      const refreshToken = tokens.refreshToken
      response = await withNonceRetry(async () =>
        oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, http)),
      )
    } catch (err) {
      if (err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant') {
        await store.clearSession(await store.session())
        throw new LoginRequiredError(err.error, err.error_description, { cause: err })
      }
      throw translate(err)
    }
    const session = await store.session()
    const claims = oauth.getValidatedIdTokenClaims(response) as Claims | undefined
    // OpenID Connect Core §12.2: a refreshed ID token is about the same user.
    if (claims && session && claims.sub !== session.claims.sub) {
      await store.clearSession(session)
      throw new ResponseValidationError('the refreshed ID token has a different sub', { reason: 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' })
    }
    const next = tokenSetFrom(response, config.clock.now(), tokens)
    await store.saveTokens(audience, next)
    if (claims && session && response.id_token !== undefined) await store.saveSession({ ...session, idToken: response.id_token, claims })
    return next
  }
}
