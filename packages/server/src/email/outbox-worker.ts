/**
 * The outbox worker: every `OUTBOX_POLL_MS` (and right after an email is enqueued on this node) it
 * claims the emails that are due (`store.outbox.claimDue`, a 60-second lease: of every node, one
 * holds an email at a time), opens each sealed message, hands it to the transport, and records the
 * outcome as the holder of that attempt. A failure is retried after 30 s, 1 min, 2 min … (at most
 * 30 min apart); after `MAX_ATTEMPTS` attempts, or `GIVE_UP_AFTER_MS` after the email was written, or
 * when the receiving server refuses the address for good, the email is failed for good.
 *
 * Delivery is at least once: a node that dies (or loses the database) after the SMTP server accepted
 * an email but before recording it leaves the claim to lapse, and another node sends it again.
 *
 * Sent and failed emails older than LATCHKEY_EMAIL_RETENTION_DAYS are deleted by the sweeper (sweeper.ts).
 */
import { AsyncResource } from 'node:async_hooks'
import type { Clock, OutboxEmailRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import type { KeyEncryption } from '../keys/key-encryption.js'
import type { Logger } from '../logger.js'
import type { Metrics } from '../operations/metrics.js'
import type { DevelopmentMailbox } from './development-mailbox.js'
import { type OutboxMessage, openMessage } from './sealed-message.js'
import type { Transport } from './transport.js'

export const OUTBOX_POLL_MS = 5_000
export const OUTBOX_LEASE_MS = 60_000
export const OUTBOX_BATCH = 10
/** At most this many emails per round, so stopping never waits on a long backlog. */
const ROUND_LIMIT = 100
export const MAX_ATTEMPTS = 8
export const GIVE_UP_AFTER_MS = 24 * 3_600_000
export const FIRST_RETRY_MS = 30_000
export const MAX_RETRY_MS = 30 * 60_000

/** How long to wait after failed attempt `attempt` (1-based): 30 s, 1 min, 2 min, … 30 min. */
export function retryDelayMs(attempt: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1), MAX_RETRY_MS)
}

/**
 * The error, short and without secrets: nodemailer's code and the server's reply code, the first
 * line of the message, any credentials in a URL masked, and the SMTP password (if it shows) removed.
 */
export function shortError(error: unknown, secrets: readonly string[] = []): string {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown }
  const code = typeof e?.code === 'string' ? `${e.code} ` : ''
  const reply = typeof e?.responseCode === 'number' ? `${e.responseCode} ` : ''
  let text = `${code}${reply}${String(typeof e?.message === 'string' ? e.message : error).split('\n')[0]}`.replace(/\/\/[^/@\s]*@/g, '//***@')
  for (const secret of secrets) if (secret.length >= 3) text = text.split(secret).join('***')
  return text.length > 200 ? `${text.slice(0, 199)}…` : text
}

/** A refusal that a retry cannot change: the server rejected the recipient with a 5xx reply. */
function permanent(error: unknown): boolean {
  const e = error as { code?: unknown; responseCode?: unknown }
  return e?.code === 'EENVELOPE' && typeof e.responseCode === 'number' && e.responseCode >= 500
}

export interface OutboxWorkerOptions {
  readonly store: Store
  readonly clock: Clock
  readonly log: Logger
  readonly encryption: KeyEncryption
  /** Null: this node sends nothing (no SMTP, no development outbox): the worker never runs. */
  readonly transport: Transport | null
  readonly from: string
  readonly metrics: Metrics | null
  /** The development outbox's copies, when it is on. */
  readonly mailbox: DevelopmentMailbox | null
  /** Removed from error messages (the SMTP password). */
  readonly secrets?: readonly string[]
  readonly pollMs?: number
}

export class OutboxWorker {
  readonly #o: OutboxWorkerOptions
  #rounds: Promise<unknown> = Promise.resolve()
  #timer: NodeJS.Timeout | undefined
  #wakeQueued = false
  #stopped = false
  /**
   * The worker's own async context, taken when it is built: a wake-up asked for inside a caller's
   * store transaction (an email enqueued with `tx`) must not run its round in that transaction's
   * context, where the store refuses (or on SQLite would wait for) anything but the transaction.
   */
  readonly #scope = new AsyncResource('latchkey.outbox-worker')

  constructor(options: OutboxWorkerOptions) {
    this.#o = options
  }

  start(): void {
    if (this.#o.transport === null) return
    this.#timer = setInterval(() => this.wake(), this.#o.pollMs ?? OUTBOX_POLL_MS)
    this.#timer.unref()
    this.wake()
  }

  /** A round soon (after `delayMs`), unless one is already coming: cheap to call after every enqueue. */
  wake(delayMs = 0): void {
    if (this.#stopped || this.#wakeQueued) return
    this.#wakeQueued = true
    this.#scope.runInAsyncScope(() =>
      setTimeout(() => {
        this.#wakeQueued = false
        this.runOnce().catch((err: unknown) => this.#o.log.warn({ err: shortError(err) }, 'outbox round failed'))
      }, delayMs).unref(),
    )
  }

  /**
   * One round, after any round in progress: claims and delivers due emails until none are left (or
   * `ROUND_LIMIT`). Returns how many emails it attempted. Tests call it to run a round now.
   */
  runOnce(): Promise<number> {
    const round = this.#rounds.then(() => this.#round())
    this.#rounds = round.catch(() => undefined)
    return round
  }

  /** Stops the timers and waits for the round in progress. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#rounds
    this.#o.transport?.close()
  }

  async #round(): Promise<number> {
    if (this.#o.transport === null) return 0
    let attempted = 0
    while (!this.#stopped && attempted < ROUND_LIMIT) {
      const claimed = await this.#o.store.outbox.claimDue(this.#o.clock.now(), OUTBOX_LEASE_MS, OUTBOX_BATCH)
      await Promise.all(claimed.map((email) => this.#deliver(email)))
      attempted += claimed.length
      if (claimed.length < OUTBOX_BATCH) break
    }
    return attempted
  }

  async #deliver(email: OutboxEmailRecord): Promise<void> {
    const { store, clock, log, metrics } = this.#o
    let message: OutboxMessage
    try {
      if (email.sealedMessage === null) throw new Error('the outbox holds no message for this email')
      message = await openMessage(this.#o.encryption, email.sealedMessage)
      await (this.#o.transport as Transport).send({ id: email.id, from: this.#o.from, to: email.to, message })
    } catch (error) {
      await this.#failed(email, error)
      return
    }
    // Sent: from here on nothing may count it as failed (a retry would send it twice).
    const now = clock.now()
    metrics?.emailsSent.inc({ template: email.template })
    this.#o.mailbox?.keep({ id: email.id, template: email.template, to: email.to, message, sentAt: now })
    try {
      if (!(await store.outbox.markSent(email.id, email.attempts, now))) log.warn({ email: email.id, attempt: email.attempts }, 'an email was sent after its claim lapsed: another node may send it too')
      else if (this.#o.transport?.kind === 'smtp') log.info({ email: email.id, template: email.template, attempt: email.attempts }, 'email sent')
    } catch (err) {
      log.warn({ email: email.id, err: shortError(err) }, 'an email was sent but could not be recorded: it may be sent again when its claim lapses')
    }
  }

  async #failed(email: OutboxEmailRecord, error: unknown): Promise<void> {
    const { store, clock, log, metrics } = this.#o
    const now = clock.now()
    const reason = shortError(error, this.#o.secrets)
    const final = email.attempts >= MAX_ATTEMPTS || now - email.createdAt >= GIVE_UP_AFTER_MS || permanent(error) || email.sealedMessage === null
    const retryAt = final ? null : now + retryDelayMs(email.attempts)
    metrics?.emailsFailed.inc({ final: String(final) })
    try {
      if (!(await store.outbox.markFailed(email.id, email.attempts, reason, retryAt))) return
    } catch (err) {
      log.warn({ email: email.id, err: shortError(err) }, 'could not record a failed email attempt: it is retried when its claim lapses')
      return
    }
    log.warn(
      { email: email.id, template: email.template, attempt: email.attempts, error: reason, ...(retryAt === null ? {} : { retryAt: new Date(retryAt).toISOString() }) },
      final ? 'email failed for good' : 'email not sent: retrying later',
    )
  }
}
