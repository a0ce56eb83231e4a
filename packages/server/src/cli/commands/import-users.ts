/**
 * `latchkey import users FILE [--connection NAME] [--upsert] [--send-completion-email] [--json]`:
 * Auth0's bulk-import file (a JSON array of users) into a connection, with migration/import-users.ts.
 * Prints a summary and one line per entry that failed (its position in the array from 0, email and
 * reason); `--json` prints the whole report. Exit status: 0 when every entry was imported (or was
 * already there, with --upsert), 1 when some failed, 2 when the file is unusable (unreadable, not
 * JSON, not an array, empty) or the connection does not exist. No size limit here (Auth0's job takes
 * 500 KB; the Management API's job keeps its own limit).
 */
import { readFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import type { Store } from '@latchkey/storage'
import type { Command } from 'commander'
import type { KeyEncryption } from '../../keys/key-encryption.js'
import { type ImportReport, importUsers, UnknownImportConnection } from '../../migration/import-users.js'
import { recordAdminChange } from '../audit.js'
import { CliError, type CommonOptions, leaf, print, run } from '../run.js'
import { encryptionFor } from './keys.js'

interface ImportUsersCliOptions extends CommonOptions {
  connection?: string
  connectionName?: string
  upsert?: boolean
  sendCompletionEmail?: boolean
}

/** `latchkey import users`, under the `import` group. */
export function registerImportUsers(importing: Command): void {
  leaf(importing, 'users <file>', "Import users from Auth0's bulk-import file (a JSON array), keeping their user_id, password hashes and TOTP factors", (cmd) =>
    cmd
      .option('-c, --connection <name>', 'the connection to import into (default Username-Password-Authentication)')
      .option('--connection-name <name>', "same as --connection (the Auth0 CLI's name)")
      .option('--upsert', 'update users that already exist (matched by user_id, else email); otherwise they are reported as DUPLICATED_USER')
      .option('--send-completion-email', "Auth0's send_completion_email: accepted; Latchkey has no tenant owners to email, the report is printed instead")
      .addHelpText(
        'after',
        [
          '',
          'Exit status: 0 every user imported, 1 some failed (listed), 2 the file is unusable.',
          'Run it again with --upsert: users already imported are left as they are.',
          'TOTP factors are sealed with the server\'s key-encryption key (LATCHKEY_SECRET, or the key file beside a SQLite database).',
          'Example: latchkey import users users.json --connection Username-Password-Authentication --upsert',
        ].join('\n'),
      ),
  ).action((file: string, opts: ImportUsersCliOptions) =>
    run(opts, async (store) => {
      if (opts.connection !== undefined && opts.connectionName !== undefined && opts.connection !== opts.connectionName)
        throw new CliError('--connection and --connection-name name different connections', 2)
      let text: string
      try {
        text = textOf(await readFile(file))
      } catch (err) {
        throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 2)
      }
      let result: Awaited<ReturnType<typeof importUsers>>
      try {
        result = await importUsers(
          store,
          {
            connection: opts.connection ?? opts.connectionName,
            upsert: opts.upsert === true,
            encryption: lazyEncryption(store, opts),
            audit: (change) => recordAdminChange(store, { action: change.action, userId: change.userId, details: change.details }),
          },
          text,
        )
      } catch (err) {
        if (err instanceof UnknownImportConnection) throw new CliError(`${err.message}: see latchkey connections list`, 2)
        throw err
      }
      if (!result.ok) {
        if (opts.json) print(opts, result, () => '')
        throw new CliError(`${file}: ${result.error.message}; nothing was imported`, 2)
      }
      print(opts, result, () => reportText(result, opts))
      if (result.failed > 0) throw new CliError(`${result.failed} of ${result.total} users were not imported`, 1)
    }),
  )
}

/** The key-encryption key, loaded only when an entry has a TOTP factor to seal. */
function lazyEncryption(store: Store, opts: CommonOptions): Pick<KeyEncryption, 'encrypt'> {
  let loaded: Promise<KeyEncryption> | undefined
  return {
    encrypt: async (text) => {
      loaded ??= encryptionFor(store, opts)
      return (await loaded).encrypt(text)
    },
  }
}

const named = (user: { email?: string; user_id?: string }) => [user.email, user.user_id].filter((v) => v !== undefined && v !== '').join(' ') || '(no email or user_id)'

function reportText(report: ImportReport, opts: ImportUsersCliOptions): string {
  const imported = report.inserted + report.updated + report.unchanged
  const lines = [
    `Imported ${imported} of ${report.total} users into ${report.connection.name}: ${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged, ${report.failed} failed`,
  ]
  for (const entry of report.errors) {
    for (const error of entry.errors) lines.push(`  [${entry.index}] ${named(entry.user)}: ${error.code}${error.path ? ` (${error.path})` : ''}: ${error.message}`)
  }
  if (report.warnings.length > 0) {
    lines.push('Warnings:')
    for (const entry of report.warnings) for (const warning of entry.warnings) lines.push(`  [${entry.index}] ${named(entry.user)}: ${warning.message}`)
  }
  if (opts.sendCompletionEmail) lines.push('No completion email: Latchkey has no tenant owners to email; this report is the completion notice.')
  return lines.join('\n')
}

/** The file as text: gzip-compressed files (Auth0's users-exports job writes `.json.gz`) are uncompressed first. */
function textOf(bytes: Buffer): string {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes.toString('utf8')
  try {
    return gunzipSync(bytes).toString('utf8')
  } catch (err) {
    throw new CliError(`the file looks gzip-compressed but cannot be uncompressed: ${(err as Error).message}`, 2)
  }
}
