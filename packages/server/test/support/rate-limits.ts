/**
 * Helpers for the rate-limit tests: a server with limits on, a login form to post to again and
 * again, and requests that come "from" another address through a trusted proxy header.
 */
import assert from 'node:assert/strict'
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import { Redis } from 'ioredis'
import { authorizeUrl, Browser, formAction, hiddenField, pkce } from './browser.js'
import { startTestServer, type TestServer } from './harness.js'

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A server with rate limits on and the given `LATCHKEY_RATE_LIMIT_*` (or other) variables. */
export function limitedServer(env: Record<string, string> = {}, opts: { db?: string } = {}): Promise<TestServer> {
  return startTestServer({ ...opts, env: { LATCHKEY_RATE_LIMITS: 'on', ...env } })
}

/** Undefined when Redis answers; otherwise why it does not. */
export async function redisProblem(url = REDIS_URL): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    await redis.ping()
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    redis.disconnect()
  }
}

export interface Attempt {
  readonly status: number
  /** The page's error line, if any. */
  readonly error: string | null
  readonly headers: Headers
  readonly body: string
}

/** The login page of one interaction, posted to as often as a test likes. */
export class LoginForm {
  constructor(
    readonly browser: Browser,
    readonly action: string,
    readonly csrf: string,
  ) {}

  static async open(server: TestServer, clientId: string): Promise<LoginForm> {
    const browser = new Browser(server.url)
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId, challenge: pkce().challenge })))
    assert.equal(page.status, 200, 'the login page')
    const html = await page.text()
    return new LoginForm(browser, formAction(html), hiddenField(html, 'csrf'))
  }

  async post(username: string, password: string, headers: Record<string, string> = {}): Promise<Attempt> {
    const res = await this.browser.post(this.action, { csrf: this.csrf, username, password }, headers)
    const body = await res.text()
    const error = /<p class="error" role="alert"[^>]*>([\s\S]*?)<\/p>/.exec(body)?.[1]?.trim() ?? null
    return { status: res.status, error, headers: res.headers, body }
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Counts the statuses of a batch of responses: `{ 400: 5, 429: 35 }`. */
export function tally(statuses: readonly number[]): Record<number, number> {
  const out: Record<number, number> = {}
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1
  return out
}

/** The X-RateLimit-* and Retry-After headers of a 429, checked for shape. */
export function assertLimitHeaders(headers: Headers, limit: number): { retryAfter: number; reset: number } {
  assert.equal(headers.get('x-ratelimit-limit'), String(limit))
  assert.equal(headers.get('x-ratelimit-remaining'), '0')
  const retryAfter = Number(headers.get('retry-after'))
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${headers.get('retry-after')}`)
  const reset = Number(headers.get('x-ratelimit-reset'))
  const now = Date.now() / 1000
  assert.ok(Number.isInteger(reset) && reset >= Math.floor(now) && reset <= Math.ceil(now) + retryAfter + 1, `X-RateLimit-Reset ${reset} (now ${now})`)
  return { retryAfter, reset }
}

/**
 * A TCP relay to Redis that a test can cut (connections closed, port shut) or freeze (connections
 * open, nothing answers), to take "Redis" away from a running server.
 */
export async function redisRelay(url = REDIS_URL): Promise<{ url: string; cut(): Promise<void>; freeze(): void }> {
  const target = new URL(url)
  const sockets = new Set<Socket>()
  let frozen = false
  const relay = createNetServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname)
    for (const s of [client, upstream]) {
      s.unref()
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => sockets.delete(s))
    }
    client.on('data', (chunk) => frozen || upstream.write(chunk))
    upstream.on('data', (chunk) => frozen || client.write(chunk))
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  // A test that fails before cut() must not leave the relay holding the test process open.
  relay.unref()
  const port = (relay.address() as AddressInfo).port
  const relayed = new URL(url)
  relayed.hostname = '127.0.0.1'
  relayed.port = String(port)
  return {
    url: relayed.toString(),
    freeze() {
      frozen = true
    },
    async cut() {
      const closed = new Promise<void>((resolve) => relay.close(() => resolve()))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}
