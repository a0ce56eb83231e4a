/**
 * A real Latchkey on a real socket for tests: in-memory SQLite, a controllable clock, and helpers to
 * register apps, APIs and users through the same core functions the CLI uses.
 */
import {
  createApi,
  createApplication,
  createUser,
  type ApiInput,
  type ApiRecord,
  type ApplicationInput,
  type ApplicationRecord,
  type Clock,
  type UserRecord,
} from '@latchkey/core'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { Writable } from 'node:stream'
import { loadConfig } from '../../src/config.js'
import { createLogger } from '../../src/logger.js'
import { hashPassword } from '../../src/passwords.js'
import { startServer, type RunningServer } from '../../src/server.js'

export class TestClock implements Clock {
  #offset = 0
  now(): number {
    return Date.now() + this.#offset
  }
  advance(ms: number): void {
    this.#offset += ms
  }
}

export interface TestServer {
  readonly url: string
  /** `http://localhost:PORT/` */
  readonly issuer: string
  readonly store: Store
  readonly clock: TestClock
  readonly running: RunningServer
  /** Everything the server logged, one JSON object per line. */
  readonly logs: string[]
  close(): Promise<void>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      const port = typeof address === 'object' && address ? address.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** The key-encryption secret of test servers (PostgreSQL needs one; the same for every server of a run). */
export const TEST_SECRET = randomBytes(32).toString('base64url')

/**
 * Rate limits are off unless a test turns them on through `env` (`LATCHKEY_RATE_LIMITS: 'on'` and
 * any `LATCHKEY_RATE_LIMIT_*`): most tests send hundreds of requests from 127.0.0.1.
 */
export interface TestServerOptions {
  readonly db?: string
  readonly issuer?: string
  readonly demo?: boolean
  readonly env?: Record<string, string>
  /** A port chosen beforehand (freePort), for settings that name the server's own address. */
  readonly port?: number
}

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const port = opts.port ?? (await freePort())
  const config = loadConfig({ port, host: '127.0.0.1', db: opts.db ?? 'sqlite::memory:', logLevel: 'info', issuer: opts.issuer, demo: opts.demo }, { LATCHKEY_RATE_LIMITS: 'off', LATCHKEY_SECRET: TEST_SECRET, ...opts.env })
  const logs: string[] = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk))
      done()
    },
  })
  const clock = new TestClock()
  const store = await openAndMigrate(config.db)
  const running = await startServer(config, { clock, store, log: createLogger('info', sink) })
  return { url: running.url, issuer: config.issuer, store, clock, running, logs, close: () => running.close() }
}

export const PASSWORD = 'correct horse battery staple'
const passwordHash = hashPassword(PASSWORD)

export async function addApp(store: Store, input: Partial<ApplicationInput> = {}): Promise<{ app: ApplicationRecord; secret: string | null }> {
  const { record, clientSecret } = createApplication(
    { name: 'Test SPA', type: 'spa', callbacks: ['http://localhost:8080/callback'], webOrigins: ['http://localhost:8080'], logoutUrls: ['http://localhost:8080/'], ...input },
    Date.now(),
  )
  await store.applications.insert(record)
  return { app: record, secret: clientSecret }
}

export async function addApi(store: Store, input: Partial<ApiInput> = {}): Promise<ApiRecord> {
  const record = createApi(
    { name: 'Appointments', identifier: 'https://api.example.com/appointments', scopes: ['read:appointments', 'write:appointments'], allowOfflineAccess: true, ...input },
    Date.now(),
  )
  await store.apis.insert(record)
  return record
}

let userCount = 0
export async function addUser(store: Store, overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
  userCount += 1
  const record = { ...createUser({ email: `user${userCount}-${Date.now()}@example.com`, name: 'Test User', emailVerified: true }, await passwordHash, Date.now()), ...overrides }
  await store.users.insert(record)
  return record
}
