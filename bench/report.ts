/**
 * The benchmark's report: what was measured (one record per operation and target), the tables in
 * markdown, and the issue's targets checked against the same run's figures.
 */
import type { LoadStats } from './load-worker.js'

export interface Measurement {
  readonly step: string
  readonly label: string
  readonly target: string
  readonly concurrency: number
  readonly operations: number
  readonly seconds: number
  readonly perSecond: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
  /** CPU milliseconds per operation: the server process, and (PostgreSQL) its database backends. */
  readonly serverCpuMs: number
  readonly databaseCpuMs: number | null
  readonly cpuMs: number
  /** Operations per CPU-second of the server (and its database). */
  readonly perCpuSecond: number
  readonly loadCpuSeconds: number
  readonly background?: LoadStats
  readonly rssMb: number | null
  readonly peakRssMb: number | null
}

export interface CurvePoint {
  readonly refreshTokens: number
  readonly sessions: number
  readonly seedSeconds: number
  readonly refresh: Measurement
  readonly flow: Measurement
  readonly rssMb: number | null
  readonly peakRssMb: number | null
}

/** Several Latchkey nodes on one PostgreSQL database, requests spread round robin. */
export interface NodesPoint {
  readonly nodes: number
  readonly refresh: Measurement
  readonly flow: Measurement
}

export interface Check {
  readonly target: string
  readonly measured: string
  readonly met: boolean | null
}

export interface Report {
  readonly environment: Record<string, unknown>
  /** Medians over the rounds; every run is in `runs`. */
  readonly measurements: readonly Measurement[]
  readonly runs: readonly Measurement[]
  readonly curve: readonly CurvePoint[]
  readonly nodes: readonly NodesPoint[]
  readonly checks: readonly Check[]
}

export const LATCHKEY = 'Latchkey (SQLite)'
export const LATCHKEY_PG = 'Latchkey (PostgreSQL)'
export const PEER = 'oidc-provider'
export const FLOOR = 'floor'
/** Latchkey (SQLite) from another checkout (`--baseline DIR`): before and after in one run. */
export const BASELINE = 'Latchkey (SQLite), baseline'
/** Latchkey (SQLite) whose API has RBAC on and permissions in its tokens, the user holding a role (`--targets latchkey-rbac`). */
export const LATCHKEY_RBAC = 'Latchkey (SQLite), RBAC'
/** Latchkey (SQLite) with one empty post-login action bound (`--targets latchkey-actions`). */
export const LATCHKEY_ACTIONS = 'Latchkey (SQLite), an empty action'
/** Latchkey (SQLite) whose SPAs' refresh tokens are non-rotating (Auth0's rotation_type), `--targets latchkey-non-rotating`. */
export const LATCHKEY_NON_ROTATING = 'Latchkey (SQLite), non-rotating refresh tokens'
const COLUMNS = [FLOOR, PEER, BASELINE, LATCHKEY, LATCHKEY_RBAC, LATCHKEY_ACTIONS, LATCHKEY_NON_ROTATING, LATCHKEY_PG]

const rate = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1))
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2))
const cpu = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(3))
const ratio = (x: number) => `${x.toFixed(2)}×`

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

/** One figure per operation and target: each the median over the rounds (the rounds' runs stay in the JSON). */
export function medians(runs: readonly Measurement[]): Measurement[] {
  const groups = new Map<string, Measurement[]>()
  for (const m of runs) groups.set(`${m.step}\u0000${m.target}`, [...(groups.get(`${m.step}\u0000${m.target}`) ?? []), m])
  return [...groups.values()].map((group) => {
    const first = group[0] as Measurement
    if (group.length === 1) return first
    const of = (pick: (m: Measurement) => number) => median(group.map(pick))
    const cpuMs = of((m) => m.cpuMs)
    return {
      ...first,
      operations: of((m) => m.operations),
      seconds: of((m) => m.seconds),
      perSecond: of((m) => m.perSecond),
      p50: of((m) => m.p50),
      p95: of((m) => m.p95),
      p99: of((m) => m.p99),
      max: of((m) => m.max),
      serverCpuMs: of((m) => m.serverCpuMs),
      databaseCpuMs: first.databaseCpuMs === null ? null : of((m) => m.databaseCpuMs ?? 0),
      cpuMs,
      perCpuSecond: 1000 / cpuMs,
      loadCpuSeconds: of((m) => m.loadCpuSeconds),
      rssMb: of((m) => m.rssMb ?? 0),
      peakRssMb: of((m) => m.peakRssMb ?? 0),
    }
  })
}

export function find(ms: readonly Measurement[], step: string, target: string): Measurement | undefined {
  return ms.find((m) => m.step === step && m.target === target)
}

/** CPU per operation side by side, with Latchkey's ratios to the floor (CPU) and to the peer (operations per CPU-second). */
function costTable(measurements: readonly Measurement[]): string {
  const steps = [...new Map(measurements.map((m) => [m.step, m.label])).entries()]
  const present = COLUMNS.filter((c) => measurements.some((m) => m.target === c))
  const baseline = present.includes(BASELINE)
  const rbac = present.includes(LATCHKEY_RBAC)
  const actions = present.includes(LATCHKEY_ACTIONS)
  const keeps = present.includes(LATCHKEY_NON_ROTATING)
  const lines = [
    `| operation | ${present.map((c) => `${c}: CPU ms/op (ops per CPU-s)`).join(' | ')} | Latchkey ÷ floor, CPU | Latchkey ÷ oidc-provider, ops per CPU-s |${baseline ? ' Latchkey ÷ baseline, CPU |' : ''}${rbac ? ' RBAC ÷ Latchkey, CPU |' : ''}${actions ? ' action ÷ Latchkey, CPU |' : ''}${keeps ? ' non-rotating ÷ Latchkey, CPU |' : ''}`,
    `| --- | ${present.map(() => '---:').join(' | ')} | ---: | ---: |${baseline ? ' ---: |' : ''}${rbac ? ' ---: |' : ''}${actions ? ' ---: |' : ''}${keeps ? ' ---: |' : ''}`,
  ]
  for (const [step, label] of steps) {
    const cells = present.map((c) => {
      const m = find(measurements, step, c)
      if (!m) return '—'
      const db = m.databaseCpuMs !== null ? ` (${cpu(m.serverCpuMs)} + ${cpu(m.databaseCpuMs)} db)` : ''
      return `${cpu(m.cpuMs)}${db} (${rate(m.perCpuSecond)})`
    })
    const mine = find(measurements, step, LATCHKEY)
    const floor = find(measurements, step, FLOOR)
    const peer = find(measurements, step, PEER)
    const before = find(measurements, step, BASELINE)
    const withRbac = find(measurements, step, LATCHKEY_RBAC)
    const withAction = find(measurements, step, LATCHKEY_ACTIONS)
    const nonRotating = find(measurements, step, LATCHKEY_NON_ROTATING)
    const versus =
      (baseline ? ` ${mine && before ? `**${ratio(mine.cpuMs / before.cpuMs)}**` : '—'} |` : '') +
      (rbac ? ` ${mine && withRbac ? `**${ratio(withRbac.cpuMs / mine.cpuMs)}**` : '—'} |` : '') +
      (actions ? ` ${mine && withAction ? `**${ratio(withAction.cpuMs / mine.cpuMs)}**` : '—'} |` : '') +
      (keeps ? ` ${mine && nonRotating ? `**${ratio(nonRotating.cpuMs / mine.cpuMs)}**` : '—'} |` : '')
    lines.push(
      `| ${label} | ${cells.join(' | ')} | ${mine && floor ? `**${ratio(mine.cpuMs / floor.cpuMs)}**` : '—'} | ${mine && peer ? `**${ratio(mine.perCpuSecond / peer.perCpuSecond)}**` : '—'} |${versus}`,
    )
  }
  return lines.join('\n')
}

function latencyTable(measurements: readonly Measurement[]): string {
  const lines = [
    '| operation | target | ops/s | p50 ms | p95 ms | p99 ms | server CPU ms/op | peak RSS MB | load generator CPU s |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const m of measurements) {
    lines.push(
      `| ${m.label} | ${m.target} | ${rate(m.perSecond)} | ${ms(m.p50)} | ${ms(m.p95)} | ${ms(m.p99)} | ${cpu(m.cpuMs)} | ${m.peakRssMb?.toFixed(0) ?? '—'} | ${m.loadCpuSeconds.toFixed(1)} |`,
    )
    if (m.background) {
      const b = m.background
      lines.push(`| ↳ alongside: ${b.scenario} | ${m.target} | ${rate(b.perSecond)} | ${ms(b.p50)} | ${ms(b.p95)} | ${ms(b.p99)} | | | |`)
    }
  }
  return lines.join('\n')
}

function curveTable(curve: readonly CurvePoint[]): string {
  const lines = [
    '| stored refresh tokens | SSO sessions | refresh/s | refresh p99 ms | refresh CPU ms | flows/s | flow p99 ms | flow CPU ms | RSS MB (peak) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const p of curve) {
    lines.push(
      `| ${p.refreshTokens.toLocaleString('en-US')} | ${p.sessions.toLocaleString('en-US')} | ${rate(p.refresh.perSecond)} | ${ms(p.refresh.p99)} | ${cpu(p.refresh.cpuMs)} | ${rate(p.flow.perSecond)} | ${ms(p.flow.p99)} | ${cpu(p.flow.cpuMs)} | ${p.rssMb?.toFixed(0) ?? '—'} (${p.peakRssMb?.toFixed(0) ?? '—'}) |`,
    )
  }
  return lines.join('\n')
}

function nodesTable(points: readonly NodesPoint[]): string {
  const lines = [
    '| nodes | refresh/s | refresh p99 ms | refresh CPU ms (nodes + db) | flows/s | flow p99 ms | flow CPU ms (nodes + db) | RSS MB, all nodes |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  const split = (m: Measurement) => `${cpu(m.cpuMs)} (${cpu(m.serverCpuMs)} + ${cpu(m.databaseCpuMs ?? 0)})`
  for (const p of points) {
    lines.push(
      `| ${p.nodes} | ${rate(p.refresh.perSecond)} | ${ms(p.refresh.p99)} | ${split(p.refresh)} | ${rate(p.flow.perSecond)} | ${ms(p.flow.p99)} | ${split(p.flow)} | ${p.flow.rssMb?.toFixed(0) ?? '—'} |`,
    )
  }
  return lines.join('\n')
}

function checksTable(checks: readonly Check[]): string {
  const lines = ['| target | measured in this run | met |', '| --- | --- | :---: |']
  for (const c of checks) lines.push(`| ${c.target} | ${c.measured} | ${c.met === null ? '—' : c.met ? 'yes' : '**no**'} |`)
  return lines.join('\n')
}

/** The issue's targets, from this run's figures (null when a figure is missing). */
export function checkTargets(measurements: readonly Measurement[], curve: readonly CurvePoint[]): Check[] {
  const checks: Check[] = []
  const at = (step: string, target: string) => find(measurements, step, target)
  const versus = (step: string, what: string, limit: number) => {
    const mine = at(step, LATCHKEY)
    const floor = at(step, FLOOR)
    const value = mine && floor ? mine.cpuMs / floor.cpuMs : null
    checks.push({
      target: `${what}: CPU ≤ ${limit}× the floor's`,
      measured: value === null ? 'not measured' : `${ratio(value)} (${cpu(mine?.cpuMs ?? 0)} vs ${cpu(floor?.cpuMs ?? 0)} ms)`,
      met: value === null ? null : value <= limit,
    })
  }
  versus('flow-c16', 'complete flow (c16)', 1.3)
  versus('refresh-c16', 'refresh grant (c16)', 1.3)
  const ui = at('userinfo-c16', LATCHKEY)
  const uiPeer = at('userinfo-c16', PEER)
  const uiRatio = ui && uiPeer ? ui.perCpuSecond / uiPeer.perCpuSecond : null
  checks.push({
    target: '/userinfo: ≥ 3× oidc-provider per CPU-second',
    measured: uiRatio === null ? 'not measured' : `${ratio(uiRatio)} (${rate(ui?.perCpuSecond ?? 0)} vs ${rate(uiPeer?.perCpuSecond ?? 0)} per CPU-s)`,
    met: uiRatio === null ? null : uiRatio >= 3,
  })
  const flow = at('flow-c16', LATCHKEY)
  checks.push({
    target: 'complete flow p99 at c16 < 25 ms',
    measured: flow ? `${ms(flow.p99)} ms (p50 ${ms(flow.p50)}, p95 ${ms(flow.p95)})` : 'not measured',
    met: flow ? flow.p99 < 25 : null,
  })
  for (const alg of ['ES256', 'EdDSA']) {
    const m = at(`flow-${alg.toLowerCase()}-c16`, LATCHKEY)
    const value = m && flow ? m.perCpuSecond / flow.perCpuSecond : null
    checks.push({
      target: `${alg} flows: ≥ 2× the RS256 flow rate (per CPU-second)`,
      measured: value === null ? 'not measured' : `${ratio(value)} (${rate(m?.perCpuSecond ?? 0)} vs ${rate(flow?.perCpuSecond ?? 0)} per CPU-s)`,
      met: value === null ? null : value >= 2,
    })
  }
  const burst = at('flow-c16-logins', LATCHKEY)
  checks.push({
    target: 'complete flow p99 at c16 < 25 ms during a burst of password logins',
    measured: burst ? `${ms(burst.p99)} ms, with ${rate(burst.background?.perSecond ?? 0)} logins/s alongside` : 'not measured',
    met: burst ? burst.p99 < 25 : null,
  })
  const last = curve.at(-1)
  checks.push({
    target: 'RSS < 200 MB with 1,000,000 refresh tokens and 100,000 SSO sessions stored',
    measured: last ? `${last.rssMb?.toFixed(0)} MB now, ${last.peakRssMb?.toFixed(0)} MB peak, at ${last.refreshTokens.toLocaleString('en-US')} tokens and ${last.sessions.toLocaleString('en-US')} sessions` : 'not measured',
    met: last && last.peakRssMb !== null ? last.refreshTokens >= 1_000_000 && last.sessions >= 100_000 && last.peakRssMb < 200 : null,
  })
  return checks
}

export function markdown(report: Report, environmentLines: readonly string[]): string {
  const parts = [
    '### Targets',
    checksTable(report.checks),
    '### Cost per operation (server CPU time per operation; lower is better)',
    costTable(report.measurements),
    '### Rate and latency',
    latencyTable(report.measurements),
  ]
  if (report.curve.length > 0) parts.push('### Cost curve: Latchkey (SQLite) as the store fills', curveTable(report.curve))
  if (report.nodes.length > 0) parts.push('### Cost curve: Latchkey (PostgreSQL) from one node to several, requests round robin', nodesTable(report.nodes))
  parts.push('### Run', environmentLines.join('\n'))
  return `${parts.join('\n\n')}\n`
}
