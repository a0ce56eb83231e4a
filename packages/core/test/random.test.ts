/** The random values behind codes, tokens, ids and client ids. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pooledRandomBytes, randomAlphanumeric, randomToken } from '../src/opaque.js'

describe('random values', () => {
  it('pooled bytes are never handed out twice, across refills of the pool', () => {
    const seen = new Set<string>()
    // 4 KiB per refill: 2,000 × 32 bytes goes through the pool about 16 times.
    for (let i = 0; i < 2000; i++) {
      const bytes = pooledRandomBytes(32)
      assert.equal(bytes.length, 32)
      const hex = bytes.toString('hex')
      assert.ok(!seen.has(hex))
      seen.add(hex)
    }
  })

  it('a returned buffer is a copy: later draws do not change it', () => {
    const first = pooledRandomBytes(16)
    const copy = Buffer.from(first)
    for (let i = 0; i < 600; i++) pooledRandomBytes(16)
    assert.deepEqual(first, copy)
  })

  it('odd sizes and sizes larger than the pool serves work', () => {
    for (const n of [1, 7, 33, 1023, 1025, 5000]) assert.equal(pooledRandomBytes(n).length, n)
  })

  it('tokens are base64url of 32 bytes by default; bytes are spread over all values', () => {
    assert.match(randomToken(), /^[A-Za-z0-9_-]{43}$/)
    const counts = new Array<number>(256).fill(0)
    for (let i = 0; i < 1000; i++) for (const b of pooledRandomBytes(64)) counts[b] = (counts[b] ?? 0) + 1
    // 64,000 bytes: 250 expected per value; a broken source (zeros, a repeated block) is far outside.
    assert.ok(Math.min(...counts) > 150 && Math.max(...counts) < 350)
  })

  it('client ids are letters and digits only, so none starts with "-"', () => {
    for (let i = 0; i < 200; i++) assert.match(randomAlphanumeric(32), /^[A-Za-z0-9]{32}$/)
  })
})
