/**
 * The DPoP proof of a protected request (RFC 9449 §4.3, §7.1), checked with jose: one header holding
 * one JWT → `typ` dpop+jwt → an accepted asymmetric `alg` → the signature, with the public key of the
 * `jwk` header (which must hold no private part) → `jti`, `htm`, `htu`, `iat` → `htm` and `htu` match
 * the request (`htu` without query and fragment) → `iat` recent → `ath` is the hash of the access
 * token → the key is the one the token is bound to (`cnf.jkt`) → the `jti` was never used.
 */
import { base64url, calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify, type JWK, type JWTPayload } from 'jose'
import { invalidDpopProof, invalidToken } from './errors.js'
import type { ReplayCache } from './replay-cache.js'

/** How old a proof may be (seconds, plus the clock tolerance). */
export const DPOP_MAX_AGE_SECONDS = 60
/** How far ahead of this server's clock a proof's `iat` may be (seconds, plus the clock tolerance). */
export const DPOP_MAX_SKEW_SECONDS = 10
const MAX_PROOF_LENGTH = 8192
const MAX_JTI_LENGTH = 512
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

export interface ProofCheck {
  /** The `DPoP` header(s) as received. */
  readonly proof: string | readonly string[] | null | undefined
  readonly method: string
  /** The request's URL as clients address it (absolute). */
  readonly url: URL
  readonly accessToken: string
  /** The token's `cnf.jkt`. */
  readonly jkt: string
  readonly algorithms: readonly string[]
  readonly clockTolerance: number
  readonly replay: ReplayCache
}

async function sha256(value: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))))
}

function withoutQuery(url: URL): string {
  const copy = new URL(url)
  copy.search = ''
  copy.hash = ''
  return copy.href
}

export async function verifyProof(check: ProofCheck): Promise<void> {
  const { proof } = check
  if (proof === undefined || proof === null || proof === '') throw invalidDpopProof('A DPoP proof is required with a DPoP-bound access token.')
  if (typeof proof !== 'string' || proof.includes(',')) throw invalidDpopProof('Send exactly one DPoP header.')
  if (proof.length > MAX_PROOF_LENGTH || !COMPACT_JWT.test(proof)) throw invalidDpopProof('The DPoP header must hold one JWT.')

  let payload: JWTPayload
  let jwk: JWK
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...check.algorithms] })
    payload = verified.payload
    jwk = verified.protectedHeader.jwk as JWK
  } catch (err) {
    throw invalidDpopProof(joseFailure(err, check.algorithms), err)
  }
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw invalidDpopProof('The DPoP proof jwk header must not contain a private key.')

  const { jti, htm, htu, iat } = payload
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw invalidDpopProof('The DPoP proof must have a jti.')
  if (typeof htm !== 'string') throw invalidDpopProof('The DPoP proof must have an htm.')
  if (typeof htu !== 'string') throw invalidDpopProof('The DPoP proof must have an htu.')
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalidDpopProof('The DPoP proof must have a numeric iat.')

  if (htm !== check.method) throw invalidDpopProof('The DPoP proof htm does not match the request method.')
  if (!URL.canParse(htu) || withoutQuery(new URL(htu)) !== withoutQuery(check.url)) throw invalidDpopProof('The DPoP proof htu does not match the request URL.')

  const now = Date.now()
  const age = now / 1000 - iat
  if (age > DPOP_MAX_AGE_SECONDS + check.clockTolerance || age < -(DPOP_MAX_SKEW_SECONDS + check.clockTolerance))
    throw invalidDpopProof('The DPoP proof is not recent (iat).')

  if (payload.ath !== (await sha256(check.accessToken))) throw invalidDpopProof('The DPoP proof ath does not match the access token.')

  const jkt = await calculateJwkThumbprint(jwk, 'sha256')
  if (jkt !== check.jkt) throw invalidToken('The DPoP proof key does not match the access token (cnf.jkt).')

  const window = (DPOP_MAX_AGE_SECONDS + DPOP_MAX_SKEW_SECONDS + 2 * check.clockTolerance) * 1000
  if (!(await check.replay.use(`${jkt}:${jti}`, now + window))) throw invalidDpopProof('The DPoP proof was already used (jti).')
}

function joseFailure(err: unknown, algorithms: readonly string[]): string {
  if (err instanceof errors.JOSEAlgNotAllowed) return `The DPoP proof alg must be one of ${algorithms.join(', ')}.`
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'The DPoP proof signature is invalid.'
  if (err instanceof errors.JWTExpired) return 'The DPoP proof has expired (exp).'
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'typ') return 'The DPoP proof typ header must be dpop+jwt.'
    return `The DPoP proof ${err.claim} claim is invalid.`
  }
  if (err instanceof errors.JWSInvalid && /jwk|JSON Web Key/i.test(err.message)) return 'The DPoP proof jwk header must be a public key for its alg.'
  return 'The DPoP proof is malformed.'
}
