import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { DAY, signingKey, T0 } from '../fixtures.js'

export function signingKeyGuarantees(store: CurrentStore): void {
  it('signingKeys.list returns every key, oldest activation first, fields intact', async () => {
    const next = signingKey({ createdAt: T0, activatesAt: T0 + DAY })
    const current = signingKey({ createdAt: T0 - DAY, activatesAt: T0 - DAY })
    const previous = signingKey({ createdAt: T0 - 2 * DAY, activatesAt: T0 - 2 * DAY })
    for (const key of [next, current, previous]) await store().signingKeys.insert(key)
    assert.deepEqual(await store().signingKeys.list(), [previous, current, next])
  })

  it('signingKeys.insert rejects a duplicate kid with ConflictError', async () => {
    const key = signingKey()
    await store().signingKeys.insert(key)
    await assert.rejects(store().signingKeys.insert({ ...key, activatesAt: T0 + 1 }), ConflictError)
  })

  it('signingKeys.delete removes one key and reports whether it existed', async () => {
    const keep = signingKey()
    const drop = signingKey()
    await store().signingKeys.insert(keep)
    await store().signingKeys.insert(drop)
    assert.equal(await store().signingKeys.delete(drop.kid), true)
    assert.equal(await store().signingKeys.delete(drop.kid), false)
    assert.deepEqual(await store().signingKeys.list(), [keep])
  })

  it('signingKeys.replacePrivateJwk swaps the private key only while it still holds the expected value', async () => {
    const key = signingKey()
    await store().signingKeys.insert(key)
    assert.equal(await store().signingKeys.replacePrivateJwk(key.kid, key.privateJwk, 'sealed-1'), true)
    assert.equal(await store().signingKeys.replacePrivateJwk(key.kid, key.privateJwk, 'sealed-2'), false, 'a stale expected value changes nothing')
    assert.equal(await store().signingKeys.replacePrivateJwk('no-such-kid', 'sealed-1', 'sealed-3'), false)
    assert.deepEqual(await store().signingKeys.list(), [{ ...key, privateJwk: 'sealed-1' }])
  })
}
