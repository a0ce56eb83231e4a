/**
 * Several Latchkey nodes on one PostgreSQL database, as the store sees them: each node is a store
 * with its own pool (here, in one process), all on one schema. They migrate a fresh schema at once,
 * hear each other's changes (and not those of another schema), share the housekeeping lock, and
 * get both back after losing their sessions. Skipped, saying so, when PostgreSQL does not answer.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import type { Store } from '../src/contract.js'
import { migrationProvider } from '../src/migrations/index.js'
import { openAndMigrate, openStore } from '../src/open.js'
import { eventually } from './contract/coordination.js'
import { application, signingKey } from './fixtures.js'
import { postgresProblem, postgresUrl, redactedPostgresUrl, schemaUrl } from './support/postgres.js'

const probe = await postgresProblem()
const skip = probe === undefined ? false : `PostgreSQL not reachable at ${redactedPostgresUrl()}: skipped (${probe})`
if (skip) console.log(skip)

const admin = new pg.Pool({ connectionString: postgresUrl, max: 2 })
const schemas: string[] = []
const stores: Store[] = []
after(async () => {
  for (const store of stores.splice(0)) await store.close().catch(() => {})
  for (const schema of schemas.splice(0)) await admin.query(`drop schema if exists ${schema} cascade`)
  await admin.end()
})

function freshSchema(): string {
  const schema = `lk_nodes_${randomBytes(6).toString('hex')}`
  schemas.push(schema)
  return schema
}

async function nodes(schema: string, count: number): Promise<Store[]> {
  const opened = await Promise.all(Array.from({ length: count }, () => openAndMigrate(schemaUrl(schema))))
  stores.push(...opened)
  return opened
}

/** Ends the sessions this schema's stores opened for `purpose` ('changes' or 'lock'), as a network failure would. */
async function killSessions(purpose: 'changes' | 'lock', schema: string): Promise<number> {
  const { rowCount } = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [
    `latchkey ${purpose} ${schema}`,
  ])
  return rowCount ?? 0
}

describe('several nodes on one PostgreSQL schema', { skip }, () => {
  it('three nodes migrating a fresh schema at once apply each migration exactly once, while other schemas come and go', async () => {
    const schema = freshSchema()
    // Another tenant of the database creating and dropping schemas meanwhile (as parallel test runs do).
    let churning = true
    const churn = (async () => {
      const other = `lk_churn_${randomBytes(6).toString('hex')}`
      while (churning) {
        await admin.query(`create schema ${other}; create table ${other}.t (id serial primary key)`)
        await admin.query(`drop schema ${other} cascade`)
      }
    })()
    const [first] = await nodes(schema, 3).finally(() => {
      churning = false
    })
    await churn
    const { rows } = await admin.query(`select name, count(*)::int as n from ${schema}.kysely_migration group by name order by name`)
    assert.deepEqual(
      rows.map((row: { name: string }) => row.name),
      Object.keys(await migrationProvider.getMigrations()).sort(),
    )
    assert.ok(rows.every((row: { n: number }) => row.n === 1))
    assert.deepEqual((await first?.migrationStatus())?.pending, [])
  })

  it('a change written on one node reaches the listeners of every node on the schema, and of no other schema', async () => {
    const schema = freshSchema()
    const [writer, reader] = await nodes(schema, 2)
    const [elsewhere] = await nodes(freshSchema(), 1)
    assert.ok(writer && reader && elsewhere)
    const heard: string[] = []
    const heardElsewhere: string[] = []
    reader.changes.listen((topic) => heard.push(topic))
    elsewhere.changes.listen((topic) => heardElsewhere.push(topic))
    await Promise.all([reader.changes.ready(), elsewhere.changes.ready()])

    await writer.signingKeys.insert(signingKey())
    await eventually(() => heard.includes('signing-keys'))
    // A rolled-back write tells nobody.
    await assert.rejects(
      writer.transaction(async (tx) => {
        await tx.applications.insert(application())
        throw new Error('rolled back')
      }),
    )
    await writer.applications.insert(application())
    await eventually(() => heard.includes('applications'))
    assert.deepEqual(heard, ['signing-keys', 'applications'])
    assert.deepEqual(heardElsewhere, [])
  })

  it('a node whose LISTEN connection is lost reconnects and tells its listeners that anything may have changed', async () => {
    const schema = freshSchema()
    const [writer, reader] = await nodes(schema, 2)
    assert.ok(writer && reader)
    const heard: string[] = []
    reader.changes.listen((topic) => heard.push(topic))
    await reader.changes.ready()
    assert.equal(await killSessions('changes', schema), 1)
    await eventually(() => heard.includes('all'))
    await writer.apis.maxTokenLifetime() // the writer's pool is untouched
    await writer.signingKeys.insert(signingKey())
    await eventually(() => heard.includes('signing-keys'))
  })

  it('one node at a time holds a lock; another schema has its own; a holder that loses its session releases it', async () => {
    const schema = freshSchema()
    const [one, two] = await nodes(schema, 2)
    const [elsewhere] = await nodes(freshSchema(), 1)
    assert.ok(one && two && elsewhere)
    let release: () => void = () => {}
    const holding = new Promise<void>((resolve) => {
      release = resolve
    })
    let entered = () => {}
    const inside = new Promise<void>((resolve) => {
      entered = resolve
    })
    const held = one.exclusive('sweeper', async () => {
      entered()
      await holding
      return 'swept'
    })
    await inside
    assert.deepEqual(await two.exclusive('sweeper', async () => 'two'), { ran: false })
    assert.deepEqual(await elsewhere.exclusive('sweeper', async () => 'elsewhere'), { ran: true, value: 'elsewhere' })

    // The holder's node loses its lock session (a crash would end it the same way).
    assert.equal(await killSessions('lock', schema), 1)
    const deadline = Date.now() + 3000
    let taken = await two.exclusive('sweeper', async () => 'two')
    while (!taken.ran && Date.now() < deadline) taken = await two.exclusive('sweeper', async () => 'two')
    assert.deepEqual(taken, { ran: true, value: 'two' })
    release()
    assert.deepEqual(await held, { ran: true, value: 'swept' })
  })

  it('sizes the pool from ?pool= and refuses a size that is not a whole number from 1 to 1000', async () => {
    const schema = freshSchema()
    const url = new URL(schemaUrl(schema))
    url.searchParams.set('pool', '1')
    const single = await openAndMigrate(url.toString())
    stores.push(single)
    // One connection serves everything, the housekeeping lock included (it has a session of its own).
    assert.deepEqual(await single.exclusive('sweeper', async () => single.applications.count()), { ran: true, value: 0 })
    await Promise.all(Array.from({ length: 5 }, () => single.users.count()))
    for (const bad of ['0', '1001', 'ten', '2.5']) {
      url.searchParams.set('pool', bad)
      await assert.rejects(openStore(url.toString()), /pool size/)
    }
  })
})
