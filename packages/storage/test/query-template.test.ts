/**
 * Statements compiled once (kysely/query-template.ts) send exactly what Kysely would have compiled
 * for the same arguments, on SQLite and PostgreSQL, and plugins still see every execution.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import type { Kysely, KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely'
import pg from 'pg'
import { openPostgres } from '../src/kysely/postgres.js'
import { InsertTemplate, QueryTemplate } from '../src/kysely/query-template.js'
import type { Database } from '../src/kysely/schema.js'
import { openSqlite } from '../src/kysely/sqlite.js'
import { KyselyStore } from '../src/kysely/store.js'
import { postgresProblem, postgresUrl, redactedPostgresUrl, schemaUrl } from './support/postgres.js'

const probe = await postgresProblem()
const pgSkip = probe === undefined ? false : `PostgreSQL not reachable at ${redactedPostgresUrl()}: skipped (${probe})`
if (pgSkip) console.log(pgSkip)

class Counting implements KyselyPlugin {
  queries = 0
  results = 0
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.queries++
    return args.node
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.results++
    return args.result
  }
}

const session = (db: Kysely<Database>, idHash: string, now: number) =>
  db.selectFrom('sso_sessions').selectAll().where('id_hash', '=', idHash).where('ended_at', 'is', null).where('expires_at', '>', now)

function suite(name: string, open: () => Promise<{ db: Kysely<Database>; schema: string | undefined; close(): Promise<void> }>, skip: string | false = false) {
  describe(`query templates: ${name}`, { skip }, () => {
    it('send the SQL and parameters Kysely compiles for the same arguments, and read the same rows', async () => {
      const { db, schema, close } = await open()
      try {
        await new KyselyStore(db, { dialect: name === 'sqlite' ? 'sqlite' : 'postgres', schema }).migrate()
        const template = new QueryTemplate(session)
        const insert = new InsertTemplate('sso_sessions')
        const row = { id_hash: 'h1', sid: 's1', user_id: 'u1', auth_time: 1, created_at: 1, idle_expires_at: 5_000, expires_at: 10_000, ended_at: null }
        await insert.execute(db, row)
        await insert.execute(db, { ...row, id_hash: 'h2', sid: 's2', ended_at: 7 })
        for (const [hash, now] of [['h1', 100], ['h1', 20_000], ['h2', 100], ['nope', 100]] as const) {
          const expected = session(db, hash, now).compile()
          const sent = template.compiled(db, hash, now)
          assert.equal(sent.sql, expected.sql)
          assert.deepEqual(sent.parameters, expected.parameters)
          assert.deepEqual((await template.execute(db, hash, now)).rows, await session(db, hash, now).execute())
        }
        assert.equal((await template.first(db, 'h1', 100))?.sid, 's1')
        assert.equal(await template.first(db, 'h2', 100), undefined)
      } finally {
        await close()
      }
    })

    it('plugins see every execution, not only the first', async () => {
      const { db, schema, close } = await open()
      try {
        await new KyselyStore(db, { dialect: name === 'sqlite' ? 'sqlite' : 'postgres', schema }).migrate()
        const counting = new Counting()
        const template = new QueryTemplate(session)
        for (let i = 0; i < 3; i++) await template.execute(db.withPlugin(counting), 'x', 1)
        assert.equal(counting.queries, 3)
        assert.equal(counting.results, 3)
      } finally {
        await close()
      }
    })

    it('refuses a template one of whose arguments never reaches the SQL', async () => {
      const { db, close } = await open()
      try {
        const broken = new QueryTemplate((d: Kysely<Database>, idHash: string, _unused: number) => d.selectFrom('sso_sessions').selectAll().where('id_hash', '=', idHash))
        await assert.rejects(broken.execute(db, 'x', 1), /never reach the SQL/)
      } finally {
        await close()
      }
    })
  })
}

suite('sqlite', async () => {
  const db = openSqlite(':memory:')
  return { db, schema: undefined, close: () => db.destroy() }
})

const schemas: string[] = []
suite(
  'postgres',
  async () => {
    const schema = `lk_tpl_${randomBytes(6).toString('hex')}`
    schemas.push(schema)
    const handle = await openPostgres(schemaUrl(schema))
    return { db: handle.db, schema, close: () => handle.db.destroy() }
  },
  pgSkip,
)
after(async () => {
  if (schemas.length === 0) return
  const admin = new pg.Client({ connectionString: postgresUrl })
  await admin.connect()
  for (const s of schemas) await admin.query(`drop schema if exists ${s} cascade`)
  await admin.end()
})
