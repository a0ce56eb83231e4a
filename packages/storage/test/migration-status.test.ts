/**
 * `store.migrationStatus()` before and after migrating, on SQLite and PostgreSQL: a database never
 * migrated has every migration pending, a migrated one none, and a closed store throws (the
 * readiness probe reports that as "store unreachable").
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { migrationProvider } from '../src/migrations/index.js'
import { openStore } from '../src/open.js'
import { postgresProblem, postgresUrl, redactedPostgresUrl, schemaUrl } from './support/postgres.js'

const known = Object.keys(await migrationProvider.getMigrations()).sort()

const probe = await postgresProblem()
const skipPostgres = probe === undefined ? false : `PostgreSQL not reachable at ${redactedPostgresUrl()}: skipped (${probe})`

const admin = skipPostgres ? null : new pg.Pool({ connectionString: postgresUrl, max: 1 })
after(() => admin?.end())
const schemas: string[] = []

/** Each database: a fresh, empty one per call to `url`, removed by `cleanup`. */
const databases = [
  { name: 'sqlite', skip: false as const, url: () => 'sqlite::memory:', cleanup: async () => {} },
  {
    name: 'postgres',
    skip: skipPostgres,
    url: () => {
      const schema = `lk_test_${randomBytes(6).toString('hex')}`
      schemas.push(schema)
      return schemaUrl(schema)
    },
    cleanup: async () => {
      for (const schema of schemas.splice(0)) await admin?.query(`drop schema if exists ${schema} cascade`)
    },
  },
]

for (const db of databases) {
  describe(`migrationStatus on ${db.name}`, { skip: db.skip }, () => {
    after(() => db.cleanup())

    it('has every known migration pending before the first migrate, and none after', async () => {
      const store = await openStore(db.url())
      try {
        assert.deepEqual(await store.migrationStatus(), { applied: [], pending: known })
        await store.migrate()
        assert.deepEqual(await store.migrationStatus(), { applied: known, pending: [] })
      } finally {
        await store.close()
      }
    })

    it('throws once the store is closed', async () => {
      const store = await openStore(db.url())
      await store.migrate()
      await store.close()
      await assert.rejects(store.migrationStatus())
    })
  })
}
