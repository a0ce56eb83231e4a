/**
 * An in-process authorization server for unit tests, reached through the SDK's `fetch` option:
 * discovery, an authorize step that returns the callback URL directly, the token endpoint (code
 * with PKCE S256, refresh with rotation and reuse refusal), revocation, and a pluggable API. It
 * signs real RS256 JWTs with jose and keeps time on a clock the test moves.
 */
import { createHash, randomBytes } from 'node:crypto'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createClient, type AuthorizeOptions, type ClientOptions, type LatchkeyClient } from '../../src/index.js'

export const ISSUER = 'https://login.example.com/'
export const CLIENT_ID = 'test-client'
export const REDIRECT_URI = 'https://app.example.com/callback'
export const API = 'https://api.example.com/'

export class FakeClock {
  #now = Date.UTC(2026, 0, 1, 12)
  now(): number {
    return this.#now
  }
  advance(ms: number): void {
    this.#now += ms
  }
}

interface CodeRecord {
  clientId: string
  redirectUri: string
  challenge: string
  nonce: string | null
  scope: string
  audience: string | null
  sub: string
}

interface RefreshRecord {
  sub: string
  scope: string
  audience: string | null
  active: boolean
}

export interface TokenRequest {
  readonly grantType: string
  readonly params: URLSearchParams
}

export type ApiHandler = (request: Request) => Response | Promise<Response>

export interface FakeIssuerOptions {
  /** Access token lifetime in seconds (default 3600). */
  accessTokenLifetime?: number
  /** Milliseconds the token endpoint waits before answering a refresh (to make callers overlap). */
  refreshDelayMs?: number
  /** Leave end_session_endpoint out of discovery. */
  noEndSession?: boolean
}

export async function createFakeIssuer(options: FakeIssuerOptions = {}) {
  const clock = new FakeClock()
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
  const codes = new Map<string, CodeRecord>()
  const refreshTokens = new Map<string, RefreshRecord>()
  const tokenRequests: TokenRequest[] = []
  const revoked: string[] = []
  const requests: Request[] = []
  let api: ApiHandler = () => new Response('no API configured', { status: 500 })
  let nextNonce: string | undefined
  let lifetime = options.accessTokenLifetime ?? 3600
  const seconds = () => Math.floor(clock.now() / 1000)

  const metadata = {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}authorize`,
    token_endpoint: `${ISSUER}oauth/token`,
    userinfo_endpoint: `${ISSUER}userinfo`,
    jwks_uri: `${ISSUER}.well-known/jwks.json`,
    revocation_endpoint: `${ISSUER}oauth/revoke`,
    ...(options.noEndSession ? {} : { end_session_endpoint: `${ISSUER}oidc/logout` }),
    response_types_supported: ['code'],
    id_token_signing_alg_values_supported: ['RS256'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
  }

  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  const oauthError = (error: string, description: string, status = 400) => json({ error, error_description: description }, status)

  async function issue(sub: string, scope: string, audience: string | null, nonce: string | null) {
    const iat = seconds()
    const accessToken = await new SignJWT({ scope, client_id: CLIENT_ID })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setSubject(sub)
      .setAudience(audience ?? `${ISSUER}userinfo`)
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetime)
      .setJti(randomBytes(8).toString('hex'))
      .sign(privateKey)
    const idToken = await new SignJWT({ email: 'ada@example.com', name: 'Ada Lovelace', auth_time: iat, ...(nonce !== null ? { nonce } : {}), sid: 's1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setSubject(sub)
      .setAudience(CLIENT_ID)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 36000)
      .sign(privateKey)
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: lifetime, id_token: idToken, scope }
    if (scope.split(' ').includes('offline_access')) {
      const refreshToken = randomBytes(16).toString('base64url')
      refreshTokens.set(refreshToken, { sub, scope, audience, active: true })
      body.refresh_token = refreshToken
    }
    return body
  }

  async function token(params: URLSearchParams): Promise<Response> {
    const grantType = params.get('grant_type') ?? ''
    tokenRequests.push({ grantType, params })
    if (grantType === 'authorization_code') {
      const code = codes.get(params.get('code') ?? '')
      codes.delete(params.get('code') ?? '')
      if (!code) return oauthError('invalid_grant', 'Invalid authorization code', 403)
      if (code.clientId !== params.get('client_id') || code.redirectUri !== params.get('redirect_uri')) return oauthError('invalid_grant', 'client or redirect_uri mismatch', 403)
      const challenge = createHash('sha256').update(params.get('code_verifier') ?? '').digest('base64url')
      if (challenge !== code.challenge) return oauthError('invalid_grant', 'Failed to verify code verifier', 403)
      const nonce = nextNonce ?? code.nonce
      nextNonce = undefined
      return json(await issue(code.sub, code.scope, code.audience, nonce))
    }
    if (grantType === 'refresh_token') {
      if (options.refreshDelayMs) await new Promise((r) => setTimeout(r, options.refreshDelayMs))
      const presented = params.get('refresh_token') ?? ''
      const record = refreshTokens.get(presented)
      if (!record?.active) return oauthError('invalid_grant', 'Unknown or invalid refresh token.', 403)
      record.active = false
      return json(await issue(record.sub, record.scope, record.audience, null))
    }
    return oauthError('unsupported_grant_type', grantType)
  }

  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    requests.push(request.clone())
    const url = new URL(request.url)
    if (url.origin !== new URL(ISSUER).origin) return api(request)
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        return json(metadata)
      case 'GET /.well-known/jwks.json':
        return json({ keys: [jwk] })
      case 'POST /oauth/token':
        return token(new URLSearchParams(await request.text()))
      case 'POST /oauth/revoke': {
        const params = new URLSearchParams(await request.text())
        const presented = params.get('token') ?? ''
        revoked.push(presented)
        const record = refreshTokens.get(presented)
        if (record) record.active = false
        return new Response(null, { status: 200 })
      }
      case 'GET /userinfo':
        return json({ sub: 'user-1', email: 'ada@example.com' })
      default:
        return new Response('not found', { status: 404 })
    }
  }

  return {
    clock,
    fetch,
    tokenRequests,
    revoked,
    requests,
    refreshTokens,
    setApi(handler: ApiHandler) {
      api = handler
    },
    setAccessTokenLifetime(s: number) {
      lifetime = s
    },
    /** The next code exchange answers with this nonce in the ID token instead of the requested one. */
    forgeNextNonce(nonce: string) {
      nextNonce = nonce
    },
    /** Plays the user's login: validates nothing beyond what the test needs and returns the callback URL. */
    authorize(authorizeUrl: string, opts: { sub?: string; iss?: string; error?: string; errorDescription?: string } = {}): string {
      const url = new URL(authorizeUrl)
      const q = url.searchParams
      const callback = new URL(q.get('redirect_uri') ?? REDIRECT_URI)
      if (opts.error) {
        callback.searchParams.set('error', opts.error)
        if (opts.errorDescription) callback.searchParams.set('error_description', opts.errorDescription)
      } else {
        const code = randomBytes(16).toString('base64url')
        codes.set(code, {
          clientId: q.get('client_id') ?? '',
          redirectUri: q.get('redirect_uri') ?? '',
          challenge: q.get('code_challenge') ?? '',
          nonce: q.get('nonce'),
          scope: q.get('scope') ?? '',
          audience: q.get('audience'),
          sub: opts.sub ?? 'user-1',
        })
        callback.searchParams.set('code', code)
      }
      const state = q.get('state')
      if (state !== null) callback.searchParams.set('state', state)
      callback.searchParams.set('iss', opts.iss ?? ISSUER)
      return callback.href
    },
    refreshCount(): number {
      return tokenRequests.filter((r) => r.grantType === 'refresh_token').length
    },
  }
}

export type FakeIssuer = Awaited<ReturnType<typeof createFakeIssuer>>

export const SCOPE = 'openid profile email offline_access'

/** A client wired to the fake issuer (its fetch and clock). */
export function clientFor(fake: FakeIssuer, overrides: Partial<ClientOptions> = {}): LatchkeyClient {
  return createClient({ issuer: ISSUER, clientId: CLIENT_ID, redirectUri: REDIRECT_URI, audience: API, scope: SCOPE, fetch: fake.fetch, clock: fake.clock, ...overrides })
}

/** Logs in through the fake issuer and returns the callback result. */
export async function login(client: LatchkeyClient, fake: FakeIssuer, options?: AuthorizeOptions) {
  return client.handleCallback(fake.authorize(await client.buildAuthorizeUrl(options)))
}
