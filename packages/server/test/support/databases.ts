/**
 * The databases end-to-end tests run on: in-memory SQLite always, and PostgreSQL (a fresh schema
 * per server) whenever TEST_DATABASE_URL or the local default answers. Says clearly when it skips.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { postgresProblem, postgresUrl, schemaUrl } from '../../../storage/test/support/postgres.js'

export interface TestDatabase {
  readonly name: string
  /** False, or the reason the backend is skipped. */
  readonly skip: false | string
  url(): string
  cleanup(): Promise<void>
}

const problem = await postgresProblem()
const schemas: string[] = []

export const databases: readonly TestDatabase[] = [
  { name: 'SQLite', skip: false, url: () => 'sqlite::memory:', cleanup: async () => {} },
  {
    name: 'PostgreSQL',
    skip: problem === undefined ? false : `PostgreSQL not reachable at ${new URL(postgresUrl).host}: skipped (${problem})`,
    url() {
      const schema = `lk_e2e_${randomBytes(6).toString('hex')}`
      schemas.push(schema)
      return schemaUrl(schema)
    },
    async cleanup() {
      const admin = new pg.Client({ connectionString: postgresUrl })
      await admin.connect()
      try {
        for (const schema of schemas.splice(0)) await admin.query(`drop schema if exists ${schema} cascade`)
      } finally {
        await admin.end()
      }
    },
  },
]

for (const db of databases) if (db.skip) console.log(`# ${db.skip}`)
