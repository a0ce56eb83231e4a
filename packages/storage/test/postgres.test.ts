/**
 * The contract on PostgreSQL: TEST_DATABASE_URL, or the local default. Every test gets a migrated
 * store of its own, dropped after it: a database cloned from one this file migrated once
 * (`CREATE DATABASE … TEMPLATE`, a fraction of the time every migration takes again), its store in
 * a schema (`?schema=`); where this user may not create databases, a fresh schema
 * (`lk_test_<random>`) of the test database that the test migrates. Skipped, saying so, when no
 * server answers.
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

const created: string[] = []
function freshSchema(): string {
  const schema = `lk_test_${randomBytes(6).toString('hex')}`
  created.push(schema)
  return schema
}

async function dropSchemas(): Promise<void> {
  for (const schema of created.splice(0)) await admin.query(`drop schema if exists ${schema} cascade`)
}

/** The schema the contract's stores live in, in each cloned database. */
const CONTRACT_SCHEMA = 'lk_contract'

function databaseUrl(database: string): string {
  const parsed = new URL(schemaUrl(CONTRACT_SCHEMA))
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** The migrated database the tests' databases are cloned from; null where this user may not create databases. */
let template: Promise<string | null> | undefined
async function migratedTemplate(): Promise<string | null> {
  const name = `lk_template_${randomBytes(6).toString('hex')}`
  try {
    await admin.query(`create database ${name}`)
  } catch {
    return null
  }
  const store = await openStore(databaseUrl(name))
  try {
    await store.migrate()
  } finally {
    await store.close()
  }
  return name
}

const clones: string[] = []
async function openContractStore() {
  template ??= migratedTemplate()
  const from = await template
  if (from === null) return openStore(schemaUrl(freshSchema()))
  const name = `lk_test_${randomBytes(6).toString('hex')}`
  await admin.query(`create database ${name} template ${from}`)
  clones.push(name)
  return openStore(databaseUrl(name))
}

async function dropContractStores(): Promise<void> {
  for (const name of clones.splice(0)) await admin.query(`drop database if exists ${name} with (force)`)
  await dropSchemas()
}

after(async () => {
  const from = await template
  if (from) await admin.query(`drop database if exists ${from} with (force)`)
  await admin.end()
})

storeContract('postgres', openContractStore, { skip, cleanup: dropContractStores })

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
