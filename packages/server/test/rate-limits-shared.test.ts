/**
 * Shared rate limits under parallel attack: the same limit holds across two Latchkey nodes when the
 * counters live in PostgreSQL or Redis, N parallel requests at a limit of K let exactly K through,
 * and losing Redis falls back to the insurance limiter (PostgreSQL, or memory) instead of letting
 * requests through. Skips, saying why, when PostgreSQL or Redis is not reachable.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { postgresUrl } from '../../storage/test/support/postgres.js'
import { databases } from './support/databases.js'
import { addApp, addUser, PASSWORD, type TestServer } from './support/harness.js'
import { tokenRequest } from './support/oauth.js'
import { limitedServer, LoginForm, REDIS_URL, redisProblem, redisRelay, sleep, tally } from './support/rate-limits.js'

const postgres = databases.find((d) => d.name === 'PostgreSQL')
const redisSkip = await redisProblem().then((problem) => (problem === undefined ? false : `Redis not reachable at ${new URL(REDIS_URL).host}: skipped (${problem})`))
if (redisSkip) console.log(`# ${redisSkip}`)

const K = 5
const N = 40
const FAILURES = { LATCHKEY_RATE_LIMIT_TOKEN_FAILURES: `${K}/60` }

/** N parallel requests naming a client that does not exist (invalid_client, a counted failure), spread over the nodes. */
async function attack(nodes: readonly TestServer[], clientId: string, n = N): Promise<Record<number, number>> {
  const statuses = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      tokenRequest(nodes[i % nodes.length] as TestServer, { grant_type: 'refresh_token', client_id: clientId, refresh_token: `guess-${i}` }).then((r) => r.status),
    ),
  )
  return tally(statuses)
}

const unknownClient = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2)}`

/** 20 parallel wrong passwords at a limit of 3, the lock, its end, and the reset after a success. */
async function loginAttack(server: TestServer): Promise<void> {
  const { app } = await addApp(server.store)
  const user = await addUser(server.store)
  const form = await LoginForm.open(server, app.clientId)
  const attempts = await Promise.all(Array.from({ length: 20 }, (_, i) => form.post(user.email, `guess-${i}`)))
  assert.deepEqual(tally(attempts.map((a) => a.status)), { 400: 3, 429: 17 })
  assert.equal((await form.post(user.email, PASSWORD)).status, 429, 'locked, even for the right password')
  await sleep(2_100)
  assert.equal((await form.post(user.email, PASSWORD)).status, 303)
  const again = await LoginForm.open(server, app.clientId)
  assert.deepEqual([(await again.post(user.email, 'x')).status, (await again.post(user.email, 'y')).status], [400, 400], 'the success cleared the counters')
}
const LOGIN = { LATCHKEY_RATE_LIMIT_LOGIN_FAILURES: '3/2' }

describe('shared rate limits: PostgreSQL', { skip: postgres?.skip ?? 'no PostgreSQL entry' }, () => {
  after(() => postgres?.cleanup())

  it('lets exactly K of N parallel failures through, across two nodes on one database', async () => {
    const url = (postgres as NonNullable<typeof postgres>).url()
    const a = await limitedServer(FAILURES, { db: url })
    const b = await limitedServer(FAILURES, { db: url })
    try {
      assert.equal(a.running.deps.limits.backend, 'postgres')
      assert.deepEqual(await attack([a, b], unknownClient('pg')), { 401: K, 429: N - K })
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('locks an account after K of N parallel wrong passwords, and clears it after a success', async () => {
    const server = await limitedServer(LOGIN, { db: (postgres as NonNullable<typeof postgres>).url() })
    try {
      await loginAttack(server)
    } finally {
      await server.close()
    }
  })
})

describe('rate-limit counters in PostgreSQL', { skip: postgres?.skip ?? 'no PostgreSQL entry' }, () => {
  after(() => postgres?.cleanup())

  /** `u` for unlogged, `p` for an ordinary (logged) table. */
  async function persistence(url: string): Promise<string | undefined> {
    const schema = new URL(url).searchParams.get('schema') as string
    const admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    try {
      const { rows } = await admin.query<{ relpersistence: string }>('select relpersistence from pg_class where oid = $1::regclass', [`"${schema}"."rate_limits"`])
      return rows[0]?.relpersistence
    } finally {
      await admin.end()
    }
  }

  it('live in an UNLOGGED table (no WAL flush per counted request), and an older logged table becomes unlogged at start', async () => {
    const fresh = (postgres as NonNullable<typeof postgres>).url()
    const a = await limitedServer(FAILURES, { db: fresh })
    try {
      assert.equal(await persistence(fresh), 'u')
      assert.deepEqual(await attack([a], unknownClient('pg-unlogged'), 10), { 401: K, 429: 10 - K })
    } finally {
      await a.close()
    }

    const older = (postgres as NonNullable<typeof postgres>).url()
    const schema = new URL(older).searchParams.get('schema') as string
    const admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    try {
      await admin.query(`create schema if not exists "${schema}"`)
      await admin.query(`create table "${schema}"."rate_limits" (key varchar(255) primary key, points integer not null default 0, expire bigint)`)
    } finally {
      await admin.end()
    }
    assert.equal(await persistence(older), 'p')
    const b = await limitedServer(FAILURES, { db: older })
    try {
      assert.equal(await persistence(older), 'u')
    } finally {
      await b.close()
    }
  })
})

describe('shared rate limits: Redis', { skip: redisSkip }, () => {
  it('lets exactly K of N parallel failures through, across two nodes sharing Redis', async () => {
    const a = await limitedServer({ ...FAILURES, LATCHKEY_REDIS_URL: REDIS_URL })
    const b = await limitedServer({ ...FAILURES, LATCHKEY_REDIS_URL: REDIS_URL })
    try {
      assert.equal(a.running.deps.limits.backend, 'redis')
      assert.deepEqual(await attack([a, b], unknownClient('redis')), { 401: K, 429: N - K })
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('locks an account after K of N parallel wrong passwords, and clears it after a success', async () => {
    const server = await limitedServer({ ...LOGIN, LATCHKEY_REDIS_URL: REDIS_URL })
    try {
      await loginAttack(server)
    } finally {
      await server.close()
    }
  })

  it('keeps limiting in memory when Redis goes away, and never answers with an error', async () => {
    const relay = await redisRelay()
    const server = await limitedServer({ ...FAILURES, LATCHKEY_REDIS_URL: relay.url })
    try {
      assert.deepEqual(await attack([server], unknownClient('before'), 10), { 401: K, 429: 10 - K })
      await relay.cut()
      await sleep(200)
      assert.deepEqual(await attack([server], unknownClient('after')), { 401: K, 429: N - K })
      assert.ok(server.logs.some((l) => l.includes('Redis unavailable')), 'the fallback is logged')
    } finally {
      await server.close()
    }
  })

  it('keeps limiting when Redis stops answering without closing the connection', async () => {
    const relay = await redisRelay()
    const server = await limitedServer({ ...FAILURES, LATCHKEY_REDIS_URL: relay.url })
    try {
      relay.freeze()
      const started = Date.now()
      assert.deepEqual(await attack([server], unknownClient('frozen')), { 401: K, 429: N - K })
      assert.ok(Date.now() - started < 10_000, 'each operation gives up on Redis quickly')
    } finally {
      await server.close()
      await relay.cut()
    }
  })

  it('falls back to PostgreSQL when Redis goes away: the limit stays shared by the nodes', { skip: postgres?.skip ?? false }, async () => {
    const relay = await redisRelay()
    const url = (postgres as NonNullable<typeof postgres>).url()
    const env = { ...FAILURES, LATCHKEY_REDIS_URL: relay.url }
    const a = await limitedServer(env, { db: url })
    const b = await limitedServer(env, { db: url }).catch(async (err: unknown) => {
      await a.close()
      throw err
    })
    try {
      assert.equal(a.running.deps.limits.backend, 'redis')
      await relay.cut()
      await sleep(200)
      assert.deepEqual(await attack([a, b], unknownClient('insured')), { 401: K, 429: N - K })
    } finally {
      await a.close()
      await b.close()
      await postgres?.cleanup()
    }
  })

  it('starts when Redis is not reachable at all, counting in the insurance limiter', async () => {
    const relay = await redisRelay()
    await relay.cut()
    const server = await limitedServer({ ...FAILURES, LATCHKEY_REDIS_URL: relay.url })
    try {
      assert.ok(server.logs.some((l) => l.includes('Redis not reachable at start-up')))
      assert.deepEqual(await attack([server], unknownClient('cold')), { 401: K, 429: N - K })
    } finally {
      await server.close()
    }
  })
})
