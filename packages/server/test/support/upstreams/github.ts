/**
 * A GitHub-shaped stand-in (GitHub Enterprise Server's paths, so `base_url` points at it):
 * `/login/oauth/authorize` (logs in at once, or denies), `/login/oauth/access_token` (client id and
 * secret, single-use code, PKCE S256; errors answered with 200 as GitHub does), `/api/v3/user` and
 * `/api/v3/user/emails` with the access token.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { freePort } from '../harness.js'
import { authorizeAt, CodeDesk, json, readForm } from './plain-oauth.js'

export const GITHUB_CLIENT = { clientId: 'Iv1.latchkey0000001', clientSecret: randomBytes(20).toString('hex') }

export interface GithubEmail {
  readonly email: string
  readonly primary: boolean
  readonly verified: boolean
  readonly visibility: 'public' | 'private' | null
}

export const OCTOCAT = {
  login: 'octocat',
  id: 583231,
  node_id: 'MDQ6VXNlcjU4MzIzMQ==',
  avatar_url: 'https://avatars.githubusercontent.com/u/583231?v=4',
  html_url: 'https://github.com/octocat',
  type: 'User',
  name: 'The Octocat',
  company: '@github',
  email: 'octocat@github.com',
}

export const OCTOCAT_EMAILS: readonly GithubEmail[] = [
  { email: 'octocat@users.noreply.github.com', primary: false, verified: true, visibility: null },
  { email: 'octocat@github.com', primary: true, verified: true, visibility: 'public' },
]

export interface GithubStandIn {
  /** The web root: the connection's `base_url`. */
  readonly baseUrl: string
  readonly desk: CodeDesk
  /** What the API answers; tests change it. */
  state: { user: Record<string, unknown>; emails: readonly GithubEmail[] | null; deny: boolean; apiStatus: number | null }
  reset(): void
  authorize(authorizationUrl: string): Promise<URL>
  close(): Promise<void>
}

/** `callbackUrl`: Latchkey's `{issuer}login/callback` as registered at GitHub; by default any redirect_uri is accepted. */
export async function startGithubStandIn(callbackUrl: string | null = null): Promise<GithubStandIn> {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const desk = new CodeDesk(callbackUrl)
  const initial = () => ({ user: { ...OCTOCAT } as Record<string, unknown>, emails: OCTOCAT_EMAILS as readonly GithubEmail[] | null, deny: false, apiStatus: null as number | null })
  const standIn: GithubStandIn = {
    baseUrl,
    desk,
    state: initial(),
    reset() {
      standIn.state = initial()
    },
    authorize: authorizeAt,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', baseUrl)
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /login/oauth/authorize':
        if (url.searchParams.get('client_id') !== GITHUB_CLIENT.clientId) {
          res.writeHead(404)
          res.end()
          return
        }
        desk.authorize(res, url.searchParams, standIn.state.deny, standIn.state.deny ? { error_uri: 'https://docs.github.com/apps/troubleshooting' } : {})
        return
      case 'POST /login/oauth/access_token': {
        const form = await readForm(req)
        desk.lastTokenRequest = { form, authorization: req.headers.authorization }
        if (!/application\/json/.test(req.headers.accept ?? '')) {
          res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' })
          res.end('error=use_json')
          return
        }
        if (form.get('client_id') !== GITHUB_CLIENT.clientId || form.get('client_secret') !== GITHUB_CLIENT.clientSecret) {
          json(res, 200, { error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' })
          return
        }
        const code = desk.redeem(form, GITHUB_CLIENT.clientId)
        if (typeof code === 'string') {
          json(res, 200, { error: 'bad_verification_code', error_description: `The code passed is incorrect or expired. (${code})` })
          return
        }
        json(res, 200, { access_token: desk.issueToken('gho_'), token_type: 'bearer', scope: (code.scope ?? '').replace(/ /g, ',') })
        return
      }
      case 'GET /api/v3/user':
      case 'GET /api/v3/user/emails': {
        if (!desk.bearer(req)) {
          json(res, 401, { message: 'Bad credentials' })
          return
        }
        if (standIn.state.apiStatus !== null) {
          json(res, standIn.state.apiStatus, { message: 'Server Error' })
          return
        }
        if (url.pathname.endsWith('/emails')) {
          if (standIn.state.emails === null) json(res, 403, { message: 'Resource not accessible by integration' })
          else json(res, 200, standIn.state.emails)
        } else {
          json(res, 200, standIn.state.user)
        }
        return
      }
      default:
        json(res, 404, { message: 'Not Found' })
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
