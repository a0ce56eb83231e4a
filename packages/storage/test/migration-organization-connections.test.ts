/**
 * Migration 0028 (organization connections) on a database from before it, on SQLite and
 * PostgreSQL: every existing organization gets the database connection enabled (as it always had
 * it), not assigning membership, shown as a button. PostgreSQL is skipped, saying so, when it does
 * not answer.
 */
import assert from 'node:assert/strict'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../src/kysely/schema.js'
import { openAndMigrate } from '../src/open.js'
import { T0 } from './fixtures.js'
import { describeUpgrade } from './support/upgrade.js'

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

describeUpgrade('migration 0028 (organization connections)', 'enables the database connection for every existing organization', { leftOut: new Set(['0028-organization-connections']), seed: seedOldRows, check: checkUpgraded })
