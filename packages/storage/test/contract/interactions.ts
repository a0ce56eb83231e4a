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
    assert.equal(await store().interactions.take(record.id, 'login', T0 + MINUTE), null)
    assert.equal(await store().interactions.get('no-such-interaction', T0), null)
  })

  it('interactions.advance moves the step and records the authentication', async () => {
    const record = interaction()
    await store().interactions.insert(record)
    const authenticated = { userId: 'auth0|user-a', sessionSid: 'sid-a', authTime: T0 + 5 }
    assert.equal(await store().interactions.advance(record.id, 'login', 'consent', { authenticated }, T0), true)
    assert.deepEqual(await store().interactions.get(record.id, T0), { ...record, step: 'consent', userId: 'auth0|user-a', sessionSid: 'sid-a', authTime: T0 + 5 })
  })

  it('interactions.advance replaces the request (the organization chosen at the prompt)', async () => {
    const record = interaction({ step: 'organization' })
    await store().interactions.insert(record)
    const request = { ...record.request, organization: 'org_chosen' }
    assert.equal(await store().interactions.advance(record.id, 'organization', 'login', { request }, T0), true)
    assert.deepEqual(await store().interactions.get(record.id, T0), { ...record, step: 'login', request })
  })

  it('interactions.advance refuses an interaction that is not at the step: nothing changes', async () => {
    const record = interaction({ step: 'login' })
    await store().interactions.insert(record)
    const request = { ...record.request, organization: 'org_other' }
    assert.equal(await store().interactions.advance(record.id, 'organization', 'login', { request }, T0), false)
    assert.equal(await store().interactions.advance(record.id, 'consent', 'consent', { authenticated: { userId: 'u', sessionSid: 's', authTime: T0 } }, T0), false)
    assert.deepEqual(await store().interactions.get(record.id, T0), record)
  })

  it('interactions.advance refuses an expired or unknown interaction', async () => {
    const record = interaction({ expiresAt: T0 + MINUTE })
    await store().interactions.insert(record)
    assert.equal(await store().interactions.advance(record.id, 'login', 'consent', {}, T0 + MINUTE), false)
    assert.equal(await store().interactions.advance('no-such-interaction', 'login', 'consent', {}, T0), false)
  })

  it('interactions.advance lets exactly one of 10 concurrent callers move the step', async () => {
    const record = interaction({ step: 'organization' })
    await store().interactions.insert(record)
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store().interactions.advance(record.id, 'organization', 'login', { request: { ...record.request, organization: `org_${i}` } }, T0)),
    )
    assert.equal(results.filter(Boolean).length, 1)
    const winner = results.indexOf(true)
    assert.equal((await store().interactions.get(record.id, T0))?.request.organization, `org_${winner}`)
  })

  it('interactions.advance records an upstream attempt; findByUpstreamState finds it by the state hash until it is dropped', async () => {
    const record = interaction({ step: 'login' })
    await store().interactions.insert(record)
    const attempt = { connectionId: 'con_abc', stateHash: `state-hash-${record.id}`, sealed: 'sealed.jwe', startedAt: T0 + 1 }
    assert.equal(await store().interactions.advance(record.id, 'login', 'upstream', { upstream: attempt }, T0), true)
    const found = await store().interactions.findByUpstreamState(attempt.stateHash, T0)
    assert.deepEqual(found, { ...record, step: 'upstream', upstream: attempt })
    assert.equal(await store().interactions.findByUpstreamState('another-hash', T0), null)
    assert.equal(await store().interactions.findByUpstreamState(attempt.stateHash, record.expiresAt), null, 'not once expired')
    // Taken back to the login step (the callback uses the attempt once): the state finds nothing any more.
    assert.equal(await store().interactions.advance(record.id, 'upstream', 'login', { upstream: null }, T0), true)
    assert.equal(await store().interactions.findByUpstreamState(attempt.stateHash, T0), null)
    assert.deepEqual(await store().interactions.get(record.id, T0), { ...record, step: 'login', upstream: null })
  })

  it('interactions.advance keeps an account waiting to be linked through the proof, until it is forgotten', async () => {
    const record = interaction({ step: 'login' })
    await store().interactions.insert(record)
    const link = { userId: 'auth0|existing', connectionId: 'con_link', sealed: 'sealed.profile.jwe' }
    assert.equal(await store().interactions.advance(record.id, 'login', 'link', { link }, T0), true)
    assert.deepEqual(await store().interactions.get(record.id, T0), { ...record, step: 'link', link })
    // The proof through another connection: to the provider and back, the pending link stays.
    const attempt = { connectionId: 'con_proof', stateHash: `link-proof-${record.id}`, sealed: 'sealed', startedAt: T0 }
    assert.equal(await store().interactions.advance(record.id, 'link', 'upstream', { upstream: attempt }, T0), true)
    assert.deepEqual(await store().interactions.findByUpstreamState(attempt.stateHash, T0), { ...record, step: 'upstream', upstream: attempt, link })
    assert.equal(await store().interactions.advance(record.id, 'upstream', 'login', { upstream: null, link: null }, T0), true)
    assert.deepEqual(await store().interactions.get(record.id, T0), { ...record, step: 'login', upstream: null, link: null })
  })

  it('an interaction inserted at the upstream step round-trips its attempt', async () => {
    const attempt = { connectionId: 'con_xyz', stateHash: `inserted-${Date.now()}-${Math.random()}`, sealed: 'sealed', startedAt: T0 }
    const record = interaction({ step: 'upstream', upstream: attempt })
    await store().interactions.insert(record)
    assert.deepEqual(await store().interactions.findByUpstreamState(attempt.stateHash, T0), record)
  })

  it('interactions.take returns the interaction once', async () => {
    const record = interaction()
    await store().interactions.insert(record)
    assert.deepEqual(await store().interactions.take(record.id, 'login', T0), record)
    assert.equal(await store().interactions.take(record.id, 'login', T0), null)
    assert.equal(await store().interactions.get(record.id, T0), null)
  })

  it('interactions.take refuses an interaction at another step, and leaves it', async () => {
    const record = interaction({ step: 'consent' })
    await store().interactions.insert(record)
    assert.equal(await store().interactions.take(record.id, 'login', T0), null)
    assert.deepEqual(await store().interactions.get(record.id, T0), record)
  })

  it('interactions.take returns the interaction to exactly one of 10 concurrent callers', async () => {
    const record = interaction()
    await store().interactions.insert(record)
    const results = await Promise.all(Array.from({ length: 10 }, () => store().interactions.take(record.id, 'login', T0)))
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
