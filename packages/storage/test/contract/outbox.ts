import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { OutboxEmailRecord } from '@latchkey/core'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { DAY, MINUTE, outboxEmail, T0, ticket, user } from '../fixtures.js'

const LEASE = 5 * MINUTE

function ids(records: readonly OutboxEmailRecord[]): string[] {
  return records.map((r) => r.id)
}

export function outboxGuarantees(store: CurrentStore): void {
  it('outbox emails round-trip every field (nulls, times, every status), and a taken id throws ConflictError', async () => {
    const pending = outboxEmail()
    const sending = outboxEmail({ template: 'reset_email', status: 'sending', attempts: 2, lockedUntil: T0 + LEASE, lastError: '421 4.7.0 try again later' })
    const sent = outboxEmail({ template: 'welcome_email', userId: null, sealedMessage: null, status: 'sent', attempts: 1, sentAt: T0 + 1 })
    const failed = outboxEmail({ template: 'user_invitation', to: 'Zoë "Ü" <zoe@exämple.com>', sealedMessage: null, status: 'failed', attempts: 5, lastError: 'ünïcode — error' })
    for (const record of [pending, sending, sent, failed]) await store().outbox.enqueue(record)
    for (const record of [pending, sending, sent, failed]) assert.deepEqual(await store().outbox.get(record.id), record)
    assert.equal(await store().outbox.get('em_nothing'), null)
    await assert.rejects(store().outbox.enqueue(outboxEmail({ id: pending.id })), ConflictError)
  })

  it('outbox.claimDue claims only due emails, oldest due first, at most limit, with a lease and one more attempt', async () => {
    const due = [3, 1, 2, 0].map((ago) => outboxEmail({ nextAttemptAt: T0 - ago * MINUTE }))
    const later = outboxEmail({ nextAttemptAt: T0 + 1 })
    const leased = outboxEmail({ status: 'sending', attempts: 1, nextAttemptAt: T0 - DAY, lockedUntil: T0 + 1 })
    const sent = outboxEmail({ status: 'sent', attempts: 1, nextAttemptAt: T0 - DAY, sentAt: T0 - DAY, sealedMessage: null })
    const failed = outboxEmail({ status: 'failed', attempts: 5, nextAttemptAt: T0 - DAY, lockedUntil: T0 - DAY, sealedMessage: null })
    for (const record of [...due, later, leased, sent, failed]) await store().outbox.enqueue(record)
    const oldestFirst = [...due].sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)

    const first = await store().outbox.claimDue(T0, LEASE, 3)
    const claimed = (r: OutboxEmailRecord): OutboxEmailRecord => ({ ...r, status: 'sending', lockedUntil: T0 + LEASE, attempts: r.attempts + 1 })
    assert.deepEqual(first, oldestFirst.slice(0, 3).map(claimed))
    for (const record of first) assert.deepEqual(await store().outbox.get(record.id), record)

    assert.deepEqual(await store().outbox.claimDue(T0, LEASE, 3), oldestFirst.slice(3).map(claimed))
    assert.deepEqual(await store().outbox.claimDue(T0, LEASE, 3), [], 'nothing else is due')
    for (const record of [later, leased, sent, failed]) assert.deepEqual(await store().outbox.get(record.id), record)
  })

  it('outbox.claimDue takes over an email whose lease lapsed (another attempt), never a sent or failed one', async () => {
    const lapsed = outboxEmail({ status: 'sending', attempts: 1, nextAttemptAt: T0 - DAY, lockedUntil: T0 })
    await store().outbox.enqueue(lapsed)
    const fresh = outboxEmail()
    await store().outbox.enqueue(fresh)
    assert.deepEqual(await store().outbox.claimDue(T0, LEASE, 10), [
      { ...lapsed, attempts: 2, lockedUntil: T0 + LEASE },
      { ...fresh, status: 'sending', attempts: 1, lockedUntil: T0 + LEASE },
    ])
    assert.deepEqual(await store().outbox.claimDue(T0 + LEASE - 1, LEASE, 10), [], 'leased until T0 + LEASE')
    const retaken = await store().outbox.claimDue(T0 + LEASE, LEASE, 10)
    assert.deepEqual(retaken.map((r) => [r.id, r.attempts, r.lockedUntil]), [
      [lapsed.id, 3, T0 + 2 * LEASE],
      [fresh.id, 2, T0 + 2 * LEASE],
    ])
    assert.equal(await store().outbox.markSent(lapsed.id, 3, T0 + LEASE), true)
    assert.equal(await store().outbox.markFailed(fresh.id, 2, 'rejected', null), true)
    assert.deepEqual(await store().outbox.claimDue(T0 + 365 * DAY, LEASE, 10), [])
  })

  it('outbox.claimDue from concurrent callers hands each email to one caller only', async () => {
    for (let round = 0; round < 4; round++) {
      const now = T0 + round * DAY
      const emails = Array.from({ length: 20 }, (_, i) => outboxEmail({ nextAttemptAt: now - i }))
      for (const record of emails) await store().outbox.enqueue(record)
      const seen: string[] = []
      for (let pair = 0; pair < 2; pair++) {
        const [a, b] = await Promise.all([store().outbox.claimDue(now, DAY * 10, 5), store().outbox.claimDue(now, DAY * 10, 5)])
        assert.ok(a.length <= 5 && b.length <= 5)
        const overlap = ids(a).filter((id) => ids(b).includes(id))
        assert.deepEqual(overlap, [], `round ${round}: disjoint claims`)
        seen.push(...ids(a), ...ids(b))
      }
      const more = await Promise.all([1, 2, 3, 4].map(() => store().outbox.claimDue(now, DAY * 10, 5)))
      seen.push(...more.flatMap(ids))
      assert.equal(new Set(seen).size, seen.length, `round ${round}: no email claimed twice`)
      assert.deepEqual([...seen].sort(), ids(emails).sort(), `round ${round}: every email claimed`)
      for (const record of await Promise.all(emails.map((e) => store().outbox.get(e.id)))) assert.equal(record?.attempts, 1)
    }
  })

  it('outbox.markSent and markFailed work only for the holder of that attempt; a stale attempt changes nothing', async () => {
    const record = outboxEmail()
    await store().outbox.enqueue(record)
    assert.equal(await store().outbox.markSent(record.id, 0, T0), false, 'not claimed yet')
    assert.equal(await store().outbox.markFailed(record.id, 0, 'x', null), false, 'not claimed yet')
    assert.deepEqual(await store().outbox.get(record.id), record)

    await store().outbox.claimDue(T0, LEASE, 1) // attempt 1, lease lapses
    const [taken] = await store().outbox.claimDue(T0 + LEASE, LEASE, 1) // attempt 2
    assert.equal(taken?.attempts, 2)
    assert.equal(await store().outbox.markSent(record.id, 1, T0 + LEASE), false, 'the first holder lost its claim')
    assert.equal(await store().outbox.markFailed(record.id, 1, 'timeout', T0 + DAY), false)
    assert.equal(await store().outbox.markFailed(record.id, 3, 'timeout', null), false)
    assert.deepEqual(await store().outbox.get(record.id), taken)

    assert.equal(await store().outbox.markSent(record.id, 2, T0 + LEASE + 1), true)
    const sent = { ...record, status: 'sent', attempts: 2, sealedMessage: null, lockedUntil: null, sentAt: T0 + LEASE + 1 }
    assert.deepEqual(await store().outbox.get(record.id), sent)
    assert.equal(await store().outbox.markSent(record.id, 2, T0 + DAY), false, 'settled once')
    assert.equal(await store().outbox.markFailed(record.id, 2, 'late', null), false)
    assert.deepEqual(await store().outbox.get(record.id), sent)
    assert.equal(await store().outbox.markSent('em_nothing', 1, T0), false)
  })

  it('outbox.markFailed either schedules a retry (message kept) or gives up (message dropped); the error is kept short', async () => {
    const record = outboxEmail()
    await store().outbox.enqueue(record)
    await store().outbox.claimDue(T0, LEASE, 1)
    assert.equal(await store().outbox.markFailed(record.id, 1, '421 4.7.0 try again later', T0 + 10 * MINUTE), true)
    const retrying = { ...record, status: 'pending', attempts: 1, nextAttemptAt: T0 + 10 * MINUTE, lockedUntil: null, lastError: '421 4.7.0 try again later' }
    assert.deepEqual(await store().outbox.get(record.id), retrying)
    assert.deepEqual(await store().outbox.claimDue(T0 + 10 * MINUTE - 1, LEASE, 1), [], 'not due before retryAt')
    const [again] = await store().outbox.claimDue(T0 + 10 * MINUTE, LEASE, 1)
    assert.deepEqual(again, { ...retrying, status: 'sending', attempts: 2, lockedUntil: T0 + 10 * MINUTE + LEASE })

    const long = `550 ${'é'.repeat(1000)}`
    assert.equal(await store().outbox.markFailed(record.id, 2, long, null), true)
    const failed = await store().outbox.get(record.id)
    assert.deepEqual(failed, { ...retrying, status: 'failed', attempts: 2, sealedMessage: null, lastError: long.slice(0, 500) })
    assert.deepEqual(await store().outbox.claimDue(T0 + 365 * DAY, LEASE, 10), [], 'a failed email is never retried')
  })

  it('outbox.list is newest first, filters by one or several statuses, and pages', async () => {
    const records = [
      outboxEmail({ createdAt: T0 + 1 }),
      outboxEmail({ createdAt: T0 + 2, status: 'sent', sentAt: T0 + 3, sealedMessage: null }),
      outboxEmail({ createdAt: T0 + 3, status: 'failed', sealedMessage: null }),
      outboxEmail({ createdAt: T0 + 4, status: 'sending', attempts: 1, lockedUntil: T0 + LEASE }),
      outboxEmail({ createdAt: T0 + 5 }),
    ]
    for (const record of records) await store().outbox.enqueue(record)
    const newestFirst = [...records].reverse()
    assert.deepEqual(await store().outbox.list(), newestFirst)
    assert.deepEqual(await store().outbox.list({ status: 'pending' }), [records[4], records[0]])
    assert.deepEqual(await store().outbox.list({ status: ['sent', 'failed'] }), [records[2], records[1]])
    assert.deepEqual(await store().outbox.list({ status: [] }), [])
    assert.deepEqual(await store().outbox.list({ perPage: 2 }), newestFirst.slice(0, 2))
    assert.deepEqual(await store().outbox.list({ page: 1, perPage: 2 }), newestFirst.slice(2, 4))
    assert.deepEqual(await store().outbox.list({ page: 2, perPage: 2 }), newestFirst.slice(4))
    assert.deepEqual(await store().outbox.list({ status: ['pending', 'sending'], page: 1, perPage: 2 }), [records[0]])
  })

  it('outbox.countByStatus counts every status, zero when there is none', async () => {
    assert.deepEqual(await store().outbox.countByStatus(), { pending: 0, sending: 0, sent: 0, failed: 0 })
    for (const record of [outboxEmail(), outboxEmail(), outboxEmail({ status: 'sent', sentAt: T0, sealedMessage: null }), outboxEmail({ nextAttemptAt: T0 - 1 })]) {
      await store().outbox.enqueue(record)
    }
    await store().outbox.claimDue(T0, LEASE, 1)
    assert.deepEqual(await store().outbox.countByStatus(), { pending: 2, sending: 1, sent: 1, failed: 0 })
  })

  it('outbox.deleteSettledBefore removes emails sent or failed before the cutoff, at most a batch at a time', async () => {
    const cutoff = T0
    const oldSent = outboxEmail({ createdAt: T0 - 2 * DAY, status: 'sent', sentAt: cutoff - 1, sealedMessage: null })
    const oldFailed = outboxEmail({ createdAt: cutoff - 1, status: 'failed', sealedMessage: null })
    const oldFailed2 = outboxEmail({ createdAt: cutoff - DAY, status: 'failed', sealedMessage: null })
    const recentSent = outboxEmail({ createdAt: T0 - 2 * DAY, status: 'sent', sentAt: cutoff, sealedMessage: null })
    const recentFailed = outboxEmail({ createdAt: cutoff, status: 'failed', sealedMessage: null })
    const oldPending = outboxEmail({ createdAt: T0 - 2 * DAY, nextAttemptAt: T0 - 2 * DAY })
    const oldSending = outboxEmail({ createdAt: T0 - 2 * DAY, status: 'sending', attempts: 3, lockedUntil: T0 - DAY })
    for (const record of [oldSent, oldFailed, oldFailed2, recentSent, recentFailed, oldPending, oldSending]) await store().outbox.enqueue(record)
    assert.equal(await store().outbox.deleteSettledBefore(cutoff, 2), 2)
    assert.equal(await store().outbox.deleteSettledBefore(cutoff, 2), 1)
    assert.equal(await store().outbox.deleteSettledBefore(cutoff, 2), 0)
    for (const record of [oldSent, oldFailed, oldFailed2]) assert.equal(await store().outbox.get(record.id), null)
    for (const record of [recentSent, recentFailed, oldPending, oldSending]) assert.deepEqual(await store().outbox.get(record.id), record)
  })

  it('users.delete removes the user’s tickets and unsent emails (pending, sending, failed), and keeps sent ones and other users’', async () => {
    const person = user()
    const other = user()
    await store().users.insert(person)
    await store().users.insert(other)
    const mine = [
      outboxEmail({ userId: person.id }),
      outboxEmail({ userId: person.id, status: 'sending', attempts: 1, lockedUntil: T0 + LEASE }),
      outboxEmail({ userId: person.id, status: 'failed', sealedMessage: null }),
    ]
    const mineSent = outboxEmail({ userId: person.id, status: 'sent', sentAt: T0, sealedMessage: null })
    const theirs = outboxEmail({ userId: other.id })
    const anonymous = outboxEmail({ userId: null })
    for (const record of [...mine, mineSent, theirs, anonymous]) await store().outbox.enqueue(record)
    const myTickets = [ticket({ userId: person.id }), ticket({ userId: person.id, kind: 'password_reset', usedAt: T0 })]
    const theirTicket = ticket({ userId: other.id })
    for (const record of [...myTickets, theirTicket]) await store().tickets.insert(record)

    assert.equal(await store().users.delete(person.id), true)
    for (const record of mine) assert.equal(await store().outbox.get(record.id), null)
    for (const record of [mineSent, theirs, anonymous]) assert.deepEqual(await store().outbox.get(record.id), record)
    assert.equal(await store().tickets.findUsable(myTickets[0]?.idHash ?? '', 'email_verification', T0), null)
    assert.equal(await store().tickets.deleteExpired(T0 + 365 * DAY, 100), 1, 'only the other user’s ticket was left')
  })

  it('outbox and ticket writes inside a transaction commit with it or roll back with it', async () => {
    const kept = outboxEmail()
    const keptTicket = ticket()
    await store().transaction(async (tx) => {
      await tx.outbox.enqueue(kept)
      await tx.tickets.insert(keptTicket)
    })
    const dropped = outboxEmail()
    const droppedTicket = ticket()
    await assert.rejects(
      store().transaction(async (tx) => {
        await tx.outbox.enqueue(dropped)
        await tx.tickets.insert(droppedTicket)
        throw new Error('abort')
      }),
      /abort/,
    )
    assert.deepEqual(await store().outbox.get(kept.id), kept)
    assert.deepEqual(await store().tickets.findUsable(keptTicket.idHash, keptTicket.kind, T0), keptTicket)
    assert.equal(await store().outbox.get(dropped.id), null)
    assert.equal(await store().tickets.findUsable(droppedTicket.idHash, droppedTicket.kind, T0), null)
  })
}
