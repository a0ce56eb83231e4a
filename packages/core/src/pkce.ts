/**
 * PKCE (RFC 7636) with S256 only: `plain` is refused (RFC 9700 §2.1.1).
 */
import { createHash, timingSafeEqual } from 'node:crypto'

/** RFC 7636 §4.1: 43–128 characters from the unreserved set. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/
/** A base64url SHA-256 digest: exactly 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/

export function isValidVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier)
}

export function isValidS256Challenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge)
}

/** BASE64URL(SHA256(ASCII(code_verifier))), RFC 7636 §4.2. */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

/** Constant-time check of a verifier against the stored S256 challenge. */
export function verifyS256(verifier: string, challenge: string): boolean {
  if (!isValidVerifier(verifier)) return false
  const expected = Buffer.from(challenge, 'utf8')
  const actual = Buffer.from(s256Challenge(verifier), 'utf8')
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}
