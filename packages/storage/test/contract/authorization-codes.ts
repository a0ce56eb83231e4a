import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { authorizationCode, MINUTE, T0, user } from '../fixtures.js'

export function authorizationCodeGuarantees(store: CurrentStore): void {
  it('authorizationCodes round-trip every field (JSON arrays, booleans, nulls)', async () => {
    const code = authorizationCode({ redirectUriProvided: false, audience: null, nonce: null, organization: 'org_1' })
    await store().authorizationCodes.insert(code)
    assert.deepEqual(await store().authorizationCodes.findByHash(code.codeHash), code)
    const withTrue = authorizationCode({ redirectUriProvided: true, codeChallenge: null, codeChallengeMethod: null })
    await store().authorizationCodes.insert(withTrue)
    assert.deepEqual(await store().authorizationCodes.findByHash(withTrue.codeHash), withTrue)
    const multiFactor = authorizationCode({ amr: ['pwd', 'otp', 'mfa'], acr: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor' })
    await store().authorizationCodes.insert(multiFactor)
    assert.deepEqual(await store().authorizationCodes.findByHash(multiFactor.codeHash), multiFactor)
  })

  it('authorizationCodes.consume returns the record to exactly one of 20 concurrent callers', async () => {
    const code = authorizationCode()
    await store().authorizationCodes.insert(code)
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store().authorizationCodes.consume(code.codeHash, code.clientId, T0 + 1)),
    )
    const winners = results.filter((r) => r !== null)
    assert.equal(winners.length, 1)
    assert.deepEqual(winners[0], { code: { ...code, consumedAt: T0 + 1 }, user: null })
  })

  it('authorizationCodes.consume returns null once consumed, and findByHash still finds it for replay detection', async () => {
    const code = authorizationCode()
    await store().authorizationCodes.insert(code)
    assert.notEqual(await store().authorizationCodes.consume(code.codeHash, code.clientId, T0), null)
    assert.equal(await store().authorizationCodes.consume(code.codeHash, code.clientId, T0 + 1), null)
    assert.deepEqual(await store().authorizationCodes.findByHash(code.codeHash), { ...code, consumedAt: T0 })
  })

  it('authorizationCodes.consume returns null at and after expiresAt', async () => {
    const code = authorizationCode({ expiresAt: T0 + MINUTE })
    await store().authorizationCodes.insert(code)
    assert.equal(await store().authorizationCodes.consume(code.codeHash, code.clientId, T0 + MINUTE), null)
    assert.equal(await store().authorizationCodes.consume(code.codeHash, code.clientId, T0 + 2 * MINUTE), null)
    assert.equal((await store().authorizationCodes.findByHash(code.codeHash))?.consumedAt, null)
    assert.notEqual(await store().authorizationCodes.consume(code.codeHash, code.clientId, T0 + MINUTE - 1), null)
  })

  it('authorizationCodes.consume by another client returns null and leaves the code unconsumed (RFC 6749 §4.1.3)', async () => {
    const code = authorizationCode()
    await store().authorizationCodes.insert(code)
    assert.equal(await store().authorizationCodes.consume(code.codeHash, 'another-client', T0), null)
    assert.equal((await store().authorizationCodes.findByHash(code.codeHash))?.consumedAt, null)
    assert.deepEqual(await store().authorizationCodes.consume(code.codeHash, code.clientId, T0 + 1), { code: { ...code, consumedAt: T0 + 1 }, user: null })
  })

  it('authorizationCodes.consume returns the code with its user, every field as users.get reads it, in the same statement', async () => {
    const person = user({ name: 'Ada', emailVerified: true, blocked: true, lastLoginAt: T0 - 1, userMetadata: { theme: 'dark' }, appMetadata: { plan: 'pro' } })
    await store().users.insert(person)
    const code = authorizationCode({ userId: person.id })
    await store().authorizationCodes.insert(code)
    const consumed = await store().authorizationCodes.consume(code.codeHash, code.clientId, T0)
    assert.deepEqual(consumed, { code: { ...code, consumedAt: T0 }, user: await store().users.get(person.id) })
  })

  it('authorizationCodes.consume and findByHash return null for an unknown code', async () => {
    assert.equal(await store().authorizationCodes.consume('no-such-code', 'some-client', T0), null)
    assert.equal(await store().authorizationCodes.findByHash('no-such-code'), null)
  })

  it('authorizationCodes.deleteExpired removes only codes that expired before now, a batch at a time, and counts them', async () => {
    const old = authorizationCode({ expiresAt: T0 - 1 })
    const older = authorizationCode({ expiresAt: T0 - MINUTE, consumedAt: T0 - 2 * MINUTE })
    const edge = authorizationCode({ expiresAt: T0 })
    const live = authorizationCode({ expiresAt: T0 + MINUTE })
    for (const code of [old, older, edge, live]) await store().authorizationCodes.insert(code)
    assert.equal(await store().authorizationCodes.deleteExpired(T0, 1), 1)
    assert.equal(await store().authorizationCodes.deleteExpired(T0, 100), 1)
    assert.equal(await store().authorizationCodes.findByHash(old.codeHash), null)
    assert.equal(await store().authorizationCodes.findByHash(older.codeHash), null)
    assert.notEqual(await store().authorizationCodes.findByHash(edge.codeHash), null)
    assert.notEqual(await store().authorizationCodes.findByHash(live.codeHash), null)
  })
}
