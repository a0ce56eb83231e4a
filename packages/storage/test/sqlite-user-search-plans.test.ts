/**
 * On SQLite, users.search reads migration 0026's indexes (its LIKE optimisation needs a NOCASE index
 * and a pattern without a leading wildcard): every statement the search sends (the page and its
 * count) is recorded as prepared, with its parameters, and planned with EXPLAIN QUERY PLAN; a
 * `SCAN users` (the whole table) is a failure. The statements are recorded at better-sqlite3, so
 * what is planned is what was sent.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import type { UserSearch } from '@latchkey/core'
import SQLite from 'better-sqlite3'
import { openAndMigrate } from '../src/open.js'
import { user } from './fixtures.js'

const root = mkdtempSync(join(tmpdir(), 'latchkey-search-plans-'))
after(() => rmSync(root, { recursive: true, force: true }))

const SEARCHES: Readonly<Record<string, UserSearch>> = {
  'name prefix': [{ fields: ['name'], match: 'prefix', value: 'Jan' }],
  'email or name prefix (a bare term)': [{ fields: ['email', 'name'], match: 'prefix', value: 'jan' }],
  'exact given name and family name or nickname': [
    { fields: ['given_name'], match: 'exact', value: 'Jane' },
    { fields: ['family_name', 'nickname'], match: 'exact', value: 'doe' },
  ],
  'exact email': [{ fields: ['email'], match: 'exact', value: 'jane@example.com' }],
  'user id': [{ fields: ['user_id'], match: 'exact', value: 'auth0|x' }],
  'a % in a prefix': [{ fields: ['name'], match: 'prefix', value: '100%' }],
}

describe('SQLite plans of users.search', () => {
  it('every statement of a search reads an index, never the whole users table', async () => {
    const path = join(root, 'latchkey.db')
    const store = await openAndMigrate(`sqlite:${path}`)
    const recorded: { sql: string; params: unknown[] }[] = []
    const prepare = SQLite.prototype.prepare
    try {
      for (let i = 0; i < 200; i++) await store.users.insert(user({ name: `Person ${i}`, givenName: `G${i}`, familyName: `F${i}`, nickname: `n${i}` }))
      const record = () => {
        SQLite.prototype.prepare = function (this: SQLite.Database, source: string) {
          const statement = prepare.call(this, source)
          if (/from "users"/.test(source)) {
            for (const method of ['all', 'get'] as const) {
              const run = statement[method].bind(statement) as (...params: unknown[]) => unknown
              statement[method] = ((...params: unknown[]) => {
                recorded.push({ sql: source, params })
                return run(...params)
              }) as never
            }
          }
          return statement
        } as typeof SQLite.prototype.prepare
      }
      const problems: string[] = []
      for (const [name, search] of Object.entries(SEARCHES)) {
        recorded.length = 0
        record()
        await store.users.search(search, { perPage: 10 })
        assert.ok(recorded.length >= 2, `${name}: the page and the count were sent`)
        SQLite.prototype.prepare = prepare
        const check = new SQLite(path, { readonly: true })
        for (const { sql, params } of recorded) {
          const plan = (check.prepare(`explain query plan ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail)
          if (plan.some((detail) => /^SCAN users\b/.test(detail))) problems.push(`${name}: ${plan.join('; ')} for ${sql}`)
        }
        check.close()
      }
      assert.deepEqual(problems, [])
    } finally {
      SQLite.prototype.prepare = prepare
      await store.close()
    }
  })
})
