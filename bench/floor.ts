/**
 * The floor: a deliberately minimal `node:http` authorization server that does only the work no
 * implementation of these operations can skip, to calibrate what this machine can do at all:
 * - parse the request (query, form body, cookie, Bearer header) and answer with JSON or a redirect;
 * - check the client, the redirect URI and PKCE S256 (constant-time), and the code's or refresh
 *   token's binding to the client;
 * - sign the same JWTs as the servers it calibrates (an RFC 9068 access token and an ID token with
 *   the profile and email claims), with keys imported once, off the event loop (`crypto.sign` with a
 *   callback runs on the libuv threadpool, as WebCrypto does): the rule Latchkey follows too;
 * - verify the access token's signature at /userinfo, the same way;
 * - argon2id at the same parameters for a password login, also on the threadpool;
 * - keep sessions, codes and refresh tokens in Maps (no durability, no audit, no limits, no logs).
 * It is not a server anyone should deploy: it stores secrets as they are, never expires a session,
 * and checks nothing else.
 */
import { hash, verify as verifyPassword } from '@node-rs/argon2'
import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { type Alg, ALGS, API_IDENTIFIER, ARGON2_OPTIONS, CALLBACK, type ClientVariant, freePort, type TargetInfo, USER } from './common.js'

const USER_ID = 'auth0|0123456789abcdef01234567'
const CODE_TTL_MS = 60_000
const ACCESS_TOKEN_SECONDS = 86_400
const ID_TOKEN_SECONDS = 36_000

interface SigningKey {
  readonly alg: Alg
  readonly kid: string
  readonly privateKey: KeyObject
  readonly publicKey: KeyObject
}

interface Grant {
  readonly clientId: string
  readonly audience: string | null
  readonly scope: string
  readonly authTime: number
  readonly sid: string
}
interface Code extends Grant {
  readonly redirectUri: string
  readonly challenge: string
  readonly nonce: string | null
  readonly expiresAt: number
}
interface PendingLogin {
  readonly params: URLSearchParams
}

function generate(alg: Alg): SigningKey {
  const pair =
    alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519')
  return { alg, kid: `floor-${alg.toLowerCase()}`, privateKey: pair.privateKey, publicKey: pair.publicKey }
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const digestOf = (alg: Alg) => (alg === 'EdDSA' ? null : 'sha256')

/** A compact JWS, signed on the threadpool. */
function signJwt(key: SigningKey, typ: string, payload: Record<string, unknown>): Promise<string> {
  const input = `${b64({ alg: key.alg, typ, kid: key.kid })}.${b64(payload)}`
  const signer = key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' as const } : key.privateKey
  return new Promise((resolve, reject) =>
    sign(digestOf(key.alg), Buffer.from(input), signer, (err, signature) => (err ? reject(err) : resolve(`${input}.${signature.toString('base64url')}`))),
  )
}

/** The payload of a JWT whose signature `key` verifies, on the threadpool; null otherwise. */
function verifyJwt(keys: ReadonlyMap<string, SigningKey>, token: string): Promise<Record<string, unknown> | null> {
  const parts = token.split('.')
  if (parts.length !== 3) return Promise.resolve(null)
  let header: { alg?: string; kid?: string; typ?: string }
  try {
    header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8'))
  } catch {
    return Promise.resolve(null)
  }
  const key = keys.get(header.kid ?? '')
  if (!key || header.alg !== key.alg || header.typ !== 'at+jwt') return Promise.resolve(null)
  const verifier = key.alg === 'ES256' ? { key: key.publicKey, dsaEncoding: 'ieee-p1363' as const } : key.publicKey
  return new Promise((resolve) =>
    verify(digestOf(key.alg), Buffer.from(`${parts[0]}.${parts[1]}`), verifier, Buffer.from(parts[2] as string, 'base64url'), (err, ok) => {
      if (err || !ok) return resolve(null)
      try {
        resolve(JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')))
      } catch {
        resolve(null)
      }
    }),
  )
}

const random = () => randomBytes(32).toString('base64url')
const s256 = (verifier: string) => createHash('sha256').update(verifier, 'ascii').digest()

export async function startFloor(): Promise<{ info: TargetInfo; close(): Promise<void> }> {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}/`
  const keys = new Map<Alg, SigningKey>(ALGS.map((alg) => [alg, generate(alg)]))
  const byKid = new Map([...keys.values()].map((k) => [k.kid, k]))
  const passwordHash = await hash(USER.password, ARGON2_OPTIONS)
  const clients = new Map<string, Alg>()
  const apis = new Map<string, Alg>()
  const variants: Partial<Record<Alg, ClientVariant>> = {}
  for (const alg of ALGS) {
    const suffix = alg === 'RS256' ? '' : `-${alg.toLowerCase()}`
    variants[alg] = { clientId: `floor-spa${suffix}`, audience: `${API_IDENTIFIER}${suffix}` }
    clients.set(`floor-spa${suffix}`, alg)
    apis.set(`${API_IDENTIFIER}${suffix}`, alg)
  }
  const sessions = new Map<string, { sid: string; authTime: number }>()
  const pending = new Map<string, PendingLogin>()
  const codes = new Map<string, Code>()
  const refreshTokens = new Map<string, Grant>()

  function json(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' })
    res.end(text)
  }
  function redirect(res: ServerResponse, location: string, cookie?: string): void {
    res.writeHead(302, { location, 'content-length': 0, ...(cookie ? { 'set-cookie': cookie } : {}) })
    res.end()
  }
  function readBody(req: IncomingMessage): Promise<URLSearchParams> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))))
      req.on('error', reject)
    })
  }
  function sessionOf(req: IncomingMessage) {
    const match = /(?:^|;\s*)floor_session=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')
    return match ? sessions.get(match[1] as string) : undefined
  }

  /** The code redirect for an accepted request and a session. */
  function issueCode(res: ServerResponse, params: URLSearchParams, session: { sid: string; authTime: number }, cookie?: string): void {
    const code = random()
    codes.set(code, {
      clientId: params.get('client_id') as string,
      redirectUri: params.get('redirect_uri') as string,
      challenge: params.get('code_challenge') as string,
      nonce: params.get('nonce'),
      scope: params.get('scope') ?? 'openid',
      audience: params.get('audience'),
      authTime: session.authTime,
      sid: session.sid,
      expiresAt: Date.now() + CODE_TTL_MS,
    })
    const state = params.get('state')
    redirect(res, `${params.get('redirect_uri')}?code=${code}${state ? `&state=${encodeURIComponent(state)}` : ''}&iss=${encodeURIComponent(issuer)}`, cookie)
  }

  /** Why a request is refused, or null: the client, the exact redirect URI, PKCE S256, a known API. */
  function authorizeProblem(query: URLSearchParams): string | null {
    if (!clients.has(query.get('client_id') ?? '') || query.get('redirect_uri') !== CALLBACK) return 'unknown client or redirect_uri'
    if (query.get('response_type') !== 'code' || query.get('code_challenge_method') !== 'S256' || !query.get('code_challenge')) return 'PKCE S256 required'
    const audience = query.get('audience')
    if (audience !== null && !apis.has(audience)) return 'unknown audience'
    return null
  }

  function authorize(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    const problem = authorizeProblem(query)
    if (problem) json(res, 400, { error: 'invalid_request', error_description: problem })
    else {
      const session = sessionOf(req)
      if (session) issueCode(res, query, session)
      else {
        const id = random()
        pending.set(id, { params: query })
        redirect(res, `/login?state=${id}`)
      }
    }
  }

  async function login(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const id = query.get('state') ?? ''
    if (req.method === 'GET') {
      if (!pending.has(id)) return json(res, 400, { error: 'invalid_request' })
      const page = `<!doctype html><form method="post" action="/login?state=${id}"><input name="username"><input name="password" type="password"><button>Log in</button></form>`
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) })
      res.end(page)
      return
    }
    const form = await readBody(req)
    const login = pending.get(id)
    const ok = login !== undefined && form.get('username') === USER.email && (await verifyPassword(passwordHash, form.get('password') ?? ''))
    if (!ok || !login) return json(res, 400, { error: 'access_denied' })
    pending.delete(id)
    const value = random()
    const session = { sid: random(), authTime: Date.now() }
    sessions.set(value, session)
    issueCode(res, login.params, session, `floor_session=${value}; Path=/; HttpOnly; SameSite=Lax`)
  }

  async function tokens(res: ServerResponse, clientId: string, grant: Grant, nonce: string | null): Promise<void> {
    const alg = clients.get(clientId) as Alg
    const now = Math.floor(Date.now() / 1000)
    const scopes = grant.scope.split(' ')
    const audiences = grant.audience === null ? [`${issuer}userinfo`] : scopes.includes('openid') ? [grant.audience, `${issuer}userinfo`] : [grant.audience]
    const atKey = keys.get(grant.audience === null ? 'RS256' : (apis.get(grant.audience) as Alg)) as SigningKey
    const accessToken = signJwt(atKey, 'at+jwt', {
      iss: issuer,
      sub: USER_ID,
      aud: audiences.length === 1 ? audiences[0] : audiences,
      iat: now,
      exp: now + ACCESS_TOKEN_SECONDS,
      jti: randomBytes(16).toString('base64url'),
      azp: clientId,
      client_id: clientId,
      scope: grant.scope,
      auth_time: Math.floor(grant.authTime / 1000),
    })
    const idToken = scopes.includes('openid')
      ? signJwt(keys.get(alg) as SigningKey, 'JWT', {
          iss: issuer,
          sub: USER_ID,
          aud: clientId,
          iat: now,
          exp: now + ID_TOKEN_SECONDS,
          azp: clientId,
          auth_time: Math.floor(grant.authTime / 1000),
          ...(nonce ? { nonce } : {}),
          sid: grant.sid,
          ...(scopes.includes('profile') ? { name: USER.name, nickname: USER.nickname, updated_at: '2026-01-01T00:00:00.000Z' } : {}),
          ...(scopes.includes('email') ? { email: USER.email, email_verified: true } : {}),
        })
      : undefined
    let refreshToken: string | undefined
    if (scopes.includes('offline_access')) {
      refreshToken = random()
      refreshTokens.set(refreshToken, grant)
    }
    const [at, id] = await Promise.all([accessToken, idToken])
    json(res, 200, {
      access_token: at,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      scope: grant.scope,
      ...(id ? { id_token: id } : {}),
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
    })
  }

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readBody(req)
    const clientId = form.get('client_id') ?? ''
    if (!clients.has(clientId)) return json(res, 401, { error: 'invalid_client' })
    const grantType = form.get('grant_type')
    if (grantType === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '')
      if (!code) return json(res, 400, { error: 'invalid_grant' })
      codes.delete(form.get('code') as string)
      const verifier = form.get('code_verifier') ?? ''
      const expected = Buffer.from(code.challenge)
      const actual = Buffer.from(s256(verifier).toString('base64url'))
      if (code.expiresAt <= Date.now() || code.clientId !== clientId || code.redirectUri !== form.get('redirect_uri'))
        return json(res, 400, { error: 'invalid_grant' })
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return json(res, 400, { error: 'invalid_grant' })
      return tokens(res, clientId, code, code.nonce)
    }
    if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token') ?? ''
      const grant = refreshTokens.get(presented)
      if (!grant || grant.clientId !== clientId) return json(res, 400, { error: 'invalid_grant' })
      refreshTokens.delete(presented)
      return tokens(res, clientId, grant, null)
    }
    return json(res, 400, { error: 'unsupported_grant_type' })
  }

  async function userinfo(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.headers.authorization ?? '')
    const payload = match ? await verifyJwt(byKid, match[1] as string) : null
    const aud = payload ? ([] as unknown[]).concat(payload.aud) : []
    const valid = payload && payload.iss === issuer && aud.includes(`${issuer}userinfo`) && typeof payload.exp === 'number' && payload.exp > Date.now() / 1000
    if (!valid || payload.sub !== USER_ID) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-length': 0 })
      res.end()
      return
    }
    const scopes = String(payload.scope).split(' ')
    json(res, 200, {
      sub: USER_ID,
      ...(scopes.includes('profile') ? { name: USER.name, nickname: USER.nickname, updated_at: '2026-01-01T00:00:00.000Z' } : {}),
      ...(scopes.includes('email') ? { email: USER.email, email_verified: true } : {}),
    })
  }

  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1))
    const route =
      path === '/authorize' && req.method === 'GET'
        ? Promise.resolve(authorize(req, res, query))
        : path === '/login'
          ? login(req, res, query)
          : path === '/oauth/token' && req.method === 'POST'
            ? token(req, res)
            : path === '/userinfo'
              ? userinfo(req, res)
              : Promise.resolve(json(res, 404, { error: 'not_found' }))
    route.catch((err: unknown) => json(res, 500, { error: 'server_error', error_description: String(err) }))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    info: {
      name: 'floor',
      origin: `http://127.0.0.1:${port}`,
      paths: { authorize: '/authorize', token: '/oauth/token', userinfo: '/userinfo' },
      audienceParam: 'audience',
      variants,
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
    },
  }
}
