/**
 * Two courtesies real clients need (issue 16, found running Apache's mod_auth_openidc and oidc-agent
 * against Latchkey):
 *
 * - `/userinfo` also takes the access token as a form-encoded POST body's `access_token` (RFC 6750
 *   §2.2), but never in two ways at once (§3.1), never twice, never in the query string;
 * - a public client that authenticates with HTTP Basic, its `client_id` and an empty password (as
 *   oidc-agent always does) is a public client (`none`), not refused; a non-empty password still is.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { basicAuth, LoggedInBrowser, tokenRequest } from './support/oauth.js'

describe('client courtesies', () => {
  let server: TestServer
  let app: ApplicationRecord
  let user: UserRecord

  before(async () => {
    server = await startTestServer()
    ;({ app } = await addApp(server.store, { name: 'Public SPA' }))
    user = await addUser(server.store)
  })
  after(() => server.close())

  const userinfo = (body: string, headers: Record<string, string> = {}, query = '') =>
    fetch(`${server.url}userinfo${query}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body })

  it('/userinfo takes the access token in a form-encoded POST body (RFC 6750 §2.2)', async () => {
    const tokens = await new LoggedInBrowser(server, user).tokens(app, { scope: 'openid email' })
    const token = tokens.access_token as string
    const res = await userinfo(new URLSearchParams({ access_token: token }).toString())
    assert.equal(res.status, 200)
    assert.equal((await res.json()).sub, user.id)

    const both = await userinfo(new URLSearchParams({ access_token: token }).toString(), { authorization: `Bearer ${token}` })
    assert.equal(both.status, 400)
    assert.equal((await both.json()).error, 'invalid_request')
    const twice = await userinfo(`access_token=${token}&access_token=${token}`)
    assert.equal(twice.status, 400)
    const garbage = await userinfo('access_token=%00%01')
    assert.equal(garbage.status, 400)
    const query = await fetch(`${server.url}userinfo?access_token=${token}`)
    assert.equal(query.status, 401, 'never from the query string')
    const none = await userinfo('other=1')
    assert.equal(none.status, 401)
  })

  it('a public client sending Basic with its client_id and an empty password is public (oidc-agent)', async () => {
    const { code, verifier, redirectUri } = await new LoggedInBrowser(server, user).code(app)
    const r = await tokenRequest(server, { grant_type: 'authorization_code', code, code_verifier: verifier as string, redirect_uri: redirectUri }, { headers: { authorization: basicAuth(app.clientId, '') } })
    assert.equal(r.status, 200, JSON.stringify(r.json))

    const again = await new LoggedInBrowser(server, user).code(app)
    const wrong = await tokenRequest(server, { grant_type: 'authorization_code', code: again.code, code_verifier: again.verifier as string, redirect_uri: again.redirectUri }, { headers: { authorization: basicAuth(app.clientId, 'not-empty') } })
    assert.equal(wrong.status, 401)
    assert.equal(wrong.json.error, 'invalid_client')
  })
})
