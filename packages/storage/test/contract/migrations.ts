import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { user } from '../fixtures.js'

export function migrationGuarantees(store: CurrentStore): void {
  it('migrate is idempotent and keeps the data', async () => {
    const person = user()
    await store().users.insert(person)
    await store().migrate()
    await store().migrate()
    assert.deepEqual(await store().users.get(person.id), person)
  })

  it('migrationStatus, once migrated, lists every migration as applied and none pending', async () => {
    const status = await store().migrationStatus()
    assert.deepEqual(status.pending, [])
    assert.ok(status.applied.length >= 4)
    assert.deepEqual([...status.applied].sort(), status.applied, 'sorted by name')
  })

  it('migrate from concurrent callers applies each migration once', async () => {
    await Promise.all([store().migrate(), store().migrate(), store().migrate()])
    assert.equal(await store().users.count(), 0)
  })
}
