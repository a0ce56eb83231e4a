/**
 * Group commit on SQLite (kysely/sqlite-group-commit.ts): writes made outside a transaction in one
 * turn of the event loop share one commit; none is reported done before another connection on the
 * file can see it; a failing statement fails alone; transactions still hold the connection alone.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import SQLite from 'better-sqlite3'
import type { Store } from '../src/contract.js'
import { openAndMigrate } from '../src/open.js'
import { user } from './fixtures.js'

const root = mkdtempSync(join(tmpdir(), 'latchkey-group-commit-'))
after(() => rmSync(root, { recursive: true, force: true }))
let files = 0

interface FileStore {
  readonly store: Store
  /** Users as another connection on the same file sees them: only what was committed. */
  count(): number
}

/** Runs fn with a store on a fresh file and a second, read-only connection to it; closes both. */
async function withFileStore(fn: (s: FileStore) => Promise<void>): Promise<void> {
  const path = join(root, `db-${++files}.db`)
  const store = await openAndMigrate(`sqlite:${path}`)
  const other = new SQLite(path, { readonly: true })
  try {
    await fn({ store, count: () => (other.prepare('select count(*) as n from users').get() as { n: number }).n })
  } finally {
    other.close()
    await store.close()
  }
}

describe('SQLite group commit', () => {
  it('writes made together share one commit: when the first is reported done, all are visible elsewhere', () =>
    withFileStore(async ({ store, count }) => {
      const people = Array.from({ length: 10 }, () => user())
      const inserts = people.map((p) => store.users.insert(p))
      await Promise.race(inserts)
      // Statement by statement, only the first would be committed by now.
      assert.equal(count(), 10)
      await Promise.all(inserts)
    }))

  it('no write is reported done before another connection can read it', () =>
    withFileStore(async ({ store, count }) => {
      for (let i = 1; i <= 20; i++) {
        await store.users.insert(user())
        assert.equal(count(), i)
      }
    }))

  it('a statement that fails fails alone; the others of its batch commit', () =>
    withFileStore(async ({ store, count }) => {
      const first = user()
      await store.users.insert(first)
      const results = await Promise.allSettled([
        store.users.insert(user()),
        store.users.insert(user({ email: first.email })),
        store.users.insert(user()),
      ])
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled'])
      assert.match(String((results[1] as PromiseRejectedResult).reason), /already exists/)
      assert.equal(count(), 3)
    }))

  it('a transaction begun while a batch is open commits the batch first, and its rollback leaves the batch alone', () =>
    withFileStore(async ({ store, count }) => {
      const outside = user()
      const inside = user()
      const batched = store.users.insert(outside)
      const rolledBack = store.transaction(async (tx) => {
        await tx.users.insert(inside)
        throw new Error('undo')
      })
      const after = store.users.insert(user())
      await assert.rejects(rolledBack, /undo/)
      await Promise.all([batched, after])
      assert.notEqual(await store.users.get(outside.id), null)
      assert.equal(await store.users.get(inside.id), null)
      assert.equal(count(), 2)
    }))

  it('writes from outside a transaction wait for it and never land inside it', () =>
    withFileStore(async ({ store }) => {
      const doomed = user()
      const bystanders = Array.from({ length: 5 }, () => user())
      let release: () => void = () => {}
      const held = new Promise<void>((resolve) => {
        release = resolve
      })
      const tx = store.transaction(async (t) => {
        await t.users.insert(doomed)
        await held
        throw new Error('undo')
      })
      // Issued while the transaction holds the connection.
      await new Promise((resolve) => setTimeout(resolve, 10))
      const writes = bystanders.map((b) => store.users.insert(b))
      release()
      await assert.rejects(tx, /undo/)
      await Promise.all(writes)
      for (const b of bystanders) assert.notEqual(await store.users.get(b.id), null)
      assert.equal(await store.users.get(doomed.id), null)
    }))
})
