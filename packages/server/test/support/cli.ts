/** The `latchkey` command run as a process, as a person or a script runs it: stdin closed (not a TTY), output collected. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const LATCHKEY_BIN = fileURLToPath(new URL('../../bin/latchkey.js', import.meta.url))

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** The test process's environment without LATCHKEY_DB, so only `--db` (or what a test sets) names the database. */
export function envWithoutDb(): NodeJS.ProcessEnv {
  const { LATCHKEY_DB: _ignored, ...env } = process.env
  return env
}

export function runLatchkey(args: readonly string[], options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LATCHKEY_BIN, ...args], {
      env: options.env ?? envWithoutDb(),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
