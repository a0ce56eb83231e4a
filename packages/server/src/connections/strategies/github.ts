/**
 * `github`: GitHub's OAuth 2.0 (not OpenID Connect), github.com or GitHub Enterprise Server.
 *
 * Authorization at `{base_url}/login/oauth/authorize` with state and PKCE S256; the code exchanged at
 * `{base_url}/login/oauth/access_token` (JSON; GitHub answers its errors with 200); the profile from
 * the API's `/user`, the email from `/user/emails`: the primary address when it is verified, else
 * none (an unverified address is never trusted, nor the public one of `/user`; none either when the
 * token may not read the list). The API is https://api.github.com/ for github.com
 * and `{base_url}/api/v3/` for GitHub Enterprise Server. Ids `github|{id}` (GitHub's numeric id),
 * social, a client secret required.
 *
 * Options: `client_id`, `base_url` (GitHub Enterprise Server's web root; default https://github.com),
 * `scope` (a string or Auth0's list; default `read:user user:email`). Auth0's boolean options
 * (`email`, `profile`, `follow`, …) are accepted and left alone.
 */
import * as oauth from 'oauth4webapi'
import { z } from 'zod'
import type { StrategyContext } from './context.js'
import { UpstreamUnavailable } from './errors.js'
import { authorizationUrl, checkCallback, checkPending, checkRedirectUri, exchangeCode, getJson, isObject, newPending } from './flow.js'
import { oauthOptions } from './http.js'
import { clientId, clientSecretField, parseWith, scopeList, upstreamUrl } from './options.js'
import { boundedRaw, cleanId, profileOf, type UpstreamProfile } from './profile.js'
import type { BeginParams, BeginResult, PendingUpstream, Strategy, UpstreamConnection, UpstreamIdentity } from './types.js'

const GITHUB_WEB = 'https://github.com'
const GITHUB_API = 'https://api.github.com/'
const DEFAULT_SCOPE = ['read:user', 'user:email']
const API_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' }

export interface GithubOptions {
  readonly clientId: string
  /** The web root, without a trailing slash. */
  readonly baseUrl: string
  /** The REST API root, with a trailing slash. */
  readonly apiUrl: string
  readonly scope: string
}

const githubSchema = z.looseObject({
  client_id: clientId,
  client_secret: clientSecretField,
  base_url: upstreamUrl
    .refine((v) => {
      const url = new URL(v)
      return url.search === '' && url.hash === ''
    }, 'must be the web root of the GitHub server (no query)')
    .optional(),
  scope: scopeList.optional(),
})

export function parseGithubOptions(options: unknown): GithubOptions {
  const o = parseWith('github', githubSchema, options)
  const base = o.base_url === undefined ? GITHUB_WEB : new URL(o.base_url).href.replace(/\/+$/, '')
  return {
    clientId: o.client_id,
    baseUrl: base,
    apiUrl: base === GITHUB_WEB ? GITHUB_API : `${base}/api/v3/`,
    scope: (o.scope ?? DEFAULT_SCOPE).join(' '),
  }
}

function server(o: GithubOptions): oauth.AuthorizationServer {
  return { issuer: o.baseUrl, authorization_endpoint: `${o.baseUrl}/login/oauth/authorize`, token_endpoint: `${o.baseUrl}/login/oauth/access_token` }
}

interface GithubEmail {
  readonly email?: unknown
  readonly primary?: unknown
  readonly verified?: unknown
}

/** The primary address when GitHub says it is verified; null otherwise (another verified address is not the user's choice). */
function primaryVerifiedEmail(emails: unknown): string | null {
  if (!Array.isArray(emails)) return null
  const primary = (emails as GithubEmail[]).find((e) => isObject(e) && e.primary === true)
  return primary && primary.verified === true && typeof primary.email === 'string' ? primary.email : null
}

export function githubStrategy(ctx: StrategyContext): Strategy<GithubOptions> {
  function options(conn: UpstreamConnection): GithubOptions {
    try {
      return parseGithubOptions(conn.options)
    } catch (err) {
      throw new UpstreamUnavailable(conn.name, 'configuration', err instanceof Error ? err.message : 'invalid options')
    }
  }
  function secret(conn: UpstreamConnection): string {
    if (conn.clientSecret === null) throw new UpstreamUnavailable(conn.name, 'configuration', 'a github connection needs a client secret')
    return conn.clientSecret
  }

  return {
    strategy: 'github',
    isSocial: true,
    clientSecret: 'required',
    parseOptions: parseGithubOptions,

    identity(connectionName: string, profile: UpstreamProfile): UpstreamIdentity {
      return { provider: 'github', userId: profile.id, connection: connectionName, isSocial: true }
    },

    userId(_connectionName: string, profile: UpstreamProfile): string {
      return `github|${profile.id}`
    },

    async begin(conn: UpstreamConnection, params: BeginParams): Promise<BeginResult> {
      const o = options(conn)
      secret(conn)
      checkRedirectUri(conn, params.redirectUri)
      const { pending, codeChallenge } = await newPending('github', conn, params.redirectUri, false, null)
      const url = authorizationUrl(server(o).authorization_endpoint as string, {
        client_id: o.clientId,
        redirect_uri: params.redirectUri,
        scope: o.scope,
        state: pending.state,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        // GitHub cannot be asked to authenticate again; it can show its account picker.
        prompt: params.prompt === 'login' ? 'select_account' : null,
      })
      return { url, pending }
    },

    async complete(conn: UpstreamConnection, pending: PendingUpstream, callback: URL | URLSearchParams): Promise<UpstreamProfile> {
      checkPending('github', conn, pending)
      const o = options(conn)
      const as = server(o)
      const client: oauth.Client = { client_id: o.clientId }
      const params = checkCallback(conn, as, client, callback, pending, true)
      const accessToken = await exchangeCode(conn, as, client, oauth.ClientSecretPost(secret(conn)), params, pending, oauthOptions(ctx.fetch, o.baseUrl))

      const user = await getJson(ctx, conn, `${o.apiUrl}user`, accessToken, API_HEADERS, 'the GitHub user')
      if (!isObject(user)) throw new UpstreamUnavailable(conn.name, 'malformed', 'the GitHub user is not a JSON object')
      const id = cleanId(user.id)
      if (id === null || typeof user.id !== 'number') throw new UpstreamUnavailable(conn.name, 'malformed', 'the GitHub user has no numeric id')
      // Without the user:email scope (or a GitHub App's email permission) the list is refused: no email then.
      const emails = await getJson(ctx, conn, `${o.apiUrl}user/emails`, accessToken, API_HEADERS, 'the GitHub user emails', [403, 404])
      const email = primaryVerifiedEmail(emails)
      return profileOf(
        id,
        {
          email,
          emailVerified: email !== null,
          name: user.name,
          givenName: null,
          familyName: null,
          nickname: user.login,
          picture: user.avatar_url,
          locale: null,
        },
        boundedRaw(user),
      )
    },
  }
}
