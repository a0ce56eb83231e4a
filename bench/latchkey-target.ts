/**
 * Latchkey as a benchmark target, run the way `latchkey serve` runs it: the real server
 * (`startServer`), logging at `info` (one line per request, to the process's stdout, which the
 * runner discards), rate limits on with their backend for the database (memory with SQLite,
 * PostgreSQL with PostgreSQL) but with ceilings no single benchmark client reaches, audit log on.
 * Registered like the CLI does: an SPA, the API, a user with an argon2id password; one more SPA and
 * API per extra signing algorithm (ES256, EdDSA). A node that `join`s another (several nodes on one
 * PostgreSQL database) registers nothing and serves the first node's issuer.
 */
import { randomUUID } from 'node:crypto'
import { createApi, createApplication, createRole, createUser } from '@latchkey/core'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../packages/server/src/config.js'
import { createLogger } from '../packages/server/src/logger.js'
import { hashPassword } from '../packages/server/src/passwords.js'
import { startServer } from '../packages/server/src/server.js'
import { ALGS, type Alg, API_IDENTIFIER, API_SCOPES, CALLBACK, type ClientVariant, freePort, type TargetInfo, USER } from './common.js'

/** Benchmarks only: the key-encryption secret (PostgreSQL needs one; SQLite would write a file). */
const BENCH_SECRET = 'bGF0Y2hrZXktYmVuY2htYXJrLW9ubHktbm90LWEtcmVhbC1zZWNyZXQ'

/** Far above what one benchmark client sends from one IP, so the limits are counted but never refuse. */
const LIMIT_ENV = {
  LATCHKEY_RATE_LIMITS: 'on',
  LATCHKEY_RATE_LIMIT_TOKEN: '1000000/60',
  // Reserved for every request in flight (given back on success): 64 at once would pass the default 30.
  LATCHKEY_RATE_LIMIT_TOKEN_FAILURES: '1000000/60',
  LATCHKEY_RATE_LIMIT_AUTHORIZE: '1000000/60',
  LATCHKEY_RATE_LIMIT_LOGIN: '1000000/60',
  // A non-rotating token is presented again and again: the default 10 a minute per token would refuse it.
  LATCHKEY_RATE_LIMIT_REFRESH_TOKEN: '1000000/60',
}

export interface LatchkeyOptions {
  /** A database URL; a SQLite file in a temporary directory by default. */
  readonly db?: string
  readonly name: string
  /** `off` measures what the rate limits cost. */
  readonly rateLimits?: 'on' | 'off'
  readonly logLevel?: string
  /** Rate-limit counters in this Redis instead of the database (`LATCHKEY_REDIS_URL`). */
  readonly redis?: string
  /** The APIs have RBAC on and permissions in their tokens; the user holds a role with every scope. */
  readonly rbac?: boolean
  /** One post-login action bound, which does nothing: what running Actions costs a login and a refresh. */
  readonly emptyAction?: boolean
  /** The SPAs' refresh tokens are non-rotating (Auth0's rotation_type): a refresh keeps its token. */
  readonly nonRotating?: boolean
  /** Another node of the same deployment: same database and issuer, registrations already made. */
  readonly join?: { readonly issuer: string; readonly variants: Partial<Record<Alg, ClientVariant>> }
}

export async function startLatchkey(options: LatchkeyOptions): Promise<{ info: TargetInfo; db: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'))
  const port = await freePort()
  const db = options.db ?? `sqlite:${join(dir, 'latchkey.db')}`
  const env = {
    ...LIMIT_ENV,
    ...(options.rateLimits === 'off' ? { LATCHKEY_RATE_LIMITS: 'off' } : {}),
    // Rate-limit counters in Redis instead of the database, when the runner (or its environment) says so.
    ...(options.redis || process.env.LATCHKEY_REDIS_URL ? { LATCHKEY_REDIS_URL: options.redis || process.env.LATCHKEY_REDIS_URL } : {}),
    LATCHKEY_SECRET: process.env.LATCHKEY_SECRET || BENCH_SECRET,
  }
  const issuer = options.join?.issuer ?? `http://127.0.0.1:${port}/`
  const config = loadConfig({ port, host: '127.0.0.1', issuer, db, logLevel: options.logLevel ?? 'info' }, env)
  const store = await openAndMigrate(config.db)
  const variants = options.join ? { ...options.join.variants } : await register(store, options.rbac ?? false, options.nonRotating ?? false)
  if (options.emptyAction && !options.join) {
    const now = Date.now()
    const id = randomUUID()
    await store.actions.insert({ id, name: 'empty', trigger: 'post-login', code: 'exports.onExecutePostLogin = async (event, api) => {}', dependencies: [], secretNames: [], sealedSecrets: null, deployed: null, createdAt: now, updatedAt: now })
    await store.actions.deploy(id, now)
    await store.actions.bind('post-login', [{ actionId: id, displayName: 'empty' }])
  }
  const running = await startServer(config, { store, log: createLogger(config.logLevel) })
  return {
    info: {
      name: options.name,
      origin: `http://127.0.0.1:${port}`,
      paths: { authorize: '/authorize', token: '/oauth/token', userinfo: '/userinfo' },
      audienceParam: 'audience',
      variants,
      ...(options.nonRotating ? { refreshKeepsToken: true } : {}),
    },
    db,
    async close() {
      await running.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The SPA and API per signing algorithm, and the user, as `latchkey apps/apis/users create` make them. */
async function register(store: Store, rbac: boolean, nonRotating: boolean): Promise<Partial<Record<Alg, ClientVariant>>> {
  const now = Date.now()
  const role = createRole({ name: 'bench-all-scopes' }, now)
  if (rbac) await store.roles.insert(role)
  const variants: Partial<Record<Alg, ClientVariant>> = {}
  for (const alg of ALGS) {
    const suffix = alg === 'RS256' ? '' : `-${alg.toLowerCase()}`
    const audience = `${API_IDENTIFIER}${suffix}`
    const api = createApi(
      { name: `Appointments${suffix}`, identifier: audience, scopes: [...API_SCOPES], allowOfflineAccess: true, signingAlg: alg, ...(rbac ? { enforcePolicies: true, tokenDialect: 'access_token_authz' as const } : {}) },
      now,
    )
    const { record: app } = createApplication({ name: `Bench SPA${suffix}`, type: 'spa', callbacks: [CALLBACK], webOrigins: ['http://localhost:8080'], idTokenAlg: alg, ...(nonRotating ? { refreshToken: { rotation: 'non-rotating' as const } } : {}) }, now)
    await store.apis.insert(api)
    if (rbac) await store.roles.addPermissions(role.id, API_SCOPES.map((name) => ({ apiIdentifier: audience, name })), now)
    await store.applications.insert(app)
    variants[alg] = { clientId: app.clientId, audience }
  }
  const user = createUser({ email: USER.email, name: USER.name, nickname: USER.nickname, emailVerified: true }, await hashPassword(USER.password), now)
  await store.users.insert(user)
  if (rbac) await store.roles.assign([user.id], [role.id], now)
  return variants
}
