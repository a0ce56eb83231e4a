/**
 * Audit event ids: they sort by time, and within one millisecond of one process in the order they
 * were made, so the events a request records in sequence (a login, then its code) list in sequence.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { auditEventId } from '../src/index.js'

describe('audit event ids', () => {
  it('are 28 hex digits: the time, then 16 digits', () => {
    assert.match(auditEventId(Date.UTC(2026, 11, 6)), /^[0-9a-f]{28}$/)
    assert.equal(auditEventId(0x193a1b2c3d4).slice(0, 12), '0193a1b2c3d4'.padStart(12, '0'))
  })

  it('sort by time first', () => {
    const earlier = auditEventId(1_000)
    const later = auditEventId(1_001)
    assert.ok(earlier < later)
  })

  it('made in sequence within one millisecond, sort in that sequence', () => {
    const ids = Array.from({ length: 1000 }, () => auditEventId(5_000))
    assert.deepEqual([...ids].sort(), ids)
    assert.equal(new Set(ids).size, ids.length)
  })

  it('start each millisecond at random (not guessable from the previous one)', () => {
    const a = auditEventId(7_000).slice(12)
    const b = auditEventId(7_001).slice(12)
    assert.notEqual(BigInt(`0x${b}`), BigInt(`0x${a}`) + 1n)
  })
})
