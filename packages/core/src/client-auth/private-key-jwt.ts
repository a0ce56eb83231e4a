/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2, §3; OpenID Connect Core §9): the client
 * signs a short-lived JWT with a private key whose public half it registered. Checked in order: one
 * compact JWT → an accepted asymmetric `alg` → the signature, with the application's registered
 * keys → `iss` and `sub` are the client id → `aud` names this server (the issuer or the endpoint) →
 * `exp` present, not passed, at most five minutes ahead → a `jti`, never seen before (store-backed,
 * so a replay to any node fails). JWS and JWKS handling are jose's; nothing here touches HTTP.
 */
import { createLocalJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose'
import { InvalidClient } from '../errors.js'
import { sha256 } from '../opaque.js'
import type { ReplayGuardPort } from '../ports.js'
import type { ApplicationRecord } from '../records.js'
import { CLIENT_ASSERTION_ALGS } from '../registration/client-jwks.js'

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
/** How far ahead of now an assertion's `exp` may be (seconds). */
export const MAX_CLIENT_ASSERTION_LIFETIME_SECONDS = 300
/** Leeway for clocks that disagree a little (seconds), on `exp`, `nbf` and `iat`. */
export const CLIENT_ASSERTION_CLOCK_SKEW_SECONDS = 30
/** An assertion is a few hundred bytes; an RSA-4096 signature still fits well within this. */
export const MAX_CLIENT_ASSERTION_LENGTH = 8192
const MAX_JTI_LENGTH = 512
const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/

export interface ClientAssertionCheck {
  /** The `client_assertion` parameter. */
  readonly assertion: string
  /** The application the assertion claims to come from (see assertionClientId). */
  readonly client: ApplicationRecord
  /** What `aud` may name: the issuer, the token endpoint and the endpoint called. */
  readonly audiences: readonly string[]
  /** Epoch ms. */
  readonly now: number
  readonly replay: ReplayGuardPort
}

/**
 * The client id an assertion claims (its `sub`, which must equal `iss`), read without verifying it:
 * only to find the keys to verify it with. Null when it is not a JWT or names no client.
 */
export function assertionClientId(assertion: string): string | null {
  if (assertion.length > MAX_CLIENT_ASSERTION_LENGTH || !COMPACT_JWT.test(assertion)) return null
  let payload: JWTPayload
  try {
    payload = decodeJwt(assertion)
  } catch {
    return null
  }
  return typeof payload.sub === 'string' && payload.sub !== '' && payload.sub.length <= 256 ? payload.sub : null
}

/** Checks the assertion and uses up its `jti`; throws InvalidClient saying what failed. */
export async function verifyClientAssertion(check: ClientAssertionCheck): Promise<{ readonly jti: string; readonly expiresAt: number }> {
  const { assertion, client, now } = check
  if (assertion.length > MAX_CLIENT_ASSERTION_LENGTH || !COMPACT_JWT.test(assertion)) throw new InvalidClient('client_assertion must be one signed JWT.')
  if (client.tokenEndpointAuthMethod !== 'private_key_jwt' || !client.jwks)
    throw new InvalidClient('This application does not authenticate with private_key_jwt.')

  let payload: JWTPayload
  try {
    ;({ payload } = await jwtVerify(assertion, createLocalJWKSet({ keys: [...client.jwks.keys] }), {
      algorithms: [...CLIENT_ASSERTION_ALGS],
      issuer: client.clientId,
      subject: client.clientId,
      audience: [...check.audiences],
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
      currentDate: new Date(now),
      clockTolerance: CLIENT_ASSERTION_CLOCK_SKEW_SECONDS,
    }))
  } catch (err) {
    throw new InvalidClient(joseFailure(err))
  }

  const exp = payload.exp as number
  if (exp - now / 1000 > MAX_CLIENT_ASSERTION_LIFETIME_SECONDS + CLIENT_ASSERTION_CLOCK_SKEW_SECONDS)
    throw new InvalidClient(`client_assertion expires too far ahead: exp may be at most ${MAX_CLIENT_ASSERTION_LIFETIME_SECONDS / 60} minutes from now.`)
  const { jti } = payload
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw new InvalidClient('client_assertion must have a jti.')

  // Last, once everything else holds: remembered until no clock could accept the assertion again.
  const expiresAt = (exp + CLIENT_ASSERTION_CLOCK_SKEW_SECONDS) * 1000
  const key = `client_assertion:${sha256(`${client.clientId}\n${jti}`)}`
  if (!(await check.replay.use(key, now, expiresAt))) throw new InvalidClient('client_assertion was already used (jti).')
  return { jti, expiresAt }
}

function joseFailure(err: unknown): string {
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported)
    return `client_assertion alg must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}.`
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey)
    return "client_assertion signature does not verify with the application's registered keys."
  if (err instanceof errors.JWTExpired) return 'client_assertion has expired (exp).'
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return `client_assertion must have a ${err.claim} claim.`
    if (err.claim === 'aud') return 'client_assertion aud must name this server: its issuer or the token endpoint URL.'
    if (err.claim === 'iss' || err.claim === 'sub') return `client_assertion ${err.claim} must be the client id.`
    return `client_assertion ${err.claim} claim is invalid.`
  }
  return 'client_assertion is not a valid signed JWT.'
}
