import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { currentKey, generateSigningKey, keyStatuses, publicJwks } from '../src/keys/keyset.js'

const HOUR = 3_600_000

describe('signing keys follow time alone', () => {
  it('publishes the next key before it signs, and keeps the previous one until its tokens expire', async () => {
    const first = await generateSigningKey(0)
    const next = await generateSigningKey(10 * HOUR, 11 * HOUR)
    const keys = [first, next]
    const lifetime = 24 * HOUR

    // Rotation requested at 10h: the next key is published, the first still signs.
    assert.equal(currentKey(keys, 10 * HOUR)?.kid, first.kid)
    assert.deepEqual(publicJwks(keys, 10 * HOUR, lifetime).keys.map((k) => k.kid), [first.kid, next.kid])

    // At 11h the next key signs; the first stays published for a token lifetime.
    assert.equal(currentKey(keys, 11 * HOUR)?.kid, next.kid)
    assert.deepEqual(keyStatuses(keys, 11 * HOUR, lifetime).map((s) => s.state), ['previous', 'current'])
    assert.deepEqual(publicJwks(keys, 34 * HOUR, lifetime).keys.map((k) => k.kid), [next.kid, first.kid])

    // After its last token expired it is retired and unpublished.
    assert.deepEqual(keyStatuses(keys, 35 * HOUR + 1, lifetime).map((s) => s.state), ['retired', 'current'])
    assert.deepEqual(publicJwks(keys, 35 * HOUR + 1, lifetime).keys.map((k) => k.kid), [next.kid])
  })

  it('exposes only public members in the JWKS', async () => {
    const jwks = publicJwks([await generateSigningKey(0)], 1, HOUR)
    const [key] = jwks.keys
    assert.ok(key)
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(member in key, false, member)
    assert.equal(key.use, 'sig')
    assert.equal(key.alg, 'RS256')
    assert.equal(typeof key.kid, 'string')
  })
})
