import { bindingRefusal } from '@latchkey/core'
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { DAY, MINUTE, refreshToken, T0, user } from '../fixtures.js'

export function refreshTokenGuarantees(store: CurrentStore): void {
  it('refreshTokens round-trip every field (JSON scope, nulls)', async () => {
    const token = refreshToken({ audience: null, sid: null, organization: 'org_1' })
    await store().refreshTokens.insert(token)
    assert.deepEqual(await store().refreshTokens.findByHash(token.tokenHash), token)
    assert.equal(await store().refreshTokens.findByHash('no-such-token'), null)
    const multiFactor = refreshToken({ amr: ['pwd', 'otp', 'mfa'], acr: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor' })
    await store().refreshTokens.insert(multiFactor)
    assert.deepEqual(await store().refreshTokens.findByHash(multiFactor.tokenHash), multiFactor)
  })

  it('refreshTokens.rotate marks an active token rotated at now and reports rotated', async () => {
    const token = refreshToken()
    await store().refreshTokens.insert(token)
    const result = await store().refreshTokens.rotate(token.tokenHash, T0 + 5, 0)
    assert.deepEqual(result, { outcome: 'rotated', token: { ...token, rotatedAt: T0 + 5 }, user: null })
    assert.equal((await store().refreshTokens.findByHash(token.tokenHash))?.rotatedAt, T0 + 5)
  })

  it('refreshTokens.rotate with a binding rotates only the client\'s token, with its DPoP key, and leaves any other as it was', async () => {
    const token = refreshToken()
    await store().refreshTokens.insert(token)
    const other = await store().refreshTokens.rotate(token.tokenHash, T0, 0, { clientId: 'someone-else', dpopJkt: null })
    assert.deepEqual(other, { outcome: 'unbound', token })
    const mine = await store().refreshTokens.rotate(token.tokenHash, T0 + 1, 0, { clientId: token.clientId, dpopJkt: 'any-proof-key' })
    assert.equal(mine.outcome, 'rotated', 'an unbound token rotates with or without a proof')
    const replayByOther = await store().refreshTokens.rotate(token.tokenHash, T0 + 2, 0, { clientId: 'someone-else', dpopJkt: null })
    assert.equal(replayByOther.outcome, 'unbound', 'another client never sees a reuse (which would revoke the grant)')
    assert.equal((await store().refreshTokens.findByHash(token.tokenHash))?.revokedAt, null)

    const bound = refreshToken({ dpopJkt: 'key-a' })
    await store().refreshTokens.insert(bound)
    for (const dpopJkt of [null, 'key-b']) {
      const refused = await store().refreshTokens.rotate(bound.tokenHash, T0, 0, { clientId: bound.clientId, dpopJkt })
      assert.deepEqual(refused, { outcome: 'unbound', token: bound })
    }
    const proved = await store().refreshTokens.rotate(bound.tokenHash, T0 + 3, 0, { clientId: bound.clientId, dpopJkt: 'key-a' })
    assert.deepEqual(proved, { outcome: 'rotated', token: { ...bound, rotatedAt: T0 + 3 }, user: null })
  })

  it("refreshTokens.rotate's SQL applies core's binding rule: every token and request combination rotates exactly when bindingRefusal allows it", async () => {
    for (const tokenKey of [undefined, 'key-a']) {
      for (const clientId of ['client-own', 'client-other']) {
        for (const proofKey of [null, 'key-a', 'key-b']) {
          const token = refreshToken({ clientId: 'client-own', ...(tokenKey !== undefined ? { dpopJkt: tokenKey } : {}) })
          await store().refreshTokens.insert(token)
          const presented = { clientId, dpopJkt: proofKey }
          const outcome = await store().refreshTokens.rotate(token.tokenHash, T0, 0, presented)
          const expected = bindingRefusal(token, presented) === null ? 'rotated' : 'unbound'
          assert.equal(outcome.outcome, expected, `token key ${tokenKey}, ${clientId}, proof key ${proofKey}`)
        }
      }
    }
  })

  it('refreshTokens.rotate returns the token with its user, every field as users.get reads it, in the same statement', async () => {
    const person = user({ givenName: 'Ada', familyName: 'Lovelace', passwordHash: null, connection: 'google-oauth2' })
    await store().users.insert(person)
    const token = refreshToken({ userId: person.id })
    await store().refreshTokens.insert(token)
    const result = await store().refreshTokens.rotate(token.tokenHash, T0, 0, { clientId: token.clientId, dpopJkt: null })
    assert.deepEqual(result, { outcome: 'rotated', token: { ...token, rotatedAt: T0 }, user: await store().users.get(person.id) })
  })

  it('refreshTokens.rotate is single-use under 20 concurrent callers', async () => {
    const token = refreshToken()
    await store().refreshTokens.insert(token)
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store().refreshTokens.rotate(token.tokenHash, T0, 60_000)),
    )
    assert.equal(results.filter((r) => r.outcome === 'rotated').length, 1)
    assert.equal(results.filter((r) => r.outcome === 'reuse-allowed').length, 19)
  })

  it('refreshTokens.rotate reports reuse-allowed within the reuse interval and reuse-detected after it', async () => {
    const token = refreshToken()
    await store().refreshTokens.insert(token)
    await store().refreshTokens.rotate(token.tokenHash, T0, 30_000)
    const within = await store().refreshTokens.rotate(token.tokenHash, T0 + 29_999, 30_000)
    assert.equal(within.outcome, 'reuse-allowed')
    assert.deepEqual(within.outcome === 'reuse-allowed' && within.token, { ...token, rotatedAt: T0 })
    const after = await store().refreshTokens.rotate(token.tokenHash, T0 + 30_000, 30_000)
    assert.equal(after.outcome, 'reuse-detected')
    assert.equal(after.outcome === 'reuse-detected' && after.token.grantId, token.grantId)
    const noInterval = await store().refreshTokens.rotate(token.tokenHash, T0 + 1, 0)
    assert.equal(noInterval.outcome, 'reuse-detected')
    const sameInstant = await store().refreshTokens.rotate(token.tokenHash, T0, 0)
    assert.equal(sameInstant.outcome, 'reuse-detected', 'an interval of 0 never allows a reuse')
  })

  it('refreshTokens.rotate allows reuse of the immediately previous token only, never the one before it', async () => {
    const a = refreshToken()
    await store().refreshTokens.insert(a)
    await store().refreshTokens.rotate(a.tokenHash, T0, 30_000)
    const b = refreshToken({ grantId: a.grantId })
    await store().refreshTokens.insert(b)
    await store().refreshTokens.rotate(b.tokenHash, T0 + 1_000, 30_000)
    assert.equal((await store().refreshTokens.rotate(b.tokenHash, T0 + 2_000, 30_000)).outcome, 'reuse-allowed')
    assert.equal((await store().refreshTokens.rotate(a.tokenHash, T0 + 2_000, 30_000)).outcome, 'reuse-detected')
  })

  it('refreshTokens.insert stores a token dead, and says so, once its grant was revoked', async () => {
    const first = refreshToken()
    await store().refreshTokens.insert(first)
    await store().refreshTokens.revokeGrant(first.grantId, T0 + 1)
    const late = refreshToken({ grantId: first.grantId })
    assert.equal(await store().refreshTokens.insert(late), false)
    assert.equal((await store().refreshTokens.findByHash(late.tokenHash))?.revokedAt, T0 + 1)

    assert.equal(await store().refreshTokens.revokeGrant('grant-with-no-tokens-yet', T0 + 2), 0)
    const raced = refreshToken({ grantId: 'grant-with-no-tokens-yet' })
    assert.equal(await store().refreshTokens.insert(raced), false)
    assert.equal((await store().refreshTokens.findByHash(raced.tokenHash))?.revokedAt, T0 + 2)

    const fresh = refreshToken()
    assert.equal(await store().refreshTokens.insert(fresh), true)
    assert.equal((await store().refreshTokens.findByHash(fresh.tokenHash))?.revokedAt, null)
  })

  it('refreshTokens.rotate reports invalid for unknown, revoked, idle-expired and grant-expired tokens', async () => {
    const revoked = refreshToken({ revokedAt: T0 - 1 })
    const idle = refreshToken({ expiresAt: T0 })
    const grantExpired = refreshToken({ grantExpiresAt: T0 })
    for (const token of [revoked, idle, grantExpired]) await store().refreshTokens.insert(token)
    assert.deepEqual(await store().refreshTokens.rotate('no-such-token', T0, DAY), { outcome: 'invalid' })
    for (const token of [revoked, idle, grantExpired]) {
      assert.deepEqual(await store().refreshTokens.rotate(token.tokenHash, T0, DAY), { outcome: 'invalid' })
      assert.deepEqual(await store().refreshTokens.findByHash(token.tokenHash), token, 'left untouched')
    }
  })

  it('refreshTokens.rotate reports invalid for a rotated token once its grant is revoked or expired', async () => {
    const token = refreshToken({ grantExpiresAt: T0 + DAY })
    const sibling = refreshToken({ grantExpiresAt: T0 + DAY })
    await store().refreshTokens.insert(token)
    await store().refreshTokens.insert(sibling)
    await store().refreshTokens.rotate(token.tokenHash, T0, MINUTE)
    await store().refreshTokens.rotate(sibling.tokenHash, T0, MINUTE)
    await store().refreshTokens.revokeGrant(token.grantId, T0 + 1)
    assert.deepEqual(await store().refreshTokens.rotate(token.tokenHash, T0 + 2, MINUTE), { outcome: 'invalid' })
    assert.deepEqual(await store().refreshTokens.rotate(sibling.tokenHash, T0 + DAY, DAY), { outcome: 'invalid' })
  })

  it('refreshTokens.revokeGrant revokes every token issued from the grant, rotated or not, and nothing else', async () => {
    const grantId = 'grant-a'
    const members = [
      refreshToken({ grantId, rotatedAt: T0 - 2 }),
      refreshToken({ grantId, rotatedAt: T0 - 1 }),
      refreshToken({ grantId }),
    ]
    const outsider = refreshToken({ grantId: 'grant-b' })
    for (const token of [...members, outsider]) await store().refreshTokens.insert(token)
    assert.equal(await store().refreshTokens.revokeGrant(grantId, T0), 3)
    for (const token of members) assert.equal((await store().refreshTokens.findByHash(token.tokenHash))?.revokedAt, T0)
    assert.equal((await store().refreshTokens.findByHash(outsider.tokenHash))?.revokedAt, null)
  })

  it('refreshTokens.revokeForUser revokes every token of the user and nothing else', async () => {
    const userId = 'auth0|user-a'
    const members = [refreshToken({ userId }), refreshToken({ userId, clientId: 'other-client' })]
    const outsider = refreshToken({ userId: 'auth0|user-b' })
    for (const token of [...members, outsider]) await store().refreshTokens.insert(token)
    assert.equal(await store().refreshTokens.revokeForUser(userId, T0), 2)
    for (const token of members) assert.equal((await store().refreshTokens.findByHash(token.tokenHash))?.revokedAt, T0)
    assert.equal((await store().refreshTokens.findByHash(outsider.tokenHash))?.revokedAt, null)
  })

  it('refreshTokens.revokeForUser marks the grants it revokes: a token of one saved later is stored revoked', async () => {
    const userId = 'auth0|user-m'
    await store().refreshTokens.insert(refreshToken({ userId, grantId: 'grant-m' }))
    await store().refreshTokens.insert(refreshToken({ userId: 'auth0|user-n', grantId: 'grant-n' }))
    assert.equal(await store().refreshTokens.revokeForUser(userId, T0), 1)
    assert.equal(await store().refreshTokens.revokeForUser(userId, T0 + 1), 0, 'nothing left to revoke, and the marker is kept')
    // The winner of a refresh racing the revocation saves the next token of the grant: it is born dead.
    const late = refreshToken({ userId, grantId: 'grant-m' })
    assert.equal(await store().refreshTokens.insert(late), false)
    assert.equal((await store().refreshTokens.findByHash(late.tokenHash))?.revokedAt, T0)
    assert.equal(await store().refreshTokens.insert(refreshToken({ userId: 'auth0|user-n', grantId: 'grant-n' })), true)
  })

  it('refreshTokens revocations skip tokens already revoked, count the rest and keep the first revocation time', async () => {
    const token = refreshToken({ grantId: 'grant-c', userId: 'auth0|user-c' })
    await store().refreshTokens.insert(token)
    assert.equal(await store().refreshTokens.revokeGrant('grant-c', T0), 1)
    assert.equal(await store().refreshTokens.revokeGrant('grant-c', T0 + 1), 0)
    assert.equal(await store().refreshTokens.revokeForUser('auth0|user-c', T0 + 3), 0)
    assert.equal((await store().refreshTokens.findByHash(token.tokenHash))?.revokedAt, T0)
  })

  it('refreshTokens.deleteExpired removes expired tokens and old revocation markers, a batch of each at a time', async () => {
    const expired = [refreshToken({ expiresAt: T0 - 2 }), refreshToken({ expiresAt: T0 - 1, rotatedAt: T0 - DAY })]
    const edge = refreshToken({ expiresAt: T0 })
    const live = refreshToken({ expiresAt: T0 + MINUTE })
    for (const token of [...expired, edge, live]) await store().refreshTokens.insert(token)
    await store().refreshTokens.revokeGrant('grant-old', T0 - 1)
    await store().refreshTokens.revokeGrant('grant-recent', T0)

    assert.equal(await store().refreshTokens.deleteExpired(T0, 1), 2, 'one token and one marker')
    assert.equal(await store().refreshTokens.deleteExpired(T0, 1), 1, 'the other token')
    assert.equal(await store().refreshTokens.deleteExpired(T0, 1), 0)
    for (const token of expired) assert.equal(await store().refreshTokens.findByHash(token.tokenHash), null)
    assert.notEqual(await store().refreshTokens.findByHash(edge.tokenHash), null)
    assert.notEqual(await store().refreshTokens.findByHash(live.tokenHash), null)
    // The recent marker still revokes a token of its grant written after it; the old one is gone.
    assert.equal(await store().refreshTokens.insert(refreshToken({ grantId: 'grant-recent' })), false)
    assert.equal(await store().refreshTokens.insert(refreshToken({ grantId: 'grant-old' })), true)
  })

  it('refreshTokens.deleteExpired keeps revocation markers until markersBefore when it is given', async () => {
    await store().refreshTokens.revokeGrant('grant-day-old', T0 - DAY)
    await store().refreshTokens.revokeGrant('grant-month-old', T0 - 30 * DAY)
    assert.equal(await store().refreshTokens.deleteExpired(T0, 10, T0 - 7 * DAY), 1, 'only the marker older than markersBefore')
    assert.equal(await store().refreshTokens.insert(refreshToken({ grantId: 'grant-day-old' })), false, 'the day-old marker still revokes')
    assert.equal(await store().refreshTokens.insert(refreshToken({ grantId: 'grant-month-old' })), true)
  })

  it('refreshTokens.listLiveForUser lists the user’s grants with a live token, oldest first, a slice at a time, never a hash', async () => {
    const userId = 'auth0|holder'
    // A rotating grant: the first token rotated at T0 + MINUTE, its successor live.
    const first = refreshToken({ userId, grantId: 'grant-rotating', clientId: 'app-a', createdAt: T0 - DAY, sid: 'sid-1' })
    const second = refreshToken({ userId, grantId: 'grant-rotating', clientId: 'app-a', createdAt: T0 + MINUTE, expiresAt: T0 + 20 * DAY, sid: 'sid-1' })
    const single = refreshToken({ userId, grantId: 'grant-single', clientId: 'app-b', createdAt: T0, audience: null, scope: ['openid', 'offline_access'], sid: null })
    const revoked = refreshToken({ userId, grantId: 'grant-revoked', createdAt: T0 - 2 * DAY })
    const idle = refreshToken({ userId, grantId: 'grant-idle', createdAt: T0 - 3 * DAY, expiresAt: T0 + MINUTE })
    const theirs = refreshToken({ userId: 'auth0|other', grantId: 'grant-other' })
    for (const token of [first, second, single, revoked, idle, theirs]) await store().refreshTokens.insert(token)
    assert.equal((await store().refreshTokens.rotate(first.tokenHash, T0 + MINUTE, 0)).outcome, 'rotated')
    await store().refreshTokens.revokeGrant('grant-revoked', T0 + MINUTE)
    const now = T0 + 2 * MINUTE
    const listed = await store().refreshTokens.listLiveForUser(userId, now, { offset: 0, limit: 10 })
    assert.deepEqual(listed, [
      {
        grantId: 'grant-rotating',
        userId,
        clientId: 'app-a',
        sid: 'sid-1',
        scope: second.scope,
        audience: second.audience,
        createdAt: T0 - DAY,
        expiresAt: T0 + 20 * DAY,
        grantExpiresAt: second.grantExpiresAt,
        lastRotatedAt: T0 + MINUTE,
      },
      {
        grantId: 'grant-single',
        userId,
        clientId: 'app-b',
        sid: null,
        scope: ['openid', 'offline_access'],
        audience: null,
        createdAt: T0,
        expiresAt: single.expiresAt,
        grantExpiresAt: single.grantExpiresAt,
        lastRotatedAt: null,
      },
    ])
    for (const grant of listed) assert.ok(!JSON.stringify(grant).includes('token-hash'), 'no token hash')
    assert.deepEqual(
      (await store().refreshTokens.listLiveForUser(userId, now, { offset: 1, limit: 1 })).map((g) => g.grantId),
      ['grant-single'],
    )
    assert.deepEqual(await store().refreshTokens.listLiveForUser(userId, now, { offset: 2, limit: 5 }), [])
    assert.deepEqual(await store().refreshTokens.listLiveForUser('auth0|nobody', now, { offset: 0, limit: 5 }), [])
  })

  it('refreshTokens.findLive finds a grant by id while it has a live token; revokeGrant then ends it', async () => {
    const token = refreshToken({ grantId: 'grant-find' })
    await store().refreshTokens.insert(token)
    assert.equal((await store().refreshTokens.findLive('grant-find', T0))?.clientId, token.clientId)
    assert.equal(await store().refreshTokens.findLive('grant-find', token.expiresAt), null, 'idle-expired')
    assert.equal(await store().refreshTokens.findLive('no-such-grant', T0), null)
    assert.equal(await store().refreshTokens.revokeGrant('grant-find', T0), 1)
    assert.equal(await store().refreshTokens.findLive('grant-find', T0 + 1), null)
  })
}
