/**
 * The peer: panva's oidc-provider, in this process, set up to do the same work per request as
 * Latchkey:
 * - one public client (`token_endpoint_auth_method: none`) with PKCE S256 required;
 * - RS256 (2048-bit) for ID tokens and JWT access tokens (RFC 9068, via a resource indicator for the
 *   API, as Latchkey's `audience`);
 * - refresh tokens rotated on every use (`rotateRefreshToken: true`);
 * - ID tokens carrying the profile and email claims (`conformIdTokenClaims: false`), as Latchkey's do;
 * - its memory adapter's logic on an unbounded Map: the stock one is a 1,000-entry LRU, which would
 *   evict the pre-minted tokens before the run reaches them.
 * Codes and refresh tokens are minted as its documentation describes: a `Grant` saved first, then
 * `new provider.AuthorizationCode({...}).save()` / `new provider.RefreshToken({...}).save()`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import Provider, { type Adapter, type AdapterPayload, type Configuration } from 'oidc-provider'
import {
  API_IDENTIFIER,
  API_SCOPES,
  CALLBACK,
  codeLifetimeSeconds,
  form,
  freePort,
  GRANT_SCOPE,
  pkcePair,
  USER,
  type Target,
} from './common.js'

const CLIENT_ID = 'bench-spa'
const ACCOUNT_ID = 'auth0|0123456789abcdef01234567'
const UPDATED_AT = Math.floor(Date.now() / 1000)

/** oidc-provider's MemoryAdapter (lib/adapters/memory_adapter.js), unbounded, expiry kept. */
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

/**
 * Drops what earlier runs left (used tokens, their grants): the servers share this process's heap,
 * and tens of thousands of dead entries would slow the garbage collector for both.
 */
function forgetEarlierRuns(): void {
  storage.clear()
}

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

export async function startPeer(runSeconds: number): Promise<Target> {
  const port = await freePort()
  const origin = `http://127.0.0.1:${port}`
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'bench-rs256' }

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
    pkce: { methods: ['S256'], required: () => true },
    routes: { jwks: '/.well-known/jwks.json' },
    ttl: {
      AccessToken: 86_400,
      AuthorizationCode: codeLifetimeSeconds(runSeconds),
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
          return {
            sub,
            name: USER.name,
            nickname: USER.nickname,
            updated_at: UPDATED_AT,
            email: USER.email,
            email_verified: true,
          }
        },
      }
    },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => API_IDENTIFIER,
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
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, '127.0.0.1', () => resolve(s)) as Server
  })
  const client = await provider.Client.find(CLIENT_ID)
  if (!client) throw new Error('peer client missing')
  const scope = GRANT_SCOPE.join(' ')

  async function newGrant(): Promise<string> {
    const grant = new provider.Grant({ accountId: ACCOUNT_ID, clientId: CLIENT_ID })
    grant.addOIDCScope(GRANT_SCOPE.filter((s) => !s.includes(':')).join(' '))
    grant.addResourceScope(API_IDENTIFIER, GRANT_SCOPE.filter((s) => s.includes(':')).join(' '))
    return grant.save()
  }

  return {
    name: 'oidc-provider',
    origin,
    paths: { token: '/token', jwks: '/.well-known/jwks.json', discovery: '/.well-known/openid-configuration' },

    async mintRefreshBodies(n) {
      forgetEarlierRuns()
      const out: string[] = []
      for (let i = 0; i < n; i++) {
        const grantId = await newGrant()
        const token = new provider.RefreshToken({
          accountId: ACCOUNT_ID,
          client,
          grantId,
          scope,
          resource: API_IDENTIFIER,
          authTime: Math.floor(Date.now() / 1000),
          gty: 'authorization_code',
          expiresWithSession: false,
          rotations: 0,
        } as never)
        const value = await token.save()
        out.push(form({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: value }))
      }
      return out
    },

    async mintCodeBodies(n) {
      forgetEarlierRuns()
      const out: string[] = []
      for (let i = 0; i < n; i++) {
        const { verifier, challenge } = pkcePair()
        const grantId = await newGrant()
        const code = new provider.AuthorizationCode({
          accountId: ACCOUNT_ID,
          client,
          grantId,
          scope,
          resource: API_IDENTIFIER,
          redirectUri: CALLBACK,
          codeChallenge: challenge,
          codeChallengeMethod: 'S256',
          nonce: randomBytes(16).toString('base64url'),
          authTime: Math.floor(Date.now() / 1000),
          sid: randomBytes(16).toString('base64url'),
          expiresWithSession: false,
        } as never)
        const value = await code.save()
        out.push(form({ grant_type: 'authorization_code', client_id: CLIENT_ID, code: value, code_verifier: verifier, redirect_uri: CALLBACK }))
      }
      return out
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
