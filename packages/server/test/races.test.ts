/**
 * Token state under concurrency: the store decides, so parallel requests cannot both win, and a
 * replay that races the legitimate request still revokes what that request received.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, ApplicationRecord } from '@latchkey/core'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { databases } from './support/databases.js'
import { LoggedInBrowser, tokenRequest } from './support/oauth.js'

const SCOPE = 'openid offline_access read:appointments'

for (const db of databases) describe(`concurrent use of codes and refresh tokens, on ${db.name}`, { skip: db.skip }, () => {
  let server: TestServer
  let api: ApiRecord
  let session: LoggedInBrowser

  before(async () => {
    server = await startTestServer({ db: db.url() })
    api = await addApi(server.store, { identifier: 'https://races.example.com/' })
    session = new LoggedInBrowser(server, await addUser(server.store))
  })
  after(async () => {
    await server.close()
    await db.cleanup()
  })

  const refresh = (app: ApplicationRecord, token: string) =>
    tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: token })

  async function firstTokens(app: ApplicationRecord) {
    const { code, verifier, redirectUri } = await session.code(app, { audience: api.identifier, scope: SCOPE })
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier as string, redirect_uri: redirectUri })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    return r.json as { refresh_token: string }
  }

  it('one code redeemed by 50 parallel requests gives exactly one success, and the replay revokes the winner\'s refresh token (RFC 6749 §4.1.2)', async () => {
    const { app } = await addApp(server.store, { name: 'Race code' })
    const { code, verifier, redirectUri } = await session.code(app, { audience: api.identifier, scope: SCOPE })
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier as string, redirect_uri: redirectUri }),
      ),
    )
    const wins = results.filter((r) => r.status === 200)
    assert.equal(wins.length, 1, 'exactly one redemption succeeds')
    for (const r of results.filter((x) => x.status !== 200)) assert.equal(r.json.error, 'invalid_grant')
    assert.equal((await refresh(app, wins[0]?.json.refresh_token as string)).status, 403, 'the winner\'s refresh token was revoked by the replay')
  })

  it('one refresh token used by 20 parallel requests with a reuse interval of 0 gives exactly one success, and the family is then dead', async () => {
    const { app } = await addApp(server.store, { name: 'Race refresh' })
    const first = await firstTokens(app)
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(app, first.refresh_token)))
    const wins = results.filter((r) => r.status === 200)
    assert.equal(wins.length, 1, 'exactly one success')
    for (const r of results.filter((x) => x.status !== 200)) assert.equal(r.json.error, 'invalid_grant')
    assert.equal((await refresh(app, wins[0]?.json.refresh_token as string)).status, 403, 'the family was revoked, the winner\'s new token too')
  })

  it('two tabs refreshing at once within the reuse interval both succeed, in one live family', async () => {
    const { app } = await addApp(server.store, { name: 'Two tabs', refreshToken: { reuseIntervalSeconds: 10 } })
    const first = await firstTokens(app)
    const [tab1, tab2] = await Promise.all([refresh(app, first.refresh_token), refresh(app, first.refresh_token)])
    assert.equal(tab1?.status, 200, JSON.stringify(tab1?.json))
    assert.equal(tab2?.status, 200, JSON.stringify(tab2?.json))
    assert.equal((await refresh(app, tab1?.json.refresh_token as string)).status, 200)
    assert.equal((await refresh(app, tab2?.json.refresh_token as string)).status, 200)
  })

  it('20 parallel uses of one refresh token within the reuse interval all succeed, and every token they return belongs to the same live family', async () => {
    const { app } = await addApp(server.store, { name: 'Twenty tabs', refreshToken: { reuseIntervalSeconds: 10 } })
    const first = await firstTokens(app)
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(app, first.refresh_token)))
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.json))
    const tokens = results.map((r) => r.json.refresh_token as string)
    assert.equal(new Set(tokens).size, 20, 'each success got its own new refresh token')
    // None of them revoked the family: each tab goes on refreshing its own new token.
    for (const token of tokens) {
      const next = await refresh(app, token)
      assert.equal(next.status, 200, JSON.stringify(next.json))
      assert.equal((await refresh(app, next.json.refresh_token as string)).status, 200)
    }
  })

  it('reuse after the interval revokes the grant and every token issued from it', async () => {
    const { app } = await addApp(server.store, { name: 'Late reuse', refreshToken: { reuseIntervalSeconds: 5 } })
    const a = await firstTokens(app)
    const b = await refresh(app, a.refresh_token)
    const c = await refresh(app, b.json.refresh_token as string)
    assert.equal(c.status, 200)
    server.clock.advance(6_000)
    assert.equal((await refresh(app, b.json.refresh_token as string)).status, 403, 'reuse outside the interval is refused')
    assert.equal((await refresh(app, c.json.refresh_token as string)).status, 403, 'and the newest token of the family is revoked')
    assert.equal((await refresh(app, a.refresh_token)).status, 403)
  })

  it('within the reuse interval only the immediately previous token may be reused: the one before it revokes the grant', async () => {
    const { app } = await addApp(server.store, { name: 'Last but one', refreshToken: { reuseIntervalSeconds: 30 } })
    const a = await firstTokens(app)
    const b = await refresh(app, a.refresh_token)
    server.clock.advance(1_000)
    const c = await refresh(app, b.json.refresh_token as string)
    assert.equal(c.status, 200)
    server.clock.advance(1_000)
    assert.equal((await refresh(app, a.refresh_token)).status, 403, 'the last-but-one token is a replay')
    assert.equal((await refresh(app, c.json.refresh_token as string)).status, 403, 'and it revoked the family')
  })
})
