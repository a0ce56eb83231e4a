import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { application, authorizationCode, refreshToken, T0, user } from '../fixtures.js'

export function transactionGuarantees(store: CurrentStore): void {
  it('transaction commits every repo write and returns what fn returns', async () => {
    const app = application()
    const person = user()
    const result = await store().transaction(async (tx) => {
      await tx.applications.insert(app)
      await tx.users.insert(person)
      assert.notEqual(await tx.users.get(person.id), null, 'tx sees its own writes')
      return 'done'
    })
    assert.equal(result, 'done')
    assert.deepEqual(await store().applications.get(app.clientId), app)
    assert.deepEqual(await store().users.get(person.id), person)
  })

  it('transaction rolls back every repo write when fn throws, and rethrows', async () => {
    const kept = user()
    await store().users.insert(kept)
    const app = application()
    const person = user()
    const code = authorizationCode()
    const token = refreshToken()
    const failure = new Error('boom')
    await assert.rejects(
      store().transaction(async (tx) => {
        await tx.applications.insert(app)
        await tx.users.insert(person)
        await tx.users.update(kept.id, { name: 'changed' })
        await tx.authorizationCodes.insert(code)
        await tx.refreshTokens.insert(token)
        await tx.consents.grant(person.id, app.clientId, '', ['openid'], T0)
        throw failure
      }),
      (error) => error === failure,
    )
    assert.equal(await store().applications.get(app.clientId), null)
    assert.equal(await store().users.get(person.id), null)
    assert.equal((await store().users.get(kept.id))?.name, null)
    assert.equal(await store().authorizationCodes.findByHash(code.codeHash), null)
    assert.equal(await store().refreshTokens.findByHash(token.tokenHash), null)
    assert.equal(await store().consents.find(person.id, app.clientId, ''), null)
  })

  it('transaction called on a transaction store joins the outer transaction', async () => {
    const inner = user()
    await assert.rejects(
      store().transaction(async (tx) => {
        const value = await tx.transaction(async (nested) => {
          await nested.users.insert(inner)
          return 42
        })
        assert.equal(value, 42)
        assert.notEqual(await tx.users.get(inner.id), null)
        throw new Error('outer fails')
      }),
      /outer fails/,
    )
    assert.equal(await store().users.get(inner.id), null, 'the nested write rolled back with the outer transaction')
  })

  it('concurrent transactions keep their writes apart: one rolls back alone, the others commit', async () => {
    const people = Array.from({ length: 5 }, () => user())
    const doomed = user()
    const results = await Promise.allSettled([
      store().transaction(async (tx) => {
        await tx.users.insert(doomed)
        await sleep(20)
        throw new Error('rolls back')
      }),
      ...people.map((person) =>
        store().transaction(async (tx) => {
          await tx.users.insert(person)
          await sleep(5)
          return tx.users.count()
        }),
      ),
    ])
    assert.equal(results[0]?.status, 'rejected')
    for (const result of results.slice(1)) assert.equal(result.status, 'fulfilled')
    assert.equal(await store().users.get(doomed.id), null)
    for (const person of people) assert.notEqual(await store().users.get(person.id), null)
    assert.equal(await store().users.count(), people.length)
  })

  it('concurrent transactions doing read-modify-write never lose an update', async () => {
    const person = user({ name: '0' })
    await store().users.insert(person)
    // Each transaction first locks the row with an UPDATE (a row lock on PostgreSQL; SQLite's
    // transaction holds the write lock from its start), then reads it and writes it back plus one.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store().transaction(async (tx) => {
          await tx.users.update(person.id, { updatedAt: T0 + i })
          const current = await tx.users.get(person.id)
          await tx.users.update(person.id, { name: String(Number(current?.name) + 1) })
        }),
      ),
    )
    assert.equal((await store().users.get(person.id))?.name, '10')
  })

  it('using the outer store inside transaction(fn) fails fast instead of waiting or escaping the transaction', async () => {
    const person = user()
    await assert.rejects(
      store().transaction(async (tx) => {
        await tx.users.insert(person)
        await store().users.count()
      }),
      /use the `tx` store/,
    )
    assert.equal(await store().users.get(person.id), null)
    await assert.rejects(store().transaction(() => store().transaction(async () => 1)), /use the `tx` store/)
    await assert.rejects(store().transaction((tx) => tx.close()), /not available on a transaction's store/)
  })
}
