/**
 * `oauth2`: a generic OAuth 2.0 provider (Auth0's custom social connection), without code: the
 * profile is read from the provider's userinfo JSON through a declarative map of dotted paths.
 *
 * Authorization with state and PKCE S256; the code exchange with client_secret_post (or
 * client_secret_basic, or none for a public registration); a GET of `userinfo_endpoint` with the
 * access token; the profile fields at the mapped paths. Ids `oauth2|{connection}|{id}`, social (as
 * Auth0 lists custom connections under Social).
 *
 * Options:
 * - `authorization_endpoint`, `token_endpoint` (Auth0's `authorizationURL`, `tokenURL` are read too),
 *   `userinfo_endpoint`: https URLs (http only on this device);
 * - `client_id`; `scope` (a string or a list; default none);
 * - `profile_map`: where each field is in the userinfo JSON, e.g.
 *   `{ "id": "data.user_id", "email": "mail", "email_verified": "verified", "name": "display_name" }`;
 *   a field not given is read at its OpenID Connect claim (`id`: `sub`, `email`: `email`, …);
 * - `token_endpoint_auth_method`: `client_secret_post` (default) or `client_secret_basic`;
 * - `issuer`: the provider's issuer identifier, when it sends RFC 9207 `iss` at the callback (then
 *   checked); without it an `iss` at the callback is ignored.
 */
import * as oauth from 'oauth4webapi'
import { z } from 'zod'
import type { StrategyContext } from './context.js'
import { UpstreamUnavailable } from './errors.js'
import { authorizationUrl, checkCallback, checkPending, checkRedirectUri, exchangeCode, getJson, isObject, newPending } from './flow.js'
import { oauthOptions } from './http.js'
import { clientAuthMethod, clientId, clientSecretField, parseWith, scopeList, upstreamUrl } from './options.js'
import { boundedRaw, cleanId, profileOf, readPath, type UpstreamProfile } from './profile.js'
import type { BeginParams, BeginResult, PendingUpstream, Strategy, UpstreamConnection, UpstreamIdentity } from './types.js'

/** Segments of letters, digits, `_`, `-`, `$`, `@`, `:`, joined by dots; array indexes are digits. */
const DOTTED_PATH = /^[A-Za-z0-9_$@:-]+(\.[A-Za-z0-9_$@:-]+){0,9}$/
const path = z.string().max(256).regex(DOTTED_PATH, 'must be a dotted path such as data.user.id')

const PROFILE_FIELDS = ['id', 'email', 'email_verified', 'name', 'given_name', 'family_name', 'nickname', 'picture', 'locale'] as const
type ProfileField = (typeof PROFILE_FIELDS)[number]
export type ProfileMap = Readonly<Record<ProfileField, string>>

const DEFAULT_MAP: ProfileMap = {
  id: 'sub',
  email: 'email',
  email_verified: 'email_verified',
  name: 'name',
  given_name: 'given_name',
  family_name: 'family_name',
  nickname: 'nickname',
  picture: 'picture',
  locale: 'locale',
}

export interface OAuth2Options {
  readonly authorizationEndpoint: string
  readonly tokenEndpoint: string
  readonly userinfoEndpoint: string
  readonly clientId: string
  readonly scope: string
  readonly profileMap: ProfileMap
  readonly tokenEndpointAuthMethod: 'client_secret_post' | 'client_secret_basic'
  readonly issuer: string | null
}

const oauth2Schema = z
  .looseObject({
    authorization_endpoint: upstreamUrl.optional(),
    authorizationURL: upstreamUrl.optional(),
    token_endpoint: upstreamUrl.optional(),
    tokenURL: upstreamUrl.optional(),
    userinfo_endpoint: upstreamUrl,
    client_id: clientId,
    client_secret: clientSecretField,
    scope: scopeList.optional(),
    profile_map: z.strictObject(Object.fromEntries(PROFILE_FIELDS.map((f) => [f, path.optional()])) as Record<ProfileField, z.ZodOptional<typeof path>>).optional(),
    token_endpoint_auth_method: clientAuthMethod.optional(),
    issuer: upstreamUrl.optional(),
  })
  .superRefine((o, ctx) => {
    for (const [name, alias] of [
      ['authorization_endpoint', 'authorizationURL'],
      ['token_endpoint', 'tokenURL'],
    ] as const) {
      if (o[name] === undefined && o[alias] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'is required' })
      if (o[name] !== undefined && o[alias] !== undefined && o[name] !== o[alias]) ctx.addIssue({ code: 'custom', path: [alias], message: `differs from ${name}` })
    }
  })

export function parseOAuth2Options(options: unknown): OAuth2Options {
  const o = parseWith('oauth2', oauth2Schema, options)
  const map = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, o.profile_map?.[f] ?? DEFAULT_MAP[f]])) as ProfileMap
  return {
    authorizationEndpoint: (o.authorization_endpoint ?? o.authorizationURL) as string,
    tokenEndpoint: (o.token_endpoint ?? o.tokenURL) as string,
    userinfoEndpoint: o.userinfo_endpoint,
    clientId: o.client_id,
    scope: (o.scope ?? []).join(' '),
    profileMap: map,
    tokenEndpointAuthMethod: o.token_endpoint_auth_method ?? 'client_secret_post',
    issuer: o.issuer ?? null,
  }
}

function server(o: OAuth2Options): oauth.AuthorizationServer {
  return {
    // oauth4webapi needs an issuer; with none configured, an `iss` at the callback is ignored (checkCallback's ignoreIss).
    issuer: o.issuer ?? new URL(o.authorizationEndpoint).origin,
    authorization_endpoint: o.authorizationEndpoint,
    token_endpoint: o.tokenEndpoint,
  }
}

export function oauth2Strategy(ctx: StrategyContext): Strategy<OAuth2Options> {
  function options(conn: UpstreamConnection): OAuth2Options {
    try {
      return parseOAuth2Options(conn.options)
    } catch (err) {
      throw new UpstreamUnavailable(conn.name, 'configuration', err instanceof Error ? err.message : 'invalid options')
    }
  }
  function clientAuth(conn: UpstreamConnection, o: OAuth2Options): oauth.ClientAuth {
    if (conn.clientSecret === null) return oauth.None()
    return o.tokenEndpointAuthMethod === 'client_secret_basic' ? oauth.ClientSecretBasic(conn.clientSecret) : oauth.ClientSecretPost(conn.clientSecret)
  }
  const identityUserId = (connectionName: string, profile: UpstreamProfile) => `${connectionName}|${profile.id}`

  return {
    strategy: 'oauth2',
    isSocial: true,
    clientSecret: 'optional',
    parseOptions: parseOAuth2Options,

    identity(connectionName: string, profile: UpstreamProfile): UpstreamIdentity {
      return { provider: 'oauth2', userId: identityUserId(connectionName, profile), connection: connectionName, isSocial: true }
    },

    userId(connectionName: string, profile: UpstreamProfile): string {
      return `oauth2|${identityUserId(connectionName, profile)}`
    },

    async begin(conn: UpstreamConnection, params: BeginParams): Promise<BeginResult> {
      const o = options(conn)
      checkRedirectUri(conn, params.redirectUri)
      const { pending, codeChallenge } = await newPending('oauth2', conn, params.redirectUri, false, null)
      const url = authorizationUrl(o.authorizationEndpoint, {
        client_id: o.clientId,
        response_type: 'code',
        redirect_uri: params.redirectUri,
        scope: o.scope,
        state: pending.state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
      })
      return { url, pending }
    },

    async complete(conn: UpstreamConnection, pending: PendingUpstream, callback: URL | URLSearchParams): Promise<UpstreamProfile> {
      checkPending('oauth2', conn, pending)
      const o = options(conn)
      const as = server(o)
      const client: oauth.Client = { client_id: o.clientId }
      const params = checkCallback(conn, as, client, callback, pending, o.issuer === null)
      const accessToken = await exchangeCode(conn, as, client, clientAuth(conn, o), params, pending, oauthOptions(ctx.fetch, o.tokenEndpoint))

      const info = await getJson(ctx, conn, o.userinfoEndpoint, accessToken, {}, 'userinfo')
      if (!isObject(info)) throw new UpstreamUnavailable(conn.name, 'malformed', 'userinfo: the answer is not a JSON object')
      const m = o.profileMap
      const id = cleanId(readPath(info, m.id))
      if (id === null) throw new UpstreamUnavailable(conn.name, 'malformed', `userinfo: no usable id at ${m.id}`)
      return profileOf(
        id,
        {
          email: readPath(info, m.email),
          emailVerified: readPath(info, m.email_verified),
          name: readPath(info, m.name),
          givenName: readPath(info, m.given_name),
          familyName: readPath(info, m.family_name),
          nickname: readPath(info, m.nickname),
          picture: readPath(info, m.picture),
          locale: readPath(info, m.locale),
        },
        boundedRaw(info),
      )
    },
  }
}
