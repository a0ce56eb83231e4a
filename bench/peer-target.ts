/**
 * The peer: panva's oidc-provider, set up to do the same work per operation as Latchkey:
 * - one public client (`token_endpoint_auth_method: none`) with PKCE S256 required;
 * - RS256 (2048-bit) for ID tokens and JWT access tokens (RFC 9068, through a resource indicator for
 *   the API, Latchkey's `audience`); without a resource, its opaque /userinfo token;
 * - refresh tokens rotated on every use (`rotateRefreshToken: true`) and issued to the SPA on every
 *   code exchange, as Auth0 and Latchkey do (oidc-provider otherwise drops `offline_access` without
 *   `prompt=consent`, as OpenID Connect Core §11 allows);
 * - ID tokens with the profile and email claims (`conformIdTokenClaims: false`), as Latchkey's;
 * - a login page of its interaction API: argon2id at the same parameters, then login and consent
 *   finished together (a grant with the scopes), so an SSO session covers later flows;
 * - its memory adapter's logic on an unbounded Map (the stock one is a 1,000-entry LRU, which would
 *   evict sessions and tokens under load; a production deployment would use Redis or a database,
 *   which costs more than a Map).
 */
import { hash, verify } from '@node-rs/argon2'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import Provider, { type Adapter, type AdapterPayload, type Configuration } from 'oidc-provider'
import { API_IDENTIFIER, API_SCOPES, ARGON2_OPTIONS, CALLBACK, freePort, type TargetInfo, USER } from './common.js'

const CLIENT_ID = 'bench-spa'
const ACCOUNT_ID = 'auth0|0123456789abcdef01234567'
const UPDATED_AT = Math.floor(Date.now() / 1000)

/** oidc-provider's MemoryAdapter (lib/adapters/memory_adapter.js) on an unbounded Map, expiry kept. */
const storage = new Map<string, { value: unknown; expiresAt: number }>()
function get<T>(key: string): T | undefined {
  const entry = storage.get(key)
  if (!entry) return undefined
  if (entry.expiresAt <= Date.now()) {
    storage.delete(key)
    return undefined
  }
  return entry.value as T
}
function set(key: string, value: unknown, expiresInSeconds: number): void {
  storage.set(key, { value, expiresAt: expiresInSeconds ? Date.now() + expiresInSeconds * 1000 : Number.POSITIVE_INFINITY })
}
const grantable = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'])

class MapAdapter implements Adapter {
  constructor(private readonly model: string) {}
  key(id: string) {
    return `${this.model}:${id}`
  }
  async destroy(id: string) {
    storage.delete(this.key(id))
  }
  async consume(id: string) {
    const payload = get<AdapterPayload>(this.key(id))
    if (payload) payload.consumed = Math.floor(Date.now() / 1000)
  }
  async find(id: string) {
    return get<AdapterPayload>(this.key(id))
  }
  async findByUid(uid: string) {
    const id = get<string>(`sessionUid:${uid}`)
    return id === undefined ? undefined : this.find(id)
  }
  async findByUserCode(userCode: string) {
    const id = get<string>(`userCode:${userCode}`)
    return id === undefined ? undefined : this.find(id)
  }
  async upsert(id: string, payload: AdapterPayload, expiresIn: number) {
    const key = this.key(id)
    if (this.model === 'Session' && payload.uid) set(`sessionUid:${payload.uid}`, id, expiresIn)
    const { grantId, userCode } = payload
    if (grantable.has(this.model) && grantId) {
      const grant = get<string[]>(`grant:${grantId}`)
      if (!grant) set(`grant:${grantId}`, [key], 0)
      else grant.push(key)
    }
    if (userCode) set(`userCode:${userCode}`, id, expiresIn)
    set(key, payload, expiresIn)
  }
  async revokeByGrantId(grantId: string) {
    const grant = get<string[]>(`grant:${grantId}`)
    if (grant) {
      for (const key of grant) storage.delete(key)
      storage.delete(`grant:${grantId}`)
    }
  }
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

export async function startPeer(): Promise<{ info: TargetInfo; close(): Promise<void> }> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'bench-rs256' }
  const passwordHash = await hash(USER.password, ARGON2_OPTIONS)

  const configuration: Configuration = {
    adapter: MapAdapter,
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'nickname', 'picture', 'updated_at'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: false,
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    pkce: { methods: ['S256'], required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: 86_400,
      AuthorizationCode: 60,
      IdToken: 36_000,
      RefreshToken: 1_296_000,
      Grant: 2_592_000,
      Session: 86_400,
      Interaction: 3_600,
    },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, name: USER.name, nickname: USER.nickname, updated_at: UPDATED_AT, email: USER.email, email_verified: true }
        },
      }
    },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined as unknown as string,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({
          scope: API_SCOPES.join(' '),
          audience: API_IDENTIFIER,
          accessTokenTTL: 86_400,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
  }
  const provider = new Provider(`${origin}/`, configuration)
  const callback = provider.callback()

  /** The interaction pages: a login form, and its POST, which finishes login and consent at once. */
  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res)
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      res.end(`<!doctype html><form method="post" action="/interaction/${escapeHtml(details.uid)}/login"><input name="username"><input name="password" type="password"><button>Log in</button></form>`)
      return
    }
    const form = await readForm(req)
    const ok = form.get('username') === USER.email && (await verify(passwordHash, form.get('password') ?? ''))
    if (!ok) {
      res.writeHead(400, { 'content-type': 'text/plain' })
      res.end('wrong email or password')
      return
    }
    const grant = new provider.Grant({ accountId: ACCOUNT_ID, clientId: CLIENT_ID })
    grant.addOIDCScope('openid profile email offline_access')
    grant.addResourceScope(API_IDENTIFIER, API_SCOPES.join(' '))
    const grantId = await grant.save()
    await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT_ID }, consent: { grantId } }, { mergeWithLastSubmission: false })
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
    info: {
      name: 'oidc-provider',
      origin,
      paths: { authorize: '/auth', token: '/token', userinfo: '/me' },
      audienceParam: 'resource',
      variants: { RS256: { clientId: CLIENT_ID, audience: API_IDENTIFIER } },
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      storage.clear()
    },
  }
}
