/**
 * Token-endpoint benchmark: Latchkey against oidc-provider, measured in the same run, reported as
 * ratios. Both servers run in this process, one at a time under load; the load generator
 * (autocannon) runs in a child process. See bench/README.md.
 *
 *   npm run bench                                 # 10 s per scenario and server, 10 connections
 *   BENCH_SECONDS=5 BENCH_ROUNDS=3 npm run bench  # three rounds, order alternating; medians reported
 *
 * Environment: BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (10), BENCH_ROUNDS (1),
 * BENCH_SCENARIOS (comma list of refresh_token,authorization_code,jwks,discovery), BENCH_TARGETS
 * (latchkey,oidc-provider), BENCH_LATCHKEY_DB (a database URL instead of the temporary SQLite file),
 * BENCH_OUT (bench/results/latest.md; `-` for none), BENCH_CPU_PROFILE (a directory: writes a V8 CPU
 * profile of this process, the servers, for each timed run only: no minting, no warm-up).
 */
import { execFileSync, fork } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Session } from 'node:inspector/promises'
import { fileURLToPath } from 'node:url'
import { API_IDENTIFIER, type Target } from './common.js'
import { startLatchkey } from './latchkey-target.js'
import type { LoadJob, LoadSummary } from './load-worker.js'
import { startPeer } from './peer-target.js'

const here = dirname(fileURLToPath(import.meta.url))
const env = process.env
function num(name: string, fallback: number): number {
  const value = env[name]
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`)
  return n
}
function list(name: string, all: readonly string[]): string[] {
  const value = env[name]
  if (!value) return [...all]
  const picked = value.split(',').map((s) => s.trim()).filter(Boolean)
  const unknown = picked.filter((s) => !all.includes(s))
  if (unknown.length) throw new Error(`${name}: unknown ${unknown.join(', ')} (expected ${all.join(', ')})`)
  return picked
}

const SECONDS = num('BENCH_SECONDS', 10)
const WARMUP = num('BENCH_WARMUP_SECONDS', Math.min(3, SECONDS))
const CONNECTIONS = Math.round(num('BENCH_CONNECTIONS', 10))
const ROUNDS = Math.round(num('BENCH_ROUNDS', 1))
const SCENARIOS = list('BENCH_SCENARIOS', ['refresh_token', 'authorization_code', 'jwks', 'discovery'])
const TARGETS = list('BENCH_TARGETS', ['latchkey', 'oidc-provider'])
const OUT = env.BENCH_OUT ?? join(here, 'results', 'latest.md')
const PROFILE_DIR = env.BENCH_CPU_PROFILE || undefined

type Scenario = {
  readonly name: string
  readonly label: string
  /** POST scenarios mint one body per request. */
  readonly mint?: (t: Target, n: number) => Promise<string[]>
  readonly path: (t: Target) => string
  readonly check: (body: Record<string, unknown>) => string | null
}

// ---------------------------------------------------------------------------------------------
// Response checks: a benchmark of errors is worthless, so a sample of each is checked first.

function jwtParts(value: unknown): { header: Record<string, unknown>; payload: Record<string, unknown> } | null {
  if (typeof value !== 'string') return null
  const parts = value.split('.')
  if (parts.length !== 3) return null
  try {
    const decode = (s: string) => JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>
    return { header: decode(parts[0] as string), payload: decode(parts[1] as string) }
  } catch {
    return null
  }
}

function checkTokenResponse(body: Record<string, unknown>): string | null {
  const at = jwtParts(body.access_token)
  if (!at) return 'access_token is not a JWT'
  if (at.header.alg !== 'RS256') return `access_token alg ${String(at.header.alg)}`
  const aud = ([] as unknown[]).concat(at.payload.aud)
  if (!aud.includes(API_IDENTIFIER)) return `access_token aud ${JSON.stringify(at.payload.aud)}`
  const id = jwtParts(body.id_token)
  if (!id) return 'id_token missing or not a JWT'
  if (id.header.alg !== 'RS256') return `id_token alg ${String(id.header.alg)}`
  if (id.payload.email === undefined) return 'id_token has no email claim'
  if (typeof body.refresh_token !== 'string' || body.refresh_token.length < 20) return 'refresh_token missing'
  if (String(body.token_type).toLowerCase() !== 'bearer') return `token_type ${String(body.token_type)}`
  if (typeof body.expires_in !== 'number') return 'expires_in missing'
  if (typeof body.scope !== 'string') return 'scope missing'
  return null
}

const allScenarios: Scenario[] = [
  {
    name: 'refresh_token',
    label: '`refresh_token` grant (rotation)',
    mint: (t, n) => t.mintRefreshBodies(n),
    path: (t) => t.paths.token,
    check: checkTokenResponse,
  },
  {
    name: 'authorization_code',
    label: '`authorization_code` grant + PKCE',
    mint: (t, n) => t.mintCodeBodies(n),
    path: (t) => t.paths.token,
    check: checkTokenResponse,
  },
  {
    name: 'jwks',
    label: '`GET` JWKS',
    path: (t) => t.paths.jwks,
    check: (body) => {
      const keys = body.keys
      if (!Array.isArray(keys) || keys.length === 0) return 'no keys'
      const key = keys[0] as Record<string, unknown>
      if (key.kty !== 'RSA' || typeof key.n !== 'string') return 'first key is not RSA'
      if ('d' in key) return 'private key material published'
      return null
    },
  },
  {
    name: 'discovery',
    label: '`GET` discovery',
    path: (t) => t.paths.discovery,
    check: (body) =>
      typeof body.issuer === 'string' && typeof body.token_endpoint === 'string' && typeof body.jwks_uri === 'string'
        ? null
        : 'issuer, token_endpoint or jwks_uri missing',
  },
]
const scenarios = allScenarios.filter((s) => SCENARIOS.includes(s.name))

async function verify(target: Target, scenario: Scenario): Promise<void> {
  const url = target.origin + scenario.path(target)
  const fail = (why: string) => {
    throw new Error(`${target.name} ${scenario.name}: ${why}`)
  }
  if (scenario.mint) {
    const bodies = await scenario.mint(target, 3)
    for (const body of bodies) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
      const json = (await res.json()) as Record<string, unknown>
      if (res.status !== 200) fail(`status ${res.status} ${JSON.stringify(json)}`)
      const problem = scenario.check(json)
      if (problem) fail(problem)
    }
    // Codes and refresh tokens work once: a replay must fail, or the run would not be consuming them.
    const replay = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: bodies[0] })
    await replay.arrayBuffer()
    if (replay.status === 200) fail('a used code / refresh token was accepted again')
  } else {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url)
      const json = (await res.json()) as Record<string, unknown>
      if (res.status !== 200) fail(`status ${res.status}`)
      const problem = scenario.check(json)
      if (problem) fail(problem)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Load runs

const scratch = mkdtempSync(join(tmpdir(), 'latchkey-bench-load-'))
let fileCount = 0

function load(job: LoadJob): Promise<LoadSummary> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, 'load-worker.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    let answered = false
    child.once('message', (msg: { ok: boolean; summary?: LoadSummary; error?: string }) => {
      answered = true
      if (msg.ok && msg.summary) resolve(msg.summary)
      else reject(new Error(`load generator: ${msg.error}`))
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (!answered) reject(new Error(`load generator exited with ${code}`))
    })
    child.send(job)
  })
}

interface Measured extends LoadSummary {
  /** CPU milliseconds this process (the server under load: the other one is idle) used per request. */
  readonly serverCpuMsPerRequest: number
}

/** Runs a timed load, with the server's CPU time, under the V8 profiler when BENCH_CPU_PROFILE is set. */
async function timed(name: string, fn: () => Promise<LoadSummary>): Promise<Measured> {
  const cpu = process.cpuUsage()
  const summary = await profiled(name, fn)
  const used = process.cpuUsage(cpu)
  return { ...summary, serverCpuMsPerRequest: (used.user + used.system) / 1000 / Math.max(summary.requests, 1) }
}

async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return fn()
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  try {
    return await fn()
  } finally {
    const { profile } = await session.post('Profiler.stop')
    mkdirSync(PROFILE_DIR, { recursive: true })
    const file = join(PROFILE_DIR, `${name}-${Date.now()}.cpuprofile`)
    writeFileSync(file, JSON.stringify(profile))
    session.disconnect()
    console.error(`  cpu profile: ${file}`)
  }
}

async function loadWithBodies(target: Target, scenario: Scenario, seconds: number, n: number, isTimed: true): Promise<Measured>
async function loadWithBodies(target: Target, scenario: Scenario, seconds: number, n: number): Promise<LoadSummary>
async function loadWithBodies(target: Target, scenario: Scenario, seconds: number, n: number, isTimed = false): Promise<LoadSummary> {
  const bodies = await (scenario.mint as NonNullable<Scenario['mint']>)(target, n)
  const file = join(scratch, `bodies-${++fileCount}.txt`)
  writeFileSync(file, bodies.join('\n'))
  const job: LoadJob = { url: target.origin + scenario.path(target), method: 'POST', connections: CONNECTIONS, seconds, bodiesFile: file }
  try {
    return await (isTimed ? timed(`${target.name}-${scenario.name}`, () => load(job)) : load(job))
  } finally {
    rmSync(file, { force: true })
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function measure(target: Target, scenario: Scenario): Promise<Measured> {
  const url = target.origin + scenario.path(target)
  if (!scenario.mint) {
    await load({ url, method: 'GET', connections: CONNECTIONS, seconds: WARMUP })
    await pause(500)
    return timed(`${target.name}-${scenario.name}`, () => load({ url, method: 'GET', connections: CONNECTIONS, seconds: SECONDS }))
  }
  // Warm up on its own tokens; its rate sizes the pool for the timed run (with room to spare).
  const warm = await loadWithBodies(target, scenario, WARMUP, Math.ceil(1500 * WARMUP))
  let rate = Math.max(warm.ok / warm.duration, 50)
  for (let attempt = 1; ; attempt++) {
    const n = Math.ceil(rate * SECONDS * 1.6 * attempt) + 20 * CONNECTIONS
    await pause(500)
    const result = await loadWithBodies(target, scenario, SECONDS, n, true)
    if (!result.exhausted) return result
    if (attempt === 3) throw new Error(`${target.name} ${scenario.name}: ran out of ${n} pre-minted bodies three times`)
    rate = Math.max(rate, result.ok / result.duration)
    console.error(`  (${target.name} used all ${n} pre-minted bodies in ${result.duration.toFixed(1)} s; minting more and running again)`)
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
const fmtRate = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1))
/** autocannon's latencies are whole milliseconds. */
const fmtMs = (x: number) => (x < 1 ? '<1' : x >= 10 || Number.isInteger(x) ? x.toFixed(0) : x.toFixed(1))
const fmtCpu = (x: number) => (x >= 1 ? x.toFixed(2) : x.toFixed(3))

interface Row {
  readonly scenario: Scenario
  readonly runs: Map<string, Measured[]>
}

function cell(runs: Measured[] | undefined): { rate: number; text: string; lat: string; cpu: number } | null {
  if (!runs || runs.length === 0) return null
  const rate = median(runs.map((r) => r.rps))
  return {
    rate,
    text: fmtRate(rate),
    lat: `${fmtMs(median(runs.map((r) => r.p50)))} / ${fmtMs(median(runs.map((r) => r.p99)))}`,
    cpu: median(runs.map((r) => r.serverCpuMsPerRequest)),
  }
}

function table(rows: Row[]): string {
  const lines = [
    '| scenario | Latchkey req/s | oidc-provider req/s | ratio (Latchkey ÷ peer) | Latchkey p50 / p99 ms | peer p50 / p99 ms | server CPU ms/req, Latchkey / peer |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const row of rows) {
    const mine = cell(row.runs.get('Latchkey'))
    const peer = cell(row.runs.get('oidc-provider'))
    const ratio = mine && peer ? `**${(mine.rate / peer.rate).toFixed(2)}×**` : '—'
    const cpu = `${mine ? fmtCpu(mine.cpu) : '—'} / ${peer ? fmtCpu(peer.cpu) : '—'}`
    lines.push(`| ${row.scenario.label} | ${mine?.text ?? '—'} | ${peer?.text ?? '—'} | ${ratio} | ${mine?.lat ?? '—'} | ${peer?.lat ?? '—'} | ${cpu} |`)
  }
  return lines.join('\n')
}

function environment(): string {
  const pkg = (name: string) => (JSON.parse(readFileSync(join(here, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages'], { cwd: here, encoding: 'utf8' }).trim()
    if (dirty) commit += ' (+ uncommitted changes under packages/)'
  } catch {}
  const cpu = cpus()
  return [
    `- ${new Date().toISOString().slice(0, 10)}, Latchkey at ${commit}; oidc-provider ${pkg('oidc-provider')} (peer), autocannon ${pkg('autocannon')}`,
    `- Node ${process.version}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}; servers in one process (one loaded at a time), load generator in a child process`,
    `- ${SECONDS} s per run after ${WARMUP} s warm-up, ${CONNECTIONS} connections, ${ROUNDS} round(s)${ROUNDS > 1 ? ' (medians; order alternates)' : ''}; Latchkey on ${env.BENCH_LATCHKEY_DB ? env.BENCH_LATCHKEY_DB : 'a SQLite file (WAL)'}, oidc-provider on its in-memory adapter`,
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const targets: Target[] = []
  try {
    if (TARGETS.includes('latchkey')) targets.push(await startLatchkey(SECONDS + WARMUP, env.BENCH_LATCHKEY_DB || undefined))
    if (TARGETS.includes('oidc-provider')) targets.push(await startPeer(SECONDS + WARMUP))

    for (const scenario of scenarios) for (const target of targets) await verify(target, scenario)
    console.error(`responses checked: ${scenarios.map((s) => s.name).join(', ')} answer 200 with the expected shape on ${targets.map((t) => t.name).join(' and ')}`)

    const rows: Row[] = scenarios.map((scenario) => ({ scenario, runs: new Map() }))
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse()
      for (const row of rows) {
        for (const target of order) {
          const result = await measure(target, row.scenario)
          const bad = result.non2xx + result.errors + result.timeouts
          console.error(
            `${row.scenario.name.padEnd(18)} ${target.name.padEnd(13)} ${fmtRate(result.rps).padStart(7)} req/s  p50 ${fmtMs(result.p50)} ms  p99 ${fmtMs(result.p99)} ms  (${result.ok} ok in ${result.duration.toFixed(1)} s; server ${fmtCpu(result.serverCpuMsPerRequest)} CPU ms/req, load generator ${result.loadCpuSeconds.toFixed(1)} CPU s)`,
          )
          if (bad > 0)
            throw new Error(`${target.name} ${row.scenario.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts: not a valid measurement`)
          const runs = row.runs.get(target.name) ?? []
          runs.push(result)
          row.runs.set(target.name, runs)
          await pause(500)
        }
      }
    }

    const report = `${table(rows)}\n\n${environment()}\n`
    console.log(`\n${report}`)
    if (OUT !== '-') {
      mkdirSync(dirname(OUT), { recursive: true })
      writeFileSync(OUT, `# Latest benchmark: Latchkey vs oidc-provider\n\nWritten by \`npm run bench\` (bench/token-endpoint.ts). Ratios above 1 mean Latchkey is faster.\n\n${report}`)
      console.error(`written to ${OUT}`)
    }
  } finally {
    for (const target of targets) await target.close()
    rmSync(scratch, { recursive: true, force: true })
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
