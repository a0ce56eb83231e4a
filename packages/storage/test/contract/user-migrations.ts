import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { T0, user } from '../fixtures.js'

const OURS = '$argon2id$v=19$m=19456,t=2,p=1$'
const NEW_HASH = `${OURS}bmV3c2FsdA$bmV3aGFzaA`

export function userMigrationGuarantees(store: CurrentStore): void {
  it('users.saveMigrated inserts a user the old tenant vouched for, with its id; a second save finds the password there and changes nothing', async () => {
    const migrated = user({ id: 'auth0|5f7c8ec7c33c6c004bbafe82', emailVerified: true, name: 'Ada', passwordHash: NEW_HASH })
    assert.deepEqual(await store().users.saveMigrated(migrated, T0 + 5), migrated)
    assert.deepEqual(await store().users.get(migrated.id), migrated)
    assert.equal(await store().users.saveMigrated({ ...migrated, passwordHash: `${OURS}b3RoZXI$b3RoZXI` }, T0 + 6), null)
    assert.equal((await store().users.get(migrated.id))?.passwordHash, NEW_HASH)
    const taken = user({ id: 'google-oauth2|1', connection: 'google-oauth2' })
    await store().users.insert(taken)
    assert.equal(await store().users.saveMigrated(user({ id: taken.id }), T0), null, 'an id taken by another user')
  })

  it('users.saveMigrated completes an imported user without a password: its id and profile kept, what it lacks filled in', async () => {
    const imported = user({ id: 'auth0|imported', passwordHash: null, name: 'Imported Name', nickname: null })
    await store().users.insert(imported)
    const fromOldTenant = user({ id: 'auth0|imported', email: imported.email, emailVerified: true, name: 'Old Name', nickname: 'ada', passwordHash: NEW_HASH })
    const saved = await store().users.saveMigrated(fromOldTenant, T0 + 9)
    assert.deepEqual(saved, { ...imported, passwordHash: NEW_HASH, emailVerified: true, nickname: 'ada', updatedAt: T0 + 9 })
    assert.equal(await store().users.saveMigrated(fromOldTenant, T0 + 10), null)
  })

  it('users.migrationProgress counts the database connection\'s users: migrated, pending a rehash, without a password', async () => {
    assert.deepEqual(await store().users.migrationProgress(OURS), { total: 0, migrated: 0, pendingRehash: 0, withoutPassword: 0 })
    await store().users.insert(user())
    await store().users.insert(user({ passwordHash: '$2b$10$C9hB01.YxRSTcn/ZOOo4j.TW7xCKKFKBSF.C7E0xiUwumqIDqWUXG' }))
    await store().users.insert(user({ passwordHash: '$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g' }))
    await store().users.insert(user({ passwordHash: null }))
    await store().users.insert(user({ passwordHash: null, connection: 'github', id: 'github|7' }))
    await store().users.saveMigrated(user({ passwordHash: NEW_HASH }), T0)
    assert.deepEqual(await store().users.migrationProgress(OURS), { total: 5, migrated: 1, pendingRehash: 2, withoutPassword: 1 })
  })
}
