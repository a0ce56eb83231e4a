/**
 * PKCE (RFC 7636) with S256: the verifier is 32 random bytes in base64url (43 characters), the
 * challenge is BASE64URL(SHA-256(verifier)). Both come from oauth4webapi (Web Crypto underneath).
 */
import * as oauth from 'oauth4webapi'

/** A new code verifier: 32 bytes from `crypto.getRandomValues`, base64url without padding. */
export function createVerifier(): string {
  return oauth.generateRandomCodeVerifier()
}

/** The S256 code challenge for a verifier. */
export function challengeFor(verifier: string): Promise<string> {
  return oauth.calculatePKCECodeChallenge(verifier)
}
