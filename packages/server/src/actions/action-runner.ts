/**
 * Running a trigger's actions (the authorization issue, part 2): the actions bound to the trigger,
 * in order, each on the worker pool (action-pool.ts) with its deployed code, its secrets opened into
 * `event.secrets` and its cache; their commands folded into one outcome by core's applyCommands.
 * The first action that denies, or fails (throws, times out, runs out of memory), ends the trigger:
 * a failure denies, with a reason that names the action. Each run is reported (for the audit log,
 * with its console output and notes) to the caller. With no action bound, a trigger costs a lookup
 * in memory: the bindings are cached per trigger and dropped on every `actions` change notice.
 */
import {
  type ActionOutcome,
  type ActionRecord,
  type ActionTrigger,
  applyCommands,
  EMPTY_OUTCOME,
  HANDLER_OF,
} from '@latchkey/core'
import type { BoundAction, Store } from '@latchkey/storage'
import type { KeyEncryption } from '../keys/key-encryption.js'
import { type ActionFailure, ActionPool, type ActionPoolOptions, type ActionRun } from './action-pool.js'

export const DEFAULT_ACTION_TIMEOUT_MS = 5_000
/** Auth0's limit. */
export const MAX_ACTION_TIMEOUT_MS = 20_000
/** Entries of one action's cache, at most (Auth0 limits the cache too). */
const MAX_CACHE_ENTRIES = 100

/** One action's run, as the audit log records it. */
export interface ActionReport {
  readonly actionId: string
  readonly actionName: string
  readonly version: number
  readonly ok: boolean
  readonly failure?: ActionFailure
  readonly error?: string
  readonly ms: number
  readonly logs: readonly string[]
  readonly notes: readonly string[]
}

export interface TriggerResult {
  readonly outcome: ActionOutcome
  readonly reports: readonly ActionReport[]
}

export interface ActionRunnerOptions extends ActionPoolOptions {
  /** Each action's time limit (default 5 s, at most 20 s). */
  readonly timeoutMs?: number
  readonly now: () => number
}

type Cache = Map<string, { value: string; expiresAt: number }>

export class ActionRunner {
  readonly #pool: ActionPool
  readonly #bound = new Map<string, Promise<BoundAction[]>>()
  readonly #caches = new Map<string, Cache>()
  readonly #timeoutMs: number
  readonly #stopListening: () => void

  constructor(
    private readonly store: Store,
    private readonly encryption: KeyEncryption,
    private readonly options: ActionRunnerOptions,
  ) {
    this.#pool = new ActionPool(options)
    this.#timeoutMs = Math.min(MAX_ACTION_TIMEOUT_MS, Math.max(1, options.timeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS))
    this.#stopListening = store.changes.listen((topic) => {
      if (topic === 'actions' || topic === 'all') this.#bound.clear()
    })
  }

  /** The actions bound to `trigger`, as they run. */
  bound(trigger: ActionTrigger): Promise<BoundAction[]> {
    let bound = this.#bound.get(trigger)
    if (!bound) {
      bound = this.store.actions.bound(trigger)
      this.#bound.set(trigger, bound)
      bound.catch(() => this.#bound.delete(trigger))
    }
    return bound
  }

  /** Runs the trigger's actions on `event` (Auth0's event, without `secrets`: each action gets its own). */
  async run(trigger: ActionTrigger, event: Record<string, unknown>): Promise<TriggerResult> {
    const bound = await this.bound(trigger)
    if (bound.length === 0) return { outcome: EMPTY_OUTCOME, reports: [] }
    let outcome = EMPTY_OUTCOME
    const reports: ActionReport[] = []
    for (const action of bound) {
      const { run, report } = await this.#runOne(trigger, { id: action.id, name: action.name, version: action.deployed.version, code: action.deployed.code, sealedSecrets: action.deployed.sealedSecrets }, event)
      let notes: string[] = []
      if (run.ok) {
        const applied = applyCommands(trigger, outcome, action.name, run.commands)
        outcome = applied.outcome
        notes = applied.notes
      } else if (action.onFailure === 'skip') {
        notes = [`failed (${run.failure}) and was skipped, as its on_failure setting says`]
      } else {
        outcome = { ...outcome, denied: { reason: `The action '${action.name}' failed: ${run.error.message}`, action: action.name, code: 'server_error' } }
      }
      reports.push({ ...report, notes })
      if (outcome.denied) break
    }
    return { outcome, reports }
  }

  /** Runs one action's draft (or `code`) against a sample event: Auth0's "test" (nothing it asks for is applied). */
  async test(action: ActionRecord, event: Record<string, unknown>): Promise<{ run: ActionRun; report: ActionReport }> {
    return this.#runOne(action.trigger, { id: `test:${action.id}`, name: action.name, version: action.updatedAt, code: action.code, sealedSecrets: action.sealedSecrets }, event, false)
  }

  async close(): Promise<void> {
    this.#stopListening()
    await this.#pool.close()
  }

  async #runOne(
    trigger: ActionTrigger,
    action: { readonly id: string; readonly name: string; readonly version: number; readonly code: string; readonly sealedSecrets: string | null },
    event: Record<string, unknown>,
    keepCache = true,
  ): Promise<{ run: ActionRun; report: ActionReport }> {
    const now = this.options.now()
    const secrets = action.sealedSecrets === null ? {} : (JSON.parse(await this.encryption.openText(action.sealedSecrets)) as Record<string, string>)
    const cache = this.#cacheOf(action.id, now)
    const run = await this.#pool.run({
      trigger,
      handler: HANDLER_OF[trigger],
      action: { id: action.id, name: action.name, version: String(action.version), code: action.code },
      event: { ...event, secrets },
      cache: Object.fromEntries(cache),
      now,
      timeoutMs: this.#timeoutMs,
    })
    if (run.ok && keepCache) {
      for (const command of run.commands) {
        if (command.kind === 'cache.set' && (cache.has(command.key) || cache.size < MAX_CACHE_ENTRIES)) cache.set(command.key, { value: command.value, expiresAt: command.expiresAt })
        else if (command.kind === 'cache.delete') cache.delete(command.key)
      }
    }
    const report: ActionReport = {
      actionId: action.id,
      actionName: action.name,
      version: action.version,
      ok: run.ok,
      ...(run.ok ? {} : { failure: run.failure, error: run.error.message }),
      ms: Math.round(run.ms * 100) / 100,
      logs: run.logs,
      notes: [],
    }
    return { run, report }
  }

  #cacheOf(actionId: string, now: number): Cache {
    let cache = this.#caches.get(actionId)
    if (!cache) {
      cache = new Map()
      this.#caches.set(actionId, cache)
    }
    for (const [key, entry] of cache) if (entry.expiresAt <= now) cache.delete(key)
    return cache
  }
}
