/**
 * ES256 and EdDSA beside RS256: an API chooses its access tokens' algorithm (Auth0's `signing_alg`),
 * an app its ID tokens' (`jwt_configuration.alg`); RS256 stays the default. Every token verifies
 * against the published JWKS, discovery advertises the algorithms, @latchkey/resource-server
 * accepts what is advertised, /userinfo takes any of them, and a rotation rotates every algorithm.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, SigningKeyAlg } from '@latchkey/core'
import { createVerifier } from '@latchkey/resource-server'
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { runLatchkey, runLatchkeyProcess } from './support/cli.js'
import { LoggedInBrowser, serverJwks, tokenRequest } from './support/oauth.js'

describe('ES256 and EdDSA as per-API and per-app options', () => {
  let server: TestServer
  let session: LoggedInBrowser

  before(async () => {
    server = await startTestServer()
    session = new LoggedInBrowser(server, await addUser(server.store))
  })
  after(() => server.close())

  let apis = 0
  /** An API signing with `apiAlg`, an app whose ID tokens use `idAlg`, and a complete flow. */
  async function flow(apiAlg: SigningKeyAlg, idAlg: SigningKeyAlg) {
    const identifier = `https://api-${++apis}-${apiAlg.toLowerCase()}.example.com/`
    const api = await addApi(server.store, { identifier, signingAlg: apiAlg, allowOfflineAccess: true })
    const { app } = await addApp(server.store, { idTokenAlg: idAlg })
    const tokens = await session.tokens(app, { audience: api.identifier, scope: 'openid profile email offline_access read:appointments' })
    return { api, app, tokens }
  }

  function verify(token: unknown, audience: string) {
    const jwks = createRemoteJWKSet(new URL(`${server.url}.well-known/jwks.json`), { cooldownDuration: 0 })
    return jwtVerify(token as string, jwks, { issuer: server.issuer, audience, currentDate: new Date(server.clock.now()) })
  }

  it('advertises RS256 first, then ES256 and EdDSA, in discovery', async () => {
    const doc = (await (await fetch(`${server.url}.well-known/openid-configuration`)).json()) as Record<string, unknown>
    assert.deepEqual(doc.id_token_signing_alg_values_supported, ['RS256', 'ES256', 'EdDSA'])
  })

  it('signs with RS256 unless asked otherwise', async () => {
    const api = await addApi(server.store, { identifier: 'https://default.example.com/' })
    const { app } = await addApp(server.store)
    assert.equal(api.signingAlg, 'RS256')
    assert.equal(app.idTokenAlg, undefined)
    const tokens = await session.tokens(app, { audience: api.identifier })
    assert.equal(decodeProtectedHeader(tokens.access_token as string).alg, 'RS256')
    assert.equal(decodeProtectedHeader(tokens.id_token as string).alg, 'RS256')
  })

  for (const [apiAlg, idAlg] of [
    ['ES256', 'RS256'],
    ['EdDSA', 'ES256'],
    ['RS256', 'EdDSA'],
  ] as const) {
    it(`an ${apiAlg} API and an app with ${idAlg} ID tokens: both verify against the JWKS, and keep their algorithms on refresh`, async () => {
      const { api, app, tokens } = await flow(apiAlg, idAlg)
      assert.equal(decodeProtectedHeader(tokens.access_token as string).alg, apiAlg)
      assert.equal(decodeProtectedHeader(tokens.id_token as string).alg, idAlg)
      await verify(tokens.access_token, api.identifier)
      await verify(tokens.id_token, app.clientId)

      const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: tokens.refresh_token as string })
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json))
      assert.equal(decodeProtectedHeader(refreshed.json.access_token as string).alg, apiAlg)
      assert.equal(decodeProtectedHeader(refreshed.json.id_token as string).alg, idAlg)
      await verify(refreshed.json.access_token, api.identifier)
    })
  }

  it('publishes one key per algorithm in use, public parts only', async () => {
    const { keys } = await serverJwks(server)
    for (const alg of ['RS256', 'ES256', 'EdDSA']) assert.ok(keys.some((k) => k.alg === alg && k.use === 'sig'), `a ${alg} key`)
    assert.equal(keys[0]?.alg, 'RS256', 'RS256 first, for verifiers that take the first key')
    for (const key of keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(member in key, false, `${key.alg} ${member}`)
    assert.deepEqual(keys.find((k) => k.alg === 'EdDSA')?.crv, 'Ed25519')
    assert.deepEqual(keys.find((k) => k.alg === 'ES256')?.crv, 'P-256')
  })

  it('@latchkey/resource-server accepts ES256 and EdDSA access tokens, since discovery advertises them', async () => {
    for (const alg of ['ES256', 'EdDSA'] as const) {
      const { api, tokens } = await flow(alg, 'RS256')
      const verified = await createVerifier({ issuer: server.issuer, audience: api.identifier }).verifyAccessToken(tokens.access_token as string)
      assert.equal(verified.sub, session.user.id)
      assert.ok(([] as unknown[]).concat(verified.aud).includes(api.identifier))
    }
  })

  it('/userinfo accepts an access token of any of the three algorithms', async () => {
    for (const alg of ['RS256', 'ES256', 'EdDSA'] as const) {
      const { tokens } = await flow(alg, 'RS256')
      const res = await fetch(`${server.url}userinfo`, { headers: { authorization: `Bearer ${tokens.access_token as string}` } })
      assert.equal(res.status, 200, `${alg}: ${await res.clone().text()}`)
      assert.equal(((await res.json()) as { email: string }).email, session.user.email)
    }
  })

  it('rotates every algorithm together: new keys published at once, signing after the delay', async () => {
    const ring = server.running.deps.keys
    const before = await Promise.all((['RS256', 'ES256', 'EdDSA'] as const).map(async (alg) => (await ring.signingKey(alg)).kid))
    await ring.rotate(600)
    const published = (await serverJwks(server)).keys.map((k) => k.kid)
    const next = (await ring.statuses()).filter((s) => s.state === 'next')
    assert.deepEqual(next.map((s) => s.key.alg).sort(), ['ES256', 'EdDSA', 'RS256'])
    for (const s of next) assert.ok(published.includes(s.key.kid), `the next ${s.key.alg} key is published`)
    server.clock.advance(601_000)
    ring.invalidate()
    const after = await Promise.all((['RS256', 'ES256', 'EdDSA'] as const).map(async (alg) => (await ring.signingKey(alg)).kid))
    for (let i = 0; i < 3; i++) assert.notEqual(after[i], before[i])
    assert.deepEqual(after.sort(), next.map((s) => s.key.kid).sort())
  })

  it('an app moved back to RS256 signs its ID tokens with RS256 again', async () => {
    const { app } = await addApp(server.store, { idTokenAlg: 'EdDSA' })
    const stored = await server.store.applications.update(app.clientId, { idTokenAlg: 'RS256' })
    assert.equal((stored as ApplicationRecord).idTokenAlg, undefined)
    const tokens = await session.tokens(stored as ApplicationRecord)
    assert.equal(decodeProtectedHeader(tokens.id_token as string).alg, 'RS256')
  })
})

describe('latchkey apis --signing-alg, apps --id-token-alg', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-algs-'))
  const db = ['--db', `sqlite:${join(dir, 'algs.db')}`]
  after(() => rmSync(dir, { recursive: true, force: true }))

  function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return runLatchkey([...args, ...db])
  }
  async function json(args: string[]): Promise<Record<string, any>> {
    const res = await cli([...args, '--json'])
    assert.equal(res.code, 0, res.stderr)
    return JSON.parse(res.stdout)
  }

  it('sets, shows and changes the algorithms, and refuses others naming the flag', async () => {
    const api = await json(['apis', 'create', '--name', 'Ledger', '--identifier', 'https://ledger.example.com/', '--signing-alg', 'ES256'])
    assert.equal(api.signing_alg, 'ES256')
    assert.equal((await json(['apis', 'update', api.id, '--signing-alg', 'EdDSA'])).signing_alg, 'EdDSA')

    const app = await json(['apps', 'create', '--name', 'SPA', '--type', 'spa', '--callbacks', 'http://localhost:8080/callback', '--id-token-alg', 'EdDSA'])
    assert.deepEqual(app.jwt_configuration, { alg: 'EdDSA' })
    assert.deepEqual((await json(['apps', 'update', app.client_id, '--id-token-alg', 'RS256'])).jwt_configuration, { alg: 'RS256' })
    assert.deepEqual((await json(['apps', 'show', app.client_id])).jwt_configuration, { alg: 'RS256' })

    const bad = await runLatchkeyProcess(['apis', 'create', '--name', 'X', '--identifier', 'https://x.example.com/', '--signing-alg', 'HS256', ...db])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /--signing-alg/)
    const badApp = await cli(['apps', 'create', '--name', 'Y', '--type', 'spa', '--callbacks', 'http://localhost:8080/callback', '--id-token-alg', 'none'])
    assert.equal(badApp.code, 1)
    assert.match(badApp.stderr, /--id-token-alg/)
  })
})
