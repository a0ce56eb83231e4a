import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { DAY, identity, T0, user } from '../fixtures.js'

export function identityGuarantees(store: CurrentStore): void {
  it('identities round-trip every field, found by their upstream account (connection and provider user id)', async () => {
    const enterprise = identity()
    const social = identity({ provider: 'github', isSocial: true, providerUserId: '583231', profileData: {}, updatedAt: T0 + 3 })
    for (const record of [enterprise, social]) await store().identities.insert(record)
    assert.deepEqual(await store().identities.find(enterprise.connectionId, enterprise.providerUserId), enterprise)
    assert.deepEqual(await store().identities.find(social.connectionId, '583231'), social)
    assert.equal(await store().identities.find(social.connectionId, '5832310'), null)
    assert.equal(await store().identities.find('con_nothing', enterprise.providerUserId), null)
  })

  it('identities.insert refuses an upstream account that is already an identity, of any user, with ConflictError', async () => {
    const first = identity({ connectionId: 'con_acme', providerUserId: 'sub-1' })
    await store().identities.insert(first)
    await assert.rejects(store().identities.insert(identity({ connectionId: 'con_acme', providerUserId: 'sub-1' })), ConflictError)
    await assert.rejects(store().identities.insert({ ...first, updatedAt: T0 + 1 }), ConflictError)
    // The same id at another connection is another account.
    await store().identities.insert(identity({ connectionId: 'con_other', providerUserId: 'sub-1', userId: first.userId }))
    assert.equal((await store().identities.listForUser(first.userId)).length, 2)
  })

  it('identities.listForUser lists a user’s identities oldest first, and only theirs', async () => {
    const userId = 'auth0|linked'
    const newer = identity({ userId, createdAt: T0 })
    const older = identity({ userId, createdAt: T0 - DAY })
    const someoneElse = identity()
    for (const record of [newer, older, someoneElse]) await store().identities.insert(record)
    assert.deepEqual(await store().identities.listForUser(userId), [older, newer])
    assert.deepEqual(await store().identities.listForUser('auth0|nobody'), [])
  })

  it('identities.updateProfile replaces the profile the provider sent and returns the identity, or null', async () => {
    const record = identity()
    await store().identities.insert(record)
    const profileData = { email: 'ada@new.example', picture: null, locale: 'en-GB' }
    const expected = { ...record, profileData, updatedAt: T0 + 7 }
    assert.deepEqual(await store().identities.updateProfile(record.connectionId, record.providerUserId, profileData, T0 + 7), expected)
    assert.deepEqual(await store().identities.find(record.connectionId, record.providerUserId), expected)
    assert.equal(await store().identities.updateProfile(record.connectionId, 'nobody', profileData, T0), null)
  })

  it('identities.move gives an identity to another user (linking); delete removes it only from its user (unlinking)', async () => {
    const record = identity({ userId: 'oidc|acme|secondary' })
    await store().identities.insert(record)
    const moved = await store().identities.move(record.connectionId, record.providerUserId, 'auth0|primary', T0 + 1)
    assert.deepEqual(moved, { ...record, userId: 'auth0|primary', updatedAt: T0 + 1 })
    assert.deepEqual(await store().identities.listForUser('oidc|acme|secondary'), [])
    assert.deepEqual(await store().identities.listForUser('auth0|primary'), [moved])
    assert.equal(await store().identities.move(record.connectionId, 'nobody', 'auth0|primary', T0), null)

    assert.equal(await store().identities.delete('oidc|acme|secondary', record.connectionId, record.providerUserId), false)
    assert.equal(await store().identities.delete('auth0|primary', record.connectionId, record.providerUserId), true)
    assert.equal(await store().identities.delete('auth0|primary', record.connectionId, record.providerUserId), false)
    assert.equal(await store().identities.find(record.connectionId, record.providerUserId), null)
  })

  it('users.delete deletes the user’s identities, and no one else’s', async () => {
    const gone = user({ id: 'oidc|acme|gone', connection: 'acme', passwordHash: null })
    const stays = user()
    for (const person of [gone, stays]) await store().users.insert(person)
    const mine = [identity({ userId: gone.id }), identity({ userId: gone.id, provider: 'github', isSocial: true })]
    const theirs = identity({ userId: stays.id })
    for (const record of [...mine, theirs]) await store().identities.insert(record)
    assert.equal(await store().users.delete(gone.id), true)
    assert.deepEqual(await store().identities.listForUser(gone.id), [])
    for (const record of mine) assert.equal(await store().identities.find(record.connectionId, record.providerUserId), null)
    assert.deepEqual(await store().identities.listForUser(stays.id), [theirs])
  })
}
