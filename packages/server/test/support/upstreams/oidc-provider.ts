/**
 * A real OpenID provider for tests: panva's oidc-provider (v8), in memory, on 127.0.0.1 and a free
 * port, with three clients (public PKCE-only, client_secret_basic, client_secret_post), accounts with
 * the standard claims, and a login page a test drives like a browser (`loginThrough`).
 *
 * oidc-provider keeps its ID tokens minimal when an access token is issued (conformIdTokenClaims), so
 * the profile claims arrive from its userinfo endpoint: what the oidc strategy merges.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider'
import { Browser } from '../browser.js'
import { freePort } from '../harness.js'

/** Latchkey's callback as the upstream knows it (never requested: tests read the redirect). */
export const UPSTREAM_CALLBACK = 'http://localhost:3000/login/callback'
export const POST_LOGOUT_REDIRECT = 'http://localhost:3000/logged-out'

export const PUBLIC_CLIENT = { clientId: 'latchkey-public', clientSecret: null }
export const BASIC_CLIENT = { clientId: 'latchkey-basic', clientSecret: randomBytes(24).toString('base64url') }
export const POST_CLIENT = { clientId: 'latchkey-post', clientSecret: randomBytes(24).toString('base64url') }

export interface UpstreamAccount {
  readonly sub: string
  readonly claims: Readonly<Record<string, unknown>>
}

export const ALICE: UpstreamAccount = {
  sub: 'alice-7f3a',
  claims: {
    name: 'Alice Liddell',
    given_name: 'Alice',
    family_name: 'Liddell',
    nickname: 'alice',
    picture: 'https://example.com/alice.png',
    locale: 'en-GB',
    email: 'alice@wonderland.example',
    email_verified: true,
  },
}

export interface OidcUpstream {
  /** The issuer, without a trailing slash (http://127.0.0.1:PORT). */
  readonly issuer: string
  readonly provider: Provider
  /**
   * Drives the provider's login like a browser: the authorization URL → its login page → the account
   * logs in (or denies) → the redirect back; returns the callback URL (with code, state, iss).
   * `browser`: the provider's cookies to use and keep (its session), a fresh one by default.
   */
  loginThrough(authorizationUrl: string, account: UpstreamAccount | 'deny', browser?: Browser): Promise<URL>
  close(): Promise<void>
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/** `callback`: Latchkey's `{issuer}login/callback` as registered at this provider (UPSTREAM_CALLBACK by default). */
export async function startOidcUpstream(accounts: readonly UpstreamAccount[] = [ALICE], callbackUrl: string = UPSTREAM_CALLBACK): Promise<OidcUpstream> {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}`
  const byId = new Map(accounts.map((a) => [a.sub, a]))
  const client = (id: string, method: NonNullable<ClientMetadata['token_endpoint_auth_method']>, secret: string | null): ClientMetadata => ({
    client_id: id,
    ...(secret ? { client_secret: secret } : {}),
    token_endpoint_auth_method: method,
    redirect_uris: [callbackUrl],
    // Latchkey's `{issuer}logout/callback` beside its login callback: where federated logout returns.
    post_logout_redirect_uris: [POST_LOGOUT_REDIRECT, callbackUrl.replace(/login\/callback$/, 'logout/callback')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  })
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const configuration: Configuration = {
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'upstream-rs256' } as never] },
    clients: [
      client(PUBLIC_CLIENT.clientId, 'none', null),
      client(BASIC_CLIENT.clientId, 'client_secret_basic', BASIC_CLIENT.clientSecret),
      client(POST_CLIENT.clientId, 'client_secret_post', POST_CLIENT.clientSecret),
    ],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'profile', 'email'],
    claims: {
      openid: ['sub', 'amr'],
      profile: ['name', 'given_name', 'family_name', 'nickname', 'picture', 'locale'],
      email: ['email', 'email_verified'],
    },
    pkce: { methods: ['S256'], required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = byId.get(sub)
      if (!account) return undefined
      return { accountId: sub, claims: async () => ({ sub, ...account.claims }) }
    },
    features: { devInteractions: { enabled: false } },
  }
  const provider = new Provider(issuer, configuration)
  const callback = provider.callback()

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res)
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><form method="post" action="/interaction/${escapeHtml(details.uid)}"><input name="account"><button>Log in</button></form>`)
      return
    }
    const form = await readForm(req)
    if (form.get('deny') === '1') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user said no <b>thanks</b>\u0007' }, { mergeWithLastSubmission: false })
      return
    }
    const accountId = form.get('account') ?? ''
    const clientId = details.params.client_id as string
    const grant = new provider.Grant({ accountId, clientId })
    grant.addOIDCScope(String(details.params.scope))
    const grantId = await grant.save()
    await provider.interactionFinished(req, res, { login: { accountId, amr: ['pwd', 'mfa'] }, consent: { grantId } }, { mergeWithLastSubmission: false })
  }

  const server = createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      interaction(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(String(err))
      })
      return
    }
    callback(req, res)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))

  return {
    issuer,
    provider,
    async loginThrough(authorizationUrl, account, browser = new Browser(issuer)) {
      let res = await browser.get(authorizationUrl)
      for (let i = 0; i < 10; i++) {
        const location = res.headers.get('location')
        if (res.status < 300 || res.status >= 400 || !location) {
          throw new Error(`the upstream answered ${res.status} at ${res.url}: ${(await res.text()).slice(0, 300)}`)
        }
        const next = new URL(location, issuer)
        if (next.href.startsWith(callbackUrl)) return next
        if (next.pathname.startsWith('/interaction/')) {
          await browser.get(next.href)
          res = await browser.post(next.href, account === 'deny' ? { deny: '1' } : { account: account.sub })
        } else {
          res = await browser.get(next.href)
        }
      }
      throw new Error('too many redirects at the upstream')
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
