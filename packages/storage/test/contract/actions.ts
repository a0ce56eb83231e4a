import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { action, T0 } from '../fixtures.js'

export function actionGuarantees(store: CurrentStore): void {
  it('actions round-trip; names are unique; listed oldest first, by trigger', async () => {
    const a = action({ name: 'add-roles' })
    const b = action({ name: 'block-m2m', trigger: 'credentials-exchange', createdAt: T0 + 1, deployed: { version: 3, code: 'old', sealedSecrets: null, deployedAt: T0 } })
    await store().actions.insert(a)
    await store().actions.insert(b)
    await assert.rejects(store().actions.insert(action({ name: 'add-roles' })), ConflictError)
    assert.deepEqual(await store().actions.get(a.id), a)
    assert.deepEqual(await store().actions.findByName('block-m2m'), b)
    assert.deepEqual(await store().actions.list(), [a, b])
    assert.deepEqual(await store().actions.list({ trigger: 'credentials-exchange' }), [b])
    assert.equal(await store().actions.count({ trigger: 'post-login' }), 1)
  })

  it('update changes the draft only; deploy makes it the running version, one more each time', async () => {
    const a = action()
    await store().actions.insert(a)
    const edited = await store().actions.update(a.id, { code: 'exports.onExecutePostLogin = async () => { /* v1 */ }', sealedSecrets: 's1', secretNames: ['K'], updatedAt: T0 + 1 })
    assert.equal(edited?.deployed, null)
    const first = await store().actions.deploy(a.id, T0 + 2)
    assert.deepEqual(first?.deployed, { version: 1, code: 'exports.onExecutePostLogin = async () => { /* v1 */ }', sealedSecrets: 's1', deployedAt: T0 + 2 })
    await store().actions.update(a.id, { code: 'draft v2' })
    assert.equal((await store().actions.get(a.id))?.deployed?.code, 'exports.onExecutePostLogin = async () => { /* v1 */ }', 'a draft never runs')
    const second = await store().actions.deploy(a.id, T0 + 3)
    assert.equal(second?.deployed?.version, 2)
    assert.equal(second?.deployed?.code, 'draft v2')
    assert.equal(await store().actions.deploy('act_missing', T0), null)
    await store().actions.insert(action({ name: 'taken' }))
    await assert.rejects(store().actions.update(a.id, { name: 'taken' }), ConflictError)
  })

  it('bindings: replaced whole, in order; only deployed actions of that trigger; deleting an action unbinds it', async () => {
    const [x, y] = [action({ name: 'x' }), action({ name: 'y' })]
    const m2m = action({ name: 'm2m', trigger: 'credentials-exchange' })
    const draft = action({ name: 'draft' })
    for (const a of [x, y, m2m, draft]) await store().actions.insert(a)
    for (const a of [x, y, m2m]) await store().actions.deploy(a.id, T0)
    await store().actions.bind('post-login', [
      { actionId: y.id, displayName: 'Y first' },
      { actionId: x.id, displayName: 'then X' },
    ])
    const bound = await store().actions.bound('post-login')
    assert.deepEqual(
      bound.map((b) => [b.name, b.displayName, b.deployed.version]),
      [
        ['y', 'Y first', 1],
        ['x', 'then X', 1],
      ],
    )
    await assert.rejects(store().actions.bind('post-login', [{ actionId: m2m.id, displayName: 'm' }]), /credentials-exchange trigger/)
    await assert.rejects(store().actions.bind('post-login', [{ actionId: draft.id, displayName: 'd' }]), /never been deployed/)
    await assert.rejects(store().actions.bind('post-login', [{ actionId: 'act_missing', displayName: 'd' }]), /does not exist/)
    await assert.rejects(
      store().actions.bind('post-login', [
        { actionId: x.id, displayName: 'once' },
        { actionId: x.id, displayName: 'twice' },
      ]),
      /only once/,
    )
    assert.equal((await store().actions.bound('post-login')).length, 2, 'a refused binding changes nothing')
    await store().actions.bind('post-login', [{ actionId: x.id, displayName: 'X alone' }])
    assert.deepEqual((await store().actions.bound('post-login')).map((b) => b.name), ['x'])
    assert.equal(await store().actions.delete(x.id), true)
    assert.deepEqual(await store().actions.bound('post-login'), [])
    assert.equal(await store().actions.delete(x.id), false)
    await store().actions.bind('post-login', [])
  })

  it('sealed secrets of drafts and deployed versions are listed, and replaced by compare-and-set', async () => {
    const a = action({ sealedSecrets: 'draft-1' })
    const plain = action({ sealedSecrets: null })
    await store().actions.insert(a)
    await store().actions.insert(plain)
    await store().actions.deploy(a.id, T0)
    assert.deepEqual(await store().actions.sealedSecrets(), [{ id: a.id, name: a.name, draft: 'draft-1', deployed: 'draft-1' }])
    assert.equal(await store().actions.replaceSealedSecrets(a.id, 'deployed', 'draft-1', 'deployed-2'), true)
    assert.equal(await store().actions.replaceSealedSecrets(a.id, 'deployed', 'draft-1', 'deployed-3'), false, 'changed meanwhile')
    assert.equal(await store().actions.replaceSealedSecrets(a.id, 'draft', 'draft-1', 'draft-2'), true)
    assert.deepEqual(await store().actions.sealedSecrets(), [{ id: a.id, name: a.name, draft: 'draft-2', deployed: 'deployed-2' }])
  })
}
