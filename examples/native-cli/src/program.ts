/**
 * The command line: global settings (flags, else environment), one subcommand per job, and the
 * exit status. Expected failures print one line on stderr and exit 1; usage errors exit as
 * commander says; anything else is a bug and prints its stack.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { book } from './commands/book.js'
import { list } from './commands/list.js'
import { login } from './commands/login.js'
import { logout } from './commands/logout.js'
import { refresh } from './commands/refresh.js'
import { whoami } from './commands/whoami.js'
import { loadConfig, type Config, type Flags } from './config.js'
import { explain } from './errors.js'
import type { Runtime } from './runtime.js'

function seconds(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw new InvalidArgumentError('a whole number of seconds from 1 to 3600')
  return n
}

export function buildProgram(runtime: Runtime, onConfig: (config: Config) => void): Command {
  const program = new Command('appointments')
  const command = (cmd: Command) => {
    const config = loadConfig(cmd.optsWithGlobals<Flags>(), runtime.env)
    onConfig(config)
    return { config, runtime }
  }

  program
    .description("The Appointments CLI: a native app (RFC 8252) that logs in with Latchkey and calls the sample Appointments API.\nRun it with: npm run example:cli -- <command>")
    .addOption(new Option('--issuer <url>', "Latchkey's issuer (env LATCHKEY_ISSUER, default http://localhost:3000/)"))
    .addOption(new Option('--client-id <id>', "this app's client id (env CLIENT_ID, default latchkey-demo-native)"))
    .addOption(new Option('--audience <id>', "the API's identifier (env API_AUDIENCE, default https://api.example.com/appointments)"))
    .addOption(new Option('--api-url <url>', 'where the Appointments API listens (env API_URL, default http://localhost:4000)'))
    .addOption(new Option('--token-file <path>', 'where tokens are kept (env APPOINTMENTS_TOKEN_FILE, default ~/.config/latchkey-appointments/tokens.json)'))
    .exitOverride()
    .configureOutput({ writeOut: (s) => runtime.stdout(s), writeErr: (s) => runtime.stderr(s) })
    .showHelpAfterError('(run with --help for usage)')

  program
    .command('login')
    .description('log in through the browser (a loopback redirect to 127.0.0.1) and keep the tokens in the token file')
    .option('--no-open', 'only print the URL; do not open a browser')
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the browser').argParser(seconds).default(300))
    .action((opts: { open: boolean; timeout: number }, cmd: Command) => login(command(cmd), { open: opts.open, timeoutSeconds: opts.timeout }))

  program
    .command('whoami')
    .description('show the logged-in user (from the stored ID token)')
    .option('--userinfo', "ask Latchkey's /userinfo instead")
    .action((opts: { userinfo?: boolean }, cmd: Command) => whoami(command(cmd), { userinfo: opts.userinfo === true }))

  program
    .command('list')
    .description('list your appointments (GET /api/appointments)')
    .action((_opts: unknown, cmd: Command) => list(command(cmd)))

  program
    .command('book')
    .description('book an appointment (POST /api/appointments)')
    .argument('<when>', 'ISO 8601 date-time with a time zone, e.g. 2026-12-01T09:30:00Z')
    .argument('<what...>', 'what it is, e.g. Dentist')
    .action((when: string, what: string[], _opts: unknown, cmd: Command) => book(command(cmd), when, what))

  program
    .command('refresh')
    .description('refresh the access token now (the refresh token rotates) and show when the new one expires')
    .action((_opts: unknown, cmd: Command) => refresh(command(cmd)))

  program
    .command('logout')
    .description('revoke the refresh token at Latchkey and delete the token file')
    .action((_opts: unknown, cmd: Command) => logout(command(cmd)))

  return program
}

/** Runs one command line (without `node` and the script); resolves to the exit status. */
export async function run(argv: readonly string[], runtime: Runtime): Promise<number> {
  let config: Config | undefined
  const program = buildProgram(runtime, (c) => {
    config = c
  })
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return 0
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode
    const line = explain(err, config)
    if (line !== null) {
      runtime.stderr(`error: ${line}\n`)
      return 1
    }
    runtime.stderr(`error: unexpected failure (a bug in this program):\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    return 70
  }
}
