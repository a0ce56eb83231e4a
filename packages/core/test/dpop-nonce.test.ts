/** Stateless DPoP nonces (RFC 9449 §8): one per minute under a secret, shared by every node that holds it. */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { DpopNonces, DPOP_NONCE_STEP_MS } from '../src/dpop/nonce.js'

const T = 1_700_000_000_000
const STEP = DPOP_NONCE_STEP_MS

describe('DPoP nonces', () => {
  it('are the same on two nodes with the same secret, and differ under another secret', () => {
    const secret = randomBytes(32)
    const a = new DpopNonces(secret)
    const b = new DpopNonces(Uint8Array.from(secret))
    assert.equal(a.issue(T), b.issue(T))
    assert.ok(b.isValid(a.issue(T), T))
    assert.ok(!new DpopNonces(randomBytes(32)).isValid(a.issue(T), T))
    assert.match(a.issue(T), /^[A-Za-z0-9_-]{43}$/)
  })

  it('change every minute and are accepted for two to three minutes, and one step early', () => {
    const nonces = new DpopNonces(randomBytes(32))
    const start = Math.floor(T / STEP) * STEP
    const nonce = nonces.issue(start)
    assert.equal(nonces.issue(start + STEP - 1), nonce)
    assert.notEqual(nonces.issue(start + STEP), nonce)
    assert.ok(nonces.isValid(nonce, start + 3 * STEP - 1))
    assert.ok(!nonces.isValid(nonce, start + 3 * STEP))
    assert.ok(nonces.isValid(nonce, start - STEP))
    assert.ok(!nonces.isValid(nonce, start - STEP - 1))
  })

  it('refuse anything else, and a secret shorter than 32 bytes', () => {
    const nonces = new DpopNonces(randomBytes(32))
    for (const bad of ['', 'x', nonces.issue(T).slice(1), `${nonces.issue(T)}=`]) assert.equal(nonces.isValid(bad, T), false)
    assert.throws(() => new DpopNonces(randomBytes(16)), /at least 32 bytes/)
  })
})
