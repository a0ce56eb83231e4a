/**
 * The URL rules of application registration, through both doors: `latchkey apps` and the Management
 * API's /api/v2/clients, on create and on update. `https:evil.com` (which WHATWG URL reads as
 * https://evil.com/), `ms-settings:x`, whitespace and control characters are refused with the field
 * named; http on a host other than this device only while the issuer itself is http. The rules
 * themselves, value by value, are in packages/core/test/registered-urls.test.ts.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createClientGrant } from '@latchkey/core'
import { managementScopes } from '../src/management/system-api.js'
import { envWithoutDb, runLatchkey } from './support/cli.js'
import { addApp, startTestServer, type TestServer } from './support/harness.js'
import { tokenRequest } from './support/oauth.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

describe('registration URLs', () => {
  describe('latchkey apps', () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-urls-'))
    const db = ['--db', `sqlite:${join(dir, 'apps.db')}`]
    after(() => rmSync(dir, { recursive: true, force: true }))

    /** LATCHKEY_ISSUER unset unless given, as for an operator who did not set it. */
    function cli(args: string[], env: Record<string, string> = {}) {
      const { LATCHKEY_ISSUER: _unset, ...base } = envWithoutDb()
      return runLatchkey([...args, ...db], { cwd: ROOT, env: { ...base, ...env } })
    }

    async function refused(args: string[], message: RegExp, env?: Record<string, string>, code = 1): Promise<void> {
      const res = await cli(args, env)
      assert.equal(res.code, code, `expected exit ${code}: ${res.stdout}${res.stderr}`)
      assert.match(res.stderr, message)
      assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
    }

    async function created(args: string[], env?: Record<string, string>): Promise<Record<string, any>> {
      const res = await cli([...args, '--json'], env)
      assert.equal(res.code, 0, res.stderr)
      return JSON.parse(res.stdout)
    }

    it('refuses https:evil.com, ms-settings:x, a tab, a fragment and an origin with a path, naming the flag', async () => {
      await refused(['apps', 'create', '--name', 'X', '--type', 'spa', '--callbacks', 'https:evil.com'], /^latchkey: --callbacks: https:evil\.com must start with https:\/\/ \(it would be read as https:\/\/evil\.com\/\)$/m)
      await refused(['apps', 'create', '--name', 'X', '--type', 'spa', '--callbacks', 'https://app.example.com/cb', '--logout-urls', 'https:/evil.com'], /^latchkey: --logout-urls: https:\/evil\.com must start with https:\/\//m)
      await refused(['apps', 'create', '--name', 'X', '--type', 'native', '--callbacks', 'ms-settings:x'], /^latchkey: --callbacks: ms-settings:x: a native application's own URI scheme must be a reverse domain name/m)
      await refused(['apps', 'create', '--name', 'X', '--type', 'spa', '--callbacks', 'com.example.app:/callback'], /--callbacks: com\.example\.app:\/callback must use https/)
      await refused(['apps', 'create', '--name', 'X', '--type', 'spa', '--callbacks', 'https://app.exa\tmple.com/cb'], /--callbacks: "https:\/\/app\.exa\\u0009mple\.com\/cb" must not contain whitespace or control characters/)
      await refused(['apps', 'create', '--name', 'X', '--type', 'spa', '--callbacks', 'https://app.example.com/cb#frag'], /--callbacks: .* must not contain a fragment/)
      await refused(['apps', 'create', '--name', 'X', '--type', 'spa', '--callbacks', 'https://app.example.com/cb', '--web-origins', 'https://app.example.com/app'], /--web-origins: .* is not an origin/)
      assert.deepEqual(await created(['apps', 'list']), [], 'nothing was registered')
    })

    it('takes http on any host only with an http issuer (--issuer or LATCHKEY_ISSUER), on create and update', async () => {
      const dev = ['apps', 'create', '--name', 'Dev', '--type', 'regular', '--callbacks', 'http://app.example.com/cb', '--origins', 'http://app.example.com']
      await refused(dev, /--callbacks: http:\/\/app\.example\.com\/cb must use https \(http is allowed only for localhost and loopback addresses/)
      await refused(dev, /must use https/, { LATCHKEY_ISSUER: 'https://login.example.com/' })
      await refused([...dev, '--issuer', 'not an issuer'], /^latchkey: --issuer: issuer must be an absolute URL/m, {}, 2)
      const app = await created([...dev, '--issuer', 'http://latchkey.test:3000'])
      assert.deepEqual([app.callbacks, app.allowed_origins], [['http://app.example.com/cb'], ['http://app.example.com']])
      assert.deepEqual((await created(['apps', 'update', app.client_id, '--callbacks', 'http://app.example.com/cb2'], { LATCHKEY_ISSUER: 'http://latchkey.test:3000/' })).callbacks, ['http://app.example.com/cb2'])
      await refused(['apps', 'update', app.client_id, '--callbacks', 'http://app.example.com/cb3', '--issuer', 'https://login.example.com/'], /--callbacks: .* must use https/)
      await refused(['apps', 'update', app.client_id, '--callbacks', 'https:evil.com'], /--callbacks: https:evil\.com must start with https:\/\//)
      assert.equal((await created(['apps', 'update', app.client_id, '--name', 'Renamed'])).name, 'Renamed', 'stored URLs are not checked again')
      const native = await created(['apps', 'create', '--name', 'CLI', '--type', 'native', '--callbacks', 'http://127.0.0.1/callback,com.example.app:/callback'])
      assert.deepEqual(native.callbacks, ['http://127.0.0.1/callback', 'com.example.app:/callback'])
    })
  })

  describe('Management API /api/v2/clients', () => {
    let secure: TestServer
    let development: TestServer
    const tokens = new Map<TestServer, string>()

    async function managementToken(server: TestServer): Promise<string> {
      const audience = `${server.issuer}api/v2/`
      const { app, secret } = await addApp(server.store, { name: 'Automation', type: 'm2m', grants: ['client_credentials'] })
      const api = await server.store.apis.findByIdentifier(audience)
      const scope = managementScopes().map((s) => s.value)
      await server.store.clientGrants.insert(createClientGrant({ clientId: app.clientId, audience, scope }, { application: app, api }, Date.now()))
      const r = await tokenRequest(server, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: secret as string, audience })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      return r.json.access_token as string
    }

    async function call(server: TestServer, method: string, path: string, body: unknown): Promise<{ status: number; json: any }> {
      const res = await fetch(`${server.url}api/v2/${path}`, {
        method,
        headers: { authorization: `Bearer ${tokens.get(server)}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      return { status: res.status, json: await res.json() }
    }

    function assertBadRequest(r: { status: number; json: any }, message: RegExp): void {
      assert.equal(r.status, 400, JSON.stringify(r.json))
      assert.deepEqual(Object.keys(r.json).sort(), ['error', 'errorCode', 'message', 'statusCode'])
      assert.deepEqual([r.json.statusCode, r.json.error, r.json.errorCode], [400, 'Bad Request', 'invalid_body'])
      assert.match(r.json.message, message)
    }

    before(async () => {
      secure = await startTestServer({ issuer: 'https://login.example.com/' })
      development = await startTestServer({ issuer: 'http://latchkey.test:3000/' })
      for (const server of [secure, development]) tokens.set(server, await managementToken(server))
    })
    after(async () => {
      await secure?.close()
      await development?.close()
    })

    it('refuses https:evil.com, ms-settings:x, control characters and origins with a path, in Auth0\'s 400 shape', async () => {
      const spa = { name: 'SPA', app_type: 'spa', callbacks: ['https://app.example.com/cb'] }
      assertBadRequest(await call(secure, 'POST', 'clients', { ...spa, callbacks: ['https:evil.com'] }), /^Payload validation error: callbacks: https:evil\.com must start with https:\/\/ \(it would be read as https:\/\/evil\.com\/\)$/)
      assertBadRequest(await call(secure, 'POST', 'clients', { ...spa, allowed_logout_urls: ['https://app.example.com/\n'] }), /^Payload validation error: allowed_logout_urls: "https:\/\/app\.example\.com\/\\u000a" must not contain whitespace or control characters$/)
      assertBadRequest(await call(secure, 'POST', 'clients', { ...spa, callbacks: [' https://app.example.com/cb'] }), /^Payload validation error: callbacks: .*whitespace or control characters/)
      assertBadRequest(await call(secure, 'POST', 'clients', { ...spa, web_origins: ['https://app.example.com/path'] }), /^Payload validation error: web_origins: .* is not an origin/)
      assertBadRequest(await call(secure, 'POST', 'clients', { ...spa, allowed_origins: ['https:evil.com'] }), /^Payload validation error: allowed_origins: /)
      assertBadRequest(await call(secure, 'POST', 'clients', { name: 'App', app_type: 'native', callbacks: ['ms-settings:x'] }), /^Payload validation error: callbacks: ms-settings:x: .*reverse domain name/)
      assertBadRequest(await call(secure, 'POST', 'clients', { name: 'App', app_type: 'native', callbacks: ['javascript:alert(1)'] }), /forbidden scheme/)
      assertBadRequest(await call(secure, 'POST', 'clients', { ...spa, callbacks: ['com.example.app:/callback'] }), /callbacks: com\.example\.app:\/callback must use https/)

      const native = await call(secure, 'POST', 'clients', { name: 'App', app_type: 'native', callbacks: ['com.example.app:/callback', 'http://127.0.0.1/callback'] })
      assert.equal(native.status, 201, JSON.stringify(native.json))
      assertBadRequest(await call(secure, 'PATCH', `clients/${native.json.client_id}`, { callbacks: ['https:evil.com'] }), /^Payload validation error: callbacks: https:evil\.com must start/)
      assertBadRequest(await call(secure, 'PATCH', `clients/${native.json.client_id}`, { allowed_logout_urls: ['ms-settings:x'] }), /allowed_logout_urls: ms-settings:x: /)
      const stored = await secure.store.applications.get(native.json.client_id)
      assert.deepEqual(stored?.callbacks, ['com.example.app:/callback', 'http://127.0.0.1/callback'], 'unchanged by the refused updates')
    })

    it('takes http on any host only while the issuer is http, on create and update', async () => {
      const web = { name: 'Web', app_type: 'regular_web', callbacks: ['http://app.example.com/callback'], allowed_logout_urls: ['http://app.example.com/'] }
      assertBadRequest(await call(secure, 'POST', 'clients', web), /^Payload validation error: callbacks: http:\/\/app\.example\.com\/callback must use https/)
      const local = await call(secure, 'POST', 'clients', { ...web, callbacks: ['http://localhost:3000/callback'], allowed_logout_urls: ['http://localhost:3000/'] })
      assert.equal(local.status, 201, JSON.stringify(local.json))
      assertBadRequest(await call(secure, 'PATCH', `clients/${local.json.client_id}`, { callbacks: ['http://app.example.com/callback'] }), /must use https/)

      const dev = await call(development, 'POST', 'clients', web)
      assert.equal(dev.status, 201, JSON.stringify(dev.json))
      assert.deepEqual(dev.json.callbacks, ['http://app.example.com/callback'])
      const changed = await call(development, 'PATCH', `clients/${dev.json.client_id}`, { web_origins: ['http://app.example.com'] })
      assert.deepEqual([changed.status, changed.json.web_origins], [200, ['http://app.example.com']])
      assertBadRequest(await call(development, 'POST', 'clients', { ...web, callbacks: ['http:app.example.com/callback'] }), /must start with http:\/\//)
    })
  })
})
