/**
 * A generic OAuth 2.0 stand-in: `/oauth/authorize` (logs in at once, or denies; optionally sends
 * RFC 9207 `iss`), `/oauth/token` (client_secret_basic, client_secret_post or a public client with
 * PKCE S256), and `/api/me`, whose JSON nests the profile (what `profile_map` maps).
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { freePort } from '../harness.js'
import { basicCredentials } from './fake-oidc.js'
import { authorizeAt, CodeDesk, json, readForm } from './plain-oauth.js'

export const OAUTH2_CLIENT = { clientId: 'latchkey-generic', clientSecret: randomBytes(20).toString('hex') }

/** The userinfo JSON: the profile nested as some providers do. */
export const NESTED_PROFILE = {
  data: {
    user_id: 900417,
    profile: { display_name: 'Nessa Ted', first: 'Nessa', last: 'Ted', avatar: 'https://cdn.example/nessa.jpg', handle: 'nessa' },
    contact: { mail: 'nessa@generic.example', verified: 'true' },
  },
  meta: { plan: 'pro' },
}

export const NESTED_PROFILE_MAP = {
  id: 'data.user_id',
  email: 'data.contact.mail',
  email_verified: 'data.contact.verified',
  name: 'data.profile.display_name',
  given_name: 'data.profile.first',
  family_name: 'data.profile.last',
  nickname: 'data.profile.handle',
  picture: 'data.profile.avatar',
}

export interface OAuth2StandIn {
  readonly origin: string
  readonly desk: CodeDesk
  /** What it does; tests change it. */
  state: { profile: unknown; deny: boolean; iss: string | null; tokenType: string | null }
  reset(): void
  /** The connection options for it (endpoints and the nested profile map). */
  options(extra?: Record<string, unknown>): Record<string, unknown>
  authorize(authorizationUrl: string): Promise<URL>
  close(): Promise<void>
}

/** `callbackUrl`: Latchkey's `{issuer}login/callback` as registered at the provider; by default any redirect_uri is accepted. */
export async function startOAuth2StandIn(callbackUrl: string | null = null): Promise<OAuth2StandIn> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const desk = new CodeDesk(callbackUrl)
  const initial = () => ({ profile: NESTED_PROFILE as unknown, deny: false, iss: null as string | null, tokenType: 'bearer' as string | null })
  const standIn: OAuth2StandIn = {
    origin,
    desk,
    state: initial(),
    reset() {
      standIn.state = initial()
    },
    options: (extra = {}) => ({
      authorization_endpoint: `${origin}/oauth/authorize`,
      token_endpoint: `${origin}/oauth/token`,
      userinfo_endpoint: `${origin}/api/me`,
      client_id: OAUTH2_CLIENT.clientId,
      scope: 'profile:read',
      profile_map: NESTED_PROFILE_MAP,
      ...extra,
    }),
    authorize: authorizeAt,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin)
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /oauth/authorize':
        desk.authorize(res, url.searchParams, standIn.state.deny, standIn.state.iss ? { iss: standIn.state.iss } : {})
        return
      case 'POST /oauth/token': {
        const form = await readForm(req)
        desk.lastTokenRequest = { form, authorization: req.headers.authorization }
        const basic = basicCredentials(req.headers.authorization)
        const clientId = basic?.id ?? form.get('client_id') ?? ''
        const secret = basic?.secret ?? form.get('client_secret')
        if (clientId !== OAUTH2_CLIENT.clientId || (secret !== null && secret !== OAUTH2_CLIENT.clientSecret)) {
          json(res, 401, { error: 'invalid_client' })
          return
        }
        const code = desk.redeem(form, clientId)
        if (typeof code === 'string') {
          json(res, 400, { error: 'invalid_grant', error_description: code })
          return
        }
        const tokenType = standIn.state.tokenType
        json(res, 200, { access_token: desk.issueToken('at_'), expires_in: 3600, ...(tokenType === null ? {} : { token_type: tokenType }) })
        return
      }
      case 'GET /api/me':
        if (!desk.bearer(req)) {
          json(res, 401, { error: 'invalid_token' })
          return
        }
        json(res, 200, standIn.state.profile)
        return
      default:
        json(res, 404, { error: 'not_found' })
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500)
      res.end(String(err))
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return standIn
}
