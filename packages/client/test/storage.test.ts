/**
 * The storage implementations: memory, Web Storage, and the 0600 file store for Node.
 */
import assert from 'node:assert/strict'
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { browserStorage, memoryStorage, type Storage, type WebStorageLike } from '../src/index.js'
import { fileStorage } from '../src/node/index.js'
import { clientFor, createFakeIssuer, login } from './support/fake-issuer.js'

function fakeWebStorage(): WebStorageLike & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
  }
}

async function behavesAsStorage(storage: Storage) {
  assert.equal(await storage.get('a'), null)
  await storage.set('a', '1')
  await storage.set('b', '{"x":2}')
  assert.equal(await storage.get('a'), '1')
  assert.equal(await storage.get('b'), '{"x":2}')
  await storage.set('a', '3')
  assert.equal(await storage.get('a'), '3')
  await storage.remove('a')
  await storage.remove('missing')
  assert.equal(await storage.get('a'), null)
  assert.equal(await storage.get('b'), '{"x":2}')
}

describe('storage', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-client-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('memoryStorage keeps values per instance', async () => {
    await behavesAsStorage(memoryStorage())
    const a = memoryStorage()
    await a.set('k', 'v')
    assert.equal(await memoryStorage().get('k'), null)
  })

  it('browserStorage reads and writes the given Web Storage', async () => {
    const web = fakeWebStorage()
    await behavesAsStorage(browserStorage(web))
    assert.deepEqual([...web.map], [['b', '{"x":2}']])
  })

  it('a session in browserStorage survives a new client (a page reload)', async () => {
    const fake = await createFakeIssuer()
    const web = fakeWebStorage()
    await login(clientFor(fake, { storage: browserStorage(web) }), fake)
    const reloaded = clientFor(fake, { storage: browserStorage(web) })
    assert.equal((await reloaded.getUser())?.sub, 'user-1')
    assert.ok(await reloaded.getAccessToken())
  })

  it('fileStorage stores values in a file of mode 0600 in a new 0700 directory', async () => {
    const path = join(dir, 'nested', 'tokens.json')
    const storage = fileStorage(path)
    await behavesAsStorage(storage)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.equal((await stat(join(dir, 'nested'))).mode & 0o777, 0o700)
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { b: '{"x":2}' })
    assert.equal(await fileStorage(path).get('b'), '{"x":2}', 'another instance (a later run) reads it')
  })

  it('fileStorage puts the mode back to 0600 when the file was loosened', async () => {
    const path = join(dir, 'loose.json')
    const storage = fileStorage(path)
    await storage.set('a', '1')
    await chmod(path, 0o644)
    await storage.set('a', '2')
    assert.equal((await stat(path)).mode & 0o777, 0o600)
  })

  it('fileStorage writes atomically: concurrent writes all land and no temporary file is left', async () => {
    const sub = await mkdtemp(join(dir, 'atomic-'))
    const path = join(sub, 'tokens.json')
    const storage = fileStorage(path)
    await Promise.all(Array.from({ length: 20 }, (_, i) => storage.set(`k${i}`, `v${i}`)))
    for (let i = 0; i < 20; i++) assert.equal(await storage.get(`k${i}`), `v${i}`)
    assert.deepEqual(await readdir(sub), ['tokens.json'])
  })

  it('fileStorage treats a file it cannot read as empty and replaces it on the next write', async () => {
    const path = join(dir, 'corrupt.json')
    await writeFile(path, 'not json', { mode: 0o600 })
    const storage = fileStorage(path)
    assert.equal(await storage.get('a'), null)
    await storage.set('a', '1')
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { a: '1' })
  })

  it('a session in fileStorage survives the process (a new client on the same file)', async () => {
    const fake = await createFakeIssuer()
    const path = join(dir, 'session.json')
    await login(clientFor(fake, { storage: fileStorage(path) }), fake)
    const later = clientFor(fake, { storage: fileStorage(path) })
    assert.equal((await later.getUser())?.sub, 'user-1')
    fake.clock.advance(3600 * 1000)
    assert.ok(await later.getAccessToken())
    assert.equal(fake.refreshCount(), 1)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
  })

  it('transactionStorage keeps pending logins apart: the login completes after a page reload while the tokens stay in memory', async () => {
    const fake = await createFakeIssuer()
    const web = fakeWebStorage()
    const before = clientFor(fake, { storage: memoryStorage(), transactionStorage: browserStorage(web) })
    const callback = fake.authorize(await before.buildAuthorizeUrl())
    assert.deepEqual([...web.map.keys()].map((k) => k.replace(/:tx:.*/, ':tx:<state>')).sort(), ['latchkey:test-client:tx:<state>', 'latchkey:test-client:txs'])
    // The page reloads on the callback: a new client, new memory, the same session storage.
    const after = clientFor(fake, { storage: memoryStorage(), transactionStorage: browserStorage(web) })
    assert.equal((await after.handleCallback(callback)).user.sub, 'user-1')
    assert.ok(await after.getAccessToken())
    assert.equal(web.map.get(`latchkey:test-client:tx:${new URL(callback).searchParams.get('state')}`), undefined, 'the transaction is consumed')
    assert.ok([...web.map.keys()].every((k) => !k.includes('session') && !k.includes('tokens')), 'no ID token or token set in session storage')
  })

  it('in a browser, the default memory storage keeps pending logins in sessionStorage, since memory does not survive the redirect', async () => {
    const fake = await createFakeIssuer()
    const web = fakeWebStorage()
    const global = globalThis as { sessionStorage?: WebStorageLike }
    global.sessionStorage = web
    try {
      const callback = fake.authorize(await clientFor(fake).buildAuthorizeUrl())
      assert.equal([...web.map.keys()].some((k) => k.startsWith('latchkey:test-client:tx:')), true)
      const reloaded = clientFor(fake)
      await reloaded.handleCallback(callback)
      assert.ok(await reloaded.getAccessToken())
      assert.ok([...web.map.keys()].every((k) => !k.includes('tokens')), 'tokens stay in memory')
      // An explicit storage is used for everything, as before.
      const storage = memoryStorage()
      await clientFor(fake, { storage }).buildAuthorizeUrl({ state: 'explicit' })
      assert.notEqual(await storage.get('latchkey:test-client:tx:explicit'), null)
      assert.equal(web.map.has('latchkey:test-client:tx:explicit'), false)
    } finally {
      delete global.sessionStorage
    }
  })
})
