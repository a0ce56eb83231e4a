import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { authorizationRequest, interaction, MINUTE, T0 } from '../fixtures.js'

export function interactionGuarantees(store: CurrentStore): void {
  it('interactions round-trip the authorization request and every field', async () => {
    const request = authorizationRequest({
      audience: null,
      state: null,
      nonce: 'nonce-1',
      prompt: [],
      maxAge: 0,
      responseMode: 'form_post',
      organization: 'org_1',
    })
    const record = interaction({ request })
    await store().interactions.insert(record)
    assert.deepEqual(await store().interactions.get(record.id, T0), record)
  })

  it('interactions.get and take ignore an expired interaction', async () => {
    const record = interaction({ expiresAt: T0 + MINUTE })
    await store().interactions.insert(record)
    assert.equal(await store().interactions.get(record.id, T0 + MINUTE), null)
    assert.equal(await store().interactions.take(record.id, T0 + MINUTE), null)
    assert.equal(await store().interactions.get('no-such-interaction', T0), null)
  })

  it('interactions.setAuthenticated records the user, the session and the auth time', async () => {
    const record = interaction()
    await store().interactions.insert(record)
    await store().interactions.setAuthenticated(record.id, 'auth0|user-a', 'sid-a', T0 + 5)
    assert.deepEqual(await store().interactions.get(record.id, T0), {
      ...record,
      userId: 'auth0|user-a',
      sessionSid: 'sid-a',
      authTime: T0 + 5,
    })
  })

  it('interactions.take returns the interaction once', async () => {
    const record = interaction()
    await store().interactions.insert(record)
    assert.deepEqual(await store().interactions.take(record.id, T0), record)
    assert.equal(await store().interactions.take(record.id, T0), null)
    assert.equal(await store().interactions.get(record.id, T0), null)
  })

  it('interactions.take returns the interaction to exactly one of 10 concurrent callers', async () => {
    const record = interaction()
    await store().interactions.insert(record)
    const results = await Promise.all(Array.from({ length: 10 }, () => store().interactions.take(record.id, T0)))
    assert.equal(results.filter((r) => r !== null).length, 1)
  })

  it('interactions.deleteExpired removes only interactions that expired before now', async () => {
    const old = interaction({ expiresAt: T0 - 1 })
    const older = interaction({ expiresAt: T0 - MINUTE })
    const live = interaction({ expiresAt: T0 + MINUTE })
    for (const record of [old, older, live]) await store().interactions.insert(record)
    assert.equal(await store().interactions.deleteExpired(T0, 1), 1)
    assert.equal(await store().interactions.deleteExpired(T0, 100), 1)
    assert.deepEqual(await store().interactions.get(live.id, T0), live)
  })
}
