import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { T0 } from '../fixtures.js'

const USER = 'auth0|user-a'
const CLIENT = 'client-a'
const API = 'https://api.example/'

export function consentGuarantees(store: CurrentStore): void {
  it('consents.grant creates a consent, then unions scopes on later grants', async () => {
    const first = await store().consents.grant(USER, CLIENT, API, ['read', 'write'], T0)
    assert.deepEqual(first, { userId: USER, clientId: CLIENT, audience: API, scopes: ['read', 'write'], createdAt: T0, updatedAt: T0 })
    const second = await store().consents.grant(USER, CLIENT, API, ['write', 'admin'], T0 + 1)
    assert.deepEqual(second, { ...first, scopes: ['read', 'write', 'admin'], updatedAt: T0 + 1 })
    assert.deepEqual(await store().consents.find(USER, CLIENT, API), second)
  })

  it('consents.grant keeps every scope under 10 concurrent grants', async () => {
    const scopes = Array.from({ length: 10 }, (_, i) => `scope:${i}`)
    await Promise.all(scopes.map((scope, i) => store().consents.grant(USER, CLIENT, API, [scope], T0 + i)))
    const consent = await store().consents.find(USER, CLIENT, API)
    assert.deepEqual([...(consent?.scopes ?? [])].sort(), [...scopes].sort())
  })

  it('consents.find keys on user, client and audience (the empty audience included)', async () => {
    await store().consents.grant(USER, CLIENT, '', ['openid', 'profile'], T0)
    await store().consents.grant(USER, CLIENT, API, ['read'], T0)
    assert.deepEqual((await store().consents.find(USER, CLIENT, ''))?.scopes, ['openid', 'profile'])
    assert.deepEqual((await store().consents.find(USER, CLIENT, API))?.scopes, ['read'])
    assert.equal(await store().consents.find(USER, 'client-b', API), null)
    assert.equal(await store().consents.find('auth0|user-b', CLIENT, API), null)
  })

  it("consents.revoke removes the user's consents to that client for every audience, and nothing else", async () => {
    await store().consents.grant(USER, CLIENT, '', ['openid'], T0)
    await store().consents.grant(USER, CLIENT, API, ['read'], T0)
    await store().consents.grant(USER, 'client-b', API, ['read'], T0)
    await store().consents.grant('auth0|user-b', CLIENT, API, ['read'], T0)
    assert.equal(await store().consents.revoke(USER, CLIENT), 2)
    assert.equal(await store().consents.find(USER, CLIENT, ''), null)
    assert.equal(await store().consents.find(USER, CLIENT, API), null)
    assert.notEqual(await store().consents.find(USER, 'client-b', API), null)
    assert.notEqual(await store().consents.find('auth0|user-b', CLIENT, API), null)
    assert.equal(await store().consents.revoke(USER, CLIENT), 0)
  })

  it('consents.list and count filter by user, client and audience, oldest first; delete and deleteForUser remove', async () => {
    await store().consents.grant(USER, CLIENT, API, ['read'], T0)
    await store().consents.grant(USER, CLIENT, '', ['openid'], T0 + 1)
    await store().consents.grant(USER, 'client-b', API, ['read'], T0 + 2)
    await store().consents.grant('auth0|user-b', CLIENT, API, ['write'], T0 + 3)
    assert.deepEqual(
      (await store().consents.list()).map((c) => [c.userId, c.clientId, c.audience]),
      [[USER, CLIENT, API], [USER, CLIENT, ''], [USER, 'client-b', API], ['auth0|user-b', CLIENT, API]],
    )
    assert.equal(await store().consents.count({ userId: USER }), 3)
    assert.equal(await store().consents.count({ clientId: CLIENT, audience: API }), 2)
    assert.deepEqual((await store().consents.list({ userId: USER, audience: '' })).map((c) => c.scopes), [['openid']])
    assert.deepEqual((await store().consents.list({ userId: USER, page: 1, perPage: 2 })).map((c) => c.clientId), ['client-b'])
    assert.equal(await store().consents.delete(USER, CLIENT, ''), true)
    assert.equal(await store().consents.delete(USER, CLIENT, ''), false)
    assert.notEqual(await store().consents.find(USER, CLIENT, API), null)
    assert.equal(await store().consents.deleteForUser(USER), 2)
    assert.equal(await store().consents.count(), 1)
  })
}
