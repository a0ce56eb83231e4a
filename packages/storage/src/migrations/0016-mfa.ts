/**
 * Multi-factor authentication and passkeys (issue 15).
 *
 * `authenticators` holds each user's TOTP apps, WebAuthn keys and passkeys. A WebAuthn credential id
 * has its own column with a unique index (a passkey sign-in names only the credential; a credential
 * belongs to one user), and its signature counter and backup flag have theirs (`counter`,
 * `backed_up`), so an assertion is recorded by one conditional UPDATE; the rest of the credential
 * (public key, transports, device type, AAGUID) is JSON text in `credential`. TOTP rows keep the
 * sealed secret and the last accepted time step instead. Indexes: `user_id` (a user's factors, and
 * deleting the user); `(confirmed, created_at)` for the sweeper's abandoned enrolments.
 *
 * `recovery_codes` keeps the SHA-256 of each code, keyed by user then hash (the primary key serves
 * both a code's use and a user's count). `mfa_remember_revocations`: when a user's "remember this
 * browser" markers were last voided. `settings`: small deployment-wide values set at run time (the
 * MFA policy). `applications.mfa_policy`: an app's own policy, null for the deployment's.
 * Independent of every other migration.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('authenticators')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('confirmed', 'integer', (c) => c.notNull())
    .addColumn('sealed_secret', 'text')
    .addColumn('last_used_step', 'bigint')
    .addColumn('credential_id', 'text')
    .addColumn('credential', 'text')
    .addColumn('counter', 'bigint')
    .addColumn('backed_up', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute()
  await db.schema.createIndex('authenticators_credential_id_idx').on('authenticators').column('credential_id').unique().execute()
  await db.schema.createIndex('authenticators_user_id_idx').on('authenticators').column('user_id').execute()
  await db.schema.createIndex('authenticators_unconfirmed_idx').on('authenticators').columns(['confirmed', 'created_at']).execute()

  await db.schema
    .createTable('recovery_codes')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
    .execute()

  await db.schema
    .createTable('mfa_remember_revocations')
    .addColumn('user_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('revoked_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.notNull().primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema.alterTable('applications').addColumn('mfa_policy', 'text').execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('applications').dropColumn('mfa_policy').execute()
  for (const table of ['settings', 'mfa_remember_revocations', 'recovery_codes', 'authenticators']) await db.schema.dropTable(table).execute()
}

export const mfa: Migration = { up, down }
