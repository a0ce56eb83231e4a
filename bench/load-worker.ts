/**
 * The load generator, one process per target (`fork`ed by the runner), so that its work never runs on
 * a server's event loop or counts as a server's CPU time. Over IPC it is told to `prepare` a job
 * (log in the virtual users' browsers, take their first refresh or access tokens: untimed) and then
 * to `run` it for some seconds, any number of times (warm-up, timed run). It answers with the count,
 * the rate and the latency percentiles of the operations, and its own CPU time.
 *
 * A virtual user runs one operation after another, never more than one at a time: `concurrency` is
 * the number of operations in flight. SSO sessions are made once per target and reused by every job.
 */
import { type Alg, type TargetInfo, USERINFO_SCOPE } from './common.js'
import { type CookieJar, HttpClient } from './http-client.js'
import { Driver, type ScenarioName } from './scenarios.js'

export interface LoadJob {
  readonly scenario: ScenarioName
  readonly alg: Alg
  readonly concurrency: number
  /** Runs alongside (e.g. a burst of password logins during flows); measured separately. */
  readonly background?: { readonly scenario: ScenarioName; readonly concurrency: number }
}

export interface LoadStats {
  readonly scenario: ScenarioName
  readonly operations: number
  /** Seconds from the start to the end of the last operation. */
  readonly seconds: number
  readonly perSecond: number
  /** Milliseconds. */
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

export interface LoadResult {
  readonly main: LoadStats
  readonly background?: LoadStats
  /** CPU seconds the load generator used during the run. */
  readonly loadCpuSeconds: number
}

export type WorkerRequest =
  | { readonly id: number; readonly type: 'init'; readonly info: TargetInfo }
  | { readonly id: number; readonly type: 'prepare'; readonly job: LoadJob }
  | { readonly id: number; readonly type: 'run'; readonly seconds: number }
export type WorkerReply = { readonly id: number; readonly ok: true; readonly result?: LoadResult } | { readonly id: number; readonly ok: false; readonly error: string }

type Op = () => Promise<void>

let driver: Driver | undefined
const sessions: CookieJar[] = []
let prepared: { job: LoadJob; main: Op[]; background: Op[] } | undefined

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T)
  }))
}

async function ensureSessions(d: Driver, n: number): Promise<CookieJar[]> {
  const missing = Math.max(0, n - sessions.length)
  await pool(Array.from({ length: missing }), 4, async () => {
    sessions.push((await d.login('RS256')).jar)
  })
  return sessions.slice(0, n)
}

/** One operation per virtual user, with whatever state it carries from one run to the next. */
async function operations(d: Driver, scenario: ScenarioName, alg: Alg, n: number): Promise<Op[]> {
  if (scenario === 'login') return Array.from({ length: n }, () => async () => void (await d.login(alg)))
  const jars = await ensureSessions(d, n)
  if (scenario === 'flow')
    return jars.map((jar) => async () => {
      const { code, verifier } = await d.authorize(jar, alg)
      await d.exchange(alg, code, verifier)
    })
  if (scenario === 'refresh') {
    const ops: Op[] = []
    await pool(jars, 4, async (jar) => {
      const { code, verifier } = await d.authorize(jar, alg)
      let token = (await d.exchange(alg, code, verifier)).refresh_token as string
      ops.push(async () => {
        // A non-rotating app's answer carries no refresh token: the same one is used again.
        token = ((await d.refresh(alg, token)).refresh_token as string | undefined) ?? token
      })
    })
    return ops
  }
  const ops: Op[] = []
  await pool(jars, 4, async (jar) => {
    const { code, verifier } = await d.authorize(jar, alg, USERINFO_SCOPE, false)
    const token = (await d.exchange(alg, code, verifier, false)).access_token
    ops.push(() => d.userinfo(token))
  })
  return ops
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number
}

async function loop(scenario: ScenarioName, ops: Op[], until: number): Promise<LoadStats> {
  const latencies: number[] = []
  const started = performance.now()
  await Promise.all(
    ops.map(async (op) => {
      while (performance.now() < until) {
        const t = performance.now()
        await op()
        latencies.push(performance.now() - t)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const sorted = Float64Array.from(latencies).sort()
  return {
    scenario,
    operations: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: percentile(sorted, 100),
  }
}

async function handle(request: WorkerRequest): Promise<LoadResult | undefined> {
  if (request.type === 'init') {
    const sockets = 64 + 16
    driver = new Driver(request.info, new HttpClient(request.info.origins ?? request.info.origin, sockets))
    return undefined
  }
  const d = driver
  if (!d) throw new Error('not initialised')
  if (request.type === 'prepare') {
    const { job } = request
    prepared = {
      job,
      main: await operations(d, job.scenario, job.alg, job.concurrency),
      background: job.background ? await operations(d, job.background.scenario, job.alg, job.background.concurrency) : [],
    }
    return undefined
  }
  if (!prepared) throw new Error('nothing prepared')
  const cpu = process.cpuUsage()
  const until = performance.now() + request.seconds * 1000
  const [main, background] = await Promise.all([
    loop(prepared.job.scenario, prepared.main, until),
    prepared.job.background ? loop(prepared.job.background.scenario, prepared.background, until) : Promise.resolve(undefined),
  ])
  const used = process.cpuUsage(cpu)
  return { main, ...(background ? { background } : {}), loadCpuSeconds: (used.user + used.system) / 1e6 }
}

process.on('message', (request: WorkerRequest) => {
  handle(request).then(
    (result) => process.send?.({ id: request.id, ok: true, ...(result ? { result } : {}) } satisfies WorkerReply),
    (err: unknown) => process.send?.({ id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  )
})
process.on('disconnect', () => process.exit(0))
