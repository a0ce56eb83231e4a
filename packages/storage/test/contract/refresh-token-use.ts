/**
 * refreshTokens.use, the non-rotating refresh (Auth0's `rotation_type: non-rotating`), and tokens
 * that never expire (NEVER_EXPIRES): what the store guarantees on both databases.
 */
import { bindingRefusal, NEVER_EXPIRES } from '@latchkey/core'
import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { DAY, MINUTE, refreshToken, T0, user } from '../fixtures.js'

export function refreshTokenUseGuarantees(store: CurrentStore): void {
  it('refreshTokens.use with an idle lifetime slides the idle expiry to now plus it, never past the grant, and returns the user', async () => {
    const person = user()
    await store().users.insert(person)
    const token = refreshToken({ userId: person.id })
    await store().refreshTokens.insert(token)
    const binding = { clientId: token.clientId, dpopJkt: null }
    const used = await store().refreshTokens.use(token.tokenHash, T0 + DAY, 15 * DAY, binding)
    assert.deepEqual(used, { outcome: 'used', token: { ...token, expiresAt: T0 + 16 * DAY }, user: await store().users.get(person.id) })
    const late = await store().refreshTokens.use(token.tokenHash, T0 + 16 * DAY - 1, 15 * DAY, binding)
    assert.equal(late.outcome === 'used' && late.token.expiresAt, token.grantExpiresAt, 'capped at the grant expiry')
    assert.equal((await store().refreshTokens.findByHash(token.tokenHash))?.rotatedAt, null, 'never rotated')
  })

  it('refreshTokens.use without an idle lifetime leaves the token as it is, and 20 concurrent uses all succeed', async () => {
    const token = refreshToken({ expiresAt: NEVER_EXPIRES, grantExpiresAt: NEVER_EXPIRES })
    await store().refreshTokens.insert(token)
    const binding = { clientId: token.clientId, dpopJkt: null }
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store().refreshTokens.use(token.tokenHash, T0 + i, null, binding)))
    for (const result of results) assert.deepEqual(result, { outcome: 'used', token, user: null })
    const sliding = await Promise.all(Array.from({ length: 20 }, (_, i) => store().refreshTokens.use(token.tokenHash, T0 + i, MINUTE, binding)))
    assert.ok(sliding.every((r) => r.outcome === 'used'))
  })

  it('refreshTokens.use reports invalid for unknown, revoked, rotated-out, idle-expired and grant-expired tokens', async () => {
    const tokens = [
      refreshToken({ revokedAt: T0 - 1 }),
      refreshToken({ rotatedAt: T0 - 1 }),
      refreshToken({ expiresAt: T0 }),
      refreshToken({ grantExpiresAt: T0 }),
    ]
    for (const token of tokens) await store().refreshTokens.insert(token)
    for (const idle of [null, DAY]) {
      assert.deepEqual(await store().refreshTokens.use('no-such-token', T0, idle, { clientId: 'c', dpopJkt: null }), { outcome: 'invalid' })
      for (const token of tokens)
        assert.deepEqual(await store().refreshTokens.use(token.tokenHash, T0, idle, { clientId: token.clientId, dpopJkt: null }), { outcome: 'invalid' })
    }
  })

  it("refreshTokens.use's SQL applies core's binding rule, and a refused token stays as it was", async () => {
    for (const idle of [null, DAY])
      for (const tokenKey of [undefined, 'key-a'])
        for (const clientId of ['client-own', 'client-other'])
          for (const proofKey of [null, 'key-a', 'key-b']) {
            const token = refreshToken({ clientId: 'client-own', ...(tokenKey !== undefined ? { dpopJkt: tokenKey } : {}) })
            await store().refreshTokens.insert(token)
            const presented = { clientId, dpopJkt: proofKey }
            const outcome = await store().refreshTokens.use(token.tokenHash, T0, idle, presented)
            const expected = bindingRefusal(token, presented) === null ? 'used' : 'unbound'
            assert.equal(outcome.outcome, expected, `idle ${idle}, token key ${tokenKey}, ${clientId}, proof key ${proofKey}`)
            if (expected === 'unbound') assert.deepEqual(await store().refreshTokens.findByHash(token.tokenHash), token)
          }
  })

  it('refreshTokens.use stops working once the grant or the user is revoked', async () => {
    const token = refreshToken({ expiresAt: NEVER_EXPIRES, grantExpiresAt: NEVER_EXPIRES })
    const other = refreshToken({ expiresAt: NEVER_EXPIRES, grantExpiresAt: NEVER_EXPIRES })
    for (const t of [token, other]) await store().refreshTokens.insert(t)
    assert.equal(await store().refreshTokens.revokeGrant(token.grantId, T0), 1)
    assert.deepEqual(await store().refreshTokens.use(token.tokenHash, T0 + 1, null, { clientId: token.clientId, dpopJkt: null }), { outcome: 'invalid' })
    assert.equal(await store().refreshTokens.revokeForUser(other.userId, T0), 1)
    assert.deepEqual(await store().refreshTokens.use(other.tokenHash, T0 + 1, DAY, { clientId: other.clientId, dpopJkt: null }), { outcome: 'invalid' })
  })

  it('refreshTokens that never expire round-trip NEVER_EXPIRES, and deleteExpired never removes them', async () => {
    const token = refreshToken({ expiresAt: NEVER_EXPIRES, grantExpiresAt: NEVER_EXPIRES })
    await store().refreshTokens.insert(token)
    assert.deepEqual(await store().refreshTokens.findByHash(token.tokenHash), token)
    await store().refreshTokens.deleteExpired(T0 + 100 * 365 * DAY, 1000)
    assert.deepEqual(await store().refreshTokens.findByHash(token.tokenHash), token)
    const rotated = await store().refreshTokens.rotate(token.tokenHash, T0 + 50 * 365 * DAY, 0, { clientId: token.clientId, dpopJkt: null })
    assert.equal(rotated.outcome, 'rotated', 'a never-expiring token rotates decades later')
  })

  it('a revoked token that would never expire expires at its revocation, so the sweeper removes it; finite expiries stay as they were', async () => {
    const never = () => refreshToken({ expiresAt: NEVER_EXPIRES, grantExpiresAt: NEVER_EXPIRES })
    const [byGrant, byUser, finite] = [never(), never(), refreshToken()]
    for (const t of [byGrant, byUser, finite]) await store().refreshTokens.insert(t)
    await store().refreshTokens.revokeGrant(byGrant.grantId, T0 + 1)
    await store().refreshTokens.revokeForUser(byUser.userId, T0 + 2)
    await store().refreshTokens.revokeGrant(finite.grantId, T0 + 3)
    assert.deepEqual(await store().refreshTokens.findByHash(byGrant.tokenHash), { ...byGrant, revokedAt: T0 + 1, expiresAt: T0 + 1 })
    assert.deepEqual(await store().refreshTokens.findByHash(byUser.tokenHash), { ...byUser, revokedAt: T0 + 2, expiresAt: T0 + 2 })
    assert.deepEqual(await store().refreshTokens.findByHash(finite.tokenHash), { ...finite, revokedAt: T0 + 3 })
    const late = { ...never(), grantId: byGrant.grantId }
    assert.equal(await store().refreshTokens.insert(late), false, 'saved after its grant was revoked: stored dead')
    assert.equal((await store().refreshTokens.findByHash(late.tokenHash))?.expiresAt, T0 + 1)
    await store().refreshTokens.deleteExpired(T0 + MINUTE, 1000, T0)
    for (const t of [byGrant, byUser, late]) assert.equal(await store().refreshTokens.findByHash(t.tokenHash), null)
  })
}
