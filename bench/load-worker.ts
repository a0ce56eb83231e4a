/**
 * The load generator, run in a child process (`fork`) so that autocannon's own work does not share
 * the servers' event loop. It receives one job over IPC, runs autocannon, and answers with a summary.
 *
 * POST jobs read their bodies from a file (one form-encoded body a line): each request takes the
 * next unused body, because codes and refresh tokens work once. If the bodies run out the run stops
 * early and says so (the runner then mints more and runs again).
 */
import autocannon from 'autocannon'
import { readFileSync } from 'node:fs'

export interface LoadJob {
  readonly url: string
  readonly method: 'GET' | 'POST'
  readonly connections: number
  readonly seconds: number
  /** POST only: a file with one body per line. */
  readonly bodiesFile?: string
}

export interface LoadSummary {
  readonly requests: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly timeouts: number
  /** Seconds the run actually lasted. */
  readonly duration: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly bodiesUsed: number
  readonly exhausted: boolean
  /** CPU seconds the load generator itself used (user + system). */
  readonly loadCpuSeconds: number
}

async function run(job: LoadJob): Promise<LoadSummary> {
  const bodies = job.bodiesFile ? readFileSync(job.bodiesFile, 'utf8').split('\n').filter(Boolean) : []
  let next = 0
  let exhausted = false
  let instance: autocannon.Instance | undefined
  const options: autocannon.Options = {
    url: job.url,
    connections: job.connections,
    duration: job.seconds,
    pipelining: 1,
    timeout: 10,
    method: job.method,
  }
  if (job.method === 'POST') {
    options.headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
    options.requests = [
      {
        setupRequest(request) {
          const body = bodies[next++]
          if (body === undefined) {
            if (!exhausted) {
              exhausted = true
              setImmediate(() => instance?.stop())
            }
            return { ...request, body: 'grant_type=exhausted' }
          }
          return { ...request, body }
        },
      },
    ]
  }
  const cpu = process.cpuUsage()
  const result: autocannon.Result = await new Promise((resolve, reject) => {
    instance = autocannon(options, (err, res) => (err ? reject(err) : resolve(res)))
  })
  const ok = result['2xx']
  return {
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration: result.duration,
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    bodiesUsed: next,
    exhausted,
    loadCpuSeconds: ((used) => (used.user + used.system) / 1e6)(process.cpuUsage(cpu)),
  }
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (summary) => process.send?.({ ok: true, summary }, () => process.exit(0)),
    (err: unknown) => process.send?.({ ok: false, error: String(err) }, () => process.exit(1)),
  )
})
