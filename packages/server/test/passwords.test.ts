/**
 * Password hashing stays off the event loop and never takes the whole threadpool: a burst of
 * hashes runs at most MAX_CONCURRENT_HASHES at a time, in order, while the event loop and other
 * threadpool work (here a tiny pbkdf2, as WebCrypto signing would be) go on.
 */
import assert from 'node:assert/strict'
import { pbkdf2 } from 'node:crypto'
import { it } from 'node:test'
import { hashingLoad, hashPassword, MAX_CONCURRENT_HASHES, verifyPassword } from '../src/passwords.js'

it('runs at most MAX_CONCURRENT_HASHES argon2id hashes at once; the rest wait; all complete and verify', async () => {
  assert.ok(MAX_CONCURRENT_HASHES >= 1)
  let peak = 0
  let ticks = 0
  const sample = setInterval(() => {
    ticks++
    peak = Math.max(peak, hashingLoad().running)
  }, 1)
  const burst = Array.from({ length: 6 }, (_, i) => hashPassword(`password ${i}`))
  assert.equal(hashingLoad().running, MAX_CONCURRENT_HASHES)
  assert.equal(hashingLoad().waiting, 6 - MAX_CONCURRENT_HASHES)
  // Other threadpool work is not stuck behind the whole burst.
  const otherWork = new Promise<string>((resolve) => pbkdf2('x', 'y', 1, 32, 'sha256', () => resolve('other threadpool work')))
  const all = Promise.all(burst)
  assert.equal(await Promise.race([otherWork, all.then(() => 'the whole burst')]), 'other threadpool work')
  const hashes = await all
  clearInterval(sample)
  assert.ok(peak <= MAX_CONCURRENT_HASHES, `peak ${peak}`)
  assert.ok(ticks > 5, 'the event loop kept running while hashing')
  assert.deepEqual(hashingLoad(), { running: 0, waiting: 0 })
  for (const [i, phc] of hashes.entries()) {
    assert.match(phc, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    assert.equal(await verifyPassword(phc, `password ${i}`), true)
    assert.equal(await verifyPassword(phc, 'wrong'), false)
  }
  assert.equal(await verifyPassword(null, 'anything'), false)
})
