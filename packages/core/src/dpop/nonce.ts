/**
 * Server-provided DPoP nonces (RFC 9449 §8, §9), stateless: a nonce is the HMAC-SHA256 of a
 * one-minute time step under a server secret, so any node holding the same secret issues and
 * accepts the same values with no shared state. A nonce is accepted for its own step, the two
 * before it (it lives two to three minutes) and the one after (nodes whose clocks differ slightly).
 * Where the secret comes from is the server's business (see `server/src/dpop/nonce-secret.ts`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'

export const DPOP_NONCE_STEP_MS = 60_000
const PAST_STEPS = 2
const FUTURE_STEPS = 1

export class DpopNonces {
  readonly #secret: Uint8Array

  constructor(secret: Uint8Array) {
    if (secret.byteLength < 32) throw new TypeError('the DPoP nonce secret must be at least 32 bytes')
    this.#secret = Uint8Array.from(secret)
  }

  #at(step: number): Buffer {
    return createHmac('sha256', this.#secret).update(`latchkey dpop nonce ${step}`).digest()
  }

  /** The nonce to hand out at `now` (epoch ms). */
  issue(now: number): string {
    return this.#at(Math.floor(now / DPOP_NONCE_STEP_MS)).toString('base64url')
  }

  /** Whether a client's nonce is one this secret issued recently; compared in constant time. */
  isValid(nonce: string, now: number): boolean {
    const presented = Buffer.from(nonce, 'utf8')
    const step = Math.floor(now / DPOP_NONCE_STEP_MS)
    let valid = false
    for (let s = step - PAST_STEPS; s <= step + FUTURE_STEPS; s++) {
      const expected = Buffer.from(this.#at(s).toString('base64url'), 'utf8')
      // every candidate is compared, whatever the outcome, so timing says nothing about which matched
      if (expected.length === presented.length && timingSafeEqual(expected, presented)) valid = true
    }
    return valid
  }
}
