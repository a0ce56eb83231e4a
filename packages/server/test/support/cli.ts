/**
 * The `latchkey` command as the tests run it. `runLatchkey` runs one command inside the test's own
 * process (main.ts with an io of its own: output collected, stdin closed and not a TTY, the given
 * environment), as `bin/latchkey.js` runs it but without starting node and tsx each time; it opens
 * and closes its store as the process does. `runLatchkeyProcess` runs the real binary, for what
 * only a process shows (exit codes as the shell sees them, `serve`, commands racing as processes):
 * each file that uses the CLI keeps at least one call through it.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { resolve as resolvePath } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import type { CliIo } from '../../src/cli/io.js'
import { main } from '../../src/cli/main.js'

export const LATCHKEY_BIN = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface CliOptions {
  /** The command's whole environment (default: the test process's, without LATCHKEY_DB). */
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** What stdin holds (default: nothing; it is never a terminal). */
  readonly input?: string
}

/** The test process's environment without LATCHKEY_DB, so only `--db` (or what a test sets) names the database. */
export function envWithoutDb(): NodeJS.ProcessEnv {
  const { LATCHKEY_DB: _ignored, ...env } = process.env
  return env
}

/** The in-process commands so far: each starts when the one before it has ended. */
let queue: Promise<unknown> = Promise.resolve()

/**
 * One command, in this process. Commands called together run one after the other: each opens its
 * own store, and two SQLite connections in one thread cannot wait for each other's write lock (the
 * busy timeout blocks the thread that holds the other). Two run as a process instead: `serve` (it
 * keeps running, and exits the process when it cannot start), and any command given another `cwd`
 * (a command resolves relative paths against the process's working directory, which one call
 * cannot change for itself).
 */
export function runLatchkey(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  if (args[0] === 'serve' || (options.cwd !== undefined && resolvePath(options.cwd) !== process.cwd())) return runLatchkeyProcess(args, options)
  const result = queue.then(() => runInProcess(args, options))
  queue = result.catch(() => undefined)
  return result
}

async function runInProcess(args: readonly string[], options: CliOptions): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const stdin = Object.assign(Readable.from(options.input === undefined ? [] : [Buffer.from(options.input)]), { isTTY: false })
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin,
    env: options.env ?? envWithoutDb(),
    exitCode: undefined,
    exit(code) {
      this.exitCode = code
    },
  }
  try {
    await main([process.execPath, LATCHKEY_BIN, ...args], io)
  } catch (error) {
    // What node prints for an error nothing caught, and its exit code.
    stderr += `${(error as Error)?.stack ?? String(error)}\n`
    io.exitCode = 1
  }
  return { code: io.exitCode ?? 0, stdout, stderr }
}

/** The real binary, as a person or a script runs it: stdin closed or holding `input` (not a TTY), output collected. */
export function runLatchkeyProcess(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LATCHKEY_BIN, ...args], {
      env: options.env ?? envWithoutDb(),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    child.stdin.end(options.input ?? '')
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/**
 * Runs one command in this process and then as the real binary, and expects the same exit code,
 * stdout and stderr: each suite does this for a command that succeeds and one that is refused, so
 * what it proves in this process holds for the binary. Use commands whose output is the same twice.
 */
export async function assertSameAsProcess(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const inProcess = await runLatchkey(args, options)
  const asProcess = await runLatchkeyProcess(args, options)
  assert.deepEqual(inProcess, asProcess, `latchkey ${args.join(' ')}: in this process and as the binary`)
  return asProcess
}
