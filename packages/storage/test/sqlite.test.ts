import { migrationProvider } from '../src/migrations/index.js'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, it } from 'node:test'
import SQLite from 'better-sqlite3'
import { openAndMigrate, openStore } from '../src/open.js'
import { storeContract } from './contract.js'
import { T0, user } from './fixtures.js'
import { type Child, spawnChild } from './support/spawn-child.js'

const root = mkdtempSync(join(tmpdir(), 'latchkey-storage-'))
after(() => rmSync(root, { recursive: true, force: true }))

let fileCount = 0
/** A fresh file in a directory that does not exist yet (openStore creates it). */
function freshFile(): string {
  fileCount += 1
  return join(root, `run-${fileCount}`, 'nested', 'latchkey.db')
}

storeContract('sqlite (memory)', () => openStore('sqlite::memory:'))

storeContract('sqlite (file, WAL)', () => openStore(`sqlite:${freshFile()}`))

describe('SQLite file shared by several handles and processes', () => {
  it('creates the parent directory and puts the file in WAL mode with a busy timeout', async () => {
    const path = freshFile()
    const store = await openAndMigrate(`sqlite:${path}`)
    try {
      const raw = new SQLite(path, { readonly: true })
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal')
      raw.close()
      assert.equal(store.dialect, 'sqlite')
    } finally {
      await store.close()
    }
  })

  it('two openStore handles on the same file see each other’s writes immediately', async () => {
    const path = freshFile()
    const server = await openAndMigrate(`sqlite:${path}`)
    const cli = await openAndMigrate(path)
    try {
      const person = user()
      await cli.users.insert(person)
      assert.deepEqual(await server.users.get(person.id), person)
      await server.users.update(person.id, { blocked: true, updatedAt: T0 + 1 })
      assert.equal((await cli.users.get(person.id))?.blocked, true)
      assert.equal(await server.users.delete(person.id), true)
      assert.equal(await cli.users.get(person.id), null)
    } finally {
      await cli.close()
      await server.close()
    }
  })

  it('migrate from four processes at once on a new file applies each migration once', async () => {
    const path = freshFile()
    // A shared start line well after the children's loader start-up, so their migrations overlap.
    const at = String(Date.now() + 2500)
    const children = Array.from({ length: 4 }, () => spawnChild(['migrate', `sqlite:${path}`, at]))
    const outputs = await Promise.all(children.map((child) => child.done))
    for (const output of outputs) assert.match(output, /^migrated$/m)
    const raw = new SQLite(path, { readonly: true })
    try {
      const { n, names } = raw.prepare('select count(*) as n, count(distinct name) as names from kysely_migration').get() as { n: number; names: number }
      assert.equal(n, Object.keys(await migrationProvider.getMigrations()).length)
      assert.equal(names, n)
    } finally {
      raw.close()
    }
  })

  it('a write waits for another process’s open transaction instead of failing', async () => {
    const path = freshFile()
    const store = await openAndMigrate(`sqlite:${path}`)
    try {
      const holder = spawnChild(['hold', `sqlite:${path}`, '300', 'auth0|held'])
      await holder.printed('holding')
      const person = user()
      await store.users.insert(person)
      await holder.done
      assert.notEqual(await store.users.get('auth0|held'), null)
      assert.notEqual(await store.users.get(person.id), null)
    } finally {
      await store.close()
    }
  })

  it('a read-then-write transaction survives another process writing meanwhile (it waits for the lock)', async () => {
    const path = freshFile()
    const store = await openAndMigrate(`sqlite:${path}`)
    try {
      const person = user({ name: '1' })
      await store.users.insert(person)
      let other: Child | undefined
      await store.transaction(async (tx) => {
        const before = await tx.users.get(person.id)
        other = spawnChild(['insert', `sqlite:${path}`, '-', 'auth0|other'])
        await other.printed('ready')
        await sleep(300) // the other process tries its write now, and has to wait for ours
        await tx.users.update(person.id, { name: String(Number(before?.name) + 1) })
      })
      assert.ok(other)
      assert.match(await other.done, /^inserted$/m)
      assert.equal((await store.users.get(person.id))?.name, '2')
      assert.notEqual(await store.users.get('auth0|other'), null)
    } finally {
      await store.close()
    }
  })
})

describe('background WAL checkpoints (sqlite-checkpoints.ts)', () => {
  it('closing the store waits for the checkpoint worker to exit, even in a process with nothing else to do', async () => {
    // The worker starts 2 s after the store opens and does not keep a process alive; a close that
    // waited on it without holding it would leave the process ending with the close unfinished.
    const open = new URL('../src/open.ts', import.meta.url).href
    const script = join(mkdtempSync(join(tmpdir(), 'latchkey-close-')), 'close.mts')
    writeFileSync(
      script,
      `import { openAndMigrate } from ${JSON.stringify(open)}
      const store = await openAndMigrate(${JSON.stringify(`sqlite:${freshFile()}`)})
      await new Promise((resolve) => setTimeout(resolve, 2300))
      await store.close()
      console.log('closed')
    `,
    )
    const { execFile } = await import('node:child_process')
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', '--conditions=@latchkey/source', script], { timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      )
    })
    assert.equal(result.stdout.trim(), 'closed', result.stderr)
    assert.equal(result.code, 0, result.stderr)
  })
})
