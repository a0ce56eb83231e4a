/**
 * The runner's handles on its child processes: a target server (bench/server-process.ts) and its
 * load generator (bench/load-worker.ts), each spoken to over IPC, plus the CPU time of the
 * PostgreSQL backends serving a database (Linux /proc), so PostgreSQL's share of the work is counted.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import pg from 'pg'
import { cpuOf, memoryOf, type ServerRequest, type TargetInfo, type Usage } from './common.js'
import type { LoadJob, LoadResult, WorkerReply, WorkerRequest } from './load-worker.js'
import type { ServerMessage, TargetSpec } from './server-process.js'

const here = dirname(fileURLToPath(import.meta.url))

/** `Omit` for each member of a union. */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never

/** Requests over IPC matched to their replies by id. */
class Channel<Reply extends { readonly id: number }> {
  #next = 0
  readonly #waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>()

  constructor(
    readonly child: ChildProcess,
    what: string,
  ) {
    child.on('message', (message: Reply | { type?: string }) => {
      if (!('id' in message)) return
      const waiter = this.#waiting.get(message.id)
      this.#waiting.delete(message.id)
      waiter?.resolve(message)
    })
    child.on('exit', (code) => {
      for (const waiter of this.#waiting.values()) waiter.reject(new Error(`${what} exited (${code})`))
      this.#waiting.clear()
    })
  }

  ask<Request extends { readonly id: number }>(request: WithoutId<Request>): Promise<Reply> {
    const id = ++this.#next
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      this.child.send({ ...request, id })
    })
  }
}

export interface ServerHandle {
  readonly info: TargetInfo
  readonly pid: number
  /** The database URL Latchkey runs on. */
  readonly db?: string
  usage(): Promise<Usage>
  memory(): { rss: number; peak: number } | null
  profile(run: () => Promise<void>, file: string): Promise<void>
  close(): Promise<void>
}

/** Forks a target server and waits until it listens. */
export async function startServerProcess(spec: TargetSpec, execArgv: readonly string[] = [], benchDir = here): Promise<ServerHandle> {
  // `benchDir` is another checkout's bench/ for a baseline: its server process runs that checkout's code.
  const child = fork(join(benchDir, 'server-process.ts'), [JSON.stringify(spec)], {
    execArgv: ['--import', 'tsx', ...execArgv],
    // The server's stdout (Latchkey's request log) goes nowhere, as to a log shipper that keeps up.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  const ready = await new Promise<Extract<ServerMessage, { type: 'ready' }>>((resolve, reject) => {
    const onMessage = (message: ServerMessage) => {
      if (message.type === 'ready') resolve(message)
      else if (message.type === 'failed') reject(new Error(`${spec.kind} did not start: ${message.error}`))
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`${spec.kind} exited (${code}) before it was ready`)))
  })
  const channel = new Channel<Extract<ServerMessage, { type: 'reply' }>>(child, ready.info.name)
  return {
    info: ready.info,
    pid: child.pid as number,
    ...(ready.db ? { db: ready.db } : {}),
    async usage() {
      const reply = await channel.ask<ServerRequest>({ type: 'usage' })
      if (!reply.usage) throw new Error('no usage in reply')
      return reply.usage
    },
    memory: () => memoryOf(child.pid as number),
    async profile(run, file) {
      await channel.ask<ServerRequest>({ type: 'profile-start' })
      try {
        await run()
      } finally {
        await channel.ask<ServerRequest>({ type: 'profile-stop', file })
      }
    },
    async close() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      await channel.ask<ServerRequest>({ type: 'close' }).catch(() => undefined)
      await exited
    },
  }
}

export interface WorkerHandle {
  prepare(job: LoadJob): Promise<void>
  run(seconds: number): Promise<LoadResult>
  close(): void
}

export async function startLoadWorker(info: TargetInfo): Promise<WorkerHandle> {
  const child = fork(join(here, 'load-worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const channel = new Channel<WorkerReply>(child, `load generator for ${info.name}`)
  const ask = async (request: WithoutId<WorkerRequest>): Promise<LoadResult | undefined> => {
    const reply = await channel.ask<WorkerRequest>(request)
    if (!reply.ok) throw new Error(`${info.name}: ${reply.error}`)
    return reply.result
  }
  await ask({ type: 'init', info })
  return {
    prepare: async (job) => void (await ask({ type: 'prepare', job })),
    run: async (seconds) => (await ask({ type: 'run', seconds })) as LoadResult,
    close: () => child.kill(),
  }
}

/** CPU microseconds used so far by each PostgreSQL backend connected to `database`, by pid. */
export async function postgresCpu(adminUrl: string, database: string): Promise<ReadonlyMap<number, number>> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [database])
    return new Map(rows.map((row) => [row.pid, cpuOf(row.pid) ?? 0]))
  } finally {
    await client.end()
  }
}

/** CPU microseconds the Redis server at `url` has used so far (its `INFO cpu`, all its threads). */
export async function redisCpu(url: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    const info = await redis.info('cpu')
    const field = (name: string) => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0)
    return Math.round((field('used_cpu_user') + field('used_cpu_sys')) * 1e6)
  } finally {
    redis.disconnect()
  }
}

/**
 * The backends' CPU between two snapshots: each backend alive at the end counts from its first
 * snapshot (or from its start, if it connected meanwhile). A backend that disconnected during the
 * run (a pool closing an idle connection) is left out, so the figure errs low, never negative.
 */
export function postgresCpuBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let sum = 0
  for (const [pid, cpu] of after) sum += Math.max(0, cpu - (before.get(pid) ?? 0))
  return sum
}
