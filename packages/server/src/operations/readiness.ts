/**
 * Whether this node should receive traffic (`/readyz`): not while it is draining for shutdown, and
 * only when the store answers a small query within a short timeout and every migration this build
 * knows has been applied. The store's answer is kept for a moment, and concurrent probes share one
 * query, so a probe storm from several load balancers costs the database one query per second.
 * Changes of state are logged once, with the store's error message (never its URL).
 */
import type { Store } from '@latchkey/storage'
import type { Logger } from '../logger.js'

export type NotReadyReason = 'draining' | 'store_unreachable' | 'migrations_pending'

export type ReadinessResult =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: NotReadyReason; readonly pending?: readonly string[] }

export interface ReadinessOptions {
  /** How long the store may take to answer (ms). */
  readonly timeoutMs?: number
  /** How long an answer from the store is reused (ms). */
  readonly cacheMs?: number
}

export const READINESS_DEFAULTS = { timeoutMs: 1_000, cacheMs: 1_000 } as const

class Timeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer))
}

export class Readiness {
  readonly #store: Pick<Store, 'migrationStatus'>
  readonly #log: Logger
  readonly #timeoutMs: number
  readonly #cacheMs: number
  #draining = false
  #last: { readonly at: number; readonly result: ReadinessResult } | undefined
  #inFlight: Promise<ReadinessResult> | undefined
  #query: Promise<unknown> | undefined
  #reported: string | undefined

  constructor(store: Pick<Store, 'migrationStatus'>, log: Logger, options: ReadinessOptions = {}) {
    this.#store = store
    this.#log = log
    this.#timeoutMs = options.timeoutMs ?? READINESS_DEFAULTS.timeoutMs
    this.#cacheMs = options.cacheMs ?? READINESS_DEFAULTS.cacheMs
  }

  /** From now on the node is not ready: it is shutting down and finishing what it has. */
  drain(): void {
    if (!this.#draining) this.#log.info('draining: /readyz answers 503 from now on')
    this.#draining = true
  }

  get draining(): boolean {
    return this.#draining
  }

  async check(): Promise<ReadinessResult> {
    if (this.#draining) return { ready: false, reason: 'draining' }
    const last = this.#last
    if (last && performance.now() - last.at < this.#cacheMs) return last.result
    this.#inFlight ??= this.#ask().finally(() => {
      this.#inFlight = undefined
    })
    const result = await this.#inFlight
    return this.#draining ? { ready: false, reason: 'draining' } : result
  }

  async #ask(): Promise<ReadinessResult> {
    let result: ReadinessResult
    let problem: string | undefined
    try {
      // A query that timed out and still hangs holds a connection: wait for it rather than pile up more.
      if (this.#query) throw new Timeout('an earlier query has not answered yet')
      const query = this.#store.migrationStatus()
      this.#query = query
      query.then(
        () => this.#settled(query),
        () => this.#settled(query),
      )
      const { pending } = await withTimeout(query, this.#timeoutMs)
      result = pending.length === 0 ? { ready: true } : { ready: false, reason: 'migrations_pending', pending }
    } catch (error) {
      result = { ready: false, reason: 'store_unreachable' }
      problem = error instanceof Error ? error.message : String(error)
    }
    this.#last = { at: performance.now(), result }
    this.#report(result, problem)
    return result
  }

  #settled(query: Promise<unknown>): void {
    if (this.#query === query) this.#query = undefined
  }

  #report(result: ReadinessResult, problem: string | undefined): void {
    const state = result.ready ? 'ready' : result.reason
    if (state === this.#reported) return
    const first = this.#reported === undefined
    this.#reported = state
    if (result.ready) {
      if (!first) this.#log.info('ready again: the store answers and migrations are done')
    } else if (result.reason === 'store_unreachable') {
      this.#log.warn({ err: { message: problem } }, 'not ready: the store does not answer')
    } else if (result.reason === 'migrations_pending') {
      this.#log.warn({ pending: result.pending }, 'not ready: migrations pending')
    }
  }
}
