/**
 * /api/v2 sessions and refresh tokens: a user who logged in through the real pages has a session
 * (named by the ID token's `sid`, with the browser's user agent and the app it was used with) and a
 * refresh token (named by its grant, never the token); revoking the refresh token makes the next
 * refresh fail with invalid_grant; deleting the session makes `prompt=none` answer login_required;
 * the scopes, the 404s, checkpoint paging, the audit log, and Auth0's own ManagementClient.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { ManagementClient } from 'auth0'
import { authorizeUrl, pkce } from './support/browser.js'
import { addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { lastChange, managementCall, m2m } from './support/management.js'
import { claims, LoggedInBrowser, tokenRequest } from './support/oauth.js'
import { proxyGlobalFetch } from './support/tls-proxy.js'

const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) LatchkeyTest/1.0'

describe('Management API: sessions and refresh tokens', () => {
  let server: TestServer
  let app: ApplicationRecord
  let token: string

  /** A browser that logs `user` in to `app` (offline_access): its session's sid and the refresh token. */
  async function logIn(user: UserRecord): Promise<{ browser: LoggedInBrowser; sid: string; refreshToken: string }> {
    const browser = new LoggedInBrowser(server, user)
    const realGet = browser.browser.get.bind(browser.browser)
    const realPost = browser.browser.post.bind(browser.browser)
    browser.browser.get = (url, headers = {}) => realGet(url, { 'user-agent': USER_AGENT, ...headers })
    browser.browser.post = (url, form, headers = {}) => realPost(url, form, { 'user-agent': USER_AGENT, ...headers })
    const tokens = await browser.tokens(app, { scope: 'openid offline_access' })
    return { browser, sid: claims(tokens.id_token).sid as string, refreshToken: tokens.refresh_token as string }
  }

  const refresh = (refreshToken: string) => tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken })

  /** /authorize with prompt=none from that browser: the error in the redirect, or null for a code. */
  async function silentError(browser: LoggedInBrowser): Promise<string | null> {
    const res = await browser.browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge, extra: { prompt: 'none' } }))
    const location = new URL(res.headers.get('location') as string)
    return location.searchParams.get('error')
  }

  before(async () => {
    server = await startTestServer()
    ;({ app } = await addApp(server.store, { name: 'Seed SPA', grants: ['authorization_code', 'refresh_token'] }))
    ;({ token } = await m2m(server, ['read:sessions', 'delete:sessions', 'read:refresh_tokens', 'delete:refresh_tokens', 'read:users']))
  })
  after(() => server.close())

  it("lists a user's session in Auth0's shape: the ID token's sid, the browser, the app, the amr; GET /sessions/{id} reads it", async () => {
    const user = await addUser(server.store)
    const { sid } = await logIn(user)
    const r = await managementCall(server, token, 'GET', `users/${encodeURIComponent(user.id)}/sessions`)
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.next, undefined)
    assert.equal(r.json.sessions.length, 1)
    const [session] = r.json.sessions
    assert.equal(session.id, sid)
    assert.equal(session.user_id, user.id)
    assert.deepEqual(session.clients, [{ client_id: app.clientId }])
    assert.equal(session.device.initial_user_agent, USER_AGENT)
    assert.deepEqual(
      session.authentication.methods.map((m: { name: string }) => m.name),
      ['pwd'],
    )
    for (const field of ['created_at', 'updated_at', 'authenticated_at', 'idle_expires_at', 'expires_at', 'last_interacted_at'])
      assert.ok(!Number.isNaN(Date.parse(session[field])), field)
    assert.ok(Date.parse(session.expires_at) > Date.parse(session.created_at))
    assert.ok(!JSON.stringify(r.json).includes('hash'), 'no cookie hash')
    const one = await managementCall(server, token, 'GET', `sessions/${encodeURIComponent(sid)}`)
    assert.equal(one.status, 200)
    assert.deepEqual(one.json, session)
  })

  it("lists a user's refresh token by its grant id, never the token; GET /refresh-tokens/{id} reads it", async () => {
    const user = await addUser(server.store)
    const { sid, refreshToken } = await logIn(user)
    const r = await managementCall(server, token, 'GET', `users/${encodeURIComponent(user.id)}/refresh-tokens`)
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.tokens.length, 1)
    const [listed] = r.json.tokens
    assert.equal(listed.user_id, user.id)
    assert.equal(listed.client_id, app.clientId)
    assert.equal(listed.session_id, sid)
    assert.equal(listed.rotating, app.refreshToken.rotation === 'rotating')
    assert.deepEqual(listed.resource_servers, [{ audience: `${server.issuer}userinfo`, scopes: 'openid offline_access' }])
    assert.ok(!JSON.stringify(r.json).includes(refreshToken), 'never the token')
    // A rotation keeps the id and records the exchange.
    const rotated = await refresh(refreshToken)
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json))
    const again = await managementCall(server, token, 'GET', `refresh-tokens/${encodeURIComponent(listed.id)}`)
    assert.equal(again.status, 200, again.text)
    assert.equal(again.json.id, listed.id)
    assert.equal(again.json.created_at, listed.created_at)
    if (listed.rotating) assert.ok(again.json.last_exchanged_at, 'a rotating token records its exchange')
  })

  it('DELETE /refresh-tokens/{id} revokes it: the next refresh fails with invalid_grant; audited', async () => {
    const user = await addUser(server.store)
    const { refreshToken } = await logIn(user)
    const [listed] = (await managementCall(server, token, 'GET', `users/${encodeURIComponent(user.id)}/refresh-tokens`)).json.tokens
    const r = await managementCall(server, token, 'DELETE', `refresh-tokens/${encodeURIComponent(listed.id)}`)
    assert.equal(r.status, 202, r.text)
    const refused = await refresh(refreshToken)
    assert.equal(refused.status, 403, 'Auth0 answers 403 for grant failures')
    assert.equal(refused.json.error, 'invalid_grant')
    const event = await lastChange(server)
    assert.equal(event.userId, user.id)
    assert.equal(event.details.action, 'refresh_token.deleted')
    assert.equal(event.details.refresh_token_id, listed.id)
    assert.deepEqual((await managementCall(server, token, 'GET', `users/${encodeURIComponent(user.id)}/refresh-tokens`)).json, { tokens: [] })
    assert.equal((await managementCall(server, token, 'GET', `refresh-tokens/${encodeURIComponent(listed.id)}`)).json.errorCode, 'inexistent_refresh_token')
    assert.equal((await managementCall(server, token, 'DELETE', `refresh-tokens/${encodeURIComponent(listed.id)}`)).status, 202, 'again: accepted')
  })

  it('DELETE /sessions/{id} ends it: prompt=none then answers login_required; its refresh token still works; audited', async () => {
    const user = await addUser(server.store)
    const { browser, sid, refreshToken } = await logIn(user)
    assert.equal(await silentError(browser), null, 'the session signs the browser in silently first')
    const r = await managementCall(server, token, 'DELETE', `sessions/${encodeURIComponent(sid)}`)
    assert.equal(r.status, 202, r.text)
    assert.equal(await silentError(browser), 'login_required')
    const event = await lastChange(server)
    assert.equal(event.details.action, 'session.deleted')
    assert.equal(event.details.session_id, sid)
    assert.equal(event.userId, user.id)
    assert.equal((await refresh(refreshToken)).status, 200, 'Auth0’s DELETE leaves the refresh tokens')
    const gone = await managementCall(server, token, 'GET', `sessions/${encodeURIComponent(sid)}`)
    assert.equal(gone.status, 404)
    assert.equal(gone.json.errorCode, 'inexistent_session')
    assert.deepEqual((await managementCall(server, token, 'GET', `users/${encodeURIComponent(user.id)}/sessions`)).json, { sessions: [] })
  })

  it('POST /sessions/{id}/revoke ends the session and revokes the refresh tokens issued in it', async () => {
    const user = await addUser(server.store)
    const { browser, sid, refreshToken } = await logIn(user)
    const r = await managementCall(server, token, 'POST', `sessions/${encodeURIComponent(sid)}/revoke`)
    assert.equal(r.status, 202, r.text)
    assert.equal(await silentError(browser), 'login_required')
    assert.equal((await refresh(refreshToken)).json.error, 'invalid_grant')
    assert.equal((await lastChange(server)).details.revoked_refresh_tokens, 1)
    assert.equal((await managementCall(server, token, 'POST', `sessions/${encodeURIComponent(sid)}/revoke`)).status, 404)
  })

  it('DELETE /users/{id}/sessions and /users/{id}/refresh-tokens end every session and revoke every token of the user only', async () => {
    const user = await addUser(server.store)
    const other = await addUser(server.store)
    const first = await logIn(user)
    const second = await logIn(user)
    const theirs = await logIn(other)
    const list = (u: UserRecord, what: string) => managementCall(server, token, 'GET', `users/${encodeURIComponent(u.id)}/${what}`)
    assert.equal((await list(user, 'sessions')).json.sessions.length, 2)
    assert.equal((await managementCall(server, token, 'DELETE', `users/${encodeURIComponent(user.id)}/sessions`)).status, 202)
    assert.equal((await list(user, 'sessions')).json.sessions.length, 0)
    assert.equal(await silentError(first.browser), 'login_required')
    assert.equal(await silentError(second.browser), 'login_required')
    assert.equal(await silentError(theirs.browser), null, 'another user keeps theirs')
    assert.equal((await list(user, 'refresh-tokens')).json.tokens.length, 2)
    assert.equal((await managementCall(server, token, 'DELETE', `users/${encodeURIComponent(user.id)}/refresh-tokens`)).status, 202)
    assert.equal((await list(user, 'refresh-tokens')).json.tokens.length, 0)
    assert.equal((await refresh(first.refreshToken)).json.error, 'invalid_grant')
    assert.equal((await refresh(theirs.refreshToken)).status, 200)
    assert.equal((await lastChange(server)).details.action, 'refresh_token.deleted')
  })

  it('pages by checkpoint (from, take) and refuses a bad checkpoint, an unknown user, and missing scopes', async () => {
    const user = await addUser(server.store)
    const sids = [(await logIn(user)).sid, (await logIn(user)).sid, (await logIn(user)).sid]
    const path = `users/${encodeURIComponent(user.id)}/sessions`
    const first = await managementCall(server, token, 'GET', `${path}?take=2`)
    assert.equal(first.json.sessions.length, 2)
    assert.ok(first.json.next)
    const rest = await managementCall(server, token, 'GET', `${path}?take=2&from=${first.json.next}`)
    assert.equal(rest.json.sessions.length, 1)
    assert.equal(rest.json.next, undefined)
    assert.deepEqual([...first.json.sessions, ...rest.json.sessions].map((s: { id: string }) => s.id).sort(), [...sids].sort())
    const tokens = await managementCall(server, token, 'GET', `users/${encodeURIComponent(user.id)}/refresh-tokens?take=1`)
    assert.equal(tokens.json.tokens.length, 1)
    assert.ok(tokens.json.next)
    assert.equal((await managementCall(server, token, 'GET', `${path}?from=nonsense`)).status, 400)
    assert.equal((await managementCall(server, token, 'GET', `${path}?take=0`)).status, 400)
    assert.equal((await managementCall(server, token, 'GET', `${path}?page=1`)).status, 400)
    const unknown = await managementCall(server, token, 'GET', 'users/auth0%7Cnobody/sessions')
    assert.equal(unknown.status, 404)
    assert.equal(unknown.json.errorCode, 'inexistent_user')
    assert.equal((await managementCall(server, token, 'GET', 'users/auth0%7Cnobody/refresh-tokens')).status, 404)
    const { token: reader } = await m2m(server, ['read:sessions', 'read:refresh_tokens'])
    assert.equal((await managementCall(server, reader, 'GET', path)).status, 200)
    for (const [method, target] of [
      ['DELETE', `sessions/${sids[0]}`],
      ['DELETE', path],
      ['DELETE', 'refresh-tokens/x'],
      ['DELETE', `users/${encodeURIComponent(user.id)}/refresh-tokens`],
    ] as const) {
      const refused = await managementCall(server, reader, method, target)
      assert.equal(refused.status, 403, `${method} ${target}`)
      assert.equal(refused.json.errorCode, 'insufficient_scope')
    }
    const { token: usersOnly } = await m2m(server, ['read:users'])
    assert.equal((await managementCall(server, usersOnly, 'GET', path)).status, 403)
  })

  it("Auth0's ManagementClient lists and deletes them: users.sessions.list, sessions.delete, users.refreshToken.list, refreshTokens.delete", async () => {
    const user = await addUser(server.store)
    const { browser, sid, refreshToken } = await logIn(user)
    // The SDK speaks https to https://{domain}/ only: play the TLS proxy in front of the server.
    const restoreFetch = proxyGlobalFetch('https://latchkey.test/', server.url)
    try {
      const management = new ManagementClient({ domain: 'latchkey.test', token })
      const sessions: string[] = []
      for await (const s of await management.users.sessions.list(user.id)) sessions.push(s.id as string)
      assert.deepEqual(sessions, [sid])
      const tokens: string[] = []
      for await (const t of await management.users.refreshToken.list(user.id)) tokens.push(t.id as string)
      assert.equal(tokens.length, 1)
      assert.equal((await management.refreshTokens.get(tokens[0] as string)).client_id, app.clientId)
      await management.refreshTokens.delete(tokens[0] as string)
      await management.sessions.delete(sid)
    } finally {
      restoreFetch()
    }
    assert.equal((await refresh(refreshToken)).json.error, 'invalid_grant')
    assert.equal(await silentError(browser), 'login_required')
  })
})
