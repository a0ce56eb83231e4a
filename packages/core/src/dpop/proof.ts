/**
 * Checking a DPoP proof (RFC 9449 §4.3), in the RFC's order: one well-formed JWT → `typ` dpop+jwt →
 * an accepted asymmetric `alg` → the signature, with the public key of the `jwk` header (which must
 * hold no private part) → the claims `jti`, `htm`, `htu`, `iat` → `htm` and `htu` match the request →
 * the server nonce, when one is required or sent → `iat` recent → `ath`, when an access token is
 * presented with it → `jti` never seen before (store-backed, so it holds across nodes).
 * JWS, JWK import and thumbprints are jose's; nothing here touches HTTP.
 */
import { calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify, type JWK, type JWTPayload } from 'jose'
import { InvalidDpopProof, UseDpopNonce } from '../errors.js'
import { sha256 } from '../opaque.js'
import type { ReplayGuardPort } from '../ports.js'
import { DPOP_SIGNING_ALGS } from './algorithms.js'
import type { DpopNonces } from './nonce.js'

/** A proof is a few hundred bytes; an RSA-8192 `jwk` still fits well within this. */
export const MAX_DPOP_PROOF_LENGTH = 8192
/** How old a proof without a nonce may be (seconds). */
export const DPOP_IAT_PAST_SECONDS = 60
/** How far ahead of the server's clock a proof's `iat` may be (seconds). */
export const DPOP_IAT_FUTURE_SECONDS = 10
/** How long a `jti` is remembered: longer than any proof can be accepted, by `iat` or by nonce. */
export const DPOP_REPLAY_WINDOW_MS = 5 * 60_000
const MAX_JTI_LENGTH = 512

const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
/** Members only a private (or symmetric) JWK has (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

export interface DpopRequest {
  /** The `DPoP` header as received (several headers arrive joined with commas, and are refused). */
  readonly proof: string
  /** The request's HTTP method. */
  readonly method: string
  /**
   * The endpoint's URL as the server publishes it (built from the issuer, never from the Host
   * header). Compared with `htu` after syntax-based normalisation, ignoring query and fragment.
   */
  readonly url: string
  /** The access token presented with the proof (resource requests): `ath` must be its hash. */
  readonly accessToken?: string
  /** Epoch ms. */
  readonly now: number
}

export interface DpopPolicy {
  /** Default {@link DPOP_SIGNING_ALGS}. */
  readonly algorithms?: readonly string[]
  /** The server's nonces; without them a proof carrying a `nonce` is refused. */
  readonly nonces?: DpopNonces
  /** Whether every proof must carry a current server nonce (RFC 9449 §8). Needs `nonces`. */
  readonly requireNonce: boolean
  readonly replay: ReplayGuardPort
}

export interface DpopProof {
  /** The SHA-256 JWK thumbprint (RFC 7638) of the proof's key: what tokens are bound to. */
  readonly jkt: string
  readonly jti: string
  readonly iat: number
  /** A nonce to send in `DPoP-Nonce` with the answer, when the client's is not the current one. */
  readonly nextNonce: string | undefined
}

export async function verifyDpopProof(request: DpopRequest, policy: DpopPolicy): Promise<DpopProof> {
  const { proof, now } = request
  // 1, 2. Exactly one header, holding one compact JWT.
  if (proof.includes(',')) throw new InvalidDpopProof('Send exactly one DPoP header.')
  if (proof.length > MAX_DPOP_PROOF_LENGTH || !COMPACT_JWT.test(proof.trim())) throw new InvalidDpopProof('The DPoP header must hold one JWT.')

  // 4–7. typ, alg, signature with the embedded public key.
  const algorithms = [...(policy.algorithms ?? DPOP_SIGNING_ALGS)]
  let payload: JWTPayload
  let jwk: JWK
  try {
    const verified = await jwtVerify(proof.trim(), EmbeddedJWK, { typ: 'dpop+jwt', algorithms, currentDate: new Date(now) })
    payload = verified.payload
    jwk = verified.protectedHeader.jwk as JWK
  } catch (err) {
    throw new InvalidDpopProof(joseFailure(err, algorithms))
  }
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw new InvalidDpopProof('The DPoP proof jwk header must not contain a private key.')

  // 3. The claims every proof has.
  const { jti, htm, htu, iat } = payload
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw new InvalidDpopProof('The DPoP proof must have a jti.')
  if (typeof htm !== 'string') throw new InvalidDpopProof('The DPoP proof must have an htm.')
  if (typeof htu !== 'string') throw new InvalidDpopProof('The DPoP proof must have an htu.')
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new InvalidDpopProof('The DPoP proof must have a numeric iat.')

  // 8, 9. Bound to this request.
  if (htm !== request.method) throw new InvalidDpopProof('The DPoP proof htm does not match the request method.')
  if (!sameTarget(htu, request.url)) throw new InvalidDpopProof('The DPoP proof htu does not match the request URL.')

  // 12. The access token it travels with.
  if (request.accessToken !== undefined && payload.ath !== sha256(request.accessToken))
    throw new InvalidDpopProof('The DPoP proof ath does not match the access token.')

  // 10, 11. Freshness: the server's nonce, or a recent iat.
  const nonce = payload.nonce
  if (nonce !== undefined && typeof nonce !== 'string') throw new InvalidDpopProof('The DPoP proof nonce must be a string.')
  const current = policy.nonces?.issue(now)
  if (nonce === undefined) {
    if (policy.requireNonce) {
      if (current === undefined) throw new TypeError('requireNonce needs nonces')
      throw new UseDpopNonce('A DPoP nonce is required: use the one in the DPoP-Nonce header.', current)
    }
    const age = now / 1000 - iat
    if (age > DPOP_IAT_PAST_SECONDS || age < -DPOP_IAT_FUTURE_SECONDS) {
      const description = 'The DPoP proof is not recent (iat).'
      if (current !== undefined) throw new UseDpopNonce(`${description} Use the nonce in the DPoP-Nonce header.`, current)
      throw new InvalidDpopProof(description)
    }
  } else if (!policy.nonces?.isValid(nonce, now)) {
    if (current === undefined) throw new InvalidDpopProof('This server does not issue DPoP nonces.')
    throw new UseDpopNonce('The DPoP nonce is not current: use the one in the DPoP-Nonce header.', current)
  }

  const jkt = await calculateJwkThumbprint(jwk, 'sha256')

  // Last, once everything else holds: a jti is good for one request.
  const key = `dpop:${sha256(`${jkt}:${jti}`)}`
  if (!(await policy.replay.use(key, now, now + DPOP_REPLAY_WINDOW_MS))) throw new InvalidDpopProof('The DPoP proof was already used (jti).')

  const nextNonce = current !== undefined && (policy.requireNonce || nonce !== undefined) && nonce !== current ? current : undefined
  return { jkt, jti, iat, nextNonce }
}

/** RFC 9449 §4.3 check 9, with RFC 3986 §6.2.2–6.2.3 normalisation (what WHATWG URL parsing does). */
function sameTarget(htu: string, expected: string): boolean {
  const a = URL.parse(htu)
  const b = URL.parse(expected)
  if (a === null || b === null) return false
  for (const url of [a, b]) {
    url.search = ''
    url.hash = ''
  }
  return a.href === b.href
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
