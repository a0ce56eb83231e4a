import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { DAY, T0, ticket } from '../fixtures.js'

export function ticketGuarantees(store: CurrentStore): void {
  it('tickets round-trip every field (nulls too), store the email lower-cased, and a taken hash throws ConflictError', async () => {
    const full = ticket()
    const bare = ticket({ kind: 'password_reset', clientId: null, resultUrl: null, email: 'Ada.Lovelace@Example.COM' })
    for (const record of [full, bare]) await store().tickets.insert(record)
    assert.deepEqual(await store().tickets.findUsable(full.idHash, full.kind, T0), full)
    assert.deepEqual(await store().tickets.findUsable(bare.idHash, bare.kind, T0), { ...bare, email: 'ada.lovelace@example.com' })
    await assert.rejects(store().tickets.insert(ticket({ idHash: full.idHash })), ConflictError)
  })

  it('tickets.findUsable finds only an unused, unexpired ticket of that kind', async () => {
    const usable = ticket()
    const used = ticket({ usedAt: T0 - 1 })
    const expired = ticket({ expiresAt: T0 })
    for (const record of [usable, used, expired]) await store().tickets.insert(record)
    assert.deepEqual(await store().tickets.findUsable(usable.idHash, 'email_verification', T0), usable)
    assert.equal(await store().tickets.findUsable(usable.idHash, 'password_reset', T0), null, 'another kind')
    assert.equal(await store().tickets.findUsable(used.idHash, 'email_verification', T0), null)
    assert.equal(await store().tickets.findUsable(expired.idHash, 'email_verification', T0), null)
    assert.notEqual(await store().tickets.findUsable(expired.idHash, 'email_verification', T0 - 1), null)
    assert.equal(await store().tickets.findUsable('no-such-hash', 'email_verification', T0), null)
  })

  it('tickets.consume marks the ticket used and returns it to exactly one of ten concurrent callers', async () => {
    const record = ticket({ kind: 'password_reset' })
    await store().tickets.insert(record)
    const results = await Promise.all(Array.from({ length: 10 }, () => store().tickets.consume(record.idHash, 'password_reset', T0)))
    const winners = results.filter((r) => r !== null)
    assert.deepEqual(winners, [{ ...record, usedAt: T0 }])
    assert.equal(await store().tickets.findUsable(record.idHash, 'password_reset', T0), null)
    assert.equal(await store().tickets.consume(record.idHash, 'password_reset', T0 + 1), null)
  })

  it('tickets.consume refuses an expired ticket, another kind, and an unknown hash', async () => {
    const expired = ticket({ expiresAt: T0 })
    const other = ticket({ kind: 'email_verification' })
    for (const record of [expired, other]) await store().tickets.insert(record)
    assert.equal(await store().tickets.consume(expired.idHash, 'email_verification', T0), null)
    assert.equal(await store().tickets.consume(other.idHash, 'password_reset', T0), null)
    assert.equal(await store().tickets.consume('no-such-hash', 'email_verification', T0), null)
    assert.deepEqual(await store().tickets.findUsable(other.idHash, 'email_verification', T0), other, 'a refused consume changes nothing')
  })

  it('tickets.spendAllForUser spends that user’s unused tickets of that kind only, and counts them', async () => {
    const userId = 'auth0|user-a'
    const mine = [ticket({ userId, kind: 'password_reset' }), ticket({ userId, kind: 'password_reset' })]
    const alreadyUsed = ticket({ userId, kind: 'password_reset', usedAt: T0 - 5 })
    const otherKind = ticket({ userId, kind: 'email_verification' })
    const otherUser = ticket({ userId: 'auth0|user-b', kind: 'password_reset' })
    for (const record of [...mine, alreadyUsed, otherKind, otherUser]) await store().tickets.insert(record)
    assert.equal(await store().tickets.spendAllForUser(userId, 'password_reset', T0), 2)
    for (const record of mine) assert.equal(await store().tickets.consume(record.idHash, 'password_reset', T0), null)
    assert.deepEqual(await store().tickets.findUsable(otherKind.idHash, 'email_verification', T0), otherKind)
    assert.deepEqual(await store().tickets.findUsable(otherUser.idHash, 'password_reset', T0), otherUser)
    assert.equal(await store().tickets.spendAllForUser(userId, 'password_reset', T0 + 1), 0)
    // The one used earlier keeps its own time: deleting before T0 finds it, and not the ones spent at T0.
    assert.equal(await store().tickets.deleteExpired(T0, 100), 1)
  })

  it('tickets.deleteExpired removes tickets expired or used before the cutoff, at most a batch at a time', async () => {
    const cutoff = T0
    const expired = ticket({ expiresAt: cutoff - 1 })
    const used = ticket({ usedAt: cutoff - 1 })
    const usedAndExpired = ticket({ usedAt: cutoff - DAY, expiresAt: cutoff - 1 })
    const usedRecently = ticket({ usedAt: cutoff })
    const expiresAtCutoff = ticket({ expiresAt: cutoff })
    for (const record of [expired, used, usedAndExpired, usedRecently, expiresAtCutoff]) await store().tickets.insert(record)
    assert.equal(await store().tickets.deleteExpired(cutoff, 2), 2)
    assert.equal(await store().tickets.deleteExpired(cutoff, 2), 1)
    assert.equal(await store().tickets.deleteExpired(cutoff, 2), 0)
    assert.deepEqual(await store().tickets.findUsable(expiresAtCutoff.idHash, expiresAtCutoff.kind, cutoff - 1), expiresAtCutoff)
    assert.equal(await store().tickets.deleteExpired(cutoff + 1, 10), 2, 'the rest go once the cutoff passes them')
  })
}
