import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { checkRememberMarker, MAX_REMEMBER_DAYS, rememberMarker } from '../src/mfa/remember-browser.js'

const DAY = 24 * 3600 * 1000
const key = randomBytes(32)
const user = 'auth0|5f7c8ec7c33c6c004bbafe82'
const issuedAt = 1_700_000_000_000

describe('remember this browser: the marker', () => {
  const marker = rememberMarker(key, user, issuedAt, 30)

  it('holds a version, a hash of the user, the times and a MAC, and no user id', () => {
    const parts = marker.split('.')
    assert.equal(parts.length, 5)
    assert.equal(parts[0], 'v1')
    assert.match(parts[1]!, /^[A-Za-z0-9_-]{22}$/)
    assert.equal(parts[2], String(issuedAt))
    assert.equal(parts[3], String(issuedAt + 30 * DAY))
    assert.match(parts[4]!, /^[A-Za-z0-9_-]{43}$/)
    assert.ok(!marker.includes('5f7c8ec7c33c6c004bbafe82') && !marker.includes('auth0'))
  })

  it("hashes the user with the key: another key gives another hash, so the cookie can't be matched to an id without it", () => {
    const other = rememberMarker(randomBytes(32), user, issuedAt, 30)
    assert.notEqual(other.split('.')[1], marker.split('.')[1])
    assert.equal(rememberMarker(key, user, issuedAt, 30), marker, 'deterministic for the same inputs')
  })

  it('is valid for its user from issue until just before it expires', () => {
    assert.equal(checkRememberMarker(key, marker, user, issuedAt, null), true)
    assert.equal(checkRememberMarker(key, marker, user, issuedAt + 30 * DAY - 1, null), true)
  })

  it('is void once expired', () => {
    assert.equal(checkRememberMarker(key, marker, user, issuedAt + 30 * DAY, null), false)
    assert.equal(checkRememberMarker(key, marker, user, issuedAt + 365 * DAY, null), false)
  })

  it('is void for another user', () => {
    assert.equal(checkRememberMarker(key, marker, 'auth0|someone-else', issuedAt + DAY, null), false)
  })

  it('is void under another key (a rotated key forgets every browser)', () => {
    assert.equal(checkRememberMarker(randomBytes(32), marker, user, issuedAt + DAY, null), false)
  })

  it("is void once the user's remembered browsers were revoked after it was issued, and valid if revoked before", () => {
    assert.equal(checkRememberMarker(key, marker, user, issuedAt + DAY, issuedAt + 1), false)
    assert.equal(checkRememberMarker(key, marker, user, issuedAt + DAY, issuedAt), false, 'revoked the same millisecond: void')
    assert.equal(checkRememberMarker(key, marker, user, issuedAt + DAY, issuedAt - 1), true)
    const later = rememberMarker(key, user, issuedAt + 2 * DAY, 30)
    assert.equal(checkRememberMarker(key, later, user, issuedAt + 3 * DAY, issuedAt + 1), true, 'a marker issued after the revocation is valid')
  })

  it('is void when any part is changed', () => {
    const parts = marker.split('.')
    const tampered = [
      ['v2', ...parts.slice(1)],
      [parts[0], rememberMarker(key, 'auth0|someone-else', issuedAt, 30).split('.')[1], ...parts.slice(2)],
      [...parts.slice(0, 2), String(issuedAt + 1), ...parts.slice(3)],
      [...parts.slice(0, 3), String(issuedAt + 300 * DAY), parts[4]],
      [...parts.slice(0, 4), `${parts[4]!.slice(0, -1)}${parts[4]!.endsWith('A') ? 'B' : 'A'}`],
      [...parts.slice(0, 4), parts[4]!.slice(0, -1)],
    ]
    for (const t of tampered) assert.equal(checkRememberMarker(key, t.join('.'), user, issuedAt + DAY, null), false, t.join('.'))
  })

  it("is void when another user's valid marker is presented", () => {
    const theirs = rememberMarker(key, 'auth0|someone-else', issuedAt, 30)
    assert.equal(checkRememberMarker(key, theirs, 'auth0|someone-else', issuedAt + DAY, null), true)
    assert.equal(checkRememberMarker(key, theirs, user, issuedAt + DAY, null), false)
  })

  it('refuses garbage without throwing', () => {
    for (const bad of [undefined, null, 42, '', 'v1', 'v1....', `${marker}.`, `.${marker}`, marker.replace(String(issuedAt), '-1'), marker.replace(String(issuedAt), '1e12'), 'x'.repeat(10_000), `${marker}${'A'.repeat(300)}`]) {
      assert.equal(checkRememberMarker(key, bad, user, issuedAt + DAY, null), false, String(bad).slice(0, 40))
    }
  })
})

describe('remember this browser: keys and lifetimes', () => {
  it('accepts a string key as its UTF-8 bytes', () => {
    const stringKey = 'k'.repeat(32)
    const marker = rememberMarker(stringKey, user, issuedAt, 1)
    assert.equal(checkRememberMarker(stringKey, marker, user, issuedAt, null), true)
    assert.equal(checkRememberMarker(Buffer.from(stringKey), marker, user, issuedAt, null), true)
  })

  it('refuses a key shorter than 16 bytes', () => {
    assert.throws(() => rememberMarker('short', user, issuedAt, 30), RangeError)
    assert.throws(() => checkRememberMarker(new Uint8Array(8), 'v1.a.1.2.b', user, issuedAt, null), RangeError)
  })

  it('refuses a lifetime that is not positive, and cuts a long one to a year', () => {
    for (const days of [0, -1, Number.NaN]) assert.throws(() => rememberMarker(key, user, issuedAt, days), RangeError, String(days))
    const marker = rememberMarker(key, user, issuedAt, 10_000)
    assert.equal(marker.split('.')[3], String(issuedAt + MAX_REMEMBER_DAYS * DAY))
  })

  it('takes fractions of a day', () => {
    const marker = rememberMarker(key, user, issuedAt, 0.5)
    assert.equal(checkRememberMarker(key, marker, user, issuedAt + DAY / 2 - 1, null), true)
    assert.equal(checkRememberMarker(key, marker, user, issuedAt + DAY / 2, null), false)
  })
})
