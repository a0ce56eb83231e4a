/**
 * The contract on PostgreSQL: TEST_DATABASE_URL, or the local default. Every test gets its own
 * schema (`lk_test_<random>`, via `?schema=`), dropped after it. Skipped, saying so, when no server
 * answers.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import { openAndMigrate, openStore } from '../src/open.js'
import { storeContract } from './contract.js'
import { user } from './fixtures.js'
import { postgresProblem, postgresUrl, redactedPostgresUrl, schemaUrl } from './support/postgres.js'

const probe = await postgresProblem()
const skip = probe === undefined ? false : `PostgreSQL not reachable at ${redactedPostgresUrl()}: skipped (${probe})`
if (skip) console.log(skip)

const admin = new pg.Pool({ connectionString: postgresUrl, max: 2 })
after(() => admin.end())

const created: string[] = []
function freshSchema(): string {
  const schema = `lk_test_${randomBytes(6).toString('hex')}`
  created.push(schema)
  return schema
}

async function dropSchemas(): Promise<void> {
  for (const schema of created.splice(0)) await admin.query(`drop schema if exists ${schema} cascade`)
}

storeContract('postgres', () => openStore(schemaUrl(freshSchema())), { skip, cleanup: dropSchemas })

describe('PostgreSQL schemas', { skip }, () => {
  it('stores in two schemas of one database each migrate and keep their data apart', async () => {
    const first = await openAndMigrate(schemaUrl(freshSchema()))
    const second = await openAndMigrate(schemaUrl(freshSchema()))
    try {
      const person = user()
      await first.users.insert(person)
      assert.deepEqual(await first.users.get(person.id), person)
      assert.equal(await second.users.get(person.id), null)
      assert.equal(second.dialect, 'postgres')
    } finally {
      await first.close()
      await second.close()
      await dropSchemas()
    }
  })

  it('rejects a schema name that is not a plain identifier', async () => {
    await assert.rejects(openStore(schemaUrl('x; drop table users')), /invalid schema name/)
  })
})
