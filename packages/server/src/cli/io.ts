/**
 * Where a `latchkey` command's input and output go: the process (stdout, stderr, stdin, the
 * environment, the exit code) by default, or an `io` given to `main`, so the tests can run a command
 * inside their own process. Commands never touch `process.std*`, `process.env` or the exit code
 * themselves: they go through the helpers in run.ts, which ask `cliIo()` for the command being run.
 */
import { AsyncLocalStorage } from 'node:async_hooks'

export interface CliIo {
  readonly stdout: { write(text: string): unknown }
  readonly stderr: { write(text: string): unknown }
  /** Read by `--…-stdin` options and confirmation prompts; `isTTY` says whether a person is typing. */
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean }
  readonly env: NodeJS.ProcessEnv
  /** The code the command ends with, when it ends normally. */
  exitCode: number | undefined
  /** Ends the command now (help, usage errors): the process exits; other callers stop parsing. */
  exit(code: number): void
}

/** The process itself: what `bin/latchkey.js` runs with. */
export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  get env() {
    return process.env
  },
  get exitCode() {
    return process.exitCode === undefined ? undefined : Number(process.exitCode)
  },
  set exitCode(code) {
    process.exitCode = code
  },
  exit: (code) => process.exit(code),
}

const current = new AsyncLocalStorage<CliIo>()

/** The IO of the command being run (the process outside `withIo`). */
export function cliIo(): CliIo {
  return current.getStore() ?? processIo
}

/** Runs fn with io as the command's IO, for everything fn awaits. */
export function withIo<T>(io: CliIo, fn: () => T): T {
  return current.run(io, fn)
}

/** Thrown where commander would exit (help, a usage error), so parsing stops; `main` passes the code to `io.exit`. */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`latchkey exits with ${code}`)
    this.name = 'CliExit'
  }
}
