/**
 * What token minting needs: the issuer and the key that signs now. The server supplies a signer
 * backed by the key store; tests supply one over a generated key.
 */
import type { CryptoKey, KeyObject } from 'jose'
import type { SigningKeyAlg } from '../records.js'

export interface SigningKey {
  readonly kid: string
  readonly alg: SigningKeyAlg
  readonly key: CryptoKey | KeyObject
}

export interface TokenContext {
  /** The issuer, with exactly one trailing slash: `http://localhost:3000/`. */
  readonly issuer: string
  /** Epoch milliseconds. */
  readonly now: number
  readonly signingKey: SigningKey
}
