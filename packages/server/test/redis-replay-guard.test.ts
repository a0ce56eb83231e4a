/**
 * DPoP proof `jti`s in Redis (`LATCHKEY_REDIS_URL`) through the real token endpoint: a replay is
 * refused, the key lives in Redis with a TTL; with Redis cut, a proof from before the cut is refused
 * even though the database never saw it, while a proof made after the outage began is accepted once
 * and its replay refused by the database.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createClientGrant, type ApplicationRecord } from '@latchkey/core'
import { Redis } from 'ioredis'
import { decodeJwt } from 'jose'
import { createLogger } from '../src/logger.js'
import { MAX_ACCEPTANCE_MS, RedisReplayGuard } from '../src/replay/redis-replay-guard.js'
import { DpopKey } from './support/dpop.js'
import { addApi, addApp, startTestServer, type TestServer } from './support/harness.js'
import { tokenRequest, type JsonResponse } from './support/oauth.js'
import { REDIS_URL, redisProblem, redisRelay } from './support/rate-limits.js'

const problem = await redisProblem()
const skip = problem === undefined ? false : `Redis at ${REDIS_URL} is not reachable (${problem}): start one or set TEST_REDIS_URL`

interface Ctx {
  readonly server: TestServer
  readonly app: ApplicationRecord
  readonly secret: string
  readonly audience: string
  readonly key: DpopKey
}

const tokenUrl = (ctx: Ctx) => `${ctx.server.issuer}oauth/token`

/** A client_credentials request carrying `proof`. */
function withProof(ctx: Ctx, proof: string): Promise<JsonResponse> {
  return tokenRequest(
    ctx.server,
    { grant_type: 'client_credentials', client_id: ctx.app.clientId, client_secret: ctx.secret, audience: ctx.audience },
    { headers: { dpop: proof } },
  )
}

/** A proof for the token endpoint made at the server's (test) time. */
const proof = (ctx: Ctx) => ctx.key.proof('POST', tokenUrl(ctx), { now: ctx.server.clock.now() })

function assertAccepted(r: JsonResponse): void {
  assert.equal(r.status, 200, JSON.stringify(r.json))
}

function assertReplayRefused(r: JsonResponse): void {
  assert.equal(r.status, 400, JSON.stringify(r.json))
  assert.equal(r.json.error, 'invalid_dpop_proof')
  assert.match(String(r.json.error_description), /already used/)
}

/** The key core records for a proof (`dpop:` + SHA-256 of `jkt:jti`). */
function dpopKey(ctx: Ctx, p: string): string {
  return `dpop:${createHash('sha256').update(`${ctx.key.jkt}:${String(decodeJwt(p).jti)}`).digest('base64url')}`
}

async function setUp(redisUrl: string): Promise<Ctx> {
  const server = await startTestServer({ env: { LATCHKEY_REDIS_URL: redisUrl } })
  const api = await addApi(server.store, { identifier: `https://replay-${crypto.randomUUID()}.example.com/` })
  const { app, secret } = await addApp(server.store, { name: 'Machine', type: 'm2m', callbacks: [], webOrigins: [], logoutUrls: [] })
  if (secret === null) throw new Error('an m2m app has a secret')
  await server.store.clientGrants.insert(createClientGrant({ clientId: app.clientId, audience: api.identifier, scope: [] }, { application: app, api }, Date.now()))
  return { server, app, secret, audience: api.identifier, key: await DpopKey.generate() }
}

describe('DPoP jti replay guard in Redis', { skip }, () => {
  let redis: Redis
  before(() => {
    redis = new Redis(REDIS_URL)
  })
  after(() => redis.disconnect())

  it('refuses a replayed proof, and keeps its key in Redis (not the database) with a TTL', async () => {
    const ctx = await setUp(REDIS_URL)
    try {
      const p = await proof(ctx)
      const before = new Set(await redis.keys('latchkey:replay:dpop:*'))
      assertAccepted(await withProof(ctx, p))
      assertReplayRefused(await withProof(ctx, p))
      const added = (await redis.keys('latchkey:replay:dpop:*')).filter((k) => !before.has(k))
      assert.equal(added.length, 1)
      const ttl = await redis.pttl(added[0] as string)
      assert.ok(ttl > 0 && ttl <= 5 * 60_000, `TTL ${ttl} ms`)
      // The database took no write: the same key is still new there.
      const storeKey = (added[0] as string).slice('latchkey:replay:'.length)
      assert.equal(storeKey, dpopKey(ctx, p))
      assert.equal(await ctx.server.store.replayGuard.use(storeKey, ctx.server.clock.now(), ctx.server.clock.now() + 60_000), true)
    } finally {
      await ctx.server.close()
    }
  })

  it('with Redis cut, refuses a proof from before the cut and guards newer proofs in the database', async () => {
    const relay = await redisRelay()
    const ctx = await setUp(relay.url)
    try {
      const early = await proof(ctx)
      assertAccepted(await withProof(ctx, early))
      const unused = await proof(ctx)

      await relay.cut()
      // Recorded in Redis only: the database would take it, so anything that old is refused.
      assertReplayRefused(await withProof(ctx, early))
      // Never used, but it could have been, on another node, before the cut.
      assertReplayRefused(await withProof(ctx, unused))

      // A proof whose iat (less the allowed skew) is after the outage began: once, then never.
      ctx.server.clock.advance(11_000)
      const fresh = await proof(ctx)
      assertAccepted(await withProof(ctx, fresh))
      assertReplayRefused(await withProof(ctx, fresh))
      // Recorded in the database, which the replay hit.
      const now = ctx.server.clock.now()
      assert.equal(await ctx.server.store.replayGuard.use(dpopKey(ctx, fresh), now, now + 60_000), false)
    } finally {
      await ctx.server.close()
    }
  })
})

/** Redis as far as the guard sees it: a status and SET NX PX, with keys that never expire here. */
class FakeRedis {
  status = 'ready'
  readonly keys = new Set<string>()
  async set(key: string, _value: string, _px: 'PX', _ttl: number, _nx: 'NX'): Promise<'OK' | null> {
    if (this.status !== 'ready') throw new Error('Connection is closed.')
    if (this.keys.has(key)) return null
    this.keys.add(key)
    return 'OK'
  }
}

/** The store's guard, in memory. */
class MemoryGuard {
  readonly keys = new Map<string, number>()
  async use(key: string, now: number, expiresAt: number): Promise<boolean> {
    const until = this.keys.get(key)
    if (until !== undefined && until > now) return false
    this.keys.set(key, expiresAt)
    return true
  }
  async deleteExpired(): Promise<number> {
    return 0
  }
}

describe('Redis replay guard: outage and recovery', () => {
  const T0 = 1_800_000_000_000
  const ttl = 5 * 60_000
  function guard() {
    const redis = new FakeRedis()
    const store = new MemoryGuard()
    const g = new RedisReplayGuard(redis as never, store, createLogger('silent'))
    return { redis, store, g }
  }

  it('while Redis is up, only Redis records keys', async () => {
    const { redis, store, g } = guard()
    assert.equal(await g.use('a', T0, T0 + ttl, T0), true)
    assert.equal(await g.use('a', T0, T0 + ttl, T0), false)
    assert.deepEqual([...redis.keys], ['latchkey:replay:a'])
    assert.equal(store.keys.size, 0)
  })

  it('during an outage, accepts only proofs that could not have been accepted before it began', async () => {
    const { redis, g } = guard()
    redis.status = 'reconnecting'
    assert.equal(await g.use('old', T0, T0 + ttl, T0 - 1), false, 'the first use after the outage starts it')
    assert.equal(await g.use('older', T0 + 1_000, T0 + 1_000 + ttl, T0), false, 'acceptable at the outage start')
    assert.equal(await g.use('new', T0 + 1_000, T0 + 1_000 + ttl, T0 + 1), true)
    assert.equal(await g.use('new', T0 + 2_000, T0 + 2_000 + ttl, T0 + 1), false)
    // A client assertion (no acceptableFrom): its expiresAt ends its acceptance, MAX_ACCEPTANCE_MS long.
    assert.equal(await g.use('assertion', T0 + 1_000, T0 + MAX_ACCEPTANCE_MS), false)
    assert.equal(await g.use('assertion', T0 + 1_000, T0 + MAX_ACCEPTANCE_MS + 1), true)
  })

  it('after Redis is back, keys go to both until every key recorded in the store alone is past acceptance', async () => {
    const { redis, store, g } = guard()
    redis.status = 'end'
    assert.equal(await g.use('x', T0, T0 + ttl, T0), false)
    assert.equal(await g.use('during', T0 + 10_000, T0 + 10_000 + ttl, T0 + 5_000), true)
    redis.status = 'ready'
    const back = T0 + 20_000
    assert.equal(await g.use('during', back, back + ttl, T0 + 5_000), false, 'known to the store only')
    assert.equal(await g.use('overlap', back + 1_000, back + 1_000 + ttl, back), true)
    assert.ok(redis.keys.has('latchkey:replay:overlap') && store.keys.has('overlap'), 'recorded in both')
    // Redis failing during the overlap: the store has everything since the outage began.
    redis.status = 'reconnecting'
    assert.equal(await g.use('overlap', back + 2_000, back + 2_000 + ttl, back), false)
    assert.equal(await g.use('later', back + 3_000, back + 3_000 + ttl, T0 + 6_000), true, 'the outage start is unchanged')
    redis.status = 'ready'
    const backAgain = back + 4_000
    assert.equal(await g.use('y', backAgain, backAgain + ttl, backAgain), true)
    const done = backAgain + MAX_ACCEPTANCE_MS
    assert.equal(await g.use('z', done, done + ttl, done), true)
    assert.ok(redis.keys.has('latchkey:replay:z') && !store.keys.has('z'), 'Redis only again')
  })
})
