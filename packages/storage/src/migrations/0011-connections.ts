/**
 * Connections (Auth0's): the ways users log in, enabled per application, and identities (which
 * upstream accounts log in as which user).
 * - `connections`, `connection_clients` (a row per connection and application it is enabled for)
 *   and `identities` (keyed by the upstream account: connection and provider user id).
 * - The database connection becomes a record: `Username-Password-Authentication` (strategy `auth0`),
 *   enabled for every existing application.
 * - Users: `connection` (the name of the user's primary connection; existing users are the
 *   database's), `password_hash` may be null (upstream users have none), and the email is unique
 *   only among users of the database connection (a partial unique index replaces the table
 *   constraint `users_email_key`), with a plain index for looking users up by email across
 *   connections and one listing a connection's users. PostgreSQL alters the table in place;
 *   SQLite cannot drop a table constraint, so the users table is rebuilt (new table, copy, drop,
 *   rename, indexes again) from what the database says it holds, so columns that other migrations
 *   added, in whatever order, come along.
 * Independent of the other migrations' order (see `kysely/migrate.ts`). On a large PostgreSQL
 * database the index builds hold a write lock on `users` while they run: upgrade in a quiet hour.
 */
import { randomInt } from 'node:crypto'
import { type Kysely, type Migration, PostgresAdapter, sql } from 'kysely'

/** Frozen here: a migration never changes, whatever later code calls the database connection. */
const DATABASE_CONNECTION = 'Username-Password-Authentication'
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

function connectionId(): string {
  let out = 'con_'
  for (let i = 0; i < 16; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]
  return out
}

const isPostgres = (db: Kysely<unknown>): boolean => db.getExecutor().adapter instanceof PostgresAdapter

async function createTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('sealed_client_secret', 'text')
    .addColumn('is_domain_connection', 'integer', (c) => c.notNull())
    .addColumn('metadata', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('connections_name_key', ['name'])
    .execute()
  await db.schema.createIndex('connections_created_idx').on('connections').columns(['created_at', 'id']).execute()

  await db.schema
    .createTable('connection_clients')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('connection_clients_pkey', ['connection_id', 'client_id'])
    .execute()
  await db.schema.createIndex('connection_clients_client_id_idx').on('connection_clients').column('client_id').execute()

  await db.schema
    .createTable('identities')
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('provider_user_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('is_social', 'integer', (c) => c.notNull())
    .addColumn('profile_data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('identities_pkey', ['connection_id', 'provider_user_id'])
    .execute()
  await db.schema.createIndex('identities_user_id_idx').on('identities').column('user_id').execute()
}

/** The database connection, enabled for every application there is. */
async function createDatabaseConnection(db: Kysely<unknown>): Promise<void> {
  const id = connectionId()
  const now = Date.now()
  await sql`insert into connections (id, name, display_name, strategy, options, sealed_client_secret, is_domain_connection, metadata, created_at, updated_at)
    values (${id}, ${DATABASE_CONNECTION}, null, 'auth0', '{}', null, 0, '{}', ${now}, ${now})`.execute(db)
  await sql`insert into connection_clients (connection_id, client_id) select cast(${id} as text), client_id from applications`.execute(db)
}

/**
 * The email's indexes (unique among the database connection's users; plain, for lookups across
 * connections) and the connection's (a connection's users, oldest first; deleting a connection).
 */
async function createEmailIndexes(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('users_email_key')
    .on('users')
    .column('email')
    .unique()
    .where(sql.ref('connection'), '=', sql.lit(DATABASE_CONNECTION))
    .execute()
  await db.schema.createIndex('users_email_idx').on('users').column('email').execute()
  await db.schema.createIndex('users_connection_created_idx').on('users').columns(['connection', 'created_at', 'id']).execute()
}

interface SqliteColumn {
  readonly name: string
  readonly type: string
  readonly notnull: number
  readonly dflt_value: string | null
  readonly pk: number
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`

/**
 * SQLite's way to change what ALTER TABLE cannot (https://sqlite.org/lang_altertable.html#otheralter):
 * a new table with every column the old one has (as `column` reshapes each, null to leave it out)
 * plus `extra` column definitions and `constraints`, the rows copied, the old table dropped, the
 * new one renamed, and the old table's own indexes (not those of its constraints) made again. Runs
 * inside the migration's transaction.
 */
async function rebuildSqliteUsers(
  db: Kysely<unknown>,
  column: (c: SqliteColumn) => SqliteColumn | null,
  extra: readonly string[],
  constraints: readonly string[],
): Promise<void> {
  const { rows: old } = await sql<SqliteColumn>`select name, type, "notnull", dflt_value, pk from pragma_table_info('users') order by cid`.execute(db)
  const { rows: indexes } = await sql<{ sql: string }>`select sql from sqlite_master where type = 'index' and tbl_name = 'users' and sql is not null`.execute(db)
  const kept = old.map(column).filter((c): c is SqliteColumn => c !== null)
  const definitions = kept.map(
    (c) => `${quote(c.name)} ${c.type}${c.pk ? ' primary key' : ''}${c.notnull ? ' not null' : ''}${c.dflt_value !== null ? ` default ${c.dflt_value}` : ''}`,
  )
  const names = kept.map((c) => quote(c.name)).join(', ')
  await sql.raw(`create table "users_0011" (${[...definitions, ...extra, ...constraints].join(', ')})`).execute(db)
  await sql.raw(`insert into "users_0011" (${names}) select ${names} from "users"`).execute(db)
  await sql.raw('drop table "users"').execute(db)
  await sql.raw('alter table "users_0011" rename to "users"').execute(db)
  for (const index of indexes) await sql.raw(index.sql).execute(db)
}

async function up(db: Kysely<unknown>): Promise<void> {
  await createTables(db)
  if (isPostgres(db)) {
    await sql`alter table users drop constraint users_email_key`.execute(db)
    await sql`alter table users alter column password_hash drop not null`.execute(db)
    await sql`alter table users add column connection text not null default ${sql.lit(DATABASE_CONNECTION)}`.execute(db)
  } else {
    await rebuildSqliteUsers(
      db,
      (c) => (c.name === 'password_hash' ? { ...c, notnull: 0 } : c),
      [`"connection" text not null default '${DATABASE_CONNECTION}'`],
      [],
    )
  }
  await createEmailIndexes(db)
  await createDatabaseConnection(db)
}

/** Refuses (the database keeps the new shape) while two users of different connections share an email. */
async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('users_connection_created_idx').execute()
  await db.schema.dropIndex('users_email_idx').execute()
  await db.schema.dropIndex('users_email_key').execute()
  if (isPostgres(db)) {
    await sql`alter table users drop column connection`.execute(db)
    await sql`alter table users alter column password_hash set not null`.execute(db)
    await sql`alter table users add constraint users_email_key unique (email)`.execute(db)
  } else {
    await rebuildSqliteUsers(
      db,
      (c) => (c.name === 'connection' ? null : c.name === 'password_hash' ? { ...c, notnull: 1 } : c),
      [],
      ['constraint "users_email_key" unique ("email")'],
    )
  }
  for (const table of ['identities', 'connection_clients', 'connections']) await db.schema.dropTable(table).execute()
}

export const connections: Migration = { up, down }
