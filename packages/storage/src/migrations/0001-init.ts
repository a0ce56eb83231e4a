/**
 * The first schema. Portable on purpose: `text`, `integer` and `bigint` mean the same thing to SQLite
 * (type affinity) and PostgreSQL, so one definition serves both dialects. Times are `bigint` epoch
 * milliseconds, booleans `integer` 0/1, arrays and objects JSON `text`.
 *
 * Migrations take `Kysely<unknown>`, not `Kysely<Database>`: they must keep compiling as `Database` moves on.
 */
import type { Kysely, Migration } from 'kysely'

async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('applications')
    .addColumn('client_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('app_type', 'text', (c) => c.notNull())
    .addColumn('token_endpoint_auth_method', 'text', (c) => c.notNull())
    .addColumn('client_secret_hash', 'text')
    .addColumn('callbacks', 'text', (c) => c.notNull())
    .addColumn('allowed_logout_urls', 'text', (c) => c.notNull())
    .addColumn('web_origins', 'text', (c) => c.notNull())
    .addColumn('allowed_origins', 'text', (c) => c.notNull())
    .addColumn('grant_types', 'text', (c) => c.notNull())
    .addColumn('is_first_party', 'integer', (c) => c.notNull())
    .addColumn('refresh_token_reuse_interval_seconds', 'integer', (c) => c.notNull())
    .addColumn('refresh_token_idle_lifetime_seconds', 'integer', (c) => c.notNull())
    .addColumn('refresh_token_absolute_lifetime_seconds', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('applications_created_idx').on('applications').columns(['created_at', 'client_id']).execute()

  await db.schema
    .createTable('apis')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('allow_offline_access', 'integer', (c) => c.notNull())
    .addColumn('token_lifetime', 'integer', (c) => c.notNull())
    .addColumn('skip_consent_for_first_party', 'integer', (c) => c.notNull())
    .addColumn('signing_alg', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('apis_identifier_key', ['identifier'])
    .execute()
  await db.schema.createIndex('apis_created_idx').on('apis').columns(['created_at', 'id']).execute()

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_verified', 'integer', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('nickname', 'text')
    .addColumn('picture', 'text')
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('blocked', 'integer', (c) => c.notNull())
    .addColumn('last_login_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('users_email_key', ['email'])
    .execute()
  await db.schema.createIndex('users_created_idx').on('users').columns(['created_at', 'id']).execute()

  await db.schema
    .createTable('sso_sessions')
    .addColumn('id_hash', 'text', (c) => c.notNull().primaryKey())
    .addColumn('sid', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('auth_time', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('idle_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute()
  await db.schema.createIndex('sso_sessions_user_id_idx').on('sso_sessions').column('user_id').execute()
  await db.schema.createIndex('sso_sessions_sid_idx').on('sso_sessions').column('sid').execute()

  await db.schema
    .createTable('interactions')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('csrf_hash', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('session_sid', 'text')
    .addColumn('auth_time', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('interactions_client_id_idx').on('interactions').column('client_id').execute()
  await db.schema.createIndex('interactions_user_id_idx').on('interactions').column('user_id').execute()

  await db.schema
    .createTable('consents')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('consents_pkey', ['user_id', 'client_id', 'audience'])
    .execute()
  await db.schema.createIndex('consents_client_id_idx').on('consents').column('client_id').execute()

  await db.schema
    .createTable('authorization_codes')
    .addColumn('code_hash', 'text', (c) => c.notNull().primaryKey())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('redirect_uri_provided', 'integer', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('audience', 'text')
    .addColumn('code_challenge', 'text')
    .addColumn('code_challenge_method', 'text')
    .addColumn('nonce', 'text')
    .addColumn('auth_time', 'bigint', (c) => c.notNull())
    .addColumn('sid', 'text')
    .addColumn('organization', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute()
  await db.schema.createIndex('authorization_codes_grant_id_idx').on('authorization_codes').column('grant_id').execute()
  await db.schema.createIndex('authorization_codes_client_id_idx').on('authorization_codes').column('client_id').execute()
  await db.schema.createIndex('authorization_codes_user_id_idx').on('authorization_codes').column('user_id').execute()
  await db.schema.createIndex('authorization_codes_expires_at_idx').on('authorization_codes').column('expires_at').execute()

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('token_hash', 'text', (c) => c.notNull().primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('audience', 'text')
    .addColumn('auth_time', 'bigint', (c) => c.notNull())
    .addColumn('sid', 'text')
    .addColumn('organization', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('family_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('rotated_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute()
  await db.schema.createIndex('refresh_tokens_family_id_idx').on('refresh_tokens').column('family_id').execute()
  await db.schema.createIndex('refresh_tokens_grant_id_idx').on('refresh_tokens').column('grant_id').execute()
  await db.schema.createIndex('refresh_tokens_client_id_idx').on('refresh_tokens').column('client_id').execute()
  await db.schema.createIndex('refresh_tokens_user_id_idx').on('refresh_tokens').column('user_id').execute()

  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.notNull().primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activates_at', 'bigint', (c) => c.notNull())
    .execute()
}

async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'signing_keys',
    'refresh_tokens',
    'authorization_codes',
    'consents',
    'interactions',
    'sso_sessions',
    'users',
    'apis',
    'applications',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}

export const init: Migration = { up, down }
