import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { api, clientGrant, T0 } from '../fixtures.js'

export function apiGuarantees(store: CurrentStore): void {
  it('apis round-trip every field (scope objects as JSON, booleans)', async () => {
    const plain = api()
    const flipped = api({ allowOfflineAccess: false, skipConsentForFirstParty: true, scopes: [], isSystem: true })
    for (const record of [plain, flipped]) await store().apis.insert(record)
    assert.deepEqual(await store().apis.get(plain.id), plain)
    assert.deepEqual(await store().apis.get(flipped.id), flipped)
    assert.equal(await store().apis.get('no-such-api'), null)
  })

  it('apis.insert rejects a duplicate identifier with ConflictError', async () => {
    await store().apis.insert(api({ identifier: 'https://api.example/' }))
    await assert.rejects(store().apis.insert(api({ identifier: 'https://api.example/' })), ConflictError)
    assert.equal(await store().apis.count(), 1)
  })

  it('apis.findByIdentifier compares the identifier exactly (a trailing slash differs)', async () => {
    const record = api({ identifier: 'https://api.example' })
    await store().apis.insert(record)
    assert.deepEqual(await store().apis.findByIdentifier('https://api.example'), record)
    assert.equal(await store().apis.findByIdentifier('https://api.example/'), null)
    assert.equal(await store().apis.findByIdentifier('HTTPS://API.EXAMPLE'), null)
  })

  it('apis.update changes only the given fields, keeps the identifier, and returns null for an unknown API', async () => {
    const record = api()
    await store().apis.insert(record)
    const scopes = [{ value: 'admin', description: 'Everything' }]
    const updated = await store().apis.update(record.id, { name: 'Renamed', scopes, tokenLifetime: 600, updatedAt: T0 + 1 })
    const expected = { ...record, name: 'Renamed', scopes, tokenLifetime: 600, updatedAt: T0 + 1 }
    assert.deepEqual(updated, expected)
    assert.deepEqual(await store().apis.findByIdentifier(record.identifier), expected)
    assert.equal(await store().apis.update('no-such-api', { name: 'x' }), null)
  })

  it('apis.delete removes the API and reports whether it existed', async () => {
    const record = api()
    await store().apis.insert(record)
    assert.equal(await store().apis.delete(record.id), true)
    assert.equal(await store().apis.delete(record.id), false)
    assert.equal(await store().apis.findByIdentifier(record.identifier), null)
  })

  it('apis.maxTokenLifetime is the longest access-token lifetime, or 0 without APIs', async () => {
    assert.equal(await store().apis.maxTokenLifetime(), 0)
    for (const tokenLifetime of [600, 86_400, 7_200]) await store().apis.insert(api({ tokenLifetime }))
    assert.equal(await store().apis.maxTokenLifetime(), 86_400)
  })

  it('apis.list pages oldest first and count counts', async () => {
    const records = [api({ createdAt: T0 + 2 }), api({ createdAt: T0 }), api({ createdAt: T0 + 1 })]
    for (const record of records) await store().apis.insert(record)
    const listed = await store().apis.list()
    assert.deepEqual(
      listed.map((a) => a.createdAt),
      [T0, T0 + 1, T0 + 2],
    )
    assert.deepEqual(await store().apis.list({ page: 1, perPage: 1 }), [records[2]])
    assert.equal(await store().apis.count(), 3)
  })

  it('apis.findSystem finds the one API flagged system; changeIdentifier moves it and its client grants', async () => {
    assert.equal(await store().apis.findSystem(), null)
    const system = api({ identifier: 'http://old.example/api/v2/', isSystem: true })
    const other = api()
    await store().apis.insert(other)
    await store().apis.insert(system)
    assert.deepEqual(await store().apis.findSystem(), system)
    const grant = clientGrant({ audience: system.identifier })
    await store().clientGrants.insert(grant)
    const moved = await store().apis.changeIdentifier(system.id, 'https://new.example/api/v2/', T0 + 5)
    assert.deepEqual(moved, { ...system, identifier: 'https://new.example/api/v2/', updatedAt: T0 + 5 })
    assert.deepEqual(await store().apis.findByIdentifier('https://new.example/api/v2/'), moved)
    assert.equal(await store().apis.findByIdentifier('http://old.example/api/v2/'), null)
    assert.equal((await store().clientGrants.get(grant.id))?.audience, 'https://new.example/api/v2/')
    await assert.rejects(store().apis.changeIdentifier(system.id, other.identifier, T0 + 6), ConflictError)
    assert.equal((await store().apis.findSystem())?.identifier, 'https://new.example/api/v2/')
    assert.equal(await store().apis.changeIdentifier('nothing', 'https://x.example/', T0), null)
  })
}
