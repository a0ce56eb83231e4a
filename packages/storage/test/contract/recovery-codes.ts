import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { recoveryCode, T0 } from '../fixtures.js'

/** Ten codes of one user (their hashes). */
function tenCodes(userId: string): string[] {
  return Array.from({ length: 10 }, () => recoveryCode({ userId }).codeHash)
}

export function recoveryCodeGuarantees(store: CurrentStore): void {
  it('recoveryCodes.replace stores a set; countUnused counts it; a new set replaces the old one whole', async () => {
    const userId = 'auth0|recovering'
    assert.equal(await store().recoveryCodes.countUnused(userId), 0)
    const first = tenCodes(userId)
    await store().recoveryCodes.replace(userId, first, T0)
    assert.equal(await store().recoveryCodes.countUnused(userId), 10)
    assert.equal(await store().recoveryCodes.use(userId, first[0] as string, T0 + 1), true)
    assert.equal(await store().recoveryCodes.countUnused(userId), 9)

    const second = tenCodes(userId)
    await store().recoveryCodes.replace(userId, second, T0 + 2)
    assert.equal(await store().recoveryCodes.countUnused(userId), 10, 'the used one went with the old set')
    assert.equal(await store().recoveryCodes.use(userId, first[1] as string, T0 + 3), false, 'the old set is void')
    assert.equal(await store().recoveryCodes.use(userId, second[1] as string, T0 + 3), true)

    await store().recoveryCodes.replace(userId, [first[2] as string, first[2] as string], T0 + 4)
    assert.equal(await store().recoveryCodes.countUnused(userId), 1, 'a hash given twice is kept once')
    await store().recoveryCodes.replace(userId, [], T0 + 5)
    assert.equal(await store().recoveryCodes.countUnused(userId), 0)
  })

  it('recoveryCodes.use marks one of the user’s codes used, once, and only that user’s', async () => {
    const mine = recoveryCode()
    const theirs = recoveryCode()
    await store().recoveryCodes.replace(mine.userId, [mine.codeHash], T0)
    await store().recoveryCodes.replace(theirs.userId, [theirs.codeHash], T0)
    assert.equal(await store().recoveryCodes.use(mine.userId, theirs.codeHash, T0), false, 'another user’s code')
    assert.equal(await store().recoveryCodes.use(mine.userId, 'not-a-code', T0), false)
    assert.equal(await store().recoveryCodes.use(mine.userId, mine.codeHash, T0), true)
    assert.equal(await store().recoveryCodes.use(mine.userId, mine.codeHash, T0 + 1), false, 'used already')
    assert.equal(await store().recoveryCodes.countUnused(mine.userId), 0)
    assert.equal(await store().recoveryCodes.countUnused(theirs.userId), 1)
  })

  it('recoveryCodes.use: of ten concurrent uses of one code exactly one wins', async () => {
    const userId = 'auth0|racing'
    const codes = tenCodes(userId)
    await store().recoveryCodes.replace(userId, codes, T0)
    const results = await Promise.all(Array.from({ length: 10 }, () => store().recoveryCodes.use(userId, codes[3] as string, T0)))
    assert.equal(results.filter(Boolean).length, 1)
    assert.equal(await store().recoveryCodes.countUnused(userId), 9)
  })

  it('recoveryCodes.replace in a transaction that rolls back keeps the old set', async () => {
    const userId = 'auth0|rollback'
    const old = tenCodes(userId)
    await store().recoveryCodes.replace(userId, old, T0)
    await assert.rejects(
      store().transaction(async (tx) => {
        await tx.recoveryCodes.replace(userId, tenCodes(userId).slice(0, 3), T0 + 1)
        assert.equal(await tx.recoveryCodes.countUnused(userId), 3)
        throw new Error('roll back')
      }),
      /roll back/,
    )
    assert.equal(await store().recoveryCodes.countUnused(userId), 10)
    assert.equal(await store().recoveryCodes.use(userId, old[0] as string, T0 + 2), true)
  })

  it('recoveryCodes.summary: how many are left, when the set was issued and last used; null without codes', async () => {
    const userId = 'auth0|summarised'
    assert.equal(await store().recoveryCodes.summary(userId), null)
    const codes = tenCodes(userId)
    await store().recoveryCodes.replace(userId, codes, T0)
    assert.deepEqual(await store().recoveryCodes.summary(userId), { unused: 10, createdAt: T0, lastUsedAt: null })
    await store().recoveryCodes.use(userId, codes[0] as string, T0 + 5)
    await store().recoveryCodes.use(userId, codes[1] as string, T0 + 9)
    assert.deepEqual(await store().recoveryCodes.summary(userId), { unused: 8, createdAt: T0, lastUsedAt: T0 + 9 })
    await store().recoveryCodes.deleteForUser(userId)
    assert.equal(await store().recoveryCodes.summary(userId), null)
  })

  it('recoveryCodes.deleteForUser removes that user’s codes, used or not, and counts them', async () => {
    const userId = 'auth0|leaving'
    const codes = tenCodes(userId)
    await store().recoveryCodes.replace(userId, codes, T0)
    await store().recoveryCodes.use(userId, codes[0] as string, T0)
    await store().recoveryCodes.replace('auth0|staying', tenCodes('auth0|staying'), T0)
    assert.equal(await store().recoveryCodes.deleteForUser(userId), 10)
    assert.equal(await store().recoveryCodes.deleteForUser(userId), 0)
    assert.equal(await store().recoveryCodes.use(userId, codes[1] as string, T0), false)
    assert.equal(await store().recoveryCodes.countUnused('auth0|staying'), 10)
  })
}
