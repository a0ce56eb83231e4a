/**
 * Periodic clean-up of state that can no longer be used: expired interactions, ended or expired SSO
 * sessions, DPoP proof jtis past their replay window, and authorization codes a day after they
 * expired (kept that long so a replayed code is
 * still recognised and revokes what it issued). Safe on several nodes at once: each delete is
 * idempotent.
 */
import type { Clock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Logger } from './logger.js'

export const SWEEP_INTERVAL_MS = 10 * 60_000
const CODE_GRACE_MS = 24 * 3_600_000

export async function sweep(store: Store, now: number): Promise<{ interactions: number; sessions: number; codes: number; dpopProofs: number }> {
  return {
    interactions: await store.interactions.deleteExpired(now),
    sessions: await store.sessions.deleteExpired(now),
    codes: await store.authorizationCodes.deleteExpired(now - CODE_GRACE_MS),
    dpopProofs: await store.replayGuard.deleteExpired(now),
  }
}

export function startSweeper(store: Store, clock: Clock, log: Logger): () => void {
  const timer = setInterval(() => {
    sweep(store, clock.now()).then(
      (removed) => log.debug({ removed }, 'swept expired state'),
      (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'sweep failed'),
    )
  }, SWEEP_INTERVAL_MS)
  timer.unref()
  return () => clearInterval(timer)
}
