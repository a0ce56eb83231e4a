/**
 * Auth0's refresh_token settings in core: the registration rules (combinations, ranges, defaults,
 * an update merging into the current settings), which lifetimes apply (refresh-token-policy.ts),
 * and the refresh grant for a non-rotating or non-expiring application, on the in-memory ports.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateKeyPair } from 'jose'
import { InvalidGrant } from '../src/errors.js'
import type { GrantContext } from '../src/grants/grant.js'
import { INVALID_REFRESH_TOKEN, refreshToken } from '../src/grants/refresh-token.js'
import { absoluteLifetimeSeconds, grantExpiry, idleExpiry, idleLifetimeSeconds, NEVER_EXPIRES } from '../src/grants/refresh-token-policy.js'
import { randomToken, sha256 } from '../src/opaque.js'
import type { ApplicationRecord, RefreshTokenRecord } from '../src/records.js'
import { createApi } from '../src/registration/apis.js'
import { createApplication, DEFAULT_REFRESH_POLICY, RegistrationError, updateApplication } from '../src/registration/applications.js'
import { createUser } from '../src/registration/users.js'
import { MemoryGrantStore } from './support/memory-grant-store.js'
import { refused } from './support/refused.js'

const NOW = 1_700_000_000_000
const DAY = 86_400_000
const CALLBACK = 'https://app.example.com/callback'
const { privateKey } = await generateKeyPair('RS256')

const app = (refreshToken: Record<string, unknown> = {}, type = 'regular') =>
  createApplication({ name: 'App', type, callbacks: [CALLBACK], refreshToken }, NOW).record

describe('refresh_token settings: registration rules (Auth0 refresh_token object)', () => {
  it('an application created without settings rotates and expires (15 days idle, 30 days absolute), whatever its type', () => {
    for (const type of ['spa', 'native', 'regular']) assert.deepEqual(app({}, type).refreshToken, DEFAULT_REFRESH_POLICY)
    assert.deepEqual(DEFAULT_REFRESH_POLICY, {
      rotation: 'rotating',
      expiration: 'expiring',
      reuseIntervalSeconds: 0,
      idleLifetimeSeconds: 1_296_000,
      absoluteLifetimeSeconds: 2_592_000,
      infiniteIdleLifetime: false,
      infiniteAbsoluteLifetime: false,
    })
  })

  it("keeps Auth0's default for an app created without rotation: non-rotating, non-expiring, 31557600 s and 2592000 s kept as configured", () => {
    const policy = { rotation: 'non-rotating', expiration: 'non-expiring', absoluteLifetimeSeconds: 31_557_600, idleLifetimeSeconds: 2_592_000, infiniteAbsoluteLifetime: true, infiniteIdleLifetime: true }
    assert.deepEqual(app(policy).refreshToken, { ...policy, reuseIntervalSeconds: 0 })
  })

  it('refuses a rotating token that never expires, naming expiration (Auth0: rotation requires expiring tokens)', () => {
    assert.throws(() => app({ expiration: 'non-expiring' }), new RegistrationError('refreshToken.expiration: rotating refresh tokens must expire: use expiring, or make them non-rotating'))
    const keeper = app({ rotation: 'non-rotating', expiration: 'non-expiring' })
    assert.throws(() => updateApplication(keeper, { refreshToken: { rotation: 'rotating' } }, NOW), /refreshToken\.expiration: rotating refresh tokens must expire/)
    assert.equal(updateApplication(keeper, { refreshToken: { rotation: 'rotating', expiration: 'expiring' } }, NOW).refreshToken.rotation, 'rotating')
  })

  it('refuses a rotating token with neither lifetime (each rotation leaves a row until its expiry); one of them is enough', () => {
    assert.throws(
      () => app({ infiniteIdleLifetime: true, infiniteAbsoluteLifetime: true }),
      /refreshToken\.infiniteAbsoluteLifetime: rotating refresh tokens need an idle or an absolute lifetime/,
    )
    assert.equal(app({ infiniteIdleLifetime: true }).refreshToken.infiniteIdleLifetime, true)
    assert.equal(app({ infiniteAbsoluteLifetime: true }).refreshToken.infiniteAbsoluteLifetime, true)
    assert.equal(app({ rotation: 'non-rotating', infiniteIdleLifetime: true, infiniteAbsoluteLifetime: true }).refreshToken.rotation, 'non-rotating')
  })

  it('refuses an absolute lifetime shorter than the idle one only while both apply', () => {
    assert.throws(() => app({ idleLifetimeSeconds: 7200, absoluteLifetimeSeconds: 3600 }), /refreshToken\.absoluteLifetimeSeconds: the absolute refresh-token lifetime must not be shorter than the idle lifetime/)
    assert.equal(app({ idleLifetimeSeconds: 7200, absoluteLifetimeSeconds: 3600, infiniteAbsoluteLifetime: true }).refreshToken.absoluteLifetimeSeconds, 3600)
    assert.equal(app({ rotation: 'non-rotating', expiration: 'non-expiring', idleLifetimeSeconds: 7200, absoluteLifetimeSeconds: 3600 }).refreshToken.idleLifetimeSeconds, 7200)
  })

  it('refuses unknown types and lifetimes out of range (60 s to 157788000 s, leeway 0 to 3600 s), naming the field', () => {
    assert.throws(() => app({ rotation: 'sometimes' }), /refreshToken\.rotation: expected one of rotating, non-rotating/)
    assert.throws(() => app({ expiration: 'never' }), /refreshToken\.expiration: expected one of expiring, non-expiring/)
    assert.throws(() => app({ absoluteLifetimeSeconds: 157_788_001 }), /refreshToken\.absoluteLifetimeSeconds/)
    assert.throws(() => app({ idleLifetimeSeconds: 59 }), /refreshToken\.idleLifetimeSeconds/)
    assert.throws(() => app({ reuseIntervalSeconds: 3601 }), /refreshToken\.reuseIntervalSeconds/)
    assert.throws(() => app({ infiniteIdleLifetime: 'yes' }), /refreshToken\.infiniteIdleLifetime/)
    assert.equal(app({ absoluteLifetimeSeconds: 157_788_000 }).refreshToken.absoluteLifetimeSeconds, 157_788_000)
  })

  it('an update merges the fields given into the current settings', () => {
    const keeper = app({ rotation: 'non-rotating', reuseIntervalSeconds: 10 })
    const updated = updateApplication(keeper, { refreshToken: { infiniteIdleLifetime: true } }, NOW).refreshToken
    assert.deepEqual(updated, { ...keeper.refreshToken, infiniteIdleLifetime: true })
  })
})

describe('refresh_token settings: which lifetimes apply (refresh-token-policy.ts)', () => {
  it('a lifetime applies when the tokens expire and its infinite switch is off; never is NEVER_EXPIRES, the end of year 9999', () => {
    const policy = DEFAULT_REFRESH_POLICY
    assert.deepEqual([idleLifetimeSeconds(policy), absoluteLifetimeSeconds(policy)], [1_296_000, 2_592_000])
    assert.deepEqual([idleLifetimeSeconds({ ...policy, infiniteIdleLifetime: true }), absoluteLifetimeSeconds({ ...policy, infiniteIdleLifetime: true })], [null, 2_592_000])
    assert.deepEqual([idleLifetimeSeconds({ ...policy, expiration: 'non-expiring' }), absoluteLifetimeSeconds({ ...policy, expiration: 'non-expiring' })], [null, null])
    assert.equal(new Date(NEVER_EXPIRES).toISOString(), '9999-12-31T23:59:59.999Z')
    const never = { ...policy, rotation: 'non-rotating', expiration: 'non-expiring' } as const
    assert.equal(grantExpiry(never, NOW), NEVER_EXPIRES)
    assert.equal(idleExpiry(never, NOW, NEVER_EXPIRES), NEVER_EXPIRES)
    assert.equal(idleExpiry(policy, NOW, NOW + DAY), NOW + DAY, 'never past the grant')
  })
})

describe('refresh_token grant for non-rotating and non-expiring applications', () => {
  const api = createApi({ name: 'Invoices', identifier: 'https://invoices.example.com/', scopes: ['read:invoices'], allowOfflineAccess: true }, NOW)
  const alice = createUser({ email: 'alice@example.com', name: 'Alice' }, 'hash', NOW)
  const signingKey = async () => ({ kid: 'k1', alg: 'RS256' as const, key: privateKey })

  function world(client: ApplicationRecord) {
    const memory = new MemoryGrantStore({ apis: [api], users: [alice] })
    let now = NOW
    const ctx: GrantContext = { client, store: memory.store, issuer: 'https://login.example.com/', clock: { now: () => now }, signingKey }
    const token = randomToken()
    const record: RefreshTokenRecord = {
      grantId: 'grant-1',
      tokenHash: sha256(token),
      clientId: client.clientId,
      userId: alice.id,
      scope: ['openid', 'offline_access', 'read:invoices'],
      audience: api.identifier,
      authTime: NOW,
      sid: null,
      organization: null,
      createdAt: NOW,
      expiresAt: idleExpiry(client.refreshToken, NOW, grantExpiry(client.refreshToken, NOW)),
      grantExpiresAt: grantExpiry(client.refreshToken, NOW),
      rotatedAt: null,
      revokedAt: null,
    }
    memory.refreshTokens.set(record.tokenHash, record)
    const use = () => refreshToken.handle(ctx, refreshToken.parse(new Map([['refresh_token', [token]]])))
    return { memory, token, record, use, advance: (ms: number) => (now += ms), ctx }
  }

  it('answers without a refresh token, leaves the token unrotated and lets it be used again', async () => {
    const w = world(app({ rotation: 'non-rotating', expiration: 'non-expiring' }))
    for (let i = 0; i < 3; i++) {
      const result = await w.use()
      assert.equal(result.response.refresh_token, undefined)
      assert.equal(typeof result.response.access_token, 'string')
    }
    assert.deepEqual(w.memory.refreshTokens.get(w.record.tokenHash), w.record)
    assert.equal(w.memory.refreshTokens.size, 1, 'no new token stored')
  })

  it('a non-expiring token outlives any lifetime; an idle lifetime slides at each use and ends an unused token', async () => {
    const forever = world(app({ rotation: 'non-rotating', expiration: 'non-expiring' }))
    forever.advance(10 * 365 * DAY)
    assert.equal((await forever.use()).response.refresh_token, undefined)

    const sliding = world(app({ rotation: 'non-rotating', idleLifetimeSeconds: 3600, infiniteAbsoluteLifetime: true }))
    for (let i = 0; i < 3; i++) {
      sliding.advance(50 * 60_000)
      await sliding.use()
    }
    sliding.advance(61 * 60_000)
    await refused(sliding.use(), InvalidGrant, INVALID_REFRESH_TOKEN)
  })

  it('a rotating, never idle token still rotates, and its successor keeps the grant expiry', async () => {
    const w = world(app({ infiniteIdleLifetime: true }))
    const result = await w.use()
    const next = w.memory.refreshTokens.get(sha256(result.response.refresh_token as string))
    assert.equal(next?.grantExpiresAt, w.record.grantExpiresAt)
    assert.equal(next?.expiresAt, w.record.grantExpiresAt, 'no idle expiry: the grant expiry')
  })

  it('a grant that had no absolute expiry takes the app\'s absolute lifetime from its next rotation, once the app has one', async () => {
    const w = world(app({ rotation: 'non-rotating', expiration: 'non-expiring' }))
    const rotating = app({ infiniteIdleLifetime: true, absoluteLifetimeSeconds: 86_400 })
    w.advance(DAY)
    const result = await refreshToken.handle({ ...w.ctx, client: { ...rotating, clientId: w.ctx.client.clientId } }, { refreshToken: w.token, scope: undefined })
    const next = w.memory.refreshTokens.get(sha256(result.response.refresh_token as string))
    assert.equal(next?.grantExpiresAt, NOW + 2 * DAY, 'one day from that refresh')
    assert.equal(next?.expiresAt, NOW + 2 * DAY)
  })

  it('another client is refused, and a revoked grant ends the token', async () => {
    const w = world(app({ rotation: 'non-rotating' }))
    const other = app({ rotation: 'non-rotating' })
    await refused(refreshToken.handle({ ...w.ctx, client: other }, { refreshToken: w.token, scope: undefined }), InvalidGrant, INVALID_REFRESH_TOKEN)
    await w.memory.store.refreshTokens.revokeGrant('grant-1', NOW)
    await refused(w.use(), InvalidGrant, INVALID_REFRESH_TOKEN)
  })
})
