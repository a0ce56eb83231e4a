/**
 * `oidc`: any OpenID provider (Entra ID, Okta, Keycloak, Zitadel, another Latchkey…), through
 * oauth4webapi, with the ID token's signature verified by jose against the provider's JWKS.
 *
 * begin: discovery (kept 10 minutes per connection) → authorization URL with PKCE S256, state, nonce
 *   (and login_hint, prompt, max_age when asked).
 * complete: the pending is this connection's → state (constant-time) → RFC 9207 `iss` when sent or
 *   advertised → an error answer (UpstreamDenied) → the code exchange (client_secret_basic/post, or
 *   none for a public PKCE-only registration) → the ID token's claims (oauth4webapi: iss, aud, azp,
 *   exp, iat, nonce, auth_time with max_age) → its signature (jose, asymmetric algorithms the
 *   provider advertises; the JWKS kept per connection and fetched again for an unknown kid) →
 *   userinfo when the provider has an endpoint (its `sub` must be the ID token's) → the profile.
 *
 * `google-oauth2` is this strategy with Google's issuer (google-oauth2.ts).
 */
import * as jose from 'jose'
import * as oauth from 'oauth4webapi'
import { z } from 'zod'
import type { StrategyContext } from './context.js'
import { UpstreamCheckFailed, UpstreamUnavailable } from './errors.js'
import { authorizationUrl, checkCallback, checkPending, checkRedirectUri, maxAgeOf, newPending } from './flow.js'
import { classify, isLoopbackHttp, oauthOptions, upstreamUrlProblem, type OAuthRequestOptions } from './http.js'
import { clientAuthMethod, clientId, clientSecretField, parseWith, scopeList, upstreamUrl, withOpenid } from './options.js'
import { boundedRaw, cleanAmr, cleanId, cleanText, profileOf, type UpstreamProfile } from './profile.js'
import type { BeginParams, BeginResult, EndSessionParams, PendingUpstream, Strategy, UpstreamConnection, UpstreamIdentity, UpstreamStrategyName } from './types.js'

const WELL_KNOWN = '/.well-known/openid-configuration'
const DEFAULT_SCOPE = ['openid', 'profile', 'email']
/** ID token algorithms we verify: asymmetric only (never `none`, never HS* with the client secret). */
const ASYMMETRIC = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'])
/** Claims about the token rather than the user: left out of the raw profile. */
const PROTOCOL_CLAIMS = new Set(['iss', 'aud', 'azp', 'exp', 'iat', 'nbf', 'nonce', 'at_hash', 'c_hash', 's_hash', 'jti', 'sid', 'auth_time'])

export interface OidcOptions {
  /** The issuer the discovery document (and every ID token) must name. */
  readonly issuer: string
  /** Where the discovery document is read. */
  readonly discoveryUrl: string
  readonly clientId: string
  /** Space-separated, `openid` first. */
  readonly scope: string
  /** Client authentication when there is a secret; null: the provider's metadata decides (basic, else post). */
  readonly tokenEndpointAuthMethod: 'client_secret_post' | 'client_secret_basic' | null
}

/** The issuer a discovery URL belongs to: the URL without `/.well-known/openid-configuration`, or null. */
function issuerOfDiscoveryUrl(discoveryUrl: string): string | null {
  const url = new URL(discoveryUrl)
  if (!url.pathname.endsWith(WELL_KNOWN) || url.search !== '') return null
  url.pathname = url.pathname.slice(0, -WELL_KNOWN.length) || '/'
  const href = url.href
  return url.pathname === '/' ? href.slice(0, -1) : href
}

/** OpenID Connect Discovery 1.0 §4: the issuer with `/.well-known/openid-configuration` appended to its path. */
export function discoveryUrlOf(issuer: string): string {
  const url = new URL(issuer)
  url.pathname = `${url.pathname.replace(/\/$/, '')}${WELL_KNOWN}`
  return url.href
}

const oidcSchema = z
  .looseObject({
    discovery_url: upstreamUrl.optional(),
    issuer: upstreamUrl.optional(),
    client_id: clientId,
    client_secret: clientSecretField,
    scope: scopeList.optional(),
    type: z.string().optional(),
    token_endpoint_auth_method: clientAuthMethod.optional(),
  })
  .superRefine((o, ctx) => {
    if (o.type !== undefined && o.type !== 'back_channel') {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message:
          o.type === 'front_channel'
            ? 'front_channel (the implicit flow) is not supported; use back_channel (the authorization code flow with PKCE)'
            : 'must be back_channel',
      })
    }
    if (o.discovery_url === undefined && o.issuer === undefined) {
      ctx.addIssue({ code: 'custom', path: ['discovery_url'], message: 'discovery_url or issuer is required' })
    }
    if (o.discovery_url !== undefined && o.issuer === undefined && upstreamUrlProblem(o.discovery_url) === null && issuerOfDiscoveryUrl(o.discovery_url) === null) {
      ctx.addIssue({ code: 'custom', path: ['discovery_url'], message: `must end in ${WELL_KNOWN}, or give issuer too` })
    }
  })

export function parseOidcOptions(options: unknown, strategy: UpstreamStrategyName = 'oidc'): OidcOptions {
  const o = parseWith(strategy, oidcSchema, options)
  const issuer = o.issuer ?? issuerOfDiscoveryUrl(o.discovery_url as string)
  return {
    issuer: issuer as string,
    discoveryUrl: o.discovery_url ?? discoveryUrlOf(issuer as string),
    clientId: o.client_id,
    scope: withOpenid(o.scope ?? DEFAULT_SCOPE),
    tokenEndpointAuthMethod: o.token_endpoint_auth_method ?? null,
  }
}

/** What distinguishes the presets of the OpenID strategy (oidc, google-oauth2). */
export interface OidcPreset {
  readonly strategy: UpstreamStrategyName
  readonly isSocial: boolean
  readonly clientSecret: 'required' | 'optional'
  readonly parseOptions: (options: unknown) => OidcOptions
  readonly identityUserId: (connectionName: string, profile: UpstreamProfile) => string
  readonly endSession: boolean
}

const OIDC_PRESET: OidcPreset = {
  strategy: 'oidc',
  isSocial: false,
  clientSecret: 'optional',
  parseOptions: (options) => parseOidcOptions(options, 'oidc'),
  identityUserId: (connectionName, profile) => `${connectionName}|${profile.id}`,
  endSession: true,
}

/** oauth4webapi's codes for an ID token that fails a check. */
const ID_TOKEN_CHECKS = new Set<string>([oauth.JWT_TIMESTAMP_CHECK, oauth.JWT_CLAIM_COMPARISON, oauth.KEY_SELECTION])

/** The metadata endpoints we call, each https (or http on a loopback host). */
const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'userinfo_endpoint', 'end_session_endpoint'] as const
const REQUIRED = new Set<string>(['authorization_endpoint', 'token_endpoint', 'jwks_uri'])

/**
 * What is wrong with the endpoints of discovered metadata, or null: each we call must be https; http
 * on a loopback host only when the provider itself is on this device (a provider elsewhere must not
 * send our requests to this machine's own services).
 */
export function metadataProblem(as: oauth.AuthorizationServer, providerOnLoopbackHttp: boolean): string | null {
  for (const name of ENDPOINTS) {
    const value = as[name]
    if (value === undefined && !REQUIRED.has(name)) continue
    if (typeof value !== 'string') return `${name} is missing`
    const problem = upstreamUrlProblem(value)
    if (problem) return `${name} ${problem}`
    if (!providerOnLoopbackHttp && new URL(value).protocol !== 'https:') return `${name} must use https (the provider is not on this device)`
  }
  return null
}

export function oidcStrategy(ctx: StrategyContext, preset: OidcPreset = OIDC_PRESET): Strategy<OidcOptions> {
  function options(conn: UpstreamConnection): OidcOptions {
    try {
      return preset.parseOptions(conn.options)
    } catch (err) {
      throw new UpstreamUnavailable(conn.name, 'configuration', err instanceof Error ? err.message : 'invalid options')
    }
  }

  function requestOptions(o: OidcOptions): OAuthRequestOptions {
    return oauthOptions(ctx.fetch, o.discoveryUrl)
  }

  async function discover(conn: UpstreamConnection, o: OidcOptions): Promise<oauth.AuthorizationServer> {
    return ctx.cache.get(conn.name, `discovery\n${o.discoveryUrl}\n${o.issuer}`, ctx.discoveryTtlMs, async () => {
      let as: oauth.AuthorizationServer
      try {
        const res = await ctx.fetch(o.discoveryUrl, { method: 'GET', headers: { accept: 'application/json' } })
        as = await oauth.processDiscoveryResponse(new URL(o.issuer), res)
      } catch (err) {
        throw classify(conn.name, err, null, 'discovery')
      }
      const problem = metadataProblem(as, isLoopbackHttp(o.discoveryUrl))
      if (problem) throw new UpstreamUnavailable(conn.name, 'malformed', `discovery: ${problem}`)
      return as
    })
  }

  function jwks(conn: UpstreamConnection, jwksUri: string) {
    return ctx.cache.get(conn.name, `jwks\n${jwksUri}`, Number.POSITIVE_INFINITY, async () =>
      jose.createRemoteJWKSet(new URL(jwksUri), {
        timeoutDuration: ctx.timeoutMs,
        cooldownDuration: ctx.jwksCooldownMs,
        cacheMaxAge: 10 * 60_000,
        [jose.customFetch]: ctx.fetch,
      }),
    )
  }

  function clientAuth(conn: UpstreamConnection, o: OidcOptions, as: oauth.AuthorizationServer): oauth.ClientAuth {
    if (conn.clientSecret === null) {
      if (preset.clientSecret === 'required') throw new UpstreamUnavailable(conn.name, 'configuration', `a ${preset.strategy} connection needs a client secret`)
      return oauth.None()
    }
    const supported = as.token_endpoint_auth_methods_supported
    const method = o.tokenEndpointAuthMethod ?? (supported === undefined || supported.includes('client_secret_basic') || !supported.includes('client_secret_post') ? 'client_secret_basic' : 'client_secret_post')
    return method === 'client_secret_post' ? oauth.ClientSecretPost(conn.clientSecret) : oauth.ClientSecretBasic(conn.clientSecret)
  }

  /** The ID token's signature, with the provider's keys and an asymmetric algorithm it advertises. */
  async function verifySignature(conn: UpstreamConnection, as: oauth.AuthorizationServer, clientIdValue: string, idToken: string): Promise<void> {
    const advertised = as.id_token_signing_alg_values_supported ?? ['RS256']
    const algorithms = advertised.filter((alg) => ASYMMETRIC.has(alg))
    if (algorithms.length === 0) throw new UpstreamUnavailable(conn.name, 'configuration', 'the provider advertises no asymmetric ID token algorithm')
    const keys = await jwks(conn, as.jwks_uri as string)
    try {
      await jose.jwtVerify(idToken, keys, { issuer: as.issuer, audience: clientIdValue, algorithms, clockTolerance: 30 })
    } catch (err) {
      throw classify(conn.name, err, 'id_token', 'the ID token')
    }
  }

  async function userinfo(conn: UpstreamConnection, as: oauth.AuthorizationServer, client: oauth.Client, o: OidcOptions, accessToken: string, sub: string): Promise<Record<string, unknown> | null> {
    if (as.userinfo_endpoint === undefined) return null
    let res: Response
    try {
      res = await oauth.userInfoRequest(as, client, accessToken, requestOptions(o))
    } catch (err) {
      throw classify(conn.name, err, null, 'userinfo')
    }
    try {
      return (await oauth.processUserInfoResponse(as, client, sub, res)) as unknown as Record<string, unknown>
    } catch (err) {
      if (err instanceof oauth.OperationProcessingError && err.code === oauth.JSON_ATTRIBUTE_COMPARISON) {
        throw new UpstreamCheckFailed(conn.name, 'userinfo', 'the userinfo sub is not the ID token sub')
      }
      throw classify(conn.name, err, null, 'userinfo')
    }
  }

  /**
   * An error of the token response's processing: the ID token's checks (by oauth4webapi's code: a
   * timestamp such as auth_time against max_age, a claim such as nonce, iss or aud; by its message
   * for a missing or malformed ID token), or a malformed answer. A failed check is the provider
   * answering what this login did not ask for: retrying would not help, so it is never "unavailable".
   */
  function tokenResponseError(conn: UpstreamConnection, err: unknown) {
    if (err instanceof oauth.OperationProcessingError && (ID_TOKEN_CHECKS.has(err.code ?? '') || /ID Token|JWT|id_token/.test(err.message))) {
      return new UpstreamCheckFailed(conn.name, 'id_token', `the ID token: ${err.message}`)
    }
    return classify(conn.name, err, null, 'the code exchange')
  }

  const strategy: Strategy<OidcOptions> = {
    strategy: preset.strategy,
    isSocial: preset.isSocial,
    clientSecret: preset.clientSecret,
    parseOptions: preset.parseOptions,

    identity(connectionName: string, profile: UpstreamProfile): UpstreamIdentity {
      return { provider: preset.strategy, userId: preset.identityUserId(connectionName, profile), connection: connectionName, isSocial: preset.isSocial }
    },

    userId(connectionName: string, profile: UpstreamProfile): string {
      return `${preset.strategy}|${preset.identityUserId(connectionName, profile)}`
    },

    async begin(conn: UpstreamConnection, params: BeginParams): Promise<BeginResult> {
      const o = options(conn)
      checkRedirectUri(conn, params.redirectUri)
      if (preset.clientSecret === 'required' && conn.clientSecret === null) {
        throw new UpstreamUnavailable(conn.name, 'configuration', `a ${preset.strategy} connection needs a client secret`)
      }
      const as = await discover(conn, o)
      const maxAge = maxAgeOf(params.maxAge)
      const { pending, codeChallenge } = await newPending(preset.strategy, conn, params.redirectUri, true, maxAge)
      const url = authorizationUrl(as.authorization_endpoint as string, {
        client_id: o.clientId,
        response_type: 'code',
        redirect_uri: params.redirectUri,
        scope: o.scope,
        state: pending.state,
        nonce: pending.nonce,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        login_hint: cleanText(params.loginHint, 256),
        prompt: params.prompt === 'login' ? 'login' : null,
        max_age: maxAge === null ? null : String(maxAge),
      })
      return { url, pending }
    },

    async complete(conn: UpstreamConnection, pending: PendingUpstream, callback: URL | URLSearchParams): Promise<UpstreamProfile> {
      checkPending(preset.strategy, conn, pending)
      const o = options(conn)
      const as = await discover(conn, o)
      const client: oauth.Client = { client_id: o.clientId }
      const params = checkCallback(conn, as, client, callback, pending)
      const auth = clientAuth(conn, o, as)

      let res: Response
      try {
        res = await oauth.authorizationCodeGrantRequest(as, client, auth, params, pending.redirectUri, pending.codeVerifier, requestOptions(o))
      } catch (err) {
        throw classify(conn.name, err, null, 'the code exchange')
      }
      let tokens: oauth.TokenEndpointResponse
      try {
        tokens = await oauth.processAuthorizationCodeResponse(as, client, res, {
          expectedNonce: pending.nonce ?? oauth.expectNoNonce,
          maxAge: pending.maxAge ?? oauth.skipAuthTimeCheck,
          requireIdToken: true,
        })
      } catch (err) {
        throw tokenResponseError(conn, err)
      }
      const claims = oauth.getValidatedIdTokenClaims(tokens)
      if (!claims || tokens.id_token === undefined) throw new UpstreamCheckFailed(conn.name, 'id_token', 'the token response has no ID token')
      await verifySignature(conn, as, o.clientId, tokens.id_token)

      const sub = cleanId(claims.sub)
      if (sub === null) throw new UpstreamUnavailable(conn.name, 'malformed', 'the ID token sub is not a usable id')
      const info = await userinfo(conn, as, client, o, tokens.access_token, claims.sub)
      const idClaims = claims as unknown as Record<string, unknown>
      const merged: Record<string, unknown> = { ...idClaims, ...(info ?? {}), sub: claims.sub }
      // email and email_verified come as a pair from one source: userinfo when it has an email.
      const emailSource = info && info.email !== undefined ? info : idClaims
      const profile = profileOf(
        sub,
        {
          email: emailSource.email,
          emailVerified: emailSource.email_verified,
          name: merged.name,
          givenName: merged.given_name,
          familyName: merged.family_name,
          nickname: merged.nickname ?? merged.preferred_username,
          picture: merged.picture,
          locale: merged.locale,
        },
        boundedRaw(merged, PROTOCOL_CLAIMS),
        cleanAmr(claims.amr),
      )
      return { ...profile, idToken: tokens.id_token }
    },
  }
  if (preset.endSession) {
    strategy.endSessionUrl = async (conn: UpstreamConnection, params: EndSessionParams): Promise<string | null> => {
      const o = options(conn)
      const as = await discover(conn, o)
      if (as.end_session_endpoint === undefined) return null
      return authorizationUrl(as.end_session_endpoint, {
        client_id: o.clientId,
        id_token_hint: params.idTokenHint,
        post_logout_redirect_uri: params.postLogoutRedirectUri,
        state: params.state,
      })
    }
  }
  return strategy
}
