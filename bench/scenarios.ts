/**
 * The operations the benchmark times, driven over HTTP exactly as a browser and an SPA would, the
 * same for every target (only the paths, and `audience` or `resource`, differ):
 * - `login`: GET /authorize without a session → the login page → POST the password (argon2id) → the
 *   redirect to the app with a code;
 * - `flow`: GET /authorize with an SSO session cookie → 302 with a code → POST the code, its PKCE
 *   verifier and the redirect URI to the token endpoint → access token (JWT for the API), ID token,
 *   refresh token;
 * - `refresh`: POST a refresh token → the same three tokens; each virtual user follows its own
 *   rotation chain;
 * - `userinfo`: GET /userinfo with the access token of a flow that named no API.
 * Every answer is checked: a benchmark of errors is worthless. The first answers of each kind are
 * checked in depth (JWT headers and claims), later ones for their shape.
 */
import { randomBytes } from 'node:crypto'
import { type Alg, CALLBACK, FLOW_SCOPE, pkcePair, type TargetInfo, USER, USERINFO_SCOPE } from './common.js'
import { CookieJar, type HttpClient, type Reply } from './http-client.js'

export type ScenarioName = 'login' | 'flow' | 'refresh' | 'userinfo'

export interface TokenSet {
  readonly access_token: string
  readonly id_token?: string
  readonly refresh_token?: string
  readonly token_type: string
  readonly expires_in: number
  readonly scope?: string
}

export class BenchError extends Error {}

function fail(what: string, reply: Reply): never {
  throw new BenchError(`${what}: HTTP ${reply.status} ${reply.location ? `→ ${reply.location} ` : ''}${reply.body.slice(0, 300)}`)
}

function decodeJwt(token: unknown): { header: Record<string, unknown>; payload: Record<string, unknown> } | null {
  if (typeof token !== 'string') return null
  const parts = token.split('.')
  if (parts.length !== 3) return null
  try {
    const decode = (s: string) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>
    return { header: decode(parts[0] as string), payload: decode(parts[1] as string) }
  } catch {
    return null
  }
}

/** Checks a token answer in depth: JWT access token for the API, ID token with email, refresh token (unless `newRefreshToken` is false). */
export function checkTokenSet(body: TokenSet, alg: Alg, audience: string | null, newRefreshToken = true): string | null {
  const at = decodeJwt(body.access_token)
  if (audience !== null) {
    if (!at) return 'access_token is not a JWT'
    if (at.header.alg !== alg) return `access_token alg ${String(at.header.alg)}, expected ${alg}`
    if (!([] as unknown[]).concat(at.payload.aud).includes(audience)) return `access_token aud ${JSON.stringify(at.payload.aud)}`
  } else if (typeof body.access_token !== 'string' || body.access_token.length < 20) return 'access_token missing'
  const id = decodeJwt(body.id_token)
  if (!id) return 'id_token missing or not a JWT'
  if (id.header.alg !== alg) return `id_token alg ${String(id.header.alg)}, expected ${alg}`
  if (id.payload.email !== USER.email) return 'id_token has no email claim'
  if (audience !== null && newRefreshToken && (typeof body.refresh_token !== 'string' || body.refresh_token.length < 20)) return 'refresh_token missing'
  if (!newRefreshToken && body.refresh_token !== undefined) return 'refresh_token issued by a non-rotating refresh'
  if (String(body.token_type).toLowerCase() !== 'bearer') return `token_type ${String(body.token_type)}`
  if (typeof body.expires_in !== 'number') return 'expires_in missing'
  return null
}

/** Talks to one target the way a browser and an SPA do. */
export class Driver {
  #deepChecks = 0

  constructor(
    readonly info: TargetInfo,
    readonly http: HttpClient,
  ) {}

  variant(alg: Alg) {
    const v = this.info.variants[alg]
    if (!v) throw new BenchError(`${this.info.name} has no ${alg} client`)
    return v
  }

  #authorizePath(alg: Alg, scope: string, challenge: string, state: string, withApi: boolean): string {
    const v = this.variant(alg)
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: v.clientId,
      redirect_uri: CALLBACK,
      scope,
      state,
      nonce: randomBytes(12).toString('base64url'),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })
    if (withApi) params.set(this.info.audienceParam, v.audience)
    return `${this.info.paths.authorize}?${params}`
  }

  #codeFrom(reply: Reply, state: string): string | null {
    if (reply.status < 300 || reply.status > 399 || !reply.location?.startsWith(CALLBACK)) return null
    const url = new URL(reply.location)
    if (url.searchParams.get('state') !== state) throw new BenchError(`state mismatch in ${reply.location}`)
    const code = url.searchParams.get('code')
    if (!code) fail('no code in the redirect to the app', reply)
    return code
  }

  /** From no session to a code: the login page and the password (argon2id). The jar then holds the SSO session. */
  async login(alg: Alg, scope = FLOW_SCOPE, withApi = true): Promise<{ jar: CookieJar; code: string; verifier: string }> {
    const jar = new CookieJar()
    const { verifier, challenge } = pkcePair()
    const state = randomBytes(12).toString('base64url')
    let reply = await this.http.send('GET', this.#authorizePath(alg, scope, challenge, state, withApi))
    for (let step = 0; step < 8; step++) {
      jar.absorb(reply.setCookie)
      const code = this.#codeFrom(reply, state)
      if (code) return { jar, code, verifier }
      if (reply.status >= 300 && reply.status <= 399 && reply.location) {
        const next = new URL(reply.location, this.info.origin)
        if (next.origin !== this.info.origin) fail('login redirected away', reply)
        reply = await this.http.send('GET', next.pathname + next.search, jar.header())
        continue
      }
      if (reply.status === 200 && reply.body.includes('<form')) {
        const action = /<form[^>]*action="([^"]+)"/.exec(reply.body)?.[1]?.replace(/&amp;/g, '&')
        if (!action) fail('login form without action', reply)
        const form = new URLSearchParams()
        for (const input of reply.body.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
          const name = /name="([^"]+)"/.exec(input[0])?.[1]
          const value = /value="([^"]*)"/.exec(input[0])?.[1]
          if (name) form.set(name, (value ?? '').replace(/&amp;/g, '&').replace(/&#x2F;|&#47;/g, '/'))
        }
        form.set('username', USER.email)
        form.set('password', USER.password)
        form.set('action', 'login')
        const target = new URL(action, this.info.origin)
        reply = await this.http.send('POST', target.pathname + target.search, jar.header(), form.toString())
        continue
      }
      fail('login', reply)
    }
    fail('login took more than 8 steps', reply)
  }

  /** GET /authorize with the session in `jar`: a code straight away. */
  async authorize(jar: CookieJar, alg: Alg, scope = FLOW_SCOPE, withApi = true): Promise<{ code: string; verifier: string }> {
    const { verifier, challenge } = pkcePair()
    const state = randomBytes(12).toString('base64url')
    const reply = await this.http.send('GET', this.#authorizePath(alg, scope, challenge, state, withApi), jar.header())
    jar.absorb(reply.setCookie)
    const code = this.#codeFrom(reply, state)
    if (!code) fail('authorize with an SSO session', reply)
    return { code, verifier }
  }

  async #token(form: Record<string, string>, alg: Alg, audience: string | null, newRefreshToken = true): Promise<TokenSet> {
    const reply = await this.http.send('POST', this.info.paths.token, { accept: 'application/json' }, new URLSearchParams(form).toString())
    if (reply.status !== 200) fail(`token endpoint (${form.grant_type})`, reply)
    const body = JSON.parse(reply.body) as TokenSet
    const problem = this.#deepChecks++ < 50 ? checkTokenSet(body, alg, audience, newRefreshToken) : typeof body.access_token === 'string' && typeof body.id_token === 'string' ? null : 'tokens missing'
    if (problem) fail(`token endpoint (${form.grant_type}): ${problem}`, reply)
    return body
  }

  exchange(alg: Alg, code: string, verifier: string, withApi = true): Promise<TokenSet> {
    const v = this.variant(alg)
    return this.#token({ grant_type: 'authorization_code', client_id: v.clientId, code, code_verifier: verifier, redirect_uri: CALLBACK }, alg, withApi ? v.audience : null)
  }

  refresh(alg: Alg, refreshToken: string): Promise<TokenSet> {
    const v = this.variant(alg)
    return this.#token({ grant_type: 'refresh_token', client_id: v.clientId, refresh_token: refreshToken }, alg, v.audience, this.info.refreshKeepsToken !== true)
  }

  async userinfo(accessToken: string): Promise<void> {
    const reply = await this.http.send('GET', this.info.paths.userinfo, { authorization: `Bearer ${accessToken}` })
    if (reply.status !== 200 || !reply.body.includes(USER.email)) fail('userinfo', reply)
  }
}
