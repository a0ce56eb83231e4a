/**
 * A hand-made OpenID provider (node:http + jose) that misbehaves on demand, for the failures a real
 * provider will not produce: ID tokens signed by a key outside its JWKS, for another audience or
 * nonce, expired; a userinfo `sub` that is not the ID token's; a wrong `iss` in its metadata; slow,
 * failing or oversized answers; key rotation.
 *
 * Its authorization endpoint logs the user in at once (no page): GET it, read the Location.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose'
import { freePort } from '../harness.js'

export const FAKE_CLIENT = { clientId: 'latchkey-at-fake', clientSecret: randomBytes(24).toString('base64url') }

type Endpoint = 'discovery' | 'jwks' | 'token' | 'userinfo'

/** What to do wrong; tests set fields, `reset()` puts everything back. */
export interface Misbehaviour {
  /** Changes the ID token's claims before signing. */
  idToken?: (claims: JWTPayload) => JWTPayload
  /** Sign the ID token with a key outside the JWKS (under the published kid or a new one), HS256 with the secret, or `none`. */
  signWith?: 'foreign-same-kid' | 'foreign-new-kid' | 'hs256' | 'none'
  /** Changes the userinfo answer. */
  userinfo?: (claims: Record<string, unknown>) => Record<string, unknown>
  /** Leave userinfo_endpoint out of the metadata. */
  noUserinfo?: boolean
  /** The `iss` at the callback: a value, or null for none (default: the issuer). */
  callbackIss?: string | null
  /** Changes the metadata. */
  metadata?: (metadata: Record<string, unknown>) => Record<string, unknown>
  /** Wait this long before answering. */
  delayMs?: Partial<Record<Endpoint, number>>
  /** Answer with this status (and a plain-text body). */
  status?: Partial<Record<Endpoint, number>>
  /** Answer with this raw body (status 200, application/json). */
  body?: Partial<Record<Endpoint, string>>
}

export interface FakeOidc {
  readonly issuer: string
  /** The standard claims the account has (ID token and userinfo). */
  readonly claims: Record<string, unknown>
  readonly misbehave: Misbehaviour
  /** How many times each endpoint was called. */
  readonly calls: Record<Endpoint, number>
  /** Behaves again, and counts calls from zero. */
  reset(): void
  /** A new signing key with a new kid; the JWKS then publishes only it. */
  rotateKeys(): Promise<void>
  /** GET the authorization URL and return the callback URL it redirects to. */
  authorize(authorizationUrl: string): Promise<URL>
  close(): Promise<void>
}

interface IssuedCode {
  readonly clientId: string
  readonly redirectUri: string
  readonly nonce: string | null
  readonly challenge: string
}

async function signingKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256')
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } as JWK }
}

/** RFC 6749 §2.3.1: client_secret_basic with both parts form-urlencoded. */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const encoded = /^Basic (.+)$/i.exec(header ?? '')?.[1]
  if (!encoded) return null
  const decoded = Buffer.from(encoded, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  const part = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '))
  return colon < 0 ? null : { id: part(decoded.slice(0, colon)), secret: part(decoded.slice(colon + 1)) }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/** `callbackUrl`: Latchkey's `{issuer}login/callback` as registered at the provider; by default any redirect_uri is accepted. */
export async function startFakeOidc(claims: Record<string, unknown> = {}, callbackUrl: string | null = null): Promise<FakeOidc> {
  const port = await freePort()
  const issuer = `http://127.0.0.1:${port}`
  const sub = 'fake-sub-42'
  const account = {
    sub,
    name: 'Fay Kerr',
    given_name: 'Fay',
    family_name: 'Kerr',
    email: 'fay@fake.example',
    email_verified: true,
    picture: 'https://example.com/fay.png',
    ...claims,
  }
  let key = await signingKey('key-1')
  const foreign = await signingKey('key-1')
  const codes = new Map<string, IssuedCode>()
  const tokens = new Map<string, string>()
  const misbehave: Misbehaviour = {}
  const calls: Record<Endpoint, number> = { discovery: 0, jwks: 0, token: 0, userinfo: 0 }

  function metadata(): Record<string, unknown> {
    const m: Record<string, unknown> = {
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      ...(misbehave.noUserinfo ? {} : { userinfo_endpoint: `${issuer}/userinfo` }),
      end_session_endpoint: `${issuer}/logout`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'none'],
      code_challenge_methods_supported: ['S256'],
    }
    return misbehave.metadata ? misbehave.metadata(m) : m
  }

  async function idToken(code: IssuedCode): Promise<string> {
    const now = Math.floor(Date.now() / 1000)
    let payload: JWTPayload = { ...account, iss: issuer, aud: code.clientId, iat: now, exp: now + 300, auth_time: now, amr: ['pwd'], ...(code.nonce ? { nonce: code.nonce } : {}) }
    if (misbehave.idToken) payload = misbehave.idToken(payload)
    switch (misbehave.signWith) {
      case 'foreign-same-kid':
        return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: foreign.kid }).sign(foreign.privateKey)
      case 'foreign-new-kid':
        return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'key-unknown' }).sign(foreign.privateKey)
      case 'hs256':
        return new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(FAKE_CLIENT.clientSecret))
      case 'none': {
        const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
        return `${part({ alg: 'none' })}.${part(payload)}.`
      }
      default:
        return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey)
    }
  }

  function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    res.end(JSON.stringify(body))
  }

  /** The misbehaviour of an endpoint that replaces its answer; true when it answered. */
  async function disturbed(endpoint: Endpoint, res: ServerResponse): Promise<boolean> {
    calls[endpoint]++
    const delay = misbehave.delayMs?.[endpoint]
    if (delay) await new Promise((resolve) => setTimeout(resolve, delay))
    const status = misbehave.status?.[endpoint]
    if (status) {
      res.writeHead(status, { 'content-type': 'text/plain' })
      res.end('<h1>Service Unavailable</h1>')
      return true
    }
    const body = misbehave.body?.[endpoint]
    if (body !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(body)
      return true
    }
    return false
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer)
    switch (`${req.method} ${url.pathname}`) {
      case 'GET /.well-known/openid-configuration':
        if (!(await disturbed('discovery', res))) json(res, 200, metadata())
        return
      case 'GET /jwks':
        if (!(await disturbed('jwks', res))) json(res, 200, { keys: [key.jwk] })
        return
      case 'GET /authorize': {
        const q = url.searchParams
        if (callbackUrl !== null && q.get('redirect_uri') !== callbackUrl) {
          res.writeHead(400, { 'content-type': 'text/plain' })
          res.end('The redirect_uri is not the registered callback URL.')
          return
        }
        const code = randomBytes(16).toString('base64url')
        codes.set(code, { clientId: q.get('client_id') ?? '', redirectUri: q.get('redirect_uri') ?? '', nonce: q.get('nonce'), challenge: q.get('code_challenge') ?? '' })
        const back = new URL(q.get('redirect_uri') ?? '')
        back.searchParams.set('code', code)
        back.searchParams.set('state', q.get('state') ?? '')
        const iss = misbehave.callbackIss === undefined ? issuer : misbehave.callbackIss
        if (iss !== null) back.searchParams.set('iss', iss)
        res.writeHead(302, { location: back.href })
        res.end()
        return
      }
      case 'POST /token': {
        const form = await readForm(req)
        if (await disturbed('token', res)) return
        const code = codes.get(form.get('code') ?? '')
        codes.delete(form.get('code') ?? '')
        const verifier = form.get('code_verifier') ?? ''
        if (!code || code.redirectUri !== form.get('redirect_uri') || createHash('sha256').update(verifier).digest('base64url') !== code.challenge) {
          json(res, 400, { error: 'invalid_grant', error_description: 'grant request is invalid' })
          return
        }
        const basic = basicCredentials(req.headers.authorization)
        const authenticated = basic ? basic.id === FAKE_CLIENT.clientId && basic.secret === FAKE_CLIENT.clientSecret : form.get('client_id') === code.clientId
        if (!authenticated) {
          json(res, 401, { error: 'invalid_client' })
          return
        }
        const accessToken = randomBytes(16).toString('base64url')
        tokens.set(accessToken, sub)
        json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, id_token: await idToken(code) })
        return
      }
      case 'GET /userinfo': {
        if (await disturbed('userinfo', res)) return
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
        if (!token || !tokens.has(token)) {
          res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' })
          res.end()
          return
        }
        const info: Record<string, unknown> = { ...account }
        json(res, 200, misbehave.userinfo ? misbehave.userinfo(info) : info)
        return
      }
      default:
        res.writeHead(404)
        res.end()
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500)
      res.end(String(err))
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    issuer,
    claims: account,
    misbehave,
    calls,
    reset() {
      for (const k of Object.keys(misbehave)) delete misbehave[k as keyof Misbehaviour]
      for (const k of Object.keys(calls)) calls[k as Endpoint] = 0
    },
    async rotateKeys() {
      key = await signingKey(`key-${randomBytes(4).toString('hex')}`)
    },
    async authorize(authorizationUrl) {
      const res = await fetch(authorizationUrl, { redirect: 'manual' })
      const location = res.headers.get('location')
      if (res.status !== 302 || !location) throw new Error(`the fake provider answered ${res.status}`)
      return new URL(location)
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
