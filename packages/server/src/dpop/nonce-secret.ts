/**
 * The secret behind Latchkey's DPoP nonces, the same on every node with no shared state beyond the
 * database: the SHA-256 of a signature, by the current signing key, over a fixed label that no
 * token ever carries (its own `typ`). RS256 (RSASSA-PKCS1-v1_5) signatures are deterministic, so
 * every node computes the same secret, and only holders of the private key can compute it at all.
 * The private key never leaves the key ring (it may be non-extractable or encrypted at rest).
 *
 * When the signing key changes (rotation), so does the secret: a client holding a nonce from before
 * the switch is answered `use_dpop_nonce` with a new one and retries once (RFC 9449 §8).
 */
import type { SigningKey } from '@latchkey/core'
import { CompactSign } from 'jose'
import { createHash } from 'node:crypto'

const LABEL = new TextEncoder().encode('latchkey DPoP nonce secret, version 1')

export async function nonceSecret(key: SigningKey): Promise<Uint8Array> {
  if (key.alg !== 'RS256') throw new Error(`DPoP nonce secrets need a deterministic signature algorithm, not ${key.alg as string}`)
  const jws = await new CompactSign(LABEL).setProtectedHeader({ alg: key.alg, typ: 'latchkey-dpop-nonce-secret' }).sign(key.key)
  const signature = jws.slice(jws.lastIndexOf('.') + 1)
  return createHash('sha256').update(`latchkey dpop nonce secret ${key.kid} ${signature}`).digest()
}
