import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseDatabaseUrl } from '../src/open.js'

describe('parseDatabaseUrl', () => {
  it('reads sqlite: URLs, sqlite::memory: and bare .db paths as SQLite', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:./data/latchkey.db'), { dialect: 'sqlite', path: './data/latchkey.db' })
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/latchkey.db'), { dialect: 'sqlite', path: '/var/lib/latchkey.db' })
    assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { dialect: 'sqlite', path: ':memory:' })
    assert.deepEqual(parseDatabaseUrl(':memory:'), { dialect: 'sqlite', path: ':memory:' })
    assert.deepEqual(parseDatabaseUrl('data/latchkey.db'), { dialect: 'sqlite', path: 'data/latchkey.db' })
  })

  it('reads postgres:// and postgresql:// URLs as PostgreSQL', () => {
    const url = 'postgres://user:pw@db.example:5432/latchkey?schema=tenant_a'
    assert.deepEqual(parseDatabaseUrl(url), { dialect: 'postgres', url })
    assert.equal(parseDatabaseUrl('postgresql://db.example/latchkey').dialect, 'postgres')
  })

  it('rejects other URLs without echoing them (they may hold a password)', () => {
    assert.throws(
      () => parseDatabaseUrl('mysql://root:hunter2@db.example/latchkey'),
      (error: Error) => /unsupported database URL \(mysql:/.test(error.message) && !error.message.includes('hunter2'),
    )
    assert.throws(() => parseDatabaseUrl('sqlite:'), /names no file/)
    assert.throws(() => parseDatabaseUrl('latchkey.txt'), /unsupported database URL/)
  })
})
