/**
 * The `latchkey` command line, shaped like Auth0's CLI: apps, apis, grants, users, roles, orgs, connections, keys, logs, emails, mfa, actions, import, export, migration, and serve.
 * Every registration command takes --db (or LATCHKEY_DB) and --json, and works whether or not a
 * server runs on that database: servers read registrations from the store on every request.
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

const program = new Command()
  .name('latchkey')
  .version((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version)
  .description('Latchkey: a self-hosted OAuth 2.0 / OpenID Connect authorization server')
  .showHelpAfterError()

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

await program.parseAsync(process.argv)
