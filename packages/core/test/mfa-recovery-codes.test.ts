import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sha256 } from '../src/opaque.js'
import { looksLikeRecoveryCode, newRecoveryCodes, normalizeRecoveryCode, recoveryCodeHash } from '../src/mfa/recovery-codes.js'

describe('recovery codes', () => {
  it('come as ten codes of 16 base32 characters in groups of four', () => {
    const codes = newRecoveryCodes()
    assert.equal(codes.length, 10)
    for (const code of codes) assert.match(code, /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/)
  })

  it('are distinct within a set and across sets (80 random bits each)', () => {
    const all = Array.from({ length: 100 }, () => newRecoveryCodes()).flat()
    assert.equal(new Set(all).size, 1000)
  })

  it('use the whole base32 alphabet (every character shows up across many codes)', () => {
    const seen = new Set(Array.from({ length: 50 }, () => newRecoveryCodes().join('')).join('').replaceAll('-', ''))
    assert.equal(seen.size, 32)
  })

  it('are stored as the SHA-256 (base64url) of the code without dashes, upper case', () => {
    assert.equal(recoveryCodeHash('ABCD-EFGH-IJKL-MNOP'), sha256('ABCDEFGHIJKLMNOP'))
    assert.match(recoveryCodeHash('ABCD-EFGH-IJKL-MNOP'), /^[A-Za-z0-9_-]{43}$/)
  })

  it('hash the same however the user types them: lower case, spaces, no dashes', () => {
    const [code] = newRecoveryCodes() as [string]
    const stored = recoveryCodeHash(code)
    const plain = code.replaceAll('-', '')
    for (const typed of [code, code.toLowerCase(), plain, plain.toLowerCase(), code.replaceAll('-', ' '), ` ${code} `, `${plain.slice(0, 8)} ${plain.slice(8)}`]) {
      assert.equal(recoveryCodeHash(typed), stored, typed)
      assert.equal(looksLikeRecoveryCode(typed), true, typed)
    }
  })

  it('read the digits 0 and 1, which base32 does not use, as the letters O and I', () => {
    assert.equal(normalizeRecoveryCode('0o1i-2345-6700-11AB'), 'OOII234567OOIIAB')
    assert.equal(recoveryCodeHash('0OI1-2345-67AB-CDEF'), recoveryCodeHash('OOII-2345-67AB-CDEF'))
  })

  it('hash a different code differently', () => {
    assert.notEqual(recoveryCodeHash('ABCD-EFGH-IJKL-MNOP'), recoveryCodeHash('ABCD-EFGH-IJKL-MNOQ'))
  })

  it('are told apart from anything else typed in the same field (a TOTP code, a short or long code, other characters)', () => {
    for (const other of ['123456', '123 456', 'ABCD-EFGH-IJKL-MNO', 'ABCD-EFGH-IJKL-MNOPQ', 'ABCD-EFGH-IJKL-MNO8', 'ABCD-EFGH-IJKL-MN9P', 'ABCD_EFGH_IJKL_MNOP', 'ÄBCD-EFGH-IJKL-MNOP', '', `${'-'.repeat(60)}ABCDEFGHIJKLMNOP`]) {
      assert.equal(looksLikeRecoveryCode(other), false, other)
    }
    for (const notString of [null, undefined, 1234567890123456, ['ABCD-EFGH-IJKL-MNOP']]) assert.equal(looksLikeRecoveryCode(notString), false)
  })
})
