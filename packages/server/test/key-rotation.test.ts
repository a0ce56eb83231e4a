/**
 * Key rotation never breaks an API: the next key is published before it signs, a verifier that is
 * never restarted accepts tokens of both keys across the switch, and a key leaves the JWKS only once
 * every token it signed has expired.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose'
import { DEFAULT_ROTATION_DELAY_SECONDS } from '../src/keys/key-ring.js'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { LoggedInBrowser } from './support/oauth.js'

describe('signing-key rotation', () => {
  let server: TestServer
  let session: LoggedInBrowser
  let audience = ''
  let clientId = ''

  before(async () => {
    server = await startTestServer()
    audience = (await addApi(server.store, { identifier: 'https://rotation.example.com/' })).identifier
    const { app } = await addApp(server.store)
    clientId = app.clientId
    session = new LoggedInBrowser(server, await addUser(server.store))
  })
  after(() => server.close())

  const accessToken = async () => {
    const app = await server.store.applications.get(clientId)
    return (await session.tokens(app as NonNullable<typeof app>, { audience, scope: 'openid read:appointments' })).access_token as string
  }
  const jwksKids = async () => ((await (await fetch(`${server.url}.well-known/jwks.json`)).json()) as { keys: JWK[] }).keys.map((k) => k.kid)

  it('publishes the next key first, switches after the delay, and an API that never restarts accepts both keys\' tokens', async () => {
    // The API's verifier: created once, never restarted (jose refetches the JWKS on an unknown kid).
    const jwks = createRemoteJWKSet(new URL(`${server.url}.well-known/jwks.json`), { cooldownDuration: 0 })
    const verify = (token: string) =>
      jwtVerify(token, jwks, { issuer: server.issuer, audience, typ: 'at+jwt', currentDate: new Date(server.clock.now()) })

    const before = await accessToken()
    const oldKid = decodeProtectedHeader(before).kid as string
    await verify(before)

    const next = await server.running.deps.keys.rotate(DEFAULT_ROTATION_DELAY_SECONDS)
    assert.deepEqual((await jwksKids()).sort(), [oldKid, next.kid].sort(), 'the next key is published at once')
    assert.equal(decodeProtectedHeader(await accessToken()).kid, oldKid, 'but does not sign yet')

    server.clock.advance(DEFAULT_ROTATION_DELAY_SECONDS * 1000 + 1000)
    server.running.deps.keys.invalidate()
    const after = await accessToken()
    assert.equal(decodeProtectedHeader(after).kid, next.kid, 'after the delay the new key signs')
    await verify(after)
    await verify(before) // the previous key stays published while its tokens live
    assert.ok((await jwksKids()).includes(oldKid), 'the previous key is still published')
  })

  it('unpublishes a key once every token it signed has expired, and its tokens then fail', async () => {
    const ring = server.running.deps.keys
    const token = await accessToken()
    const kid = decodeProtectedHeader(token).kid as string
    await ring.rotate(0)
    const lifetime = await ring.maxTokenLifetimeMs()
    server.clock.advance(lifetime - 60_000)
    ring.invalidate()
    assert.ok((await jwksKids()).includes(kid), 'published until its last token expires')
    server.clock.advance(120_000)
    ring.invalidate()
    const kids = await jwksKids()
    assert.ok(!kids.includes(kid), 'gone once its tokens have expired')
    const issuedAt = new Date((JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { iat: number }).iat * 1000)
    const published = createLocalJWKSet((await (await fetch(`${server.url}.well-known/jwks.json`)).json()) as { keys: JWK[] })
    await assert.rejects(jwtVerify(token, published, { issuer: server.issuer, audience, currentDate: issuedAt }), /no applicable key found/i)
  })

  it('rotates on the automatic schedule only when the signing key is older than the configured age', async () => {
    const ring = server.running.deps.keys
    await ring.rotate(0)
    assert.equal(await ring.rotateIfDue(30 * 86_400), null, 'a fresh key is not rotated')
    server.clock.advance(31 * 86_400_000)
    ring.invalidate()
    const rotated = await ring.rotateIfDue(30 * 86_400)
    assert.ok(rotated, 'an old key is rotated')
    const delay = rotated.activatesAt - server.clock.now()
    assert.ok(delay > DEFAULT_ROTATION_DELAY_SECONDS * 1000 - 5_000 && delay <= DEFAULT_ROTATION_DELAY_SECONDS * 1000, `with the default delay (${delay} ms)`)
    assert.equal(await ring.rotateIfDue(30 * 86_400), null, 'and not again while the next key waits')
  })

  it('serves the JWKS with a cache lifetime shorter than the rotation delay', async () => {
    const res = await fetch(`${server.url}.well-known/jwks.json`)
    const cacheControl = res.headers.get('cache-control') ?? ''
    const maxAge = Number(/max-age=(\d+)/.exec(cacheControl)?.[1])
    const stale = Number(/stale-while-revalidate=(\d+)/.exec(cacheControl)?.[1] ?? 0)
    assert.match(cacheControl, /^public/)
    assert.ok(maxAge + stale < DEFAULT_ROTATION_DELAY_SECONDS, cacheControl)
  })
})
