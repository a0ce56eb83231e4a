import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const script = fileURLToPath(new URL('./child-store.ts', import.meta.url))

export interface Child {
  readonly process: ChildProcess
  /** Resolves when the child prints `line`. */
  readonly printed: (line: string) => Promise<void>
  /** Resolves with the child's stdout when it exits 0; rejects with its stderr otherwise. */
  readonly done: Promise<string>
}

/** Runs `child-store.ts` in a separate Node process (tsx loader), as the CLI would run next to a server. */
export function spawnChild(args: readonly string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const waiters: { line: string; resolve: () => void }[] = []
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    for (const waiter of waiters) if (stdout.split('\n').includes(waiter.line)) waiter.resolve()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`child exited ${code}: ${stderr}`))))
  })
  const printed = (line: string) =>
    new Promise<void>((resolve, reject) => {
      if (stdout.split('\n').includes(line)) return resolve()
      waiters.push({ line, resolve })
      done.then(() => reject(new Error(`child exited without printing ${line}`)), reject)
    })
  return { process: child, printed, done }
}
