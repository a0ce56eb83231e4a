/**
 * Migrations apply whatever order their names arrived in: a database that ran a later-numbered
 * migration before an earlier-numbered one shipped (0004 before 0003, on a branch) still migrates.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { Migrator } from 'kysely'
import { openSqlite } from '../src/kysely/sqlite.js'
import { migrationProvider } from '../src/migrations/index.js'
import { openAndMigrate } from '../src/open.js'

const root = mkdtempSync(join(tmpdir(), 'latchkey-migration-order-'))
after(() => rmSync(root, { recursive: true, force: true }))

describe('migration order', () => {
  it('a database that skipped a migration gets it later, after newer ones already ran', async () => {
    const path = join(root, 'latchkey.db')
    const all = await migrationProvider.getMigrations()
    const names = Object.keys(all).sort()
    assert.ok(names.length >= 3)
    const skipped = names.at(-2) as string
    const partial = Object.fromEntries(Object.entries(all).filter(([name]) => name !== skipped))

    const db = openSqlite(path)
    const first = await new Migrator({ db, provider: { getMigrations: async () => partial }, allowUnorderedMigrations: true }).migrateToLatest()
    assert.equal(first.error, undefined)
    await db.destroy()

    const store = await openAndMigrate(`sqlite:${path}`)
    try {
      const check = openSqlite(path)
      const rows = await check.selectFrom('kysely_migration' as never).select('name' as never).execute()
      await check.destroy()
      assert.deepEqual((rows as unknown as { name: string }[]).map((r) => r.name).sort(), names)
    } finally {
      await store.close()
    }
  })
})
