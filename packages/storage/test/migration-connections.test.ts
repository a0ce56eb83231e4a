/**
 * Migration 0011 (connections) on a database from before it, on SQLite (a file: its users table is
 * rebuilt) and PostgreSQL (altered in place): users and apps stay as they were, the database
 * connection exists and is enabled for every app, existing users belong to it, emails may then
 * repeat across connections but not within the database connection, and the users table keeps its
 * indexes. PostgreSQL is skipped, saying so, when it does not answer.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import { ConflictError } from '../src/contract.js'
import { openPostgres } from '../src/kysely/postgres.js'
import type { Database } from '../src/kysely/schema.js'
import { openSqlite } from '../src/kysely/sqlite.js'
import { openAndMigrate } from '../src/open.js'
import { application, T0, user } from './fixtures.js'
import { migrateWithout } from './support/upgrade.js'
import { postgresProblem, postgresUrl, redactedPostgresUrl, schemaUrl } from './support/postgres.js'

const DATABASE = 'Username-Password-Authentication'
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'

const root = mkdtempSync(join(tmpdir(), 'latchkey-migration-0011-'))
after(() => rmSync(root, { recursive: true, force: true }))

/** Those that need the connections table: not before 0011 either. */
const AFTER_0011 = new Set(['0011-connections', '0028-organization-connections'])

/** Every migration but 0011 (and those built on it), as a database upgraded before it shipped. */
const migrateBefore0011 = (db: Kysely<Database>, schema?: string) => migrateWithout(db, AFTER_0011, schema)

/** Rows as the code of that time wrote them (the columns it knew; the rest take their defaults). */
async function seedOldRows(db: Kysely<Database>): Promise<void> {
  for (const [id, email, createdAt] of [
    ['auth0|b', 'grace@example.com', T0],
    ['auth0|a', 'ada@example.com', T0],
    ['auth0|c', 'alan@example.com', T0 - 1],
  ] as const) {
    await sql`insert into users (id, email, email_verified, name, nickname, picture, password_hash, blocked, last_login_at, created_at, updated_at, user_metadata)
      values (${id}, ${email}, 1, 'Old User', null, null, ${HASH}, 0, ${T0}, ${createdAt}, ${T0}, '{"theme":"dark"}')`.execute(db)
  }
  for (const clientId of ['app-one', 'app-two']) {
    const app = application({ clientId })
    await sql`insert into applications (client_id, name, app_type, token_endpoint_auth_method, client_secret_hash, callbacks, allowed_logout_urls, web_origins,
      allowed_origins, grant_types, is_first_party, refresh_token_reuse_interval_seconds, refresh_token_idle_lifetime_seconds, refresh_token_absolute_lifetime_seconds,
      created_at, updated_at)
      values (${clientId}, ${app.name}, ${app.appType}, ${app.tokenEndpointAuthMethod}, null, ${JSON.stringify(app.callbacks)}, '[]', '[]', '[]',
      ${JSON.stringify(app.grantTypes)}, 1, 0, 1296000, 2592000, ${T0}, ${T0})`.execute(db)
  }
}

async function checkUpgraded(url: string): Promise<void> {
  const store = await openAndMigrate(url)
  try {
    assert.deepEqual(
      (await store.users.list()).map((u) => [u.id, u.email, u.passwordHash, u.connection, u.userMetadata, u.lastLoginAt]),
      [
        ['auth0|c', 'alan@example.com', HASH, DATABASE, { theme: 'dark' }, T0],
        ['auth0|a', 'ada@example.com', HASH, DATABASE, { theme: 'dark' }, T0],
        ['auth0|b', 'grace@example.com', HASH, DATABASE, { theme: 'dark' }, T0],
      ],
    )
    assert.equal((await store.users.findByEmail('ADA@example.com'))?.id, 'auth0|a')
    assert.equal((await store.applications.get('app-one'))?.name, 'Test App')

    const database = await store.connections.findByName(DATABASE)
    assert.ok(database)
    assert.equal(database.strategy, 'auth0')
    assert.match(database.id, /^con_[A-Za-z0-9]{16}$/)
    assert.deepEqual(database.enabledClients, ['app-one', 'app-two'])
    for (const clientId of ['app-one', 'app-two']) assert.deepEqual((await store.connections.enabledFor(clientId)).map((c) => c.id), [database.id])

    // Emails repeat across connections, never within the database connection.
    await store.users.insert(user({ id: 'oidc|acme|ada', connection: 'acme', passwordHash: null, email: 'ada@example.com' }))
    await assert.rejects(store.users.insert(user({ email: 'Ada@Example.com' })), (error: unknown) => error instanceof ConflictError && error.message === 'a user with this email already exists')
    assert.deepEqual((await store.users.listByEmail('ada@example.com')).map((u) => u.id).sort(), ['auth0|a', 'oidc|acme|ada'])

    // Migrating again changes nothing: one database connection.
    await store.migrate()
    assert.equal(await store.connections.count({ strategy: ['auth0'] }), 1)
  } finally {
    await store.close()
  }
}

describe('migration 0011 (connections) on SQLite', () => {
  it('rebuilds the users table keeping its rows, defaults and indexes; enables the database connection for every app', async () => {
    const path = join(root, 'before-0011.db')
    const db = openSqlite(path)
    await migrateBefore0011(db)
    await seedOldRows(db)
    await db.destroy()

    await checkUpgraded(`sqlite:${path}`)

    const check = openSqlite(path)
    try {
      const { rows: indexes } = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'users' and sql is not null order by name`.execute(check)
      assert.deepEqual(
        indexes.map((i) => i.name),
        [
          'users_connection_created_idx',
          'users_created_idx',
          'users_email_idx',
          'users_email_key',
          // Later migrations' indexes: 0026 (user search), 0025 (last login).
          'users_email_search_idx',
          'users_family_name_search_idx',
          'users_given_name_search_idx',
          'users_last_login_at_idx',
          'users_name_search_idx',
          'users_nickname_search_idx',
        ],
      )
      const { rows: tables } = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'users%'`.execute(check)
      assert.deepEqual(
        tables.map((t) => t.name),
        ['users'],
      )
      // Defaults the older migrations gave survive the rebuild.
      await sql`insert into users (id, email, email_verified, password_hash, blocked, created_at, updated_at) values ('auth0|raw', 'raw@example.com', 0, null, 0, 1, 1)`.execute(check)
      const { rows } = await sql<{ user_metadata: string; app_metadata: string; connection: string }>`select user_metadata, app_metadata, connection from users where id = 'auth0|raw'`.execute(check)
      assert.deepEqual(rows, [{ user_metadata: '{}', app_metadata: '{}', connection: DATABASE }])
    } finally {
      await check.destroy()
    }
  })
})

const probe = await postgresProblem()
const skip = probe === undefined ? false : `PostgreSQL not reachable at ${redactedPostgresUrl()}: skipped (${probe})`
if (skip) console.log(skip)

describe('migration 0011 (connections) on PostgreSQL', { skip }, () => {
  it('alters the users table in place keeping its rows; enables the database connection for every app', async () => {
    const schema = `lk_m0011_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    try {
      const handle = await openPostgres(schemaUrl(schema))
      try {
        await migrateBefore0011(handle.db, schema)
        await seedOldRows(handle.db)
      } finally {
        await handle.db.destroy()
      }
      await checkUpgraded(schemaUrl(schema))
      const { rows } = await admin.query<{ conname: string }>(
        `select conname from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = $1 and conrelid = ($1 || '.users')::regclass`,
        [schema],
      )
      assert.deepEqual(
        rows.map((r) => r.conname),
        ['users_pkey'],
      )
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`)
      await admin.end()
    }
  })
})
