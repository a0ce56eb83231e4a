/**
 * DPoP proofs for the endpoint tests (RFC 9449 §4.2): a client key pair, and proofs signed with it
 * whose every claim or header member a test can replace (undefined removes it), so each check can be
 * attacked on its own.
 */
import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'

export interface ProofOptions {
  /** Claims to set or replace (`nonce`, `ath`, `iat`, `htu`, …); undefined removes one. */
  readonly claims?: Record<string, unknown>
  readonly header?: Record<string, unknown>
  /** The access token the proof travels with: sets `ath`. */
  readonly accessToken?: string
  /** Epoch ms for `iat` (default now). */
  readonly now?: number
}

export class DpopKey {
  private constructor(
    readonly alg: string,
    readonly privateKey: CryptoKey,
    readonly jwk: JWK,
    /** RFC 7638 SHA-256 thumbprint: what `dpop_jkt` and `cnf.jkt` carry. */
    readonly jkt: string,
  ) {}

  static async generate(alg = 'ES256'): Promise<DpopKey> {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
    const jwk = await exportJWK(publicKey)
    return new DpopKey(alg, privateKey, jwk, await calculateJwkThumbprint(jwk, 'sha256'))
  }

  proof(method: string, url: string, options: ProofOptions = {}): Promise<string> {
    const iat = Math.floor((options.now ?? Date.now()) / 1000)
    const ath = options.accessToken === undefined ? undefined : createHash('sha256').update(options.accessToken).digest('base64url')
    return new SignJWT({ jti: randomUUID(), htm: method, htu: url, iat, ath, ...options.claims })
      .setProtectedHeader({ alg: this.alg, typ: 'dpop+jwt', jwk: this.jwk, ...options.header } as { alg: string })
      .sign(this.privateKey)
  }
}
