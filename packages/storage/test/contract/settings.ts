import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { ChangeTopic } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { application, T0 } from '../fixtures.js'
import { eventually } from './coordination.js'

export function settingsGuarantees(store: CurrentStore): void {
  it('settings get, set, overwrite and delete small text values by key', async () => {
    assert.equal(await store().settings.get('mfa.policy'), null)
    await store().settings.set('mfa.policy', 'optional', T0)
    assert.equal(await store().settings.get('mfa.policy'), 'optional')
    await store().settings.set('mfa.policy', 'always', T0 + 1)
    assert.equal(await store().settings.get('mfa.policy'), 'always')
    await store().settings.set('other', '{"a":[1,2]}', T0)
    assert.equal(await store().settings.delete('mfa.policy'), true)
    assert.equal(await store().settings.delete('mfa.policy'), false)
    assert.equal(await store().settings.get('mfa.policy'), null)
    assert.equal(await store().settings.get('other'), '{"a":[1,2]}')
    await store().settings.set('empty', '', T0)
    assert.equal(await store().settings.get('empty'), '')
  })

  it('settings: of concurrent sets of one key, one value remains', async () => {
    const values = Array.from({ length: 10 }, (_, n) => `v${n}`)
    await Promise.all(values.map((value, n) => store().settings.set('raced', value, T0 + n)))
    assert.ok(values.includes((await store().settings.get('raced')) as string))
  })

  it('changes: setting or deleting a setting reaches the listeners, from a transaction when it commits', async () => {
    const heard: (ChangeTopic | 'all')[] = []
    const stop = store().changes.listen((topic) => heard.push(topic))
    try {
      await store().changes.ready()
      await store().settings.set('mfa.policy', 'always', T0)
      await eventually(() => heard.includes('settings'))
      heard.length = 0
      await store().transaction(async (tx) => {
        await tx.settings.set('mfa.policy', 'never', T0 + 1)
      })
      await eventually(() => heard.includes('settings'))
      assert.equal(await store().settings.get('mfa.policy'), 'never')
      heard.length = 0
      assert.equal(await store().settings.delete('mfa.policy'), true)
      await eventually(() => heard.includes('settings'))
    } finally {
      stop()
    }
  })

  it('applications.mfaPolicy round-trips, is absent when null (the deployment’s policy), and is patched and cleared by update', async () => {
    const plain = application()
    const strict = application({ mfaPolicy: 'always' })
    for (const app of [plain, strict]) await store().applications.insert(app)
    assert.deepEqual(await store().applications.get(plain.clientId), plain)
    assert.deepEqual(await store().applications.get(strict.clientId), strict)
    assert.equal((await store().applications.update(plain.clientId, { mfaPolicy: 'never', updatedAt: T0 + 1 }))?.mfaPolicy, 'never')
    assert.equal((await store().applications.get(plain.clientId))?.mfaPolicy, 'never')
    assert.equal((await store().applications.update(plain.clientId, { name: 'Renamed' }))?.mfaPolicy, 'never', 'a patch without it keeps it')
    const cleared = await store().applications.update(plain.clientId, { mfaPolicy: null })
    assert.ok(cleared && !('mfaPolicy' in cleared), 'null: back to the deployment’s policy')
    const inserted = application({ mfaPolicy: null })
    await store().applications.insert(inserted)
    assert.equal('mfaPolicy' in ((await store().applications.get(inserted.clientId)) ?? {}), false)
  })
}
