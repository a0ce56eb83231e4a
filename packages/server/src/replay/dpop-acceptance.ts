/**
 * When a DPoP proof could first have been accepted, for the Redis replay guard's fallback (see
 * redis-replay-guard.ts): core records a proof's `jti` until `now + DPOP_REPLAY_WINDOW_MS`, which says
 * nothing about when the proof was made, so the guard is told here. With a nonce, the start of the
 * nonce's validity (a nonce is good from one step before its own); without, `iat` less the allowed
 * clock skew. Read once the proof has been verified (the guard is consulted last).
 */
import { DPOP_IAT_FUTURE_SECONDS, DPOP_NONCE_STEP_MS, type DpopNonces, type ReplayGuardPort } from '@latchkey/core'
import { decodeJwt } from 'jose'

/** The Redis guard (redis-replay-guard.ts), told apart without importing it: ioredis loads only when Redis is configured. */
interface TimedReplayGuard extends ReplayGuardPort {
  readonly takesAcceptanceTime: true
  use(key: string, now: number, expiresAt: number, acceptableFrom?: number): Promise<boolean>
}

const isTimed = (guard: ReplayGuardPort): guard is TimedReplayGuard => (guard as Partial<TimedReplayGuard>).takesAcceptanceTime === true

/** `guard` as is, or, for the Redis guard, one that passes each proof's earliest acceptance. */
export function dpopReplayGuard(guard: ReplayGuardPort, proof: string, nonces: DpopNonces): ReplayGuardPort {
  if (!isTimed(guard)) return guard
  return { use: (key, now, expiresAt) => guard.use(key, now, expiresAt, acceptableFrom(proof, nonces, now)) }
}

function acceptableFrom(proof: string, nonces: DpopNonces, now: number): number {
  const { iat, nonce } = decodeJwt(proof)
  if (typeof nonce === 'string') {
    // Valid now, so its first step lies within the last four.
    const step = Math.floor(now / DPOP_NONCE_STEP_MS)
    for (let s = step - 3; s <= step; s++) if (nonces.isValid(nonce, s * DPOP_NONCE_STEP_MS)) return s * DPOP_NONCE_STEP_MS
    return Number.NEGATIVE_INFINITY
  }
  return typeof iat === 'number' ? (iat - DPOP_IAT_FUTURE_SECONDS) * 1000 : Number.NEGATIVE_INFINITY
}
