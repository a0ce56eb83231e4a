import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { challengeFor, createVerifier } from '../src/index.js'

describe('PKCE (RFC 7636)', () => {
  it('computes the S256 challenge of the appendix B example', async () => {
    assert.equal(await challengeFor('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })

  it('creates verifiers of 32 random bytes in base64url (43 characters), different every time', () => {
    const verifiers = new Set(Array.from({ length: 50 }, () => createVerifier()))
    assert.equal(verifiers.size, 50)
    for (const v of verifiers) {
      assert.match(v, /^[A-Za-z0-9_-]{43}$/)
      assert.equal(Buffer.from(v, 'base64url').length, 32)
    }
  })
})
