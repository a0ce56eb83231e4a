/**
 * A connection changed or deleted through the Management API takes effect at once on the node that
 * changed it: the strategy's cached discovery metadata (kept 10 minutes otherwise) is dropped, so the
 * next login reads the provider's discovery document again. The store's change notice
 * (`connections`) makes every listening node forget too.
 */
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, createClientGrant } from '@latchkey/core'
import { authorizeUrl, Browser, pkce } from './support/browser.js'
import { addApp, startTestServer, type TestServer } from './support/harness.js'
import { tokenRequest } from './support/oauth.js'

describe('connections: the strategy cache after a change', () => {
  let server: TestServer
  let app: ApplicationRecord
  let token: string
  let upstream: Server
  let issuer: string
  /** What the provider's discovery document says its authorization endpoint is (changed by the test). */
  let authorizePath = '/authorize-v1'
  let discoveryReads = 0

  before(async () => {
    upstream = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        discoveryReads += 1
        res.setHeader('content-type', 'application/json')
        res.end(
          JSON.stringify({
            issuer,
            authorization_endpoint: `${issuer}${authorizePath.slice(1)}`,
            token_endpoint: `${issuer}token`,
            jwks_uri: `${issuer}jwks`,
            response_types_supported: ['code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
          }),
        )
        return
      }
      res.statusCode = 404
      res.end()
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    issuer = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`
    server = await startTestServer()
    ;({ app } = await addApp(server.store, { name: 'SSO SPA' }))
    const { app: robot, secret } = await addApp(server.store, { name: 'Automation', type: 'm2m', grants: ['client_credentials'] })
    const audience = `${server.issuer}api/v2/`
    const api = await server.store.apis.findByIdentifier(audience)
    const scope = ['create:connections', 'update:connections', 'delete:connections', 'read:connections']
    await server.store.clientGrants.insert(createClientGrant({ clientId: robot.clientId, audience, scope }, { application: robot, api }, Date.now()))
    const r = await tokenRequest(server, { grant_type: 'client_credentials', client_id: robot.clientId, client_secret: secret as string, audience })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    token = r.json.access_token as string
  })
  after(async () => {
    await server.close()
    await new Promise((resolve) => upstream.close(resolve))
  })

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}api/v2/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text) }
  }

  /** Where /authorize?connection=NAME sends the browser. */
  async function providerUrl(connection: string): Promise<URL> {
    const browser = new Browser(server.url)
    const { challenge } = pkce()
    let res = await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { connection } }))
    for (let i = 0; i < 5 && res.status >= 300 && res.status < 400; i++) {
      const location = new URL(res.headers.get('location') as string, server.url)
      if (location.origin === new URL(issuer).origin) return location
      res = await browser.get(location.href)
    }
    throw new Error(`did not reach the provider: ${res.status} ${res.url}`)
  }

  it('PATCH and DELETE /api/v2/connections/{id} drop the cached discovery metadata of that connection at once', async () => {
    const forgotten: (string | undefined)[] = []
    const strategies = server.running.deps.strategies
    const forget = strategies.forget.bind(strategies)
    strategies.forget = (name?: string) => {
      forgotten.push(name)
      forget(name)
    }
    const created = await call('POST', 'connections', {
      name: 'acme-sso',
      strategy: 'oidc',
      options: { issuer, client_id: 'latchkey' },
      enabled_clients: [app.clientId],
    })
    assert.equal(created.status, 201, JSON.stringify(created.json))
    assert.equal((await providerUrl('acme-sso')).pathname, '/authorize-v1')
    assert.equal((await providerUrl('acme-sso')).pathname, '/authorize-v1')
    assert.equal(discoveryReads, 1, 'discovery is cached')

    // The provider moves its endpoint; the admin changes the connection (its scopes here).
    authorizePath = '/authorize-v2'
    assert.equal((await providerUrl('acme-sso')).pathname, '/authorize-v1', 'still cached before the change')
    const patched = await call('PATCH', `connections/${created.json.id}`, { options: { issuer, client_id: 'latchkey', scope: 'openid email' } })
    assert.equal(patched.status, 200, JSON.stringify(patched.json))
    assert.ok(forgotten.includes('acme-sso'), 'forgotten by name')
    const after = await providerUrl('acme-sso')
    assert.equal(after.pathname, '/authorize-v2', 'the next login reads discovery again')
    assert.equal(after.searchParams.get('scope'), 'openid email')

    forgotten.length = 0
    const deleted = await call('DELETE', `connections/${created.json.id}`)
    assert.equal(deleted.status, 204)
    assert.ok(forgotten.includes('acme-sso'))
  })

  it('the store tells every listener that connections changed', async () => {
    const heard: string[] = []
    const stop = server.store.changes.listen((topic) => heard.push(topic))
    try {
      const created = await call('POST', 'connections', { name: 'other-sso', strategy: 'oidc', options: { issuer, client_id: 'latchkey' } })
      assert.equal(created.status, 201)
      await call('PATCH', `connections/${created.json.id}`, { display_name: 'Other' })
      await call('DELETE', `connections/${created.json.id}`)
      assert.deepEqual(heard.filter((t) => t === 'connections'), ['connections', 'connections'])
    } finally {
      stop()
    }
  })
})

describe('connections: isSocial', () => {
  it('each strategy says what @latchkey/core says (custom OAuth 2.0 is social, as at Auth0); user ids keep their shapes', async () => {
    const { connectionUserId, isSocialStrategy } = await import('@latchkey/core')
    const { createStrategies, UPSTREAM_STRATEGIES } = await import('../src/connections/strategies/index.js')
    const strategies = createStrategies()
    for (const name of UPSTREAM_STRATEGIES) assert.equal(strategies.get(name)?.isSocial, isSocialStrategy(name), name)
    assert.equal(isSocialStrategy('oauth2'), true)
    assert.equal(isSocialStrategy('oidc'), false)
    assert.equal(connectionUserId({ name: 'corp', strategy: 'oauth2' }, 'u-1'), 'oauth2|corp|u-1')
    assert.equal(connectionUserId({ name: 'github', strategy: 'github' }, '583231'), 'github|583231')
  })
})
