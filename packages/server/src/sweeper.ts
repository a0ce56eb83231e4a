/**
 * Periodic clean-up of state that can no longer be used: expired interactions, ended or expired SSO
 * sessions, DPoP proof jtis past their replay window, authorization codes a day after they expired
 * (kept that long so a replayed code is still recognised and revokes what it issued), and audit
 * events older than the retention period (deleted in batches, so a backlog never holds the write
 * lock for long). Safe on several nodes at once: each delete is idempotent.
 */
import type { Clock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { Logger } from './logger.js'

export const SWEEP_INTERVAL_MS = 10 * 60_000
const CODE_GRACE_MS = 24 * 3_600_000
const DAY_MS = 24 * 3_600_000
export const AUDIT_BATCH = 1000
/** At most this many batches per sweep; the next sweep carries on. */
const AUDIT_MAX_BATCHES = 100

export interface Swept {
  readonly interactions: number
  readonly sessions: number
  readonly codes: number
  /** DPoP proof jtis past their replay window. */
  readonly dpopProofs: number
  readonly auditEvents: number
}

/** Deletes audit events older than `retentionDays` (0: keep forever), one batch at a time. */
async function sweepAuditEvents(store: Store, now: number, retentionDays: number): Promise<number> {
  if (retentionDays <= 0) return 0
  const cutoff = now - retentionDays * DAY_MS
  let removed = 0
  for (let batch = 0; batch < AUDIT_MAX_BATCHES; batch++) {
    const n = await store.logs.deleteOlderThan(cutoff, AUDIT_BATCH)
    removed += n
    if (n < AUDIT_BATCH) break
  }
  return removed
}

export async function sweep(store: Store, now: number, auditRetentionDays = 30): Promise<Swept> {
  return {
    interactions: await store.interactions.deleteExpired(now),
    sessions: await store.sessions.deleteExpired(now),
    codes: await store.authorizationCodes.deleteExpired(now - CODE_GRACE_MS),
    dpopProofs: await store.replayGuard.deleteExpired(now),
    auditEvents: await sweepAuditEvents(store, now, auditRetentionDays),
  }
}

export function startSweeper(store: Store, clock: Clock, log: Logger, auditRetentionDays = 30): () => void {
  const timer = setInterval(() => {
    sweep(store, clock.now(), auditRetentionDays).then(
      (removed) => log.debug({ removed }, 'swept expired state'),
      (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'sweep failed'),
    )
  }, SWEEP_INTERVAL_MS)
  timer.unref()
  return () => clearInterval(timer)
}
