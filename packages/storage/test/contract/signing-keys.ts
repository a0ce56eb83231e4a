import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
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

  it('signingKeys.listForUpdate: of concurrent transactions that each add a waiting key unless one waits, exactly one adds it', async () => {
    const current = signingKey({ createdAt: T0 - DAY, activatesAt: T0 - DAY })
    await store().signingKeys.insert(current)
    const added = await Promise.all(
      Array.from({ length: 6 }, () =>
        store().transaction(async (tx) => {
          const keys = await tx.signingKeys.listForUpdate()
          await sleep(20) // the decision takes a while: without the lock every transaction would decide alike
          if (keys.some((k) => k.activatesAt > T0)) return false
          await tx.signingKeys.insert(signingKey({ activatesAt: T0 + DAY }))
          return true
        }),
      ),
    )
    assert.equal(added.filter(Boolean).length, 1)
    const keys = await store().signingKeys.list()
    assert.equal(keys.length, 2)
    assert.equal(keys.filter((k) => k.activatesAt > T0).length, 1)
  })

  it('signingKeys.listForUpdate lists every key inside a transaction and refuses to run outside one', async () => {
    const key = signingKey()
    await store().signingKeys.insert(key)
    assert.deepEqual(await store().transaction((tx) => tx.signingKeys.listForUpdate()), [key])
    await assert.rejects(store().signingKeys.listForUpdate(), /needs a transaction/)
  })
}
