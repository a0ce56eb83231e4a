/**
 * Auth0's signing keys ↔ Latchkey's key states. Auth0 publishes an X.509 certificate per key;
 * Latchkey's keys are bare RSA keys, so `cert` and `pem` carry the public key in PEM ("PUBLIC KEY",
 * SPKI), which `crypto.createPublicKey`, jsonwebtoken and jose's importSPKI all read, and `pkcs7` is
 * absent. `fingerprint` and `thumbprint` are the SHA-1 of that key (colon-separated and plain hex, in
 * Auth0's formats); the `kid` is the key's RFC 7638 thumbprint. Revoking a key removes it. A next key's
 * `current_since` is when it will start signing (the end of the rotation delay); `alg` is Latchkey's.
 */
import { createHash, createPublicKey } from 'node:crypto'
import type { KeyStatus } from '@latchkey/core'
import { z } from 'zod'

export const signingKeySchema = z
  .object({
    kid: z.string(),
    alg: z.string().describe("Latchkey's (not Auth0's): the key's algorithm, RS256, ES256 or EdDSA (one key of each in use signs)."),
    cert: z.string().describe('The public key in PEM (SPKI "PUBLIC KEY"; Latchkey keys have no certificate).'),
    pem: z.string().describe('The same public key in PEM.'),
    current: z.boolean().describe('Signs tokens now.'),
    next: z.boolean().describe('Published, and signs after the rotation delay.'),
    previous: z.boolean().describe('Signed before the current key; published until its tokens expire.'),
    current_since: z.string().optional().describe('When the key started signing; for the next key, when it will (the end of the rotation delay).'),
    current_until: z.string().optional(),
    fingerprint: z.string(),
    thumbprint: z.string(),
    revoked: z.boolean(),
  })
  .describe('A token signing key (public information only).')

export const rotatedKeySchema = z.object({ kid: z.string(), cert: z.string() }).describe('The new signing key.')

const iso = (ms: number) => new Date(ms).toISOString()

export function publicPem(publicJwk: string): { pem: string; der: Buffer } {
  const key = createPublicKey({ key: JSON.parse(publicJwk), format: 'jwk' })
  return { pem: key.export({ type: 'spki', format: 'pem' }).toString(), der: key.export({ type: 'spki', format: 'der' }) }
}

/** `statuses` in activation order; the current key's successor ends its time as current. */
export function presentSigningKey(status: KeyStatus, statuses: readonly KeyStatus[]): z.output<typeof signingKeySchema> {
  const { pem, der } = publicPem(status.key.publicJwk)
  const sha1 = createHash('sha1').update(der).digest('hex').toUpperCase()
  const successor = statuses
    .filter((s) => s.key.activatesAt > status.key.activatesAt)
    .sort((a, b) => a.key.activatesAt - b.key.activatesAt)[0]
  const wasCurrent = status.state === 'current' || status.state === 'previous' || status.state === 'retired'
  return {
    kid: status.key.kid,
    alg: status.key.alg,
    cert: pem,
    pem,
    current: status.state === 'current',
    next: status.state === 'next',
    previous: status.state === 'previous' || status.state === 'retired',
    ...(wasCurrent || status.state === 'next' ? { current_since: iso(status.key.activatesAt) } : {}),
    ...(wasCurrent && successor && successor.state !== 'next' ? { current_until: iso(successor.key.activatesAt) } : {}),
    fingerprint: sha1.match(/.{2}/g)?.join(':') ?? sha1,
    thumbprint: sha1,
    revoked: false,
  }
}
