import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isValidS256Challenge, isValidVerifier, s256Challenge, verifyS256 } from '../src/pkce.js'

describe('PKCE (RFC 7636)', () => {
  it('computes the S256 challenge of the RFC 7636 appendix B example', () => {
    assert.equal(s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })

  it('accepts the appendix B verifier against its challenge', () => {
    assert.equal(verifyS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'), true)
  })

  it('rejects any other verifier', () => {
    assert.equal(verifyS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'), false)
  })

  it('requires 43 to 128 unreserved characters in a verifier (§4.1)', () => {
    assert.equal(isValidVerifier('a'.repeat(42)), false)
    assert.equal(isValidVerifier('a'.repeat(43)), true)
    assert.equal(isValidVerifier('a'.repeat(128)), true)
    assert.equal(isValidVerifier('a'.repeat(129)), false)
    assert.equal(isValidVerifier(`${'a'.repeat(42)}~._-`), true)
    assert.equal(isValidVerifier(`${'a'.repeat(42)}+`), false)
    assert.equal(isValidVerifier(`${'a'.repeat(42)}=`), false)
    assert.equal(verifyS256('short', s256Challenge('short')), false, 'a short verifier fails even when it hashes right')
  })

  it('accepts only 43-character base64url challenges', () => {
    assert.equal(isValidS256Challenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'), true)
    assert.equal(isValidS256Challenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM='), false)
    assert.equal(isValidS256Challenge('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM'), false)
  })
})
