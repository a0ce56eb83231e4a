/**
 * Errors a resource server answers with (RFC 6750 §3, RFC 9449 §7.1): `BearerError` carries the
 * status, the error code, a description and the `WWW-Authenticate` challenges (Bearer, DPoP or
 * both). `IssuerError` means the issuer's metadata or keys could not be loaded: the server's
 * problem, not the client's (503).
 */
import { errors } from 'jose'

export type BearerErrorCode = 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof'

/**
 * Which challenges a refusal carries. Without DPoP (the default) a single Bearer challenge. With
 * `dpopAlgs`, a DPoP challenge too (RFC 9449 §7.1) listing them; `scheme` says which of the two
 * carries the error, and `bearer: false` leaves the Bearer challenge out (APIs that require DPoP).
 */
export interface Challenge {
  readonly realm: string
  readonly scheme?: 'Bearer' | 'DPoP'
  readonly dpopAlgs?: readonly string[]
  readonly bearer?: boolean
}

export interface BearerErrorOptions {
  /** The `realm` of the challenge; verifiers set it to the configured realm (default: the audience). */
  readonly realm?: string
  /** `insufficient_scope` only: the scopes the resource needs, space-delimited. */
  readonly scope?: string
  /** A request with no credentials at all: the challenge carries no error code (RFC 6750 §3.1). */
  readonly missing?: boolean
  readonly cause?: unknown
  /** The scheme whose challenge carries the error (default Bearer). */
  readonly scheme?: 'Bearer' | 'DPoP'
  /** Adds a DPoP challenge with these algorithms. */
  readonly dpopAlgs?: readonly string[]
  /** Whether the Bearer challenge is offered (default true). */
  readonly bearer?: boolean
}

export class BearerError extends Error {
  override readonly name = 'BearerError'
  readonly status: 400 | 401 | 403
  readonly error: BearerErrorCode
  readonly description: string
  readonly realm: string | undefined
  readonly scope: string | undefined
  /** True when the request carried no access token (401 with a bare `Bearer realm="…"`). */
  readonly missing: boolean
  /** The scheme whose challenge carries the error: `DPoP` for DPoP requests and proofs. */
  readonly scheme: 'Bearer' | 'DPoP'
  /** The algorithms of the DPoP challenge, when the API accepts DPoP. */
  readonly dpopAlgs: readonly string[] | undefined
  /** Whether the Bearer challenge is offered (false when the API requires DPoP). */
  readonly bearer: boolean

  constructor(status: 400 | 401 | 403, error: BearerErrorCode, description: string, options: BearerErrorOptions = {}) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause })
    this.status = status
    this.error = error
    this.description = description
    this.realm = options.realm
    this.scope = options.scope
    this.missing = options.missing ?? false
    this.scheme = options.scheme ?? 'Bearer'
    this.dpopAlgs = options.dpopAlgs
    this.bearer = options.bearer ?? true
  }

  /** The `WWW-Authenticate` header value: one challenge, or a Bearer and a DPoP one. */
  get wwwAuthenticate(): string {
    const realm = `realm="${quote(this.realm ?? 'api')}"`
    const details: string[] = []
    if (!this.missing) {
      details.push(`error="${this.error}"`, `error_description="${quote(this.description)}"`)
      if (this.scope !== undefined) details.push(`scope="${quote(this.scope)}"`)
    }
    const dpop = this.dpopAlgs !== undefined
    const challenges: string[] = []
    if (this.bearer || !dpop) challenges.push(`Bearer ${[realm, ...(this.scheme === 'Bearer' || !dpop ? details : [])].join(', ')}`)
    if (dpop) challenges.push(`DPoP ${[realm, ...(this.scheme === 'DPoP' ? details : []), `algs="${this.dpopAlgs.join(' ')}"`].join(', ')}`)
    return challenges.join(', ')
  }

  /** The same error with another realm (checks throw without one; the adapters complete it). */
  withRealm(realm: string): BearerError {
    return this.withChallenge({ realm, scheme: this.scheme, bearer: this.bearer, ...(this.dpopAlgs ? { dpopAlgs: this.dpopAlgs } : {}) })
  }

  /** The same error with the challenges of a verifier (its realm, and DPoP when it accepts it). */
  withChallenge(challenge: Challenge): BearerError {
    const scheme = this.error === 'invalid_dpop_proof' ? 'DPoP' : (challenge.scheme ?? this.scheme)
    const bearer = challenge.bearer ?? true
    const same = this.realm === challenge.realm && this.scheme === scheme && this.bearer === bearer && this.dpopAlgs === challenge.dpopAlgs
    if (same) return this
    return new BearerError(this.status, this.error, this.description, {
      realm: challenge.realm,
      ...(this.scope === undefined ? {} : { scope: this.scope }),
      missing: this.missing,
      ...(this.cause === undefined ? {} : { cause: this.cause }),
      scheme,
      bearer,
      ...(challenge.dpopAlgs === undefined ? {} : { dpopAlgs: challenge.dpopAlgs }),
    })
  }

  /** The JSON body: `{ error, error_description }`. */
  toJSON(): { error: BearerErrorCode; error_description: string } {
    return { error: this.error, error_description: this.description }
  }
}

/** The issuer's discovery document or key set could not be loaded (or is not usable). */
export class IssuerError extends Error {
  override readonly name = 'IssuerError'
  /** What an HTTP framework should answer (Express and Fastify read these). */
  readonly status = 503
  readonly statusCode = 503
}

/** RFC 6750 §3: quoted-string values; descriptions keep to %x20-21 / %x23-5B / %x5D-7E. */
function quote(value: string): string {
  return value.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, "'")
}

export function missingToken(): BearerError {
  return new BearerError(401, 'invalid_token', 'Missing access token.', { missing: true })
}

export function invalidRequest(description: string): BearerError {
  return new BearerError(400, 'invalid_request', description)
}

export function invalidToken(description: string, cause?: unknown): BearerError {
  return new BearerError(401, 'invalid_token', description, cause === undefined ? {} : { cause })
}

/** RFC 9449 §7.1: the DPoP proof is missing, malformed, or does not fit the request or the token. */
export function invalidDpopProof(description: string, cause?: unknown): BearerError {
  return new BearerError(401, 'invalid_dpop_proof', description, { scheme: 'DPoP', ...(cause === undefined ? {} : { cause }) })
}

export function insufficientScope(description: string, scopes: readonly string[]): BearerError {
  return new BearerError(403, 'insufficient_scope', description, { scope: scopes.join(' ') })
}

const CLAIM_FAILURES: Record<string, string> = {
  iss: 'The access token was not issued by the expected issuer (iss).',
  aud: 'The access token is not meant for this API (aud).',
  nbf: 'The access token is not valid yet (nbf).',
  exp: 'The access token expired (exp).',
  iat: 'The access token has an invalid issue time (iat).',
  typ: 'The token is not an access token (typ must be at+jwt).',
}

/** Maps what jose throws while verifying to the RFC 6750 error the client gets. */
export function fromJoseError(err: unknown): unknown {
  if (err instanceof BearerError || err instanceof IssuerError) return err
  if (!(err instanceof errors.JOSEError)) return err
  if (err instanceof errors.JWTExpired) return invalidToken(CLAIM_FAILURES.exp as string, err)
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return invalidToken(`The access token has no ${err.claim} claim.`, err)
    if (err.reason === 'invalid') return invalidToken(`The access token's ${err.claim} claim is malformed.`, err)
    return invalidToken(CLAIM_FAILURES[err.claim] ?? `The access token's ${err.claim} claim was rejected.`, err)
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return invalidToken('The access token signature is invalid.', err)
  if (err instanceof errors.JOSEAlgNotAllowed) return invalidToken('The access token is signed with an algorithm this API does not accept.', err)
  if (err instanceof errors.JWKSNoMatchingKey) return invalidToken('The access token is signed with a key the issuer does not publish (kid).', err)
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return invalidToken('The access token is malformed.', err)
  return invalidToken('The access token could not be verified.', err)
}
