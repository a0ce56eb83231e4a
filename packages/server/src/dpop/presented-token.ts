/**
 * Access tokens presented to Latchkey's own resource (/userinfo), as `Bearer` (RFC 6750) or `DPoP`
 * (RFC 9449 §7.1), and the sender constraint: a DPoP-bound token (`cnf.jkt`) is accepted only with
 * the DPoP scheme and a proof of its key for this very request (`ath` included); an unbound token
 * only as Bearer. The challenges name the DPoP scheme and its algorithms wherever DPoP is involved.
 */
import {
  DPOP_SIGNING_ALGS,
  InvalidDpopProof,
  InvalidRequest,
  InvalidToken,
  UseDpopNonce,
  type DpopProof,
  type OAuthError,
} from '@latchkey/core'
import type { JWTPayload } from 'jose'
import type { Deps } from '../deps.js'
import { bearerToken } from '../http/bearer.js'
import { dpopEndpoints } from './proofs.js'

export type Scheme = 'Bearer' | 'DPoP'

export interface PresentedToken {
  readonly scheme: Scheme
  readonly token: string
}

/** A DPoP-bound token sent as Bearer (RFC 9449 §7.2): refused, with a challenge that offers DPoP. */
export class DpopBoundToken extends InvalidToken {}

export function schemeOf(authorization: string | undefined): Scheme {
  return /^\s*dpop(?:\s|$)/i.test(authorization ?? '') ? 'DPoP' : 'Bearer'
}

export function presentedToken(authorization: string | undefined): PresentedToken {
  if (schemeOf(authorization) === 'Bearer') return { scheme: 'Bearer', token: bearerToken(authorization) }
  const match = /^DPoP ([A-Za-z0-9\-._~+/]+=*)$/i.exec((authorization as string).trim())
  if (!match?.[1]) throw new InvalidRequest('The Authorization header must be "DPoP <token>".')
  return { scheme: 'DPoP', token: match[1] }
}

function boundKey(payload: JWTPayload): string | undefined {
  const cnf = payload.cnf
  if (typeof cnf !== 'object' || cnf === null || !('jkt' in cnf)) return undefined
  const { jkt } = cnf as { jkt: unknown }
  return typeof jkt === 'string' ? jkt : undefined
}

/**
 * Checks how a verified token was presented; returns the request's proof for DPoP-bound tokens.
 * `proof` is the request's `DPoP` header, `method` its method (the proof's `htm`).
 */
export async function checkSenderConstraint(
  deps: Deps,
  presented: PresentedToken,
  payload: JWTPayload,
  request: { readonly method: string; readonly proof: string | undefined },
): Promise<DpopProof | null> {
  const jkt = boundKey(payload)
  if (jkt === undefined) {
    if (presented.scheme === 'DPoP') throw new InvalidToken('The access token is not bound to a DPoP key: present it as Bearer.')
    return null
  }
  if (presented.scheme !== 'DPoP') throw new DpopBoundToken('The access token is bound to a DPoP key: present it with the DPoP scheme and a DPoP proof.')
  const proof = await dpopEndpoints(deps).verifyProof(request.proof, request.method, 'userinfo', presented.token)
  if (!proof) throw new InvalidDpopProof('A DPoP proof is required with a DPoP-bound access token.')
  if (proof.jkt !== jkt) throw new InvalidToken('The DPoP proof key does not match the access token (cnf.jkt).')
  return proof
}

const quote = (value: string) => value.replace(/["\\]/g, "'")

/**
 * The `WWW-Authenticate` value for a refused request. Without a token: a bare Bearer challenge
 * (RFC 6750 §3.1). When the request used DPoP, or its proof failed: a Bearer challenge and a DPoP
 * challenge carrying the error and `algs` (RFC 9449 §7.1). A bound token sent as Bearer: the error on
 * the Bearer challenge, and a DPoP challenge to say which scheme works.
 */
export function challengeFor(realm: string, error: OAuthError, scheme: Scheme): string {
  const bearer = `Bearer realm="${quote(realm)}"`
  if (error.error === 'invalid_token' && error.description === 'Missing access token.') return bearer
  const details = `error="${error.error}", error_description="${quote(error.description)}"`
  const dpop = `DPoP realm="${quote(realm)}"`
  const algs = `algs="${DPOP_SIGNING_ALGS.join(' ')}"`
  if (scheme === 'DPoP' || error instanceof InvalidDpopProof || error instanceof UseDpopNonce) return `${bearer}, ${dpop}, ${details}, ${algs}`
  if (error instanceof DpopBoundToken) return `${bearer}, ${details}, ${dpop}, ${algs}`
  return `${bearer}, ${details}`
}

/** DPoP errors at a resource are 401 (RFC 9449 §7.1, §9), not the token endpoint's 400. */
export function resourceStatus(error: OAuthError): number {
  return error instanceof InvalidDpopProof || error instanceof UseDpopNonce ? 401 : error.status
}
