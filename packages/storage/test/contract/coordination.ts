import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { it } from 'node:test'
import type { ChangeTopic } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { api, application, connection, signingKey, T0 } from '../fixtures.js'

/** Waits up to `ms` for `done()`; PostgreSQL's notices arrive over their own connection. */
export async function eventually(done: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`)
    await sleep(10)
  }
}

export function coordinationGuarantees(store: CurrentStore): void {
  it('changes: writes to applications, APIs and signing keys reach the listeners, inside a transaction too', async () => {
    const heard: (ChangeTopic | 'all')[] = []
    const stop = store().changes.listen((topic) => heard.push(topic))
    try {
      await store().changes.ready()
      const app = application()
      await store().applications.insert(app)
      await eventually(() => heard.includes('applications'))
      const apiRecord = api()
      await store().transaction(async (tx) => {
        await tx.apis.insert(apiRecord)
      })
      await eventually(() => heard.includes('apis'))
      await store().signingKeys.insert(signingKey())
      await eventually(() => heard.includes('signing-keys'))

      heard.length = 0
      await store().applications.update(app.clientId, { name: 'Renamed', updatedAt: T0 + 1 })
      await store().apis.delete(apiRecord.id)
      await eventually(() => heard.includes('applications') && heard.includes('apis'))
    } finally {
      stop()
    }
  })

  it('changes: updating or deleting a connection reaches the listeners (their strategies forget its discovery metadata)', async () => {
    const heard: (ChangeTopic | 'all')[] = []
    const stop = store().changes.listen((topic) => heard.push(topic))
    try {
      await store().changes.ready()
      const record = connection()
      await store().connections.insert(record)
      assert.equal(await store().connections.update('con_missing000000000', { displayName: 'Nobody' }), null)
      await store().connections.update(record.id, { displayName: 'Renamed', updatedAt: T0 + 1 })
      await eventually(() => heard.includes('connections'))
      heard.length = 0
      await store().transaction(async (tx) => {
        await tx.connections.delete(record.id)
      })
      await eventually(() => heard.includes('connections'))
      assert.equal(await store().connections.delete(record.id), false)
    } finally {
      stop()
    }
  })

  it('changes: a stopped listener hears nothing more, and one that throws does not stop the others', async () => {
    const stopped: string[] = []
    const heard: string[] = []
    const stop = store().changes.listen((topic) => stopped.push(topic))
    const stopThrowing = store().changes.listen(() => {
      throw new Error('a broken cache')
    })
    const stopHeard = store().changes.listen((topic) => heard.push(topic))
    try {
      await store().changes.ready()
      stop()
      await store().applications.insert(application())
      await eventually(() => heard.includes('applications'))
      assert.deepEqual(stopped, [])
    } finally {
      stopThrowing()
      stopHeard()
    }
  })

  it('exclusive runs fn and hands back its value; a caller meanwhile neither waits nor runs; the lock is free again after', async () => {
    let release: () => void = () => {}
    const holding = new Promise<void>((resolve) => {
      release = resolve
    })
    let entered = () => {}
    const inside = new Promise<void>((resolve) => {
      entered = resolve
    })
    const first = store().exclusive('housekeeping', async () => {
      entered()
      await holding
      return 42
    })
    await inside
    let ranSecond = false
    const second = await store().exclusive('housekeeping', async () => {
      ranSecond = true
    })
    assert.deepEqual(second, { ran: false })
    assert.equal(ranSecond, false)
    assert.deepEqual(await store().exclusive('another lock', async () => 'other'), { ran: true, value: 'other' })
    release()
    assert.deepEqual(await first, { ran: true, value: 42 })
    assert.deepEqual(await store().exclusive('housekeeping', async () => 'again'), { ran: true, value: 'again' })
  })

  it('exclusive releases the lock when fn throws, and passes the error on', async () => {
    await assert.rejects(
      store().exclusive('housekeeping', async () => {
        throw new Error('sweep failed')
      }),
      /sweep failed/,
    )
    assert.deepEqual(await store().exclusive('housekeeping', async () => 1), { ran: true, value: 1 })
  })

  it('exclusive is not available on a transaction’s store', async () => {
    await assert.rejects(
      store().transaction((tx) => tx.exclusive('housekeeping', async () => 1)),
      /not available on a transaction/,
    )
  })
}
