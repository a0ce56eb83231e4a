/**
 * The databases end-to-end tests run on: in-memory SQLite always, and PostgreSQL (a fresh schema
 * per server) whenever TEST_DATABASE_URL or the local default answers. Says clearly when it skips.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export interface TestDatabase {
  readonly name: string
  /** False, or the reason the backend is skipped. */
  readonly skip: false | string
  url(): string
  cleanup(): Promise<void>
}

const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => {})
  }
}

const problem = await probe()
const schemas: string[] = []

export const databases: readonly TestDatabase[] = [
  { name: 'SQLite', skip: false, url: () => 'sqlite::memory:', cleanup: async () => {} },
  {
    name: 'PostgreSQL',
    skip: problem === undefined ? false : `PostgreSQL not reachable at ${new URL(pgUrl).host}: skipped (${problem})`,
    url() {
      const schema = `lk_e2e_${randomBytes(6).toString('hex')}`
      schemas.push(schema)
      const url = new URL(pgUrl)
      url.searchParams.set('schema', schema)
      return url.toString()
    },
    async cleanup() {
      const admin = new pg.Client({ connectionString: pgUrl })
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
