/**
 * Testing a migration on a database from before it: migrate with every migration but the ones left
 * out, write rows as the code of that time did, then open the store (which runs the rest) and check.
 * On SQLite (a file) and on PostgreSQL (a schema of its own, dropped afterwards; skipped, saying so,
 * when PostgreSQL does not answer).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { type Kysely, Migrator } from 'kysely'
import pg from 'pg'
import { openPostgres } from '../../src/kysely/postgres.js'
import type { Database } from '../../src/kysely/schema.js'
import { openSqlite } from '../../src/kysely/sqlite.js'
import { migrationProvider } from '../../src/migrations/index.js'
import { postgresProblem, postgresUrl, redactedPostgresUrl, schemaUrl } from './postgres.js'

/** Every migration but those named in `leftOut`, as a database upgraded before they shipped. */
export async function migrateWithout(db: Kysely<Database>, leftOut: ReadonlySet<string>, schema?: string): Promise<void> {
  const all = await migrationProvider.getMigrations()
  const before = Object.fromEntries(Object.entries(all).filter(([name]) => !leftOut.has(name)))
  const migrator = new Migrator({ db, provider: { getMigrations: async () => before }, allowUnorderedMigrations: true, ...(schema ? { migrationTableSchema: schema } : {}) })
  const { error } = await migrator.migrateToLatest()
  assert.equal(error, undefined)
}

export interface Upgrade {
  /** The migrations the old database lacks (the one tested, and any built on it). */
  readonly leftOut: ReadonlySet<string>
  /** Rows as the code of that time wrote them. */
  seed(db: Kysely<Database>): Promise<void>
  /** Opens the upgraded database at `url` (a store URL) and checks it. */
  check(url: string): Promise<void>
}

const probe = await postgresProblem()
const skipPostgres = probe === undefined ? false : `PostgreSQL not reachable at ${redactedPostgresUrl()}: skipped (${probe})`
if (skipPostgres) console.log(skipPostgres)

/** `describe(title on SQLite)` and `describe(title on PostgreSQL)`, each with one `it(does, …)` running the upgrade. */
export function describeUpgrade(title: string, does: string, upgrade: Upgrade): void {
  const root = mkdtempSync(join(tmpdir(), 'latchkey-upgrade-'))
  after(() => rmSync(root, { recursive: true, force: true }))

  describe(`${title} on SQLite`, () => {
    it(does, async () => {
      const path = join(root, `before-${randomBytes(4).toString('hex')}.db`)
      const db = openSqlite(path)
      await migrateWithout(db, upgrade.leftOut)
      await upgrade.seed(db)
      await db.destroy()
      await upgrade.check(`sqlite:${path}`)
    })
  })

  describe(`${title} on PostgreSQL`, { skip: skipPostgres }, () => {
    it(does, async () => {
      const schema = `lk_up_${randomBytes(6).toString('hex')}`
      const admin = new pg.Client({ connectionString: postgresUrl })
      await admin.connect()
      try {
        const handle = await openPostgres(schemaUrl(schema))
        try {
          await migrateWithout(handle.db, upgrade.leftOut, schema)
          await upgrade.seed(handle.db)
        } finally {
          await handle.db.destroy()
        }
        await upgrade.check(schemaUrl(schema))
      } finally {
        await admin.query(`drop schema if exists ${schema} cascade`)
        await admin.end()
      }
    })
  })
}
