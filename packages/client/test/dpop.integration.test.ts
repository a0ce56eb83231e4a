/**
 * `dpop: true` against a real Latchkey and an API behind @latchkey/resource-server: the code is bound
 * with `dpop_jkt`, the tokens come back as DPoP (`cnf.jkt` of the app's non-extractable key),
 * `fetchWithAuth` and `fetchUserInfo` send proofs, refresh uses the same key, nonce challenges are
 * answered, and logout forgets the key. Also the IndexedDB key store, on a minimal IndexedDB.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, UserRecord } from '@latchkey/core'
import { calculateJwkThumbprint, decodeJwt, exportJWK } from 'jose'
import { auth, sendError } from '../../resource-server/src/adapters/node.js'
import { createVerifier } from '../../resource-server/src/index.js'
import { Browser, loginThrough } from '../../server/test/support/browser.js'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from '../../server/test/support/harness.js'
import { createClient, indexedDbKeyStore, memoryKeyStore, type DpopKeyStore, type LatchkeyClient } from '../src/index.js'
import { fakeIndexedDb } from './support/fake-indexeddb.js'

const CALLBACK = 'http://localhost:8080/callback'
const SCOPE = 'openid profile email offline_access read:appointments'

for (const requireNonce of [false, true]) {
  describe(`@latchkey/client with dpop against a real Latchkey (nonces ${requireNonce ? 'required' : 'optional'})`, () => {
    let server: TestServer
    let api: ApiRecord
    let user: UserRecord
    let apiServer: Server
    let apiUrl: string
    const tokenRequests: Headers[] = []

    const recordingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init)
      if (new URL(request.url).pathname === '/oauth/token') tokenRequests.push(request.headers)
      return fetch(request)
    }

    before(async () => {
      server = await startTestServer({ env: { LATCHKEY_DPOP_REQUIRE_NONCE: String(requireNonce) } })
      api = await addApi(server.store, { identifier: 'https://client-dpop.example.com/appointments' })
      user = await addUser(server.store)
      const authenticate = auth(createVerifier({ issuer: server.issuer, audience: api.identifier }))
      apiServer = createServer(async (req, res) => {
        try {
          const claims = await authenticate(req)
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sub: claims.sub, jkt: claims.cnf?.jkt ?? null }))
        } catch (err) {
          sendError(res, err)
        }
      })
      await new Promise<void>((resolve) => apiServer.listen(0, '127.0.0.1', resolve))
      apiUrl = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}/appointments`
    })

    after(async () => {
      apiServer.closeAllConnections()
      await new Promise((resolve) => apiServer.close(resolve))
      await server.close()
    })

    async function login(client: LatchkeyClient): Promise<URL> {
      const authorizeUrl = new URL(await client.buildAuthorizeUrl())
      const res = await loginThrough(new Browser(server.url), authorizeUrl.href, user.email, PASSWORD)
      await client.handleCallback(res.headers.get('location') as string)
      return authorizeUrl
    }

    it('binds the code, the tokens and the refresh to one non-extractable key; proofs go to the API and /userinfo', async () => {
      const { app } = await addApp(server.store)
      const pairs: CryptoKeyPair[] = []
      const base = memoryKeyStore(`test-${app.clientId}`, new Map())
      const store: DpopKeyStore = {
        async getOrSet(candidate) {
          const pair = await base.getOrSet(candidate)
          pairs.push(pair)
          return pair
        },
        remove: () => base.remove(),
      }
      const client = createClient({ issuer: server.issuer, clientId: app.clientId, redirectUri: CALLBACK, audience: api.identifier, scope: SCOPE, allowInsecureRequests: true, fetch: recordingFetch, dpop: store })

      const authorizeUrl = await login(client)
      const pair = pairs[0] as CryptoKeyPair
      assert.equal(pair.privateKey.extractable, false)
      assert.equal(pair.privateKey.algorithm.name, 'ECDSA')
      const jkt = await calculateJwkThumbprint(await exportJWK(pair.publicKey))
      assert.equal(authorizeUrl.searchParams.get('dpop_jkt'), jkt)

      const details = await client.getAccessToken({ detailedResponse: true })
      assert.equal(details.tokenType.toLowerCase(), 'dpop')
      assert.deepEqual(decodeJwt(details.accessToken).cnf, { jkt })
      assert.ok(tokenRequests.at(-1)?.get('dpop'), 'the code exchange carried a proof')

      const res = await client.fetchWithAuth(apiUrl)
      assert.equal(res.status, 200)
      assert.deepEqual(await res.json(), { sub: user.id, jkt })
      // The same token without the key's proof is refused by the API.
      const stolen = await fetch(apiUrl, { headers: { authorization: `Bearer ${details.accessToken}` } })
      assert.equal(stolen.status, 401)
      assert.match(stolen.headers.get('www-authenticate') ?? '', /DPoP/)
      await stolen.arrayBuffer()

      assert.equal((await client.fetchUserInfo()).sub, user.id)

      const refreshed = await client.getAccessToken({ forceRefresh: true, detailedResponse: true })
      assert.notEqual(refreshed.accessToken, details.accessToken)
      assert.deepEqual(decodeJwt(refreshed.accessToken).cnf, { jkt })
      assert.equal((await client.fetchWithAuth(`${apiUrl}?page=2`, { method: 'POST', body: 'x' })).status, 200)

      await client.logout()
      const next = new URL(await client.buildAuthorizeUrl())
      assert.notEqual(next.searchParams.get('dpop_jkt'), jkt, 'a new login gets a new key')
    })

    it('dpop: true keeps one key for every client of the app in this runtime (memory, no IndexedDB in Node)', async () => {
      const { app } = await addApp(server.store)
      const options = { issuer: server.issuer, clientId: app.clientId, redirectUri: CALLBACK, audience: api.identifier, scope: SCOPE, allowInsecureRequests: true, dpop: true } as const
      const first = new URL(await createClient(options).buildAuthorizeUrl()).searchParams.get('dpop_jkt')
      const second = new URL(await createClient(options).buildAuthorizeUrl()).searchParams.get('dpop_jkt')
      assert.match(first ?? '', /^[A-Za-z0-9_-]{43}$/)
      assert.equal(first, second)
      const plain = new URL(await createClient({ ...options, dpop: false }).buildAuthorizeUrl())
      assert.equal(plain.searchParams.has('dpop_jkt'), false)
    })
  })
}

describe('indexedDbKeyStore', () => {
  it('keeps one pair per name across handles, hands the first one to concurrent callers, and forgets it', async () => {
    const factory = fakeIndexedDb()
    const pair = (n: number) => ({ publicKey: { n }, privateKey: { n } }) as unknown as CryptoKeyPair
    const a = indexedDbKeyStore('latchkey:app:dpop', factory)
    const b = indexedDbKeyStore('latchkey:app:dpop', factory)
    const [first, second] = await Promise.all([a.getOrSet(pair(1)), b.getOrSet(pair(2))])
    assert.equal(first, second)
    assert.equal(await indexedDbKeyStore('latchkey:app:dpop', factory).getOrSet(pair(3)), first)
    const other = pair(4)
    assert.equal(await indexedDbKeyStore('latchkey:other:dpop', factory).getOrSet(other), other)
    await a.remove()
    const fresh = pair(6)
    assert.equal(await b.getOrSet(fresh), fresh)
  })
})
