/**
 * `npm run bench`: Latchkey against oidc-provider and the floor (bench/floor.ts), in one run on one
 * machine, with the cost read from each server process (CPU time per operation), not from wall time
 * alone. Each server runs in a process of its own, and each has its own load generator process.
 * Prints markdown tables with the issue's targets checked, and writes the figures as JSON to
 * bench/results/<date>-<commit>.json (and the tables to bench/results/latest.md). See bench/README.md.
 *
 *   npm run bench                          # everything, about 8 minutes
 *   npm run bench -- --quick               # a smoke run of a few seconds (CI runs it)
 *   npm run bench -- --only flow-c16,refresh-c16 --targets latchkey-sqlite,floor --no-curve
 *   npm run bench -- --profile /tmp/prof   # a V8 CPU profile of each server during each timed run
 *   npm run bench -- --only nodes          # one to three nodes on one PostgreSQL database
 *   npm run bench -- --only startup        # start-up and idle RSS of latchkey serve, compiled and through tsx
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { Alg } from './common.js'
import type { LoadJob, LoadResult } from './load-worker.js'
import { postgresCpu, postgresCpuBetween, redisCpu, type ServerHandle, startLoadWorker, startServerProcess, type WorkerHandle } from './processes.js'
import { BASELINE, checkTargets, type CurvePoint, FLOOR, LATCHKEY, LATCHKEY_ACTIONS, LATCHKEY_NON_ROTATING, LATCHKEY_PG, LATCHKEY_RBAC, markdown, type Measurement, medians, type NodesPoint, PEER } from './report.js'
import type { ScenarioName } from './scenarios.js'
import { seedSqlite } from './seed.js'
import { measureStartup, startupMarkdown } from './startup.js'
import type { TargetSpec } from './server-process.js'

const here = dirname(fileURLToPath(import.meta.url))
/** The Node flags `latchkey serve` runs with (packages/server/bin/latchkey.js). */
const LATCHKEY_NODE_FLAGS = ['--max-semi-space-size=4', ...(process.env.BENCH_LATCHKEY_NODE_FLAGS ? process.env.BENCH_LATCHKEY_NODE_FLAGS.split(' ') : [])]

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    only: { type: 'string' },
    targets: { type: 'string' },
    'no-curve': { type: 'boolean', default: false },
    'curve-max': { type: 'string' },
    'no-nodes': { type: 'boolean', default: false },
    out: { type: 'string' },
    profile: { type: 'string' },
    postgres: { type: 'string' },
    'latchkey-rate-limits': { type: 'string' },
    'latchkey-log-level': { type: 'string' },
    rounds: { type: 'string' },
    baseline: { type: 'string' },
    redis: { type: 'string' },
    'startup-rounds': { type: 'string' },
  },
})

const QUICK = args.quick ?? false
const SECONDS = Number(args.seconds ?? (QUICK ? 0.4 : 6))
const WARMUP = Number(args.warmup ?? (QUICK ? 0 : 2))
const ROUNDS = Math.max(1, Math.round(Number(args.rounds ?? 1)))
const PROFILE_DIR = args.profile
const PG_ADMIN = args.postgres ?? process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
/** Latchkey on PostgreSQL counts its rate limits in this Redis, and Redis's CPU counts as the database's. */
const REDIS = args.redis

/** Another checkout of Latchkey (a git worktree with its node_modules): its SQLite target runs beside this one. */
const BASELINE_DIR = args.baseline ? resolve(args.baseline) : undefined

type TargetKey = 'floor' | 'oidc-provider' | 'latchkey-sqlite' | 'latchkey-postgres' | 'latchkey-baseline' | 'latchkey-rbac' | 'latchkey-actions' | 'latchkey-non-rotating'
const ALL_TARGETS: readonly TargetKey[] = [
  ...(QUICK ? (['floor', 'oidc-provider', 'latchkey-sqlite'] as const) : (['floor', 'oidc-provider', 'latchkey-sqlite', 'latchkey-postgres'] as const)),
  ...(BASELINE_DIR ? (['latchkey-baseline'] as const) : []),
]
const TARGET_NAMES: Record<TargetKey, string> = {
  floor: FLOOR,
  'oidc-provider': PEER,
  'latchkey-sqlite': LATCHKEY,
  'latchkey-postgres': LATCHKEY_PG,
  'latchkey-baseline': BASELINE,
  'latchkey-rbac': LATCHKEY_RBAC,
  'latchkey-actions': LATCHKEY_ACTIONS,
  'latchkey-non-rotating': LATCHKEY_NON_ROTATING,
}

interface Step {
  readonly key: string
  readonly label: string
  readonly job: LoadJob
  /** The targets it runs on (all when absent). */
  readonly targets?: readonly TargetKey[]
}

const c = (full: number, quick: number) => (QUICK ? quick : full)
function step(key: string, label: string, scenario: ScenarioName, concurrency: number, extra: { alg?: Alg; targets?: TargetKey[]; background?: LoadJob['background'] } = {}): Step {
  return { key, label, job: { scenario, alg: extra.alg ?? 'RS256', concurrency, ...(extra.background ? { background: extra.background } : {}) }, ...(extra.targets ? { targets: extra.targets } : {}) }
}
const SINGLE_NODE: TargetKey[] = ['floor', 'latchkey-sqlite', 'latchkey-baseline', 'latchkey-rbac', 'latchkey-actions', 'latchkey-non-rotating']
const PLAN: readonly Step[] = [
  step('flow-c1', 'complete flow, c1', 'flow', 1),
  step('flow-c16', `complete flow, c${c(16, 2)}`, 'flow', c(16, 2)),
  step('flow-c64', `complete flow, c${c(64, 4)}`, 'flow', c(64, 4)),
  step('refresh-c16', `refresh grant, c${c(16, 4)}`, 'refresh', c(16, 4)),
  step('userinfo-c16', `/userinfo, c${c(16, 4)}`, 'userinfo', c(16, 4)),
  step('login-c4', `password login, c${c(4, 2)}`, 'login', c(4, 2)),
  step('flow-es256-c16', `complete flow ES256, c${c(16, 4)}`, 'flow', c(16, 4), { alg: 'ES256', targets: SINGLE_NODE }),
  step('flow-eddsa-c16', `complete flow EdDSA, c${c(16, 4)}`, 'flow', c(16, 4), { alg: 'EdDSA', targets: SINGLE_NODE }),
  step('flow-c16-logins', `complete flow, c${c(16, 4)}, with ${c(8, 2)} password logins in flight`, 'flow', c(16, 4), {
    targets: SINGLE_NODE,
    background: { scenario: 'login', concurrency: c(8, 2) },
  }),
]
const CURVE = QUICK ? [500, 2_000] : [10_000, 100_000, 1_000_000].filter((n) => n <= Number(args['curve-max'] ?? Number.POSITIVE_INFINITY))
const NODES = QUICK ? [1, 2] : [1, 2, 3]

interface Running {
  readonly key: TargetKey
  readonly name: string
  readonly server: ServerHandle
  readonly worker: WorkerHandle
  /** PostgreSQL: the database whose backends' CPU counts too. */
  readonly database?: string
}

const mb = (bytes: number | undefined) => (bytes === undefined || Number.isNaN(bytes) ? null : bytes / 1024 / 1024)
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function measure(t: Running, s: Step, seconds = SECONDS): Promise<Measurement> {
  await t.worker.prepare(s.job)
  if (WARMUP > 0) await t.worker.run(WARMUP)
  await pause(200)
  const before = await t.server.usage()
  const db0 = t.database ? await postgresCpu(PG_ADMIN, t.database) : null
  const redis0 = t.database && REDIS ? await redisCpu(REDIS) : 0
  let result: LoadResult | undefined
  const run = async () => {
    result = await t.worker.run(seconds)
  }
  if (PROFILE_DIR) {
    mkdirSync(PROFILE_DIR, { recursive: true })
    await t.server.profile(run, join(PROFILE_DIR, `${s.key}-${t.key}.cpuprofile`))
  } else await run()
  if (!result) throw new Error('no result')
  const after = await t.server.usage()
  const db1 = t.database ? await postgresCpu(PG_ADMIN, t.database) : null
  const redis1 = t.database && REDIS ? await redisCpu(REDIS) : 0
  const ops = Math.max(result.main.operations, 1)
  const serverCpuMs = (after.user + after.system - before.user - before.system) / 1000 / ops
  const databaseCpuMs = db0 && db1 ? (postgresCpuBetween(db0, db1) + (redis1 - redis0)) / 1000 / ops : null
  const cpuMs = serverCpuMs + (databaseCpuMs ?? 0)
  const memory = t.server.memory()
  const m: Measurement = {
    step: s.key,
    label: s.label,
    target: t.name,
    concurrency: s.job.concurrency,
    ...result.main,
    serverCpuMs,
    databaseCpuMs,
    cpuMs,
    perCpuSecond: 1000 / cpuMs,
    loadCpuSeconds: result.loadCpuSeconds,
    ...(result.background ? { background: result.background } : {}),
    rssMb: mb(memory?.rss),
    peakRssMb: mb(memory?.peak),
  }
  const extra = result.background ? `; ${result.background.scenario} alongside: ${result.background.perSecond.toFixed(1)}/s` : ''
  console.error(
    `${s.key.padEnd(18)} ${t.name.padEnd(22)} ${m.perSecond.toFixed(0).padStart(6)}/s  p50 ${m.p50.toFixed(1)}  p95 ${m.p95.toFixed(1)}  p99 ${m.p99.toFixed(1)} ms  CPU ${m.cpuMs.toFixed(3)} ms/op${databaseCpuMs !== null ? ` (db ${databaseCpuMs.toFixed(3)})` : ''}  ${m.perCpuSecond.toFixed(0)}/CPU-s  RSS ${m.rssMb?.toFixed(0)} MB${extra}`,
  )
  return m
}

async function postgresDatabase(): Promise<string | null> {
  const name = `latchkey_bench_${process.pid}`
  const client = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query(`create database ${name}`)
    return name
  } catch (err) {
    console.error(`PostgreSQL at ${new URL(PG_ADMIN).host} is not usable (${err instanceof Error ? err.message : String(err)}): Latchkey (PostgreSQL) is left out`)
    return null
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN })
  await client.connect()
  try {
    await client.query(`drop database if exists ${name} with (force)`)
  } finally {
    await client.end()
  }
}

function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN)
  url.pathname = `/${name}`
  return url.toString()
}

function latchkeySpec(name: string, db?: string): Extract<TargetSpec, { kind: 'latchkey' }> {
  return {
    kind: 'latchkey',
    name,
    ...(db ? { db } : {}),
    ...(args['latchkey-rate-limits'] === 'off' ? { rateLimits: 'off' as const } : {}),
    ...(args['latchkey-log-level'] ? { logLevel: args['latchkey-log-level'] } : {}),
    // Only the PostgreSQL deployment counts in Redis: SQLite is one node, whose counters stay in memory.
    ...(db && REDIS ? { redis: REDIS } : {}),
  }
}

async function start(key: TargetKey): Promise<Running | null> {
  let database: string | undefined
  let spec: TargetSpec
  if (key === 'latchkey-postgres') {
    const created = await postgresDatabase()
    if (!created) return null
    database = created
    spec = latchkeySpec(LATCHKEY_PG, databaseUrl(created))
  } else if (key === 'latchkey-baseline') {
    if (!BASELINE_DIR) return null
    spec = latchkeySpec(BASELINE)
  } else if (key === 'latchkey-rbac') spec = { ...latchkeySpec(LATCHKEY_RBAC), rbac: true }
  else if (key === 'latchkey-actions') spec = { ...latchkeySpec(LATCHKEY_ACTIONS), emptyAction: true }
  else if (key === 'latchkey-non-rotating') spec = { ...latchkeySpec(LATCHKEY_NON_ROTATING), nonRotating: true }
  else spec = key === 'latchkey-sqlite' ? latchkeySpec(LATCHKEY) : { kind: key }
  const benchDir = key === 'latchkey-baseline' && BASELINE_DIR ? join(BASELINE_DIR, 'bench') : undefined
  const server = await startServerProcess(spec, spec.kind === 'latchkey' ? LATCHKEY_NODE_FLAGS : [], benchDir)
  const worker = await startLoadWorker(server.info)
  return { key, name: TARGET_NAMES[key], server, worker, ...(database ? { database } : {}) }
}

async function stop(t: Running): Promise<void> {
  t.worker.close()
  await t.server.close()
  if (t.database) await dropDatabase(t.database).catch((err: unknown) => console.error(`could not drop ${t.database}: ${String(err)}`))
}

/** A fresh Latchkey on SQLite, filled step by step; refresh and flow measured at each size. */
async function costCurve(): Promise<CurvePoint[]> {
  const t = await start('latchkey-sqlite')
  if (!t?.server.db) return []
  const points: CurvePoint[] = []
  try {
    const path = t.server.db.replace(/^sqlite:/, '')
    const clientId = t.server.info.variants.RS256?.clientId as string
    const refreshStep = PLAN.find((s) => s.key === 'refresh-c16') as Step
    const flowStep = PLAN.find((s) => s.key === 'flow-c16') as Step
    for (const tokens of CURVE) {
      const started = performance.now()
      const stored = seedSqlite(path, clientId, { refreshTokens: tokens, sessions: Math.round(tokens / 10) })
      const seedSeconds = (performance.now() - started) / 1000
      console.error(`store filled to ${stored.refreshTokens.toLocaleString('en-US')} refresh tokens and ${stored.sessions.toLocaleString('en-US')} sessions in ${seedSeconds.toFixed(1)} s`)
      const refresh = await measure(t, { ...refreshStep, key: `curve-${tokens}-refresh` })
      const flow = await measure(t, { ...flowStep, key: `curve-${tokens}-flow` })
      const memory = t.server.memory()
      points.push({ ...stored, seedSeconds, refresh, flow, rssMb: mb(memory?.rss), peakRssMb: mb(memory?.peak) })
    }
  } finally {
    await stop(t)
  }
  return points
}

/** Several `latchkey serve` processes of one deployment seen as one server: CPU time and memory summed. */
function deployment(nodes: readonly ServerHandle[]): ServerHandle {
  const first = nodes[0] as ServerHandle
  const sum = <T>(xs: readonly T[], pick: (x: T) => number) => xs.reduce((total, x) => total + pick(x), 0)
  return {
    info: { ...first.info, origins: nodes.map((n) => n.info.origin) },
    pid: first.pid,
    async usage() {
      const all = await Promise.all(nodes.map((n) => n.usage()))
      return { user: sum(all, (u) => u.user), system: sum(all, (u) => u.system), rss: sum(all, (u) => u.rss) }
    },
    memory() {
      const all = nodes.map((n) => n.memory())
      return all.some((m) => m === null) ? null : { rss: sum(all, (m) => m?.rss ?? 0), peak: sum(all, (m) => m?.peak ?? 0) }
    },
    async profile(run, file) {
      // One profile per node, each file named for its node.
      const wrap = nodes.reduceRight<() => Promise<void>>((inner, n, i) => () => n.profile(inner, file.replace(/\.cpuprofile$/, `-node${i + 1}.cpuprofile`)), run)
      await wrap()
    },
    async close() {
      for (const n of nodes) await n.close()
    },
  }
}

/**
 * From one node to three on one PostgreSQL database: each request of a flow goes to the next node
 * (round robin, as a load balancer would), so a code is redeemed on another node than the one that
 * issued it and each refresh lands on another node than the last. CPU is every node's plus the
 * database backends'. On a two-core machine more nodes cannot add throughput; what this shows is
 * that the cost per operation and the latency do not grow with the number of nodes.
 */
async function nodesCurve(): Promise<NodesPoint[]> {
  const database = await postgresDatabase()
  if (!database) return []
  const db = databaseUrl(database)
  const nodes: ServerHandle[] = []
  const points: NodesPoint[] = []
  try {
    for (const n of NODES) {
      while (nodes.length < n) {
        const first = nodes[0]
        const spec = latchkeySpec(LATCHKEY_PG, db)
        nodes.push(await startServerProcess(first ? { ...spec, join: { issuer: `${first.info.origin}/`, variants: first.info.variants } } : spec, LATCHKEY_NODE_FLAGS))
      }
      const server = deployment(nodes)
      const worker = await startLoadWorker(server.info)
      const t: Running = { key: 'latchkey-postgres', name: `Latchkey (PostgreSQL, ${n} node${n === 1 ? '' : 's'})`, server, worker, database }
      try {
        const refresh = await measure(t, { ...(PLAN.find((s) => s.key === 'refresh-c16') as Step), key: `nodes-${n}-refresh` })
        const flow = await measure(t, { ...(PLAN.find((s) => s.key === 'flow-c16') as Step), key: `nodes-${n}-flow` })
        points.push({ nodes: n, refresh, flow })
      } finally {
        worker.close()
      }
    }
  } finally {
    for (const node of nodes) await node.close()
    await dropDatabase(database).catch((err: unknown) => console.error(`could not drop ${database}: ${String(err)}`))
  }
  return points
}

function gitCommit(): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages', 'bench'], { cwd: here, encoding: 'utf8' }).trim() !== ''
    return { commit, dirty }
  } catch {
    return { commit: 'unknown', dirty: false }
  }
}

const version = (name: string) => (JSON.parse(readFileSync(join(here, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version

async function main(): Promise<void> {
  const wanted = args.targets ? (args.targets.split(',') as TargetKey[]) : ALL_TARGETS
  const unknown = wanted.filter((k) => !(k in TARGET_NAMES))
  if (unknown.length) throw new Error(`--targets: unknown ${unknown.join(', ')} (expected ${Object.keys(TARGET_NAMES).join(', ')})`)
  const only = args.only?.split(',')
  const plan = PLAN.filter((s) => !only || only.includes(s.key))
  const load0 = loadavg()
  const git = gitCommit()
  const startedAt = new Date()

  const running: Running[] = []
  const runs: Measurement[] = []
  let curve: CurvePoint[] = []
  try {
    // Started together (start-up is not measured), so a smoke run stays short.
    const starts = await Promise.allSettled(wanted.map((key) => start(key)))
    for (const result of starts) if (result.status === 'fulfilled' && result.value) running.push(result.value)
    const failed = starts.find((result) => result.status === 'rejected')
    if (failed) throw failed.reason
    console.error(`targets: ${running.map((t) => t.name).join(', ')}; ${SECONDS} s per run after ${WARMUP} s warm-up`)
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, s] of plan.entries()) {
        const targets = running.filter((t) => (!s.targets || s.targets.includes(t.key)) && t.server.info.variants[s.job.alg] !== undefined)
        // The order rotates from one operation (and round) to the next, so no target always runs first or last.
        const order = targets.map((_, j) => targets[(i + round + j) % targets.length] as Running)
        for (const t of order) runs.push(await measure(t, s))
      }
    }
  } finally {
    for (const t of running) await stop(t)
  }
  if (!args['no-curve'] && wanted.includes('latchkey-sqlite') && (!only || only.includes('curve'))) curve = await costCurve()
  const STARTUP_ROUNDS = Math.max(1, Math.round(Number(args['startup-rounds'] ?? 5)))
  // Alone on the machine: the other targets are stopped by now.
  const startup = (!QUICK && !only) || only?.includes('startup') ? await measureStartup(STARTUP_ROUNDS) : null
  const nodes = !args['no-nodes'] && (QUICK || wanted.includes('latchkey-postgres')) && (!only || only.includes('nodes')) ? await nodesCurve() : []

  const load1 = loadavg()
  const cpu = cpus()
  const environment = {
    date: startedAt.toISOString(),
    commit: git.commit,
    uncommittedChanges: git.dirty,
    node: process.version,
    cpus: `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown'}`,
    loadAverageBefore: load0[0],
    loadAverageAfter: load1[0],
    oidcProvider: version('oidc-provider'),
    secondsPerRun: SECONDS,
    warmupSeconds: WARMUP,
    rounds: ROUNDS,
    quick: QUICK,
  }
  const measurements = medians(runs)
  const report = { environment, measurements, curve, nodes, checks: checkTargets(measurements, curve), runs, ...(startup ? { startup } : {}) }
  const lines = [
    `- ${environment.date.slice(0, 10)}, Latchkey at ${git.commit}${git.dirty ? ' (+ uncommitted changes)' : ''}; oidc-provider ${environment.oidcProvider}; Node ${process.version}; ${environment.cpus}`,
    `- ${SECONDS} s per run after ${WARMUP} s warm-up, ${ROUNDS} round(s)${ROUNDS > 1 ? ' (each figure the median of the rounds; the order of the targets rotates)' : ''}; each server and each load generator in a process of its own; load average ${load0[0]?.toFixed(1)} before, ${load1[0]?.toFixed(1)} after (the machine is shared)`,
    `- CPU per operation is the server process's user + system time (all threads) over the timed run, divided by the operations; for PostgreSQL, plus its backends' time${REDIS ? ` and, with its rate limits in Redis (${REDIS}), Redis's` : ''}`,
  ]
  const text = startup ? `${markdown(report, lines)}\n\n${startupMarkdown(startup.medians, STARTUP_ROUNDS)}\n` : markdown(report, lines)
  console.log(`\n${text}`)

  const outDir = args.out ?? (QUICK ? '-' : join(here, 'results'))
  if (outDir !== '-') {
    mkdirSync(outDir, { recursive: true })
    const file = join(outDir, `${environment.date.slice(0, 10)}-${git.commit}${QUICK ? '-quick' : ''}.json`)
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
    if (!QUICK) writeFileSync(join(outDir, 'latest.md'), `# Latest benchmark\n\nWritten by \`npm run bench\` (bench/run.ts).\n\n${text}`)
    console.error(`written to ${file}`)
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
