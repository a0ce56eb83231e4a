/**
 * The `latchkey` command as the tests run it. `runLatchkey` runs one command inside the test's own
 * process, on a thread of its own (cli-worker.mjs: main.ts with an io of its own: output collected,
 * stdin closed or holding `input` and not a TTY, the given environment), as `bin/latchkey.js` runs
 * it but without starting node and tsx each time; it opens and closes its store as the process does.
 * `runLatchkeyProcess` runs the real binary, for what only a process shows (exit codes as the shell
 * sees them, `serve`, commands racing as processes): each suite keeps at least one call through it.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

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
 * One command, in this process, on the commands' thread: a command waiting for SQLite's write lock
 * (the busy timeout blocks its thread) does not block a server the test runs on the same file.
 * Commands called together run one after the other, since two SQLite connections in one thread
 * cannot wait for each other's lock. Two run as a process instead: `serve` (it keeps running, and
 * exits the process when it cannot start), and any command given another `cwd` (a command resolves
 * relative paths against the process's working directory, which one call cannot change for itself).
 */
export function runLatchkey(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  if (args[0] === 'serve' || (options.cwd !== undefined && resolvePath(options.cwd) !== process.cwd())) return runLatchkeyProcess(args, options)
  const result = queue.then(() => runInProcess(args, options))
  queue = result.catch(() => undefined)
  return result
}

interface Pending {
  readonly resolve: (result: CliResult) => void
  readonly reject: (error: unknown) => void
}

let thread: { readonly worker: Worker; readonly pending: Map<number, Pending> } | undefined
let nextId = 0

/** The commands' thread, started on first use; it keeps this process alive only while a command runs. */
function commandThread(): NonNullable<typeof thread> {
  if (thread) return thread
  const worker = new Worker(new URL('./cli-worker.mjs', import.meta.url))
  const pending = new Map<number, Pending>()
  const current = { worker, pending }
  worker.unref()
  worker.on('message', ({ id, result }: { id: number; result: CliResult }) => {
    pending.get(id)?.resolve(result)
    pending.delete(id)
    if (pending.size === 0) worker.unref()
  })
  const fail = (error: unknown) => {
    if (thread === current) thread = undefined
    for (const p of pending.values()) p.reject(error)
    pending.clear()
  }
  worker.on('error', fail)
  worker.on('exit', (code) => fail(new Error(`the latchkey command thread exited (${code})`)))
  thread = current
  return current
}

function runInProcess(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const { worker, pending } = commandThread()
  const id = nextId++
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject })
    worker.ref()
    worker.postMessage({ id, argv: [process.execPath, LATCHKEY_BIN, ...args], env: options.env ?? envWithoutDb(), input: options.input })
  })
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
