/**
 * Actions (the authorization issue, part 2): each action's draft and the version last deployed (the
 * code and sealed secrets that run), and per trigger the ordered actions bound to it.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('actions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('dependencies', 'text', (c) => c.notNull())
    .addColumn('secret_names', 'text', (c) => c.notNull())
    .addColumn('sealed_secrets', 'text')
    .addColumn('on_failure', 'text', (c) => c.notNull().defaultTo('deny'))
    .addColumn('deployed_version', 'integer')
    .addColumn('deployed_code', 'text')
    .addColumn('deployed_sealed_secrets', 'text')
    .addColumn('deployed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('actions_name_key', ['name'])
    .execute()
  await db.schema.createIndex('actions_created_idx').on('actions').columns(['created_at', 'id']).execute()
  await db.schema
    .createTable('action_bindings')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('action_id', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('action_bindings_pk', ['trigger', 'position'])
    .execute()
  await db.schema.createIndex('action_bindings_action_idx').on('action_bindings').column('action_id').execute()
  // Auth0's logins_count (event.stats.logins_count, event.user.logins_count, the Management API's users).
  await db.schema.alterTable('users').addColumn('logins_count', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  // What the post-login actions changed in the tokens a code is exchanged for.
  await db.schema.alterTable('authorization_codes').addColumn('token_changes', 'text').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('logins_count').execute()
  await db.schema.alterTable('authorization_codes').dropColumn('token_changes').execute()
  await db.schema.dropTable('action_bindings').execute()
  await db.schema.dropTable('actions').execute()
}

export const actions: Migration = { up, down }
