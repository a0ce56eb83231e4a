/**
 * The key set over time: a rotation is picked up without restarting the API, a flood of unknown
 * `kid`s cannot make the verifier hammer the issuer, a key the issuer stops publishing stops
 * working, and a briefly unreachable issuer does not take the API down.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { createRemoteJWKSet, customFetch, jwtVerify } from 'jose'
import { BearerError, createVerifier, IssuerError } from '../src/index.js'
import { AUDIENCE, DISCOVERY_PATH, IssuerLink, JWKS_PATH, Latchkey, parts, signWithStrangerKey, sleep } from './support/latchkey.js'

let latchkey: Latchkey
before(async () => {
  latchkey = await Latchkey.start()
})
after(() => latchkey.close())

const isInvalidToken = (e: unknown) => e instanceof BearerError && e.status === 401 && e.error === 'invalid_token'

describe('key rotation', () => {
  it('keeps old tokens and accepts new-key tokens after `keys rotate --delay 0`, without a restart', async () => {
    const link = new IssuerLink()
    const verifier = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, cooldown: 3_000, fetch: link.fetch })
    const before = await latchkey.accessToken()
    await verifier.verifyAccessToken(before)
    const fetchedAt = Date.now()
    assert.equal(link.count(JWKS_PATH), 1)

    const rotated = await latchkey.server.running.deps.keys.rotate(0)
    const afterRotation = await latchkey.accessToken()
    assert.equal(parts(afterRotation).header.kid, rotated.kid)
    assert.notEqual(parts(before).header.kid, rotated.kid)

    // within the cooldown of the last fetch, an unknown kid does not refetch
    await assert.rejects(verifier.verifyAccessToken(afterRotation), isInvalidToken)
    assert.equal(link.count(JWKS_PATH), 1)
    await sleep(3_000 - (Date.now() - fetchedAt) + 50)
    const claims = await verifier.verifyAccessToken(afterRotation)
    assert.equal(claims.sub, latchkey.user.id)
    assert.equal(link.count(JWKS_PATH), 2)
    // the previous key is still published until its tokens expire
    await verifier.verifyAccessToken(before)
    await verifier.verifyAccessToken(await latchkey.accessToken())
    assert.equal(link.count(JWKS_PATH), 2)
    assert.equal(link.count(DISCOVERY_PATH), 1)
  })

  it('a key published ahead of use (`keys rotate --delay N`) is already known when it starts signing', async () => {
    const link = new IssuerLink()
    const verifier = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, fetch: link.fetch })
    const next = await latchkey.server.running.deps.keys.rotate(1)
    await verifier.verifyAccessToken(await latchkey.accessToken())
    await sleep(1_100)
    const token = await latchkey.accessToken()
    assert.equal(parts(token).header.kid, next.kid)
    await verifier.verifyAccessToken(token)
    assert.equal(link.count(JWKS_PATH), 1)
  })

  it('a key the issuer stops publishing stops working once the JWKS is fetched again', async () => {
    const keys = latchkey.server.running.deps.keys
    const verifier = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, jwksCacheMaxAge: 200 })
    const old = await latchkey.accessToken()
    const oldKid = parts(old).header.kid as string
    await verifier.verifyAccessToken(old)
    await verifier.verifyAccessToken(old) // now also in the token cache
    await keys.rotate(0)
    await latchkey.server.store.signingKeys.delete(oldKid)
    keys.invalidate()
    const fresh = await latchkey.accessToken()
    await sleep(250)
    await assert.rejects(verifier.verifyAccessToken(old), isInvalidToken)
    await verifier.verifyAccessToken(fresh)
  })
})

describe('unknown kids', () => {
  it('a flood of random kids triggers at most one JWKS fetch per cooldown', async () => {
    const cooldown = 250
    const link = new IssuerLink()
    const verifier = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, cooldown, fetch: link.fetch })
    const { claims } = parts(await latchkey.accessToken())
    await verifier.verifyAccessToken(await latchkey.sign(claims))
    assert.equal(link.count(JWKS_PATH), 1)

    const forged = await Promise.all(Array.from({ length: 40 }, () => signWithStrangerKey(claims, randomUUID())))
    const started = Date.now()
    let sent = 0
    while (Date.now() - started < 4 * cooldown) {
      const batch = forged.map((token) => verifier.verifyAccessToken(token))
      sent += batch.length
      const results = await Promise.allSettled(batch)
      for (const r of results) assert.ok(r.status === 'rejected' && isInvalidToken(r.reason))
      await sleep(20)
    }
    const elapsed = Date.now() - started
    const fetches = link.count(JWKS_PATH) - 1
    assert.ok(sent >= 400, `sent ${sent}`)
    assert.ok(fetches >= 1, 'refetches once the cooldown is over')
    assert.ok(fetches <= Math.ceil(elapsed / cooldown), `${fetches} fetches in ${elapsed} ms for ${sent} tokens`)
    // real tokens never stopped working
    await verifier.verifyAccessToken(await latchkey.accessToken())
  })
})

describe('an unreachable issuer', () => {
  it('(why the wrapper exists) jose alone fails every verification once its cache is stale and the issuer is down', async () => {
    const link = new IssuerLink()
    const jwks = createRemoteJWKSet(new URL(`${latchkey.issuer}.well-known/jwks.json`), { cacheMaxAge: 100, [customFetch]: link.fetch })
    const token = await latchkey.accessToken()
    await jwtVerify(token, jwks)
    link.down = true
    await jwtVerify(token, jwks) // fresh: no fetch needed
    await sleep(150)
    await assert.rejects(jwtVerify(token, jwks), /fetch failed/)
    await assert.rejects(jwtVerify(token, jwks), /fetch failed/)
    assert.equal(link.count(JWKS_PATH), 3, 'and it tries the issuer again on every request')
  })

  it('keeps the last good keys when the cached set is stale and the issuer cannot be reached', async () => {
    const link = new IssuerLink()
    const verifier = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, jwksCacheMaxAge: 100, cooldown: 1_000, fetch: link.fetch })
    const first = await latchkey.accessToken()
    const second = await latchkey.accessToken()
    await verifier.verifyAccessToken(first)

    link.down = true
    await sleep(150) // older than jwksCacheMaxAge: jose alone would now fail every verification
    for (let i = 0; i < 20; i++) {
      assert.equal((await verifier.verifyAccessToken(i % 2 ? first : second)).sub, latchkey.user.id)
    }
    const attempts = link.count(JWKS_PATH)
    assert.equal(attempts, 2, 'one failed refetch, then no more within the cooldown')
    await assert.rejects(verifier.verifyAccessToken(await signWithStrangerKey(parts(first).claims, 'unknown')), isInvalidToken)

    link.down = false
    await sleep(1_050)
    await verifier.verifyAccessToken(first) // starts a background refetch
    await sleep(50)
    assert.equal(link.count(JWKS_PATH), attempts + 1)
    await verifier.verifyAccessToken(second)
    assert.equal(link.count(JWKS_PATH), attempts + 1)
  })

  it('keeps verifying while the issuer process is gone', async () => {
    const gone = await Latchkey.start()
    const verifier = createVerifier({ issuer: gone.issuer, audience: AUDIENCE, jwksCacheMaxAge: 50 })
    const token = await gone.accessToken()
    await verifier.verifyAccessToken(token)
    await gone.close()
    await sleep(100)
    assert.equal((await verifier.verifyAccessToken(token)).sub, gone.user.id)
  })

  it('retries a failed discovery instead of remembering the failure', async () => {
    const link = new IssuerLink()
    link.down = true
    const verifier = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, cooldown: 100, fetch: link.fetch })
    const token = await latchkey.accessToken()
    await assert.rejects(verifier.verifyAccessToken(token), IssuerError)
    await assert.rejects(verifier.verifyAccessToken(token), IssuerError)
    assert.equal(link.count(DISCOVERY_PATH), 1, 'a failure is not retried on every request')
    link.down = false
    await sleep(120)
    await verifier.verifyAccessToken(token)
    assert.equal(link.count(DISCOVERY_PATH), 2)
  })

  it('retries a failed first JWKS fetch', async () => {
    const link = new IssuerLink()
    const verifier = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, cooldown: 100, fetch: link.fetch })
    await verifier.discover()
    link.down = true
    const token = await latchkey.accessToken()
    await assert.rejects(verifier.verifyAccessToken(token), (e: unknown) => e instanceof IssuerError && e.status === 503)
    await assert.rejects(verifier.verifyAccessToken(token), IssuerError)
    assert.equal(link.count(JWKS_PATH), 1)
    link.down = false
    await sleep(120)
    await verifier.verifyAccessToken(token)
    assert.equal(link.count(JWKS_PATH), 2)
  })
})
