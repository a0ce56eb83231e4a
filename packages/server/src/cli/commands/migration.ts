/**
 * `latchkey migration status [--json]`: how far a move from Auth0 has come, for the database
 * connection's users: migrated by trickle migration (the old tenant checked their first login here),
 * imported with a hash not yet replaced by argon2id (it is at their next login), imported without a
 * password (trickle migration or a password reset gives them one), and all of them; and whether
 * trickle migration is on, and from which tenant.
 */
import { DATABASE_CONNECTION } from '@latchkey/core'
import type { Command } from 'commander'
import { trickleSettings } from '../../migration/trickle-migration.js'
import { CURRENT_HASH_PREFIX } from '../../passwords.js'
import { fields } from '../present.js'
import { type CommonOptions, group, leaf, print, run } from '../run.js'

export function registerMigration(program: Command): void {
  const migration = group(program, 'migration', 'Follow a move from Auth0 (user import and trickle migration)')

  leaf(migration, 'status', "Users migrated from the old tenant, pending (imported hash not yet upgraded; no password yet), and in all").action((opts: CommonOptions) =>
    run(opts, async (store) => {
      const progress = await store.users.migrationProgress(CURRENT_HASH_PREFIX)
      const connection = await store.connections.findByName(DATABASE_CONNECTION.name)
      const source = connection ? trickleSettings(connection.options) : null
      const json = {
        connection: DATABASE_CONNECTION.name,
        import_mode: source !== null,
        ...(source ? { migration_source: { domain: source.baseUrl, client_id: source.clientId, realm: source.realm } } : {}),
        users: {
          total: progress.total,
          migrated: progress.migrated,
          pending_rehash: progress.pendingRehash,
          without_password: progress.withoutPassword,
        },
      }
      print(opts, json, () =>
        fields([
          ['connection', DATABASE_CONNECTION.name],
          ['trickle migration', source ? `on, from ${source.baseUrl} (client ${source.clientId}, realm ${source.realm})` : 'off'],
          ['users', progress.total],
          ['migrated (trickle)', progress.migrated],
          ['pending rehash', `${progress.pendingRehash} (imported hash, replaced by argon2id at their next login)`],
          ['without password', `${progress.withoutPassword} (imported without a hash: trickle migration or a password reset gives them one)`],
        ]),
      )
    }),
  )
}
