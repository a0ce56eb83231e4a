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

const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

function redacted(value: string): string {
  const parsed = new URL(value)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

async function unreachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
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

const probe = await unreachable()
const skip = probe === undefined ? false : `PostgreSQL not reachable at ${redacted(url)}: skipped (${probe})`
if (skip) console.log(skip)

const admin = new pg.Pool({ connectionString: url, max: 2 })
after(() => admin.end())

function schemaUrl(schema: string): string {
  const parsed = new URL(url)
  parsed.searchParams.set('schema', schema)
  return parsed.toString()
}

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
