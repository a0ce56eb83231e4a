/**
 * Migration 0028 (organization connections) on a database from before it, on SQLite and
 * PostgreSQL: every existing organization gets the database connection enabled (as it always had
 * it), not assigning membership, shown as a button. PostgreSQL is skipped, saying so, when it does
 * not answer.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { type Kysely, Migrator, sql } from 'kysely'
import pg from 'pg'
import { openPostgres } from '../src/kysely/postgres.js'
import type { Database } from '../src/kysely/schema.js'
import { openSqlite } from '../src/kysely/sqlite.js'
import { migrationProvider } from '../src/migrations/index.js'
import { openAndMigrate } from '../src/open.js'
import { T0 } from './fixtures.js'
import { postgresProblem, postgresUrl, redactedPostgresUrl, schemaUrl } from './support/postgres.js'

const root = mkdtempSync(join(tmpdir(), 'latchkey-migration-0028-'))
after(() => rmSync(root, { recursive: true, force: true }))

async function migrateBefore0028(db: Kysely<Database>, schema?: string): Promise<void> {
  const all = await migrationProvider.getMigrations()
  const before = Object.fromEntries(Object.entries(all).filter(([name]) => name !== '0028-organization-connections'))
  const migrator = new Migrator({ db, provider: { getMigrations: async () => before }, allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) })
  const { error } = await migrator.migrateToLatest()
  assert.equal(error, undefined)
}

async function seedOldRows(db: Kysely<Database>): Promise<void> {
  for (const id of ['org_a', 'org_b'])
    await sql`insert into organizations (id, name, display_name, branding, metadata, created_at, updated_at) values (${id}, ${id.replace('_', '-')}, null, null, '{}', ${T0}, ${T0})`.execute(db)
}

async function checkUpgraded(url: string): Promise<void> {
  const store = await openAndMigrate(url)
  try {
    const database = await store.connections.findByName('Username-Password-Authentication')
    assert.ok(database)
    for (const id of ['org_a', 'org_b']) {
      assert.deepEqual(await store.organizations.listConnections(id), [
        { orgId: id, connectionId: database.id, assignMembershipOnLogin: false, showAsButton: true, createdAt: T0, connection: { name: 'Username-Password-Authentication', strategy: 'auth0' } },
      ])
    }
  } finally {
    await store.close()
  }
}

describe('migration 0028 (organization connections) on SQLite', () => {
  it('enables the database connection for every existing organization', async () => {
    const path = join(root, 'before-0028.db')
    const db = openSqlite(path)
    await migrateBefore0028(db)
    await seedOldRows(db)
    await db.destroy()
    await checkUpgraded(`sqlite:${path}`)
  })
})

const probe = await postgresProblem()
const skip = probe === undefined ? false : `PostgreSQL not reachable at ${redactedPostgresUrl()}: skipped (${probe})`
if (skip) console.log(skip)

describe('migration 0028 (organization connections) on PostgreSQL', { skip }, () => {
  it('enables the database connection for every existing organization', async () => {
    const schema = `lk_m0028_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    try {
      const handle = await openPostgres(schemaUrl(schema))
      try {
        await migrateBefore0028(handle.db, schema)
        await seedOldRows(handle.db)
      } finally {
        await handle.db.destroy()
      }
      await checkUpgraded(schemaUrl(schema))
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`)
      await admin.end()
    }
  })
})
