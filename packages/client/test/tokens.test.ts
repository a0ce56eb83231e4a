/**
 * getAccessToken: the cache and its leeway, refresh through rotation, single-flight in one runtime
 * and across tabs (Web Locks), and the session ending when the refresh token is refused.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { browserStorage, LoginRequiredError, memoryStorage, type LockManagerLike } from '../src/index.js'
import { API, clientFor, createFakeIssuer, login } from './support/fake-issuer.js'

/** A Web Locks stand-in shared by several clients ("tabs"): one holder per name, the rest queue. */
function fakeLocks(): LockManagerLike & { names: string[] } {
  const tails = new Map<string, Promise<unknown>>()
  const names: string[] = []
  return {
    names,
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      names.push(name)
      const previous = tails.get(name) ?? Promise.resolve()
      const result = previous.then(callback, callback)
      tails.set(name, result.catch(() => undefined))
      return result
    },
  }
}

describe('getAccessToken', () => {
  it('returns the stored access token while it is valid, without calling the server', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await login(client, fake)
    const requests = fake.requests.length
    const token = await client.getAccessToken()
    assert.equal(await client.getAccessToken(), token)
    assert.equal(await client.getAccessToken({ audience: API }), token)
    assert.equal(fake.requests.length, requests)
  })

  it('refreshes once less than leewaySeconds (default 60) remain, and stores the rotated refresh token', async () => {
    const fake = await createFakeIssuer({ accessTokenLifetime: 3600 })
    const client = clientFor(fake)
    await login(client, fake)
    const first = await client.getAccessToken()
    fake.clock.advance((3600 - 61) * 1000)
    assert.equal(await client.getAccessToken(), first, '61 s left: still valid')
    assert.equal(fake.refreshCount(), 0)
    fake.clock.advance(2000)
    const second = await client.getAccessToken()
    assert.notEqual(second, first, '59 s left: refreshed')
    assert.equal(fake.refreshCount(), 1)

    // Rotation: the next refresh presents the refresh token the first refresh returned.
    const [r1, r2] = [...fake.refreshTokens.keys()]
    assert.equal(fake.tokenRequests.at(-1)?.params.get('refresh_token'), r1)
    fake.clock.advance(3600 * 1000)
    await client.getAccessToken()
    assert.equal(fake.refreshCount(), 2)
    assert.equal(fake.tokenRequests.at(-1)?.params.get('refresh_token'), r2)
    const refresh = fake.tokenRequests.at(-1)?.params
    assert.deepEqual([...(refresh?.keys() ?? [])].sort(), ['client_id', 'grant_type', 'refresh_token'])
  })

  it('honours a custom leeway', async () => {
    const fake = await createFakeIssuer({ accessTokenLifetime: 3600 })
    const client = clientFor(fake, { leewaySeconds: 0 })
    await login(client, fake)
    fake.clock.advance((3600 - 1) * 1000)
    await client.getAccessToken()
    assert.equal(fake.refreshCount(), 0)
    fake.clock.advance(1000)
    await client.getAccessToken()
    assert.equal(fake.refreshCount(), 1)
  })

  it('single-flight: five concurrent calls with an expired token make exactly one refresh request', async () => {
    const fake = await createFakeIssuer({ refreshDelayMs: 50 })
    const client = clientFor(fake, { locks: false })
    await login(client, fake)
    fake.clock.advance(3600 * 1000)
    const tokens = await Promise.all(Array.from({ length: 5 }, () => client.getAccessToken()))
    assert.equal(fake.refreshCount(), 1)
    assert.equal(new Set(tokens).size, 1, 'every caller gets the refreshed token')
    assert.equal(await client.getAccessToken(), tokens[0])
  })

  it('refreshes different audiences independently, each with its own refresh token', async () => {
    const fake = await createFakeIssuer({ refreshDelayMs: 20 })
    const client = clientFor(fake)
    await login(client, fake)
    await login(client, fake, { audience: 'https://other.example.com/' })
    fake.clock.advance(3600 * 1000)
    await Promise.all([client.getAccessToken(), client.getAccessToken({ audience: 'https://other.example.com/' }), client.getAccessToken()])
    assert.equal(fake.refreshCount(), 2)
    const presented = fake.tokenRequests.filter((r) => r.grantType === 'refresh_token').map((r) => r.params.get('refresh_token'))
    assert.equal(new Set(presented).size, 2)
  })

  it('across tabs: clients sharing storage and Web Locks refresh once; the others read the fresh token', async () => {
    const fake = await createFakeIssuer({ refreshDelayMs: 30 })
    // Each tab has its own runtime and its own wrapper over the one localStorage.
    const localStorage = new Map<string, string>()
    const web = { getItem: (k: string) => localStorage.get(k) ?? null, setItem: (k: string, v: string) => void localStorage.set(k, v), removeItem: (k: string) => void localStorage.delete(k) }
    const locks = fakeLocks()
    const tabs = [1, 2, 3].map(() => clientFor(fake, { storage: browserStorage(web), locks }))
    await login(tabs[0]!, fake)
    fake.clock.advance(3600 * 1000)
    const tokens = await Promise.all(tabs.flatMap((tab) => [tab.getAccessToken(), tab.getAccessToken()]))
    assert.equal(fake.refreshCount(), 1, 'one refresh for three tabs')
    assert.equal(new Set(tokens).size, 1)
    assert.deepEqual(new Set(locks.names), new Set([`latchkey:test-client:refresh:${API}`]))
    assert.equal(locks.names.length, 3, 'one lock request per tab; calls within a tab share it')
  })

  it('ends the session with LoginRequiredError when the server refuses the refresh token (invalid_grant)', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await login(client, fake)
    for (const record of fake.refreshTokens.values()) record.active = false
    fake.clock.advance(3600 * 1000)
    await assert.rejects(client.getAccessToken(), (err: unknown) => {
      assert.ok(err instanceof LoginRequiredError)
      assert.equal(err.code, 'ERR_LOGIN_REQUIRED')
      assert.equal(err.error, 'invalid_grant')
      assert.equal(err.error_description, 'Unknown or invalid refresh token.')
      return true
    })
    assert.equal(await client.getUser(), null)
    assert.equal(await client.isAuthenticated(), false)
    await assert.rejects(client.getAccessToken(), LoginRequiredError)
    assert.equal(fake.refreshCount(), 1, 'the refused token is not tried again')
  })

  it('asks for a login when there is no session, or the token expired without a refresh token', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake, { scope: 'openid profile' })
    await assert.rejects(client.getAccessToken(), LoginRequiredError)
    await login(client, fake)
    assert.ok(await client.getAccessToken())
    fake.clock.advance(3600 * 1000)
    assert.equal(await client.isAuthenticated(), false)
    await assert.rejects(client.getAccessToken(), (err: unknown) => err instanceof LoginRequiredError && err.error === 'login_required')
    assert.equal(fake.refreshCount(), 0)
  })

  it('keeps the user from the refreshed ID token', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await login(client, fake)
    fake.clock.advance(3600 * 1000)
    await client.getAccessToken()
    assert.equal((await client.getUser())?.sub, 'user-1')
    assert.equal(await client.isAuthenticated(), true)
  })
})

describe('getAccessToken across clients of one runtime', () => {
  it('clients sharing one storage share one refresh, even without Web Locks', async () => {
    const fake = await createFakeIssuer({ refreshDelayMs: 30 })
    const storage = memoryStorage()
    const a = clientFor(fake, { storage, locks: false })
    const b = clientFor(fake, { storage, locks: false })
    await login(a, fake)
    fake.clock.advance(3600 * 1000)
    const tokens = await Promise.all([a.getAccessToken(), b.getAccessToken(), a.getAccessToken(), b.getAccessToken()])
    assert.equal(fake.refreshCount(), 1)
    assert.equal(new Set(tokens).size, 1)
  })

  it('forceRefresh refreshes a token that still looks valid', async () => {
    const fake = await createFakeIssuer()
    const client = clientFor(fake)
    await login(client, fake)
    const token = await client.getAccessToken()
    const forced = await client.getAccessToken({ forceRefresh: true })
    assert.notEqual(forced, token)
    assert.equal(fake.refreshCount(), 1)
    assert.equal(await client.getAccessToken(), forced)
  })

  it('detailedResponse gives the token with its expiry and scope, never the refresh token', async () => {
    const fake = await createFakeIssuer({ accessTokenLifetime: 3600 })
    const client = clientFor(fake)
    await login(client, fake)
    const loggedInAt = fake.clock.now()
    const details = await client.getAccessToken({ detailedResponse: true })
    assert.equal(details.accessToken, await client.getAccessToken())
    assert.equal(details.tokenType.toLowerCase(), 'bearer')
    assert.equal(details.expiresAt, loggedInAt + 3600 * 1000)
    assert.equal(typeof details.scope, 'string')
    assert.deepEqual(Object.keys(details).sort(), ['accessToken', 'expiresAt', 'scope', 'tokenType'])

    fake.clock.advance(60_000)
    const forced = await client.getAccessToken({ forceRefresh: true, detailedResponse: true })
    assert.notEqual(forced.accessToken, details.accessToken)
    assert.equal(forced.expiresAt, loggedInAt + 60_000 + 3600 * 1000)
    assert.equal(fake.refreshCount(), 1)
  })
})
