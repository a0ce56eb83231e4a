/**
 * Periodic clean-up of state that can no longer be used: expired interactions, ended or expired SSO
 * sessions, DPoP proof jtis past their replay window, authorization codes and refresh tokens a day
 * after they expired (kept that long so a replayed code is still recognised and revokes what it
 * issued, and so reuse detection sees a family whole), revocation markers once every access token
 * of their grant has expired (a day, or the longest token lifetime when that is longer: /userinfo
 * reads them), organization invitations 30 days after they were used or expired, email tickets a day
 * after they were used or expired (so a second click still finds the ticket spent, not unknown),
 * outbox emails sent or failed longer ago than the email retention (their messages were already
 * dropped when they settled: what remains is the delivery record), MFA enrolments (a TOTP secret or a
 * WebAuthn registration) left unconfirmed for a day, Management API jobs a week after they finished
 * (and, first, jobs left pending or processing for half an hour are failed: the node running them
 * stopped), and audit events older than the audit retention.
 *
 * Every node runs the timer; each round, only the node that takes the `sweeper` lock
 * (`store.exclusive`: a PostgreSQL advisory lock, released if that node dies) purges, and the others
 * skip it. Rows go in batches of `SWEEP_BATCH`, each its own short statement, so a backlog never
 * holds locks on a hot table for long; a sweep stops after `SWEEP_BUDGET_MS` and the next carries on.
 */
import type { Clock } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { performance } from 'node:perf_hooks'
import { maxTokenLifetimeMs } from './keys/key-ring.js'
import type { Logger } from './logger.js'

export const SWEEP_INTERVAL_MS = 10 * 60_000
/** Rows per delete statement. */
export const SWEEP_BATCH = 1000
/** A sweep stops starting new batches after this long (wall time); the next sweep carries on. */
export const SWEEP_BUDGET_MS = 60_000
/** The lock (`store.exclusive`) that makes one node at a time the sweeper. */
export const SWEEP_LOCK = 'sweeper'
const DAY_MS = 24 * 3_600_000
const CODE_GRACE_MS = DAY_MS
const REFRESH_TOKEN_GRACE_MS = DAY_MS
/** Revocation markers outlive the longest access token of their grant by this much (clock skew). */
const MARKER_MARGIN_MS = 60_000
/** Used or expired invitations stay this long, so their link still explains itself. */
const INVITATION_GRACE_MS = 30 * DAY_MS
/** Used or expired email tickets stay this long, so a second click is told the link was used. */
const TICKET_GRACE_MS = DAY_MS
/** An MFA enrolment not confirmed within this long was abandoned. */
const ENROLMENT_GRACE_MS = DAY_MS
/** Finished jobs (their summary, errors and export link) stay this long. */
export const JOB_RETENTION_MS = 7 * DAY_MS
/** A job pending or processing for this long lost its node (a job runs in seconds to minutes): it is failed. */
export const STALE_JOB_MS = 30 * 60_000
export const STALE_JOB_DETAILS = 'The node running this job stopped before it finished; nothing more will be done. Create the job again (an import with upsert to complete a partial one).'

export interface Swept {
  readonly interactions: number
  readonly sessions: number
  readonly codes: number
  /** Refresh tokens and revocation markers. */
  readonly refreshTokens: number
  /** DPoP proof jtis past their replay window. */
  readonly dpopProofs: number
  /** Organization invitations used or expired more than 30 days ago. */
  readonly invitations: number
  /** Email tickets used or expired more than a day ago. */
  readonly tickets: number
  /** Outbox emails sent or failed longer ago than the email retention. */
  readonly emails: number
  /** MFA enrolments never confirmed, started more than a day ago. */
  readonly authenticators: number
  /** Jobs left pending or processing by a node that stopped, failed now. */
  readonly staleJobs: number
  /** Jobs finished more than a week ago. */
  readonly jobs: number
  readonly auditEvents: number
}

/** Runs `batch` until one removes fewer than a full batch, or the budget is spent. */
async function inBatches(batch: (size: number) => Promise<number>, deadline: number): Promise<number> {
  let removed = 0
  for (;;) {
    const n = await batch(SWEEP_BATCH)
    removed += n
    if (n < SWEEP_BATCH || performance.now() > deadline) return removed
  }
}

/**
 * One sweep on this node, whatever the others do (the timer goes through `sweepIfFirst`). A retention
 * of 0 days (or less) keeps those rows forever.
 */
export async function sweep(store: Store, now: number, auditRetentionDays = 30, emailRetentionDays = 30): Promise<Swept> {
  const deadline = performance.now() + SWEEP_BUDGET_MS
  const auditCutoff = now - auditRetentionDays * DAY_MS
  const emailCutoff = now - emailRetentionDays * DAY_MS
  const markerCutoff = now - Math.max(REFRESH_TOKEN_GRACE_MS, (await maxTokenLifetimeMs(store)) + MARKER_MARGIN_MS)
  return {
    interactions: await inBatches((n) => store.interactions.deleteExpired(now, n), deadline),
    sessions: await inBatches((n) => store.sessions.deleteExpired(now, n), deadline),
    codes: await inBatches((n) => store.authorizationCodes.deleteExpired(now - CODE_GRACE_MS, n), deadline),
    refreshTokens: await inBatches((n) => store.refreshTokens.deleteExpired(now - REFRESH_TOKEN_GRACE_MS, n, markerCutoff), deadline),
    dpopProofs: await inBatches((n) => store.replayGuard.deleteExpired(now, n), deadline),
    invitations: await inBatches((n) => store.invitations.deleteExpired(now - INVITATION_GRACE_MS, n), deadline),
    tickets: await inBatches((n) => store.tickets.deleteExpired(now - TICKET_GRACE_MS, n), deadline),
    emails: emailRetentionDays <= 0 ? 0 : await inBatches((n) => store.outbox.deleteSettledBefore(emailCutoff, n), deadline),
    authenticators: await inBatches((n) => store.authenticators.deleteUnconfirmedBefore(now - ENROLMENT_GRACE_MS, n), deadline),
    staleJobs: await store.jobs.failStale(now - STALE_JOB_MS, STALE_JOB_DETAILS, now),
    jobs: await inBatches((n) => store.jobs.deleteFinishedBefore(now - JOB_RETENTION_MS, n), deadline),
    auditEvents: auditRetentionDays <= 0 ? 0 : await inBatches((n) => store.logs.deleteOlderThan(auditCutoff, n), deadline),
  }
}

/** Sweeps if no other node (or call) is sweeping right now; null when one is. */
export async function sweepIfFirst(store: Store, now: number, auditRetentionDays = 30, emailRetentionDays = 30): Promise<Swept | null> {
  const result = await store.exclusive(SWEEP_LOCK, () => sweep(store, now, auditRetentionDays, emailRetentionDays))
  return result.ran ? result.value : null
}

export function startSweeper(store: Store, clock: Clock, log: Logger, auditRetentionDays = 30, emailRetentionDays = 30): () => void {
  const timer = setInterval(() => {
    sweepIfFirst(store, clock.now(), auditRetentionDays, emailRetentionDays).then(
      (removed) => (removed ? log.debug({ removed }, 'swept expired state') : log.debug('another node is sweeping: skipped this round')),
      (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, 'sweep failed'),
    )
  }, SWEEP_INTERVAL_MS)
  timer.unref()
  return () => clearInterval(timer)
}
