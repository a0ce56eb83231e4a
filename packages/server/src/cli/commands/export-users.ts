/**
 * `latchkey export users [--format json|ndjson|csv|auth0] [--fields a,b,app_metadata.plan]
 * [--connection NAME] [--limit N] [--output FILE]`: every user (or one connection's), read from the
 * database a page at a time and written as they are read (migration/export-users.ts), to FILE or
 * stdout. `json` is one JSON array, `ndjson` a JSON object a line, `csv` a header row then a row a
 * user; `auth0` is Auth0's bulk-import file (what `latchkey import users` and Auth0's users-imports
 * job take) with each user's password hash and TOTP secrets: a warning says so on stderr, and FILE
 * is created readable by its owner only. With --output, a summary goes to stdout (--json: as JSON). Exit status: 0 written, 1 it could not be written, 2 a
 * usage error (an unknown format, field or connection).
 */
import { createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import type { Store } from '@latchkey/storage'
import type { Command } from 'commander'
import { EXPORT_FORMATS, type ExportFormat, exportUsers, EXPORTABLE_FIELDS, fieldsProblem } from '../../migration/export-users.js'
import { CliError, type CommonOptions, leaf, list, print, run, warn, write } from '../run.js'
import { encryptionFor } from './keys.js'

interface ExportUsersCliOptions extends CommonOptions {
  format: string
  fields?: string[]
  connection?: string
  limit?: string
  output?: string
}

function formatOf(value: string): ExportFormat {
  if (!(EXPORT_FORMATS as readonly string[]).includes(value)) throw new CliError(`--format: expected one of ${EXPORT_FORMATS.join(', ')}`, 2)
  return value as ExportFormat
}

function limitOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^[1-9]\d{0,8}$/.test(value.trim())) throw new CliError('--limit: expected a whole number of users, at least 1', 2)
  return Number(value.trim())
}

/** Writes chunks to the file, waiting whenever the file's buffer is full. */
async function toFile(path: string, format: ExportFormat, chunks: AsyncIterable<string>): Promise<void> {
  let file: WriteStream
  try {
    file = createWriteStream(path, { flags: 'w', mode: format === 'auth0' ? 0o600 : 0o644 })
    await once(file, 'open')
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  const failed = new Promise<never>((_, reject) => file.once('error', reject))
  try {
    for await (const chunk of chunks) if (!file.write(chunk)) await Promise.race([once(file, 'drain'), failed])
    file.end()
    await Promise.race([once(file, 'finish'), failed])
  } catch (err) {
    file.destroy()
    if ((err as NodeJS.ErrnoException).code) throw new CliError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code}`)
    throw err
  }
}

/** `latchkey export users`, under the `export` group. */
export function registerExportUsers(exporting: Command): void {
  leaf(exporting, 'users', 'Export users as JSON, NDJSON, CSV, or Auth0\'s bulk-import format (with password hashes, to move them to another Latchkey or to Auth0)', (cmd) =>
    cmd
      .option('-f, --format <format>', `${EXPORT_FORMATS.join(', ')}`, 'json')
      .option('--fields <names>', `the fields written (json, ndjson, csv), comma-separated: ${EXPORTABLE_FIELDS.join(', ')}, or paths such as app_metadata.plan`, list)
      .option('-c, --connection <name>', "only the users of this connection (their primary one)")
      .option('--limit <n>', 'at most this many users')
      .option('-o, --output <file>', 'write to this file (default: stdout)')
      .addHelpText(
        'after',
        [
          '',
          'auth0: each user as `latchkey import users` and Auth0\'s users-imports job read them: user_id without the',
          "connection's prefix, profile, metadata, password_hash (bcrypt) or custom_password_hash (argon2id as",
          "{ algorithm: 'argon2', hash: { value, encoding: 'utf8' } }), and TOTP factors as mfa_factors (opened with",
          "the server's key-encryption key, LATCHKEY_SECRET). The file holds secrets: keep it like a password.",
          'Example: latchkey export users --format auth0 --output users.json',
        ].join('\n'),
      ),
  ).action((opts: ExportUsersCliOptions) =>
    run(opts, async (store: Store) => {
      const format = formatOf(opts.format)
      const limit = limitOf(opts.limit)
      if (format === 'auth0' && opts.fields) throw new CliError('--fields: the auth0 format has its own fields (Auth0\'s bulk-import schema)', 2)
      const fields = opts.fields?.map((name) => ({ name }))
      const problem = fields ? fieldsProblem(fields) : null
      if (problem) throw new CliError(`--fields: ${problem}`, 2)
      if (opts.connection !== undefined && !(await store.connections.findByName(opts.connection)))
        throw new CliError(`no connection ${JSON.stringify(opts.connection)}: see latchkey connections list`, 2)
      let openSecret: ((sealed: string) => Promise<string>) | undefined
      if (format === 'auth0') {
        warn('the auth0 format holds password hashes and TOTP secrets: keep the file like a password, and delete it once imported')
        let encryption: ReturnType<typeof encryptionFor> | undefined
        openSecret = async (sealed) => {
          encryption ??= encryptionFor(store, opts)
          return (await encryption).openText(sealed)
        }
      }
      let count = 0
      const chunks = exportUsers(store, { format, fields, connection: opts.connection, limit, openSecret, onUsers: (n) => (count += n) })
      if (opts.output === undefined) {
        for await (const chunk of chunks) write(chunk)
        return
      }
      await toFile(opts.output, format, chunks)
      print(opts, { exported: count, output: opts.output, format }, () => `Exported ${count} user${count === 1 ? '' : 's'} to ${opts.output} (${format})`)
    }),
  )
}
