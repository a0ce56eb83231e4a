/**
 * The `latchkey` command line, shaped like Auth0's CLI: apps, apis, grants, users, roles, orgs, connections, keys, logs, emails, mfa, actions, import, export, migration, db, and serve.
 * Every registration command takes --db (or LATCHKEY_DB) and --json, and works whether or not a
 * server runs on that database: servers read registrations from the store on every request.
 * `main(argv)` runs it as the process (bin/latchkey.js); `main(argv, io)` runs one command with the
 * given output, input and environment (io.ts), as the tests do.
 */
import { Command } from 'commander'
import { readFileSync } from 'node:fs'
import { registerServe } from './commands/serve.js'
import { registerApps } from './commands/apps.js'
import { registerApis } from './commands/apis.js'
import { registerGrants } from './commands/grants.js'
import { registerUsers } from './commands/users.js'
import { registerRoles } from './commands/roles.js'
import { registerKeys } from './commands/keys.js'
import { registerLogs } from './commands/logs.js'
import { registerOrgs } from './commands/orgs.js'
import { registerConnections } from './commands/connections.js'
import { registerEmails } from './commands/emails.js'
import { registerMfa } from './commands/mfa.js'
import { registerActions } from './commands/actions.js'
import { registerImport } from './commands/import.js'
import { registerExport } from './commands/export.js'
import { registerMigration } from './commands/migration.js'
import { registerDb } from './commands/db.js'
import { registerAdmins } from './commands/admins.js'
import { CliExit, type CliIo, processIo, withIo } from './io.js'

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/**
 * The whole command tree, new for each run (commander keeps parsed options on it). Help and usage
 * errors go to io; where commander would exit, it throws CliExit (command groups turn usage errors
 * into exit code 2 in run.ts).
 */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command()
    .name('latchkey')
    .version(VERSION)
    .description('Latchkey: a self-hosted OAuth 2.0 / OpenID Connect authorization server')
    .showHelpAfterError()
  if (io !== processIo) {
    program.configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => 80,
      getErrHelpWidth: () => 80,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
  }
  program.exitOverride((err) => {
    throw new CliExit(err.exitCode)
  })
  registerCommands(program)
  return program
}

function registerCommands(program: Command): void {
  registerServe(program)
  registerApps(program)
  registerApis(program)
  registerGrants(program)
  registerUsers(program)
  registerRoles(program)
  registerKeys(program)
  registerLogs(program)
  registerOrgs(program)
  registerConnections(program)
  registerEmails(program)
  registerMfa(program)
  registerActions(program)
  registerImport(program)
  registerExport(program)
  registerMigration(program)
  registerDb(program)
  registerAdmins(program)
}

/** Runs one `latchkey` command line (argv as process.argv: node, script, then the arguments). */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<void> {
  try {
    await withIo(io, () => buildProgram(io).parseAsync([...argv]))
  } catch (error) {
    if (!(error instanceof CliExit)) throw error
    io.exit(error.code)
  }
}
