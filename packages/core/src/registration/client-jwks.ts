/**
 * The public keys a `private_key_jwt` application registers (RFC 7523 §2.2, RFC 7517 §5): a JWK Set
 * of signing keys for the algorithms Latchkey accepts in client assertions: RSA of 2048 bits or more
 * (RS256, PS256), P-256 (ES256) and Ed25519 (EdDSA). A key with a private part is refused, not
 * stripped: whoever sent it has leaked it. Only the public members are kept.
 */
import { createPublicKey } from 'node:crypto'
import type { JWK } from 'jose'
import type { ClientJwks } from '../records.js'
import { RegistrationError } from './applications.js'

/** The algorithms of client assertions (RFC 7523): asymmetric only, never `none` or HMAC. */
export const CLIENT_ASSERTION_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const
export const MAX_CLIENT_KEYS = 10
const MIN_RSA_BITS = 2048
/** Members only a private (or symmetric) JWK has (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']
/** What each key type keeps, besides kid, alg and use. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = { RSA: ['kty', 'n', 'e'], EC: ['kty', 'crv', 'x', 'y'], OKP: ['kty', 'crv', 'x'] }
const ALGS_BY_TYPE: Record<string, readonly string[]> = { RSA: ['RS256', 'PS256'], EC: ['ES256'], OKP: ['EdDSA'] }

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function checkKey(value: unknown, at: string): JWK {
  if (!isObject(value)) throw new RegistrationError(`${at}: a key must be a JSON object (a JWK)`)
  const privateParts = PRIVATE_MEMBERS.filter((m) => m in value)
  if (privateParts.length > 0)
    throw new RegistrationError(`${at}: the key has private or secret parts (${privateParts.join(', ')}): register the public key only, and replace this key: it has left its owner`)
  const kty = value.kty
  const members = typeof kty === 'string' ? PUBLIC_MEMBERS[kty] : undefined
  if (members === undefined) throw new RegistrationError(`${at}: kty must be RSA, EC or OKP`)
  for (const member of members) if (typeof value[member] !== 'string') throw new RegistrationError(`${at}: ${member} is required for a ${kty} key`)
  if (kty === 'EC' && value.crv !== 'P-256') throw new RegistrationError(`${at}: EC keys must use the P-256 curve (ES256)`)
  if (kty === 'OKP' && value.crv !== 'Ed25519') throw new RegistrationError(`${at}: OKP keys must use the Ed25519 curve (EdDSA)`)
  if (value.alg !== undefined && !(ALGS_BY_TYPE[kty as string] ?? []).includes(value.alg as string))
    throw new RegistrationError(`${at}: alg ${JSON.stringify(value.alg)} is not accepted for a ${kty} key (accepted: ${ALGS_BY_TYPE[kty as string]?.join(', ')})`)
  if (value.use !== undefined && value.use !== 'sig') throw new RegistrationError(`${at}: use must be "sig"`)
  if (value.key_ops !== undefined && !(Array.isArray(value.key_ops) && value.key_ops.includes('verify')))
    throw new RegistrationError(`${at}: key_ops must include "verify"`)
  if (value.kid !== undefined && (typeof value.kid !== 'string' || value.kid.length === 0 || value.kid.length > 256))
    throw new RegistrationError(`${at}: kid must be a non-empty string of at most 256 characters`)

  const jwk: Record<string, string> = {}
  for (const member of [...members, 'kid', 'alg', 'use']) if (typeof value[member] === 'string') jwk[member] = value[member] as string
  let bits: number | undefined
  try {
    bits = createPublicKey({ key: jwk, format: 'jwk' }).asymmetricKeyDetails?.modulusLength
  } catch {
    throw new RegistrationError(`${at}: not a valid ${kty} public key`)
  }
  if (kty === 'RSA' && (bits === undefined || bits < MIN_RSA_BITS)) throw new RegistrationError(`${at}: RSA keys must have at least ${MIN_RSA_BITS} bits`)
  return jwk as JWK
}

/**
 * A checked JWK Set from what a person or a program sent: `{"keys": [...]}`, or one JWK alone.
 * Throws RegistrationError naming the key and the problem.
 */
export function checkClientJwks(value: unknown): ClientJwks {
  const set = isObject(value) && 'kty' in value ? { keys: [value] } : value
  if (!isObject(set) || !Array.isArray(set.keys)) throw new RegistrationError('jwks: expected a JWK Set ({"keys": [...]}) or one public JWK')
  if (set.keys.length === 0) throw new RegistrationError('jwks: at least one public key is required')
  if (set.keys.length > MAX_CLIENT_KEYS) throw new RegistrationError(`jwks: at most ${MAX_CLIENT_KEYS} keys`)
  const keys = set.keys.map((key, i) => checkKey(key, `jwks.keys[${i}]`))
  if (keys.length > 1) {
    const kids = keys.map((k) => k.kid)
    if (kids.some((kid) => kid === undefined)) throw new RegistrationError('jwks: every key needs a kid when there are several')
    if (new Set(kids).size !== kids.length) throw new RegistrationError('jwks: two keys have the same kid')
  }
  return { keys }
}
