/**
 * Latchkey as a benchmark target: the real server (`startServer`) on a SQLite file in a temporary
 * directory, logging at `warn`, with the client, API and user registered through @latchkey/core the
 * way the CLI does. Codes and refresh tokens are minted straight into the store: codes with
 * `issueCode` (as /authorize does after login), refresh tokens as records keyed by `sha256(token)`
 * (as a code exchange would leave them), one family per token.
 */
import {
  createApi,
  createApplication,
  createUser,
  issueCode,
  randomId,
  randomToken,
  sha256,
  type AuthorizationRequest,
  type RefreshTokenRecord,
} from '@latchkey/core'
import { openAndMigrate } from '@latchkey/storage'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../packages/server/src/config.js'
import { createLogger } from '../packages/server/src/logger.js'
import { startServer } from '../packages/server/src/server.js'
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

/** Benchmarks only: the key-encryption secret when LATCHKEY_SECRET is unset. */
const BENCH_SECRET = 'latchkey-benchmark-secret-for-test-databases-only'

/** Inserts per transaction while minting (SQLite commits are the cost of minting). */
const BATCH = 2_000

export async function startLatchkey(runSeconds: number, db?: string): Promise<Target & { readonly db: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'))
  const port = await freePort()
  const dbUrl = db ?? `sqlite:${join(dir, 'latchkey.db')}`
  // Rate limits off: the load comes from one IP and one client, far past any sane limit.
  // PostgreSQL needs a key-encryption secret; a fixed one lets a BENCH_LATCHKEY_DB be reused across runs.
  const config = loadConfig({ port, host: '127.0.0.1', db: dbUrl, logLevel: 'warn' }, { LATCHKEY_RATE_LIMITS: 'off', LATCHKEY_SECRET: process.env.LATCHKEY_SECRET || BENCH_SECRET })
  const store = await openAndMigrate(config.db)
  const now = Date.now()

  const { record: app } = createApplication(
    { name: 'Bench SPA', type: 'spa', callbacks: [CALLBACK], webOrigins: ['http://localhost:8080'] },
    now,
  )
  await store.applications.insert(app)
  await store.apis.insert(
    createApi({ name: 'Appointments', identifier: API_IDENTIFIER, scopes: [...API_SCOPES], allowOfflineAccess: true }, now),
  )
  // The password hash is never checked by the token endpoint; a placeholder PHC string will do.
  const user = createUser({ ...USER, emailVerified: true }, '$argon2id$v=19$m=19456,t=2,p=1$bench$bench', now)
  await store.users.insert(user)

  const running = await startServer(config, { store, log: createLogger('warn') })
  const codeLifetimeMs = codeLifetimeSeconds(runSeconds) * 1000

  async function inBatches<T>(n: number, make: (now: number) => { value: T; insert: (tx: typeof store) => Promise<unknown> }): Promise<T[]> {
    const out: T[] = []
    while (out.length < n) {
      const size = Math.min(BATCH, n - out.length)
      await store.transaction(async (tx) => {
        const t = Date.now()
        for (let i = 0; i < size; i++) {
          const { value, insert } = make(t)
          await insert(tx)
          out.push(value)
        }
      })
    }
    return out
  }

  return {
    name: 'Latchkey',
    origin: `http://127.0.0.1:${port}`,
    db: dbUrl,
    paths: { token: '/oauth/token', jwks: '/.well-known/jwks.json', discovery: '/.well-known/openid-configuration' },

    mintRefreshBodies(n) {
      return inBatches(n, (t) => {
        const token = randomToken()
        const grantId = randomId()
        const record: RefreshTokenRecord = {
          tokenHash: sha256(token),
          familyId: grantId,
          grantId,
          clientId: app.clientId,
          userId: user.id,
          scope: [...GRANT_SCOPE],
          audience: API_IDENTIFIER,
          authTime: t,
          sid: null,
          organization: null,
          createdAt: t,
          expiresAt: t + app.refreshToken.idleLifetimeSeconds * 1000,
          familyExpiresAt: t + app.refreshToken.absoluteLifetimeSeconds * 1000,
          rotatedAt: null,
          revokedAt: null,
        }
        return {
          value: form({ grant_type: 'refresh_token', client_id: app.clientId, refresh_token: token }),
          insert: (tx) => tx.refreshTokens.insert(record),
        }
      })
    },

    mintCodeBodies(n) {
      return inBatches(n, (t) => {
        const { verifier, challenge } = pkcePair()
        const request: AuthorizationRequest = {
          clientId: app.clientId,
          redirectUri: CALLBACK,
          redirectUriProvided: true,
          responseMode: 'query',
          scope: [...GRANT_SCOPE],
          audience: API_IDENTIFIER,
          state: null,
          nonce: randomToken(16),
          codeChallenge: challenge,
          codeChallengeMethod: 'S256',
          prompt: [],
          maxAge: null,
          loginHint: null,
          screenHint: null,
          organization: null,
          invitation: null,
        }
        const { code, record } = issueCode({ request, userId: user.id, authTime: t, sid: randomId(), now: t })
        // Codes live 60 s; the bench keeps them for the whole run (same for the peer).
        const stored = { ...record, expiresAt: t + codeLifetimeMs }
        return {
          value: form({ grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: CALLBACK }),
          insert: (tx) => tx.authorizationCodes.insert(stored),
        }
      })
    },

    async close() {
      await running.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
