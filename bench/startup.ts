/**
 * Start-up and idle memory of `latchkey serve --demo` as an operator starts it (bin/latchkey.js, the
 * Node flags of its shebang, a fresh SQLite file), in its two modes, alternating in one run:
 * compiled (dist/, plain node: what the command runs) and through tsx (the TypeScript sources under
 * the `@latchkey/source` condition: what development runs, and what the command ran before the build).
 * Start-up is from spawn to the first 200 from /readyz (migrations done), in wall time and in the
 * process's own CPU time; idle RSS is read a second after that, with nothing in flight.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuOf, freePort, memoryOf } from './common.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = join(ROOT, 'packages/server/bin/latchkey.js')
const MODES = ['compiled', 'tsx'] as const
export type StartupMode = (typeof MODES)[number]

export interface StartupRun {
  readonly mode: StartupMode
  /** Spawn to the first 200 from /readyz, ms. */
  readonly readyMs: number
  /** CPU time (all threads) the process used to get there, ms. */
  readonly cpuMs: number
  /** RSS a second after ready, MB. */
  readonly idleRssMb: number
  /** The most RSS it had held by then, MB. */
  readonly peakRssMb: number
}

export interface StartupFigures {
  readonly mode: StartupMode
  readonly readyMs: number
  readonly cpuMs: number
  readonly idleRssMb: number
  readonly peakRssMb: number
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** An operator's environment, plus the development condition for the tsx mode. */
function envFor(mode: StartupMode): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) if (name !== 'NODE_OPTIONS' && !name.startsWith('LATCHKEY_')) env[name] = value
  return { ...env, LOG_LEVEL: 'warn', ...(mode === 'tsx' ? { NODE_OPTIONS: '--conditions=@latchkey/source' } : {}) }
}

async function startOnce(mode: StartupMode): Promise<StartupRun> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-startup-'))
  const port = await freePort()
  const started = performance.now()
  const child = spawn(process.execPath, ['--max-semi-space-size=4', BIN, 'serve', '--demo', '--host', '127.0.0.1', '--port', String(port), '--db', `sqlite:${join(dir, 'latchkey.db')}`], {
    cwd: dir,
    env: envFor(mode),
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  try {
    let readyMs: number | undefined
    while (readyMs === undefined) {
      if (child.exitCode !== null) throw new Error(`latchkey serve (${mode}) exited (${child.exitCode}) before it was ready`)
      if (performance.now() - started > 60_000) throw new Error(`latchkey serve (${mode}) not ready after 60 s`)
      try {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) readyMs = performance.now() - started
      } catch {
        await pause(10)
      }
    }
    const cpuMs = (cpuOf(child.pid as number) ?? Number.NaN) / 1000
    await pause(1000)
    const memory = memoryOf(child.pid as number)
    return { mode, readyMs, cpuMs, idleRssMb: (memory?.rss ?? Number.NaN) / 1024 / 1024, peakRssMb: (memory?.peak ?? Number.NaN) / 1024 / 1024 }
  } finally {
    child.kill('SIGTERM')
    await exited
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Builds the server first (`tsc -b` is incremental), so the compiled figures are of the current
 * sources, then starts each mode `rounds` times, the order alternating from round to round.
 */
export async function measureStartup(rounds: number): Promise<{ runs: StartupRun[]; medians: StartupFigures[] }> {
  execFileSync('npm', ['run', 'build', '--silent', '-w', '@latchkey/server'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  const runs: StartupRun[] = []
  for (let round = 0; round < rounds; round++) {
    for (const mode of round % 2 ? [...MODES].reverse() : MODES) {
      const run = await startOnce(mode)
      console.error(`startup ${mode.padEnd(8)} ready ${run.readyMs.toFixed(0)} ms  CPU ${run.cpuMs.toFixed(0)} ms  idle RSS ${run.idleRssMb.toFixed(1)} MB  peak ${run.peakRssMb.toFixed(1)} MB`)
      runs.push(run)
    }
  }
  const medians = MODES.map((mode) => {
    const of = runs.filter((r) => r.mode === mode)
    return {
      mode,
      readyMs: median(of.map((r) => r.readyMs)),
      cpuMs: median(of.map((r) => r.cpuMs)),
      idleRssMb: median(of.map((r) => r.idleRssMb)),
      peakRssMb: median(of.map((r) => r.peakRssMb)),
    }
  })
  return { runs, medians }
}

/** The markdown table of the medians, with the compiled ÷ tsx ratio. */
export function startupMarkdown(medians: readonly StartupFigures[], rounds: number): string {
  const compiled = medians.find((m) => m.mode === 'compiled')
  const tsx = medians.find((m) => m.mode === 'tsx')
  const row = (label: string, pick: (m: StartupFigures) => number, unit: string) =>
    `| ${label} | ${compiled ? pick(compiled).toFixed(unit === 'MB' ? 1 : 0) : '–'} ${unit} | ${tsx ? pick(tsx).toFixed(unit === 'MB' ? 1 : 0) : '–'} ${unit} | ${compiled && tsx ? (pick(compiled) / pick(tsx)).toFixed(2) : '–'} |`
  return [
    `### Start-up and idle memory of \`latchkey serve --demo\` (medians of ${rounds})`,
    '',
    '| | compiled (dist/, plain node) | sources through tsx | compiled ÷ tsx |',
    '| --- | ---: | ---: | ---: |',
    row('spawn to ready (/readyz 200)', (m) => m.readyMs, 'ms'),
    row('CPU time to ready', (m) => m.cpuMs, 'ms'),
    row('RSS idle, 1 s after ready', (m) => m.idleRssMb, 'MB'),
    row('peak RSS by then', (m) => m.peakRssMb, 'MB'),
  ].join('\n')
}
