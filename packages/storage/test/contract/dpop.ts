import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { authorizationCode, MINUTE, refreshToken, T0, uniqueId } from '../fixtures.js'

const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I'

export function dpopGuarantees(store: CurrentStore): void {
  it('replayGuard.use lets exactly one of 20 concurrent callers use a key', async () => {
    const key = uniqueId('dpop')
    const results = await Promise.all(Array.from({ length: 20 }, () => store().replayGuard.use(key, T0, T0 + 5 * MINUTE)))
    assert.equal(results.filter(Boolean).length, 1)
    assert.equal(await store().replayGuard.use(key, T0 + 5 * MINUTE - 1, T0 + 10 * MINUTE), false)
  })

  it('replayGuard.use takes over a key whose use has expired, once', async () => {
    const key = uniqueId('dpop')
    assert.equal(await store().replayGuard.use(key, T0, T0 + MINUTE), true)
    const later = await Promise.all(Array.from({ length: 5 }, () => store().replayGuard.use(key, T0 + MINUTE, T0 + 2 * MINUTE)))
    assert.equal(later.filter(Boolean).length, 1)
    assert.equal(await store().replayGuard.use(key, T0 + MINUTE + 1, T0 + 3 * MINUTE), false)
  })

  it('replayGuard.deleteExpired removes only keys expired at now and counts them', async () => {
    const [old, edge, live] = [uniqueId('a'), uniqueId('b'), uniqueId('c')]
    await store().replayGuard.use(old, T0 - 2 * MINUTE, T0 - MINUTE)
    await store().replayGuard.use(edge, T0 - 2 * MINUTE, T0)
    await store().replayGuard.use(live, T0 - 2 * MINUTE, T0 + 1)
    assert.equal(await store().replayGuard.deleteExpired(T0, 1), 1)
    assert.equal(await store().replayGuard.deleteExpired(T0, 100), 1)
    assert.equal(await store().replayGuard.use(live, T0, T0 + MINUTE), false)
    assert.equal(await store().replayGuard.use(old, T0 - 2 * MINUTE, T0), true)
  })

  it('authorizationCodes keep dpopJkt (RFC 9449 §10); unbound codes have none', async () => {
    const bound = authorizationCode({ dpopJkt: JKT })
    const unbound = authorizationCode()
    await store().authorizationCodes.insert(bound)
    await store().authorizationCodes.insert(unbound)
    assert.deepEqual(await store().authorizationCodes.consume(bound.codeHash, bound.clientId, T0), { code: { ...bound, consumedAt: T0 }, user: null })
    assert.equal((await store().authorizationCodes.findByHash(unbound.codeHash))?.dpopJkt, undefined)
  })

  it('refreshTokens keep dpopJkt through insert, findByHash and rotate', async () => {
    const bound = refreshToken({ dpopJkt: JKT })
    await store().refreshTokens.insert(bound)
    assert.deepEqual(await store().refreshTokens.findByHash(bound.tokenHash), bound)
    const rotated = await store().refreshTokens.rotate(bound.tokenHash, T0 + 1, 0)
    assert.equal(rotated.outcome, 'rotated')
    assert.equal(rotated.outcome === 'rotated' ? rotated.token.dpopJkt : null, JKT)
    const unbound = refreshToken()
    await store().refreshTokens.insert(unbound)
    assert.equal((await store().refreshTokens.findByHash(unbound.tokenHash))?.dpopJkt, undefined)
  })
}
