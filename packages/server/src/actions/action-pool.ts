/**
 * The Actions runtime: a small pool of worker threads (`node:worker_threads`) that run deployed
 * actions, never on the event loop. Each worker runs one job at a time, keeps every action version
 * it has compiled (a job is a message round trip, not a new context), and has its heap capped
 * (`resourceLimits`). A job that outlives its time limit has its worker terminated (an infinite loop
 * cannot be interrupted any other way); a worker that runs out of memory or dies fails only the job
 * it was running. Either way a fresh worker takes its place at the next job, and other logins go on.
 * The worker side is action-worker.mjs; what an action's commands mean is core's concern.
 */
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { ActionCommand, ActionTrigger } from '@latchkey/core'

export interface DeployedActionCode {
  readonly id: string
  readonly name: string
  /** Changes whenever the code does: the workers compile each version once. */
  readonly version: string
  readonly code: string
}

export interface ActionJob {
  readonly trigger: ActionTrigger
  /** The export to call: `onExecutePostLogin`, … */
  readonly handler: string
  readonly action: DeployedActionCode
  /** Auth0's `event`, as plain data. */
  readonly event: unknown
  /** The action's cache as the job starts (`api.cache.get`); changes come back as commands. */
  readonly cache: Readonly<Record<string, { readonly value: string; readonly expiresAt: number }>>
  readonly now: number
  readonly timeoutMs: number
}

export type ActionFailure = 'threw' | 'timeout' | 'out-of-memory' | 'crashed'

export type ActionRun =
  | { readonly ok: true; readonly commands: readonly ActionCommand[]; readonly logs: readonly string[]; readonly ms: number }
  | {
      readonly ok: false
      readonly failure: ActionFailure
      readonly error: { readonly name: string; readonly message: string }
      /** What the action did before it failed (ignored by the caller, shown in its log). */
      readonly commands: readonly ActionCommand[]
      readonly logs: readonly string[]
      readonly ms: number
    }

export interface ActionPoolOptions {
  /** Most workers at once (default: 2, at most the machine's parallelism). */
  readonly size?: number
  /** Heap ceiling of each worker, in MB (default 128). */
  readonly memoryMb?: number
  /** Where actions' `require` looks for packages: the deployment's root (default: the working directory). */
  readonly modulesFrom?: string
}

interface Pending {
  readonly job: ActionJob
  readonly resolve: (run: ActionRun) => void
}

interface Reply {
  readonly id: number
  readonly ok: boolean
  readonly commands: ActionCommand[]
  readonly logs: string[]
  readonly error?: { name: string; message: string }
}

const WORKER_URL = new URL('./action-worker.mjs', import.meta.url)
/** How long a worker may take to boot and take a job before the job fails as a crash. */
const BOOT_LIMIT_MS = 10_000

class PoolWorker {
  readonly worker: Worker
  current: { readonly id: number; readonly pending: Pending; started: number; timer: NodeJS.Timeout; taken: boolean } | null = null
  /** The worker has booted; until then a job waits for it (BOOT_LIMIT_MS at most). */
  #ready = false
  dead = false

  constructor(
    options: Required<ActionPoolOptions>,
    private readonly onIdle: (w: PoolWorker) => void,
    private readonly onDead: (w: PoolWorker) => void,
  ) {
    this.worker = new Worker(WORKER_URL, {
      // Plain JavaScript: no TypeScript loader or other flags of the server's own process.
      execArgv: [],
      workerData: { modulesFrom: join(options.modulesFrom, 'package.json') },
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb, maxYoungGenerationSizeMb: Math.max(4, Math.floor(options.memoryMb / 8)), stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    })
    this.worker.unref()
    // An action's own process.stdout writes are not its log (console is): read and dropped.
    this.worker.stdout.resume()
    this.worker.stderr.resume()
    this.worker.on('message', (reply: Reply | { readonly ready: true }) => this.#reply(reply))
    this.worker.on('error', (error: Error & { code?: string }) => this.#die(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'out-of-memory' : 'crashed', error))
    this.worker.on('exit', () => this.#die('crashed', new Error('the action worker exited')))
  }

  start(id: number, pending: Pending): void {
    // The time limit counts from when the job is sent; a new worker first has to boot (a worker that
    // never does is given up on after BOOT_LIMIT_MS).
    this.current = { id, pending, started: performance.now(), timer: setTimeout(() => this.#timeout(), BOOT_LIMIT_MS), taken: false }
    if (this.#ready) this.#send()
  }

  #send(): void {
    const current = this.current
    if (!current || current.taken) return
    clearTimeout(current.timer)
    current.taken = true
    current.started = performance.now()
    current.timer = setTimeout(() => this.#timeout(), current.pending.job.timeoutMs)
    const { job } = current.pending
    this.worker.postMessage({ id: current.id, trigger: job.trigger, handler: job.handler, action: job.action, event: job.event, cache: job.cache, now: job.now })
  }

  #finish(run: (ms: number) => ActionRun): void {
    const current = this.current
    if (!current) return
    clearTimeout(current.timer)
    this.current = null
    current.pending.resolve(run(performance.now() - current.started))
  }

  #reply(reply: Reply | { readonly ready: true }): void {
    if ('ready' in reply) {
      this.#ready = true
      this.#send()
      return
    }
    if (!this.current || reply.id !== this.current.id) return
    this.#finish((ms) =>
      reply.ok
        ? { ok: true, commands: reply.commands, logs: reply.logs, ms }
        : { ok: false, failure: 'threw', error: reply.error ?? { name: 'Error', message: 'the action failed' }, commands: reply.commands, logs: reply.logs, ms },
    )
    if (!this.dead) this.onIdle(this)
  }

  #timeout(): void {
    const current = this.current
    const limit = current?.pending.job.timeoutMs ?? 0
    const message = current?.taken === false ? `the action worker did not start within ${BOOT_LIMIT_MS} ms` : `the action did not finish within ${limit} ms`
    this.#finish((ms) => ({ ok: false, failure: current?.taken === false ? 'crashed' : 'timeout', error: { name: 'TimeoutError', message }, commands: [], logs: [], ms }))
    this.dead = true
    this.onDead(this)
    void this.worker.terminate()
  }

  #die(failure: ActionFailure, error: Error): void {
    const message = failure === 'out-of-memory' ? 'the action ran out of memory' : error.message
    this.#finish((ms) => ({ ok: false, failure, error: { name: failure === 'out-of-memory' ? 'RangeError' : 'Error', message }, commands: [], logs: [], ms }))
    if (!this.dead) {
      this.dead = true
      this.onDead(this)
    }
  }
}

export class ActionPool {
  readonly #options: Required<ActionPoolOptions>
  readonly #idle: PoolWorker[] = []
  readonly #all = new Set<PoolWorker>()
  readonly #queue: Pending[] = []
  #nextId = 1
  #closed = false

  constructor(options: ActionPoolOptions = {}) {
    this.#options = {
      size: Math.max(1, Math.min(options.size ?? 2, availableParallelism())),
      memoryMb: options.memoryMb ?? 128,
      modulesFrom: options.modulesFrom ?? process.cwd(),
    }
  }

  /** Runs one action; never rejects: a failure is a run with `ok: false`. */
  run(job: ActionJob): Promise<ActionRun> {
    if (this.#closed) return Promise.resolve({ ok: false, failure: 'crashed', error: { name: 'Error', message: 'the action runtime is shut down' }, commands: [], logs: [], ms: 0 })
    return new Promise((resolve) => {
      this.#queue.push({ job, resolve })
      this.#dispatch()
    })
  }

  /** Workers alive now (for tests and metrics). */
  get workers(): number {
    return this.#all.size
  }

  async close(): Promise<void> {
    this.#closed = true
    const workers = [...this.#all]
    this.#all.clear()
    this.#idle.length = 0
    for (const w of workers) w.dead = true
    await Promise.all(workers.map((w) => w.worker.terminate()))
    for (const pending of this.#queue.splice(0)) pending.resolve({ ok: false, failure: 'crashed', error: { name: 'Error', message: 'the action runtime is shut down' }, commands: [], logs: [], ms: 0 })
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let worker = this.#idle.pop()
      if (!worker && this.#all.size < this.#options.size) worker = this.#spawn()
      if (!worker) return
      worker.start(this.#nextId++, this.#queue.shift() as Pending)
    }
  }

  #spawn(): PoolWorker {
    const worker = new PoolWorker(
      this.#options,
      (w) => {
        if (this.#closed || !this.#all.has(w)) return
        this.#idle.push(w)
        this.#dispatch()
      },
      (w) => {
        this.#all.delete(w)
        const at = this.#idle.indexOf(w)
        if (at >= 0) this.#idle.splice(at, 1)
        if (!this.#closed) this.#dispatch()
      },
    )
    this.#all.add(worker)
    return worker
  }
}
