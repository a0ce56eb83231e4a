/**
 * What every registration command shares: the --db and --json options, opening and closing the
 * store, printing a result, and turning failures into `latchkey: <message>` and an exit code
 * (1 for a refused request, 2 for a usage error). User errors never print a stack trace.
 * These helpers are the only way a command reads its environment and stdin or writes output
 * (through `cliIo()`, io.ts), so the same command runs as a process or inside a test.
 */
import { createInterface } from 'node:readline/promises'
import { RegistrationError } from '@latchkey/core'
import { ConflictError, openAndMigrate, type Store } from '@latchkey/storage'
import { type Command, type CommanderError, InvalidArgumentError } from 'commander'
import { DEFAULT_DB, normaliseIssuer } from '../config.js'
import { CliExit, cliIo } from './io.js'

export interface CommonOptions {
  db?: string
  json?: boolean
}

/** A request the CLI refuses (not found, nothing to change, cancelled): exit 1, or 2 for usage. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message)
    this.name = 'CliError'
  }
}

export const notFound = (what: string, id: string): CliError => new CliError(`no ${what} ${JSON.stringify(id)}`)

/** --db, else LATCHKEY_DB, else the default SQLite file. */
export function databaseUrl(opts: CommonOptions, env: NodeJS.ProcessEnv = cliEnv()): string {
  return opts.db || env.LATCHKEY_DB || DEFAULT_DB
}

/** Commander's usage errors (unknown option, missing argument, bad value) exit 2; help exits 0. */
function usageExit(err: CommanderError): never {
  throw new CliExit(err.exitCode === 0 ? 0 : 2)
}

/** A command group (`latchkey apps`); its subcommands inherit the usage-error exit code. */
export function group(program: Command, name: string, description: string): Command {
  return program.command(name).description(description).exitOverride(usageExit)
}

/** A subcommand: its own options (from `configure`), then the shared --db and --json. */
export function leaf(parent: Command, nameAndArgs: string, description: string, configure?: (cmd: Command) => void): Command {
  const cmd = parent.command(nameAndArgs).description(description)
  configure?.(cmd)
  return cmd
    .option('--db <url>', `database: sqlite:<file> or postgres://… (env LATCHKEY_DB, default ${DEFAULT_DB})`)
    .option('--json', 'print JSON (Auth0 Management API field names)')
}

/** Comma-separated values; the flag may also be repeated. Empty items are dropped. */
export function list(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')]
}

/** A whole number of seconds. Ranges are checked by the registration rules in @latchkey/core. */
export function seconds(value: string): number {
  if (!/^\d{1,10}$/.test(value.trim())) throw new InvalidArgumentError('expected a whole number of seconds')
  return Number(value.trim())
}

/** Removes undefined properties, so a partial update never overwrites a value with undefined. */
export function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

/** Every page of a store list, oldest first. */
export async function listAll<T>(fetchPage: (page: { page: number; perPage: number }) => Promise<T[]>): Promise<T[]> {
  const all: T[] = []
  for (let page = 0; ; page++) {
    const rows = await fetchPage({ page, perPage: 100 })
    all.push(...rows)
    if (rows.length < 100) return all
  }
}

/** Prints JSON, or the human text. */
export function print(opts: CommonOptions, json: unknown, human: () => string): void {
  const text = opts.json ? JSON.stringify(json, null, 2) : human()
  write(text.endsWith('\n') ? text : `${text}\n`)
}

/** Writes text to stdout as it is (a file's contents, a stream of lines). */
export function write(text: string): void {
  cliIo().stdout.write(text)
}

/** A warning on stderr (`latchkey: warning: …`); the command goes on. */
export function warn(message: string): void {
  cliIo().stderr.write(`latchkey: warning: ${message}\n`)
}

/** The command's environment (the process's, or the one a test gives). */
export function cliEnv(): NodeJS.ProcessEnv {
  return cliIo().env
}

/** Whether a person is typing on stdin (a terminal), rather than a pipe, a file or nothing. */
export function stdinIsTTY(): boolean {
  return cliIo().stdin.isTTY === true
}

/** All of stdin as UTF-8, after `prompt` on stderr when a person is typing. */
export async function readStdin(prompt?: string): Promise<string> {
  const { stdin, stderr } = cliIo()
  if (prompt !== undefined && stdin.isTTY) stderr.write(prompt)
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

/** Sets the code the command exits with (1: it ran, and what it checked failed). */
export function setExitCode(code: number): void {
  cliIo().exitCode = code
}

/** Asks for confirmation on an interactive terminal; anything else (pipes, CI) proceeds. */
export async function confirm(question: string, force: boolean | undefined): Promise<void> {
  const { stdin, stderr } = cliIo()
  if (force || !stdin.isTTY) return
  const rl = createInterface({ input: stdin, output: stderr as NodeJS.WritableStream })
  try {
    const answer = await rl.question(`${question} [y/N] `)
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('cancelled')
  } finally {
    rl.close()
  }
}

/**
 * Opens the store named by --db (migrating it), runs fn, and closes the store. Failures become a
 * message on stderr and exit code 1. `flags` maps registration field paths (`refreshToken.idleLifetimeSeconds`)
 * to the flag that sets them, so messages name what the user typed.
 */
export async function run(
  opts: CommonOptions,
  fn: (store: Store) => Promise<void>,
  flags: Record<string, string> = {},
): Promise<void> {
  let store: Store
  try {
    store = await openAndMigrate(databaseUrl(opts))
  } catch (error) {
    fail(`cannot open the database: ${(error as Error).message}`)
    return
  }
  try {
    await fn(store)
  } catch (error) {
    if (error instanceof RegistrationError) fail(renameField((error as Error).message, flags))
    else if (error instanceof ConflictError || error instanceof CliError) fail(error.message, error instanceof CliError ? error.exitCode : 1)
    else fail(`unexpected error: ${(error as Error)?.stack ?? String(error)}`)
  } finally {
    await store.close()
  }
}

function renameField(message: string, flags: Record<string, string>): string {
  const match = /^([\w.]+): (.*)$/s.exec(message)
  const flag = match?.[1] === undefined ? undefined : flags[match[1]]
  return flag === undefined || match?.[2] === undefined ? message : `${flag}: ${match[2]}`
}

/** `latchkey: <message>` on stderr, and the exit code (1 unless given). */
export function fail(message: string, exitCode = 1): void {
  cliIo().stderr.write(`latchkey: ${message}\n`)
  cliIo().exitCode = exitCode
}

/**
 * The server's issuer for the registration URL rules (http URLs are accepted on any host while it is
 * http): --issuer, else LATCHKEY_ISSUER; without either, the https rule applies. A malformed one is a
 * usage error naming where it came from.
 */
export function issuerRules(o: { issuer?: string }, env: NodeJS.ProcessEnv = cliEnv()): { issuer?: string } {
  const value = o.issuer ?? (env.LATCHKEY_ISSUER || undefined)
  if (value === undefined) return {}
  try {
    return { issuer: normaliseIssuer(value) }
  } catch (error) {
    throw new CliError(`${o.issuer === undefined ? 'LATCHKEY_ISSUER' : '--issuer'}: ${(error as Error).message}`, 2)
  }
}
