/**
 * Migration 0020 (roles) on a database from before it, on SQLite and PostgreSQL: the role names
 * organization members and invitations held become roles of those names, once each, and memberships
 * and invitations hold their ids; APIs get RBAC off and the plain token dialect. PostgreSQL is
 * skipped, saying so, when it does not answer.
 */
import assert from 'node:assert/strict'
import { type Kysely, sql } from 'kysely'
import type { Database } from '../src/kysely/schema.js'
import { openAndMigrate } from '../src/open.js'
import { api, T0 } from './fixtures.js'
import { describeUpgrade } from './support/upgrade.js'

/** Rows as the code of that time wrote them: role names on memberships and invitations. */
async function seedOldRows(db: Kysely<Database>): Promise<void> {
  const thing = api({ identifier: 'https://old-api/' })
  await sql`insert into apis (id, name, identifier, scopes, allow_offline_access, token_lifetime, skip_consent_for_first_party, signing_alg, is_system, created_at, updated_at)
    values (${thing.id}, 'Old', 'https://old-api/', '[]', 1, 86400, 0, 'RS256', 0, ${T0}, ${T0})`.execute(db)
  await sql`insert into organizations (id, name, display_name, branding, metadata, created_at, updated_at) values ('org_a', 'acme', 'Acme', null, '{}', ${T0}, ${T0})`.execute(db)
  for (const [userId, roles] of [
    ['auth0|a', '["admin","billing"]'],
    ['auth0|b', '["admin"]'],
    ['auth0|c', '[]'],
  ] as const) {
    await sql`insert into organization_members (org_id, user_id, roles, created_at) values ('org_a', ${userId}, ${roles}, ${T0})`.execute(db)
  }
  await sql`insert into invitations (id, org_id, client_id, inviter_name, invitee_email, roles, ticket_hash, created_at, expires_at, consumed_at)
    values ('uinv_1', 'org_a', 'app', 'Ada', 'grace@example.com', '["billing","support"]', 'hash-1', ${T0}, ${T0 + 1000}, null)`.execute(db)
}

async function checkUpgraded(url: string): Promise<void> {
  const store = await openAndMigrate(url)
  try {
    const roles = await store.roles.list()
    assert.deepEqual(roles.map((r) => r.name).sort(), ['admin', 'billing', 'support'])
    for (const r of roles) {
      assert.match(r.id, /^rol_[A-Za-z0-9]{16}$/)
      assert.equal(r.description, '')
    }
    const idOf = (name: string) => roles.find((r) => r.name === name)?.id
    assert.deepEqual((await store.organizations.getMember('org_a', 'auth0|a'))?.roles, [idOf('admin'), idOf('billing')])
    assert.deepEqual((await store.organizations.getMember('org_a', 'auth0|b'))?.roles, [idOf('admin')])
    assert.deepEqual((await store.organizations.getMember('org_a', 'auth0|c'))?.roles, [])
    assert.deepEqual((await store.invitations.get('uinv_1'))?.roles, [idOf('billing'), idOf('support')])
    const old = await store.apis.findByIdentifier('https://old-api/')
    assert.equal(old?.enforcePolicies, false)
    assert.equal(old?.tokenDialect, 'access_token')
    await store.migrate()
    assert.equal(await store.roles.count(), 3, 'migrating again makes no role')
  } finally {
    await store.close()
  }
}

describeUpgrade('migration 0020 (roles)', 'turns member and invitation role names into roles, once each', { leftOut: new Set(['0020-roles']), seed: seedOldRows, check: checkUpgraded })
