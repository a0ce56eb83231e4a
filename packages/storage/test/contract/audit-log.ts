import assert from 'node:assert/strict'
import { it } from 'node:test'
import { type AuditEventRecord, auditEventId } from '@latchkey/core'
import type { CurrentStore } from '../contract.js'
import { DAY, MINUTE, T0 } from '../fixtures.js'

const HOUR = 60 * MINUTE

/** An event with every field set; ids from the real generator, so their order is the real one. */
function event(overrides: Partial<AuditEventRecord> = {}): AuditEventRecord {
  const time = overrides.time ?? T0
  return {
    id: auditEventId(time),
    time,
    type: 's',
    clientId: 'client-a',
    userId: 'auth0|ada',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) — ünïcode',
    details: { user_name: 'ada@example.com', scope: ['openid', 'profile'], refresh_token_issued: true, revoked: 3, reason: null },
    ...overrides,
  }
}

export function auditLogGuarantees(store: CurrentStore): void {
  it('logs round-trip every field (nulls, unicode, JSON details)', async () => {
    const full = event()
    const bare = event({ time: T0 + 1, type: 'signing_key_rotated', clientId: null, userId: null, ip: null, userAgent: null, details: {} })
    await store().logs.append(full)
    await store().logs.append(bare)
    assert.deepEqual(await store().logs.list(), [bare, full])
  })

  it('logs.appendAll writes a batch in one statement, all or none', async () => {
    const batch = [0, 1, 2].map((m) => event({ time: T0 + m, userId: `auth0|user-${m}` }))
    await store().logs.appendAll([])
    await store().logs.appendAll(batch)
    assert.deepEqual(await store().logs.list(), [...batch].reverse())
    // A batch holding an id already stored is refused whole: none of its new events is written.
    const fresh = event({ time: T0 + 5 })
    await assert.rejects(store().logs.appendAll([fresh, batch[0] as AuditEventRecord]))
    assert.equal(await store().logs.get(fresh.id), null)
    assert.equal(await store().logs.count(), 3)
    await store().logs.appendAll([fresh])
    assert.deepEqual(await store().logs.get(fresh.id), fresh)
  })

  it('logs.list is newest first; events of the same millisecond keep their id order; pages are stable', async () => {
    const events = [0, 3, 1, 2, 2, 4].map((m) => event({ time: T0 + m * MINUTE }))
    for (const e of events) await store().logs.append(e)
    const newestFirst = [...events].sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1))
    assert.deepEqual(await store().logs.list(), newestFirst)
    const pages = [
      await store().logs.list({ page: 0, perPage: 4 }),
      await store().logs.list({ page: 1, perPage: 4 }),
      await store().logs.list({ page: 2, perPage: 4 }),
    ]
    assert.deepEqual(pages.flat(), newestFirst)
    assert.equal(pages[2]?.length, 0)
  })

  it('logs.list and count filter by type (one or several), user, client and time window together', async () => {
    const login = event({ type: 's', userId: 'auth0|ada', clientId: 'spa', time: T0 })
    const failed = event({ type: 'fp', userId: 'auth0|ada', clientId: 'spa', time: T0 + MINUTE })
    const other = event({ type: 's', userId: 'auth0|bob', clientId: 'native', time: T0 + 2 * MINUTE })
    const admin = event({ type: 'sapi', userId: null, clientId: null, time: T0 + 3 * MINUTE })
    for (const e of [login, failed, other, admin]) await store().logs.append(e)

    assert.deepEqual(await store().logs.list({ type: 's' }), [other, login])
    assert.deepEqual(await store().logs.list({ type: ['fp', 'sapi'] }), [admin, failed])
    assert.deepEqual(await store().logs.list({ type: [] }), [])
    assert.deepEqual(await store().logs.list({ userId: 'auth0|ada' }), [failed, login])
    assert.deepEqual(await store().logs.list({ clientId: 'native' }), [other])
    assert.deepEqual(await store().logs.list({ userId: 'auth0|ada', type: 'fp', clientId: 'spa' }), [failed])
    // `since` is inclusive, `until` exclusive.
    assert.deepEqual(await store().logs.list({ since: T0 + MINUTE, until: T0 + 3 * MINUTE }), [other, failed])
    assert.deepEqual(await store().logs.list({ since: T0 + 4 * MINUTE }), [])

    assert.equal(await store().logs.count(), 4)
    assert.equal(await store().logs.count({ type: 's' }), 2)
    assert.equal(await store().logs.count({ userId: 'auth0|ada', since: T0 + 1 }), 1)
    assert.equal(await store().logs.count({ type: [] }), 0)
  })

  it('logs.countByPeriod counts events of the asked types per hour or per UTC day, in SQL, inside [since, until)', async () => {
    const day0 = Math.floor(T0 / DAY) * DAY
    const at = (hours: number, minutes = 0) => day0 + hours * HOUR + minutes * MINUTE
    const events = [
      event({ time: at(1, 5), type: 's' }),
      event({ time: at(1, 59), type: 's' }),
      event({ time: at(1, 30), type: 'fp' }),
      event({ time: at(3), type: 's' }),
      event({ time: at(3, 1), type: 'ss' }),
      event({ time: at(25), type: 's' }), // the next day
      event({ time: at(2), type: 'sapi' }), // not asked for
      event({ time: at(49), type: 's' }), // after until
    ]
    await store().logs.appendAll(events)
    const query = { types: ['s', 'ss', 'fp'], since: day0, until: at(48) }
    assert.deepEqual(await store().logs.countByPeriod({ ...query, periodMs: HOUR }), [
      { start: at(1), type: 'fp', count: 1 },
      { start: at(1), type: 's', count: 2 },
      { start: at(3), type: 's', count: 1 },
      { start: at(3), type: 'ss', count: 1 },
      { start: at(25), type: 's', count: 1 },
    ])
    assert.deepEqual(await store().logs.countByPeriod({ ...query, periodMs: DAY }), [
      { start: day0, type: 'fp', count: 1 },
      { start: day0, type: 's', count: 3 },
      { start: day0, type: 'ss', count: 1 },
      { start: day0 + DAY, type: 's', count: 1 },
    ])
    assert.deepEqual(await store().logs.countByPeriod({ ...query, since: at(2), periodMs: DAY }), [
      { start: day0, type: 's', count: 1 },
      { start: day0, type: 'ss', count: 1 },
      { start: day0 + DAY, type: 's', count: 1 },
    ])
    assert.deepEqual(await store().logs.countByPeriod({ ...query, types: [], periodMs: HOUR }), [])
    await assert.rejects(store().logs.countByPeriod({ ...query, periodMs: 1.5 }), RangeError)
  })

  it('logs.deleteOlderThan removes at most one batch of the oldest events before the cutoff', async () => {
    const old = [1, 2, 3, 4, 5].map((d) => event({ time: T0 - d * DAY }))
    const recent = [event({ time: T0 }), event({ time: T0 + MINUTE })]
    for (const e of [...recent, ...old]) await store().logs.append(e)

    assert.equal(await store().logs.deleteOlderThan(T0, 2), 2)
    const afterOne = await store().logs.list()
    assert.deepEqual(afterOne, [recent[1], recent[0], ...old.slice(0, 3)], 'the two oldest went first')
    assert.equal(await store().logs.deleteOlderThan(T0, 100), 3)
    assert.equal(await store().logs.deleteOlderThan(T0, 100), 0)
    assert.equal(await store().logs.count(), 2)
  })

  it('logs.append joins the caller’s transaction and rolls back with it', async () => {
    const kept = event()
    await assert.rejects(
      store().transaction(async (tx) => {
        await tx.logs.append(event({ time: T0 + 1 }))
        throw new Error('boom')
      }),
      /boom/,
    )
    await store().transaction((tx) => tx.logs.append(kept))
    assert.deepEqual(await store().logs.list(), [kept])
  })

  it('logs.get finds one event; listAfter reads the events after an id, oldest first, at most take', async () => {
    const events = [0, 1, 2, 3].map((i) => event({ time: T0 + i * MINUTE }))
    for (const e of events) await store().logs.append(e)
    assert.deepEqual(await store().logs.get(events[2]!.id), events[2])
    assert.equal(await store().logs.get('0000'), null)
    assert.deepEqual(await store().logs.listAfter(events[0]!.id, 2), [events[1], events[2]])
    assert.deepEqual(await store().logs.listAfter(events[2]!.id, 50), [events[3]])
    assert.deepEqual(await store().logs.listAfter(events[3]!.id, 50), [])
    assert.deepEqual(await store().logs.listAfter('0', 1), [events[0]])
  })
}
