/**
 * /oidc/logout asks before ending a session it has no proof the app may end (OpenID Connect
 * RP-Initiated Logout 1.0 §2; issue 12, finding 2). Before, a cross-site `<img src=/oidc/logout>`,
 * a form POST without parameters, or an `id_token_hint` of another user or another session ended
 * the SSO session silently. Now only a hint of the current session ends it at once; anything else
 * gets a confirmation page whose POST (to /u/logout) needs this browser's token for this session
 * and passes the Origin check, and carries client_id / post_logout_redirect_uri / state forward,
 * checked again.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { authorizeUrl, Browser, formAction, hiddenField, pkce } from './support/browser.js'
import { addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { claims, LoggedInBrowser, signWithServerKey } from './support/oauth.js'

const LOGOUT_URL = 'http://localhost:8080/'
const EVIL = 'https://evil.example'

describe('/oidc/logout asks unless id_token_hint belongs to the current session (RP-Initiated Logout 1.0 §2)', () => {
  let server: TestServer
  let spa: ApplicationRecord
  let user: UserRecord
  let otherUser: UserRecord

  before(async () => {
    server = await startTestServer()
    ;({ app: spa } = await addApp(server.store, { name: 'Calendar' }))
    user = await addUser(server.store)
    otherUser = await addUser(server.store)
  })
  after(() => server.close())

  /** Whether `browser` still has an SSO session: prompt=none gives a code rather than login_required. */
  async function hasSession(browser: Browser): Promise<boolean> {
    const res = await browser.get(authorizeUrl(server.issuer, { clientId: spa.clientId, challenge: pkce().challenge, extra: { prompt: 'none' } }))
    const params = new URL(res.headers.get('location') as string).searchParams
    if (params.get('code')) return true
    assert.equal(params.get('error'), 'login_required')
    return false
  }

  async function loggedIn(who: UserRecord = user) {
    const own = new LoggedInBrowser(server, who)
    const tokens = await own.tokens(spa, { scope: 'openid profile email' })
    assert.equal(await hasSession(own.browser), true)
    return { browser: own.browser, idToken: tokens.id_token as string }
  }

  const logoutUrl = (params: Record<string, string> = {}) => `${server.url}oidc/logout?${new URLSearchParams(params)}`
  const logouts = () => server.store.logs.count({ type: 'slo' })

  /** The confirmation page: HTML, no redirect, not frameable, not cached, with the form and its token. */
  async function assertConfirmationPage(res: Response): Promise<string> {
    assert.equal(res.status, 200, `expected the confirmation page, got ${res.status} ${res.headers.get('location') ?? ''}`)
    assert.equal(res.headers.get('location'), null)
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
    assert.equal(res.headers.get('x-frame-options'), 'DENY')
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
    assert.equal(res.headers.get('cache-control'), 'no-store')
    const html = await res.text()
    assert.equal(formAction(html), '/u/logout')
    assert.match(hiddenField(html, 'csrf'), /^[A-Za-z0-9_-]{43}$/)
    assert.match(html, /value="logout"/)
    assert.match(html, /value="cancel"/)
    return html
  }

  /** An error page: HTML, the status, no Location. */
  async function assertErrorPage(res: Response, status: number, error: string) {
    assert.equal(res.status, status, `expected ${status}, got ${res.status} ${res.headers.get('location') ?? ''}`)
    assert.equal(res.headers.get('location'), null)
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
    assert.ok((await res.text()).includes(error), `the page names ${error}`)
  }

  /** The form fields of the confirmation page, as the browser would post them with `action`. */
  function answer(html: string, action: 'logout' | 'cancel'): Record<string, string> {
    const fields: Record<string, string> = { action }
    for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
      fields[match[1] as string] = (match[2] as string).replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
    }
    return fields
  }

  describe('the attacks: nothing ends without the user', () => {
    it('a cross-site GET without parameters (an <img> on any page) gets the confirmation page; the session lives', async () => {
      const { browser } = await loggedIn()
      const before = await logouts()
      const html = await assertConfirmationPage(await browser.get(logoutUrl(), { 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'image', referer: `${EVIL}/` }))
      assert.ok(html.includes(user.email), 'the page says who would be logged out')
      assert.equal(await hasSession(browser), true)
      assert.equal(await logouts(), before, 'no slo recorded')
    })

    it('a cross-site form POST without parameters gets the confirmation page; the session lives', async () => {
      const { browser } = await loggedIn()
      await assertConfirmationPage(await browser.post(logoutUrl(), {}, { origin: EVIL, 'sec-fetch-site': 'cross-site' }))
      assert.equal(await hasSession(browser), true)
    })

    it('client_id and a registered post_logout_redirect_uri without a hint get the page too (any page could send them)', async () => {
      const { browser } = await loggedIn()
      const html = await assertConfirmationPage(await browser.get(logoutUrl({ client_id: spa.clientId, post_logout_redirect_uri: LOGOUT_URL, state: 's' })))
      assert.ok(html.includes('Calendar'), 'the page names the app that asks')
      assert.equal(await hasSession(browser), true)
    })

    it('an id_token_hint of another user gets the page; the session lives', async () => {
      const { browser } = await loggedIn()
      const { idToken: othersToken } = await loggedIn(otherUser)
      await assertConfirmationPage(await browser.get(logoutUrl({ id_token_hint: othersToken, post_logout_redirect_uri: LOGOUT_URL })))
      await assertConfirmationPage(await browser.post(logoutUrl(), { id_token_hint: othersToken }, { origin: EVIL }))
      assert.equal(await hasSession(browser), true)
    })

    it('an id_token_hint of the same user\'s other session (another browser, or an earlier login) gets the page; the session lives', async () => {
      const { browser, idToken: earlier } = await loggedIn()
      // The same browser logs out and in again: the earlier ID token names a session that has ended.
      assert.equal((await browser.get(logoutUrl({ id_token_hint: earlier }))).status, 200)
      assert.equal(await hasSession(browser), false)
      const again = new LoggedInBrowser(server, user)
      for (const [k, v] of browser.cookies) again.browser.cookies.set(k, v)
      await again.tokens(spa, { scope: 'openid' })
      assert.equal(await hasSession(again.browser), true)
      const { idToken: otherBrowsers } = await loggedIn()
      assert.notEqual(claims(otherBrowsers).sid, claims(earlier).sid)
      for (const hint of [earlier, otherBrowsers]) {
        await assertConfirmationPage(await again.browser.get(logoutUrl({ id_token_hint: hint, post_logout_redirect_uri: LOGOUT_URL })))
      }
      assert.equal(await hasSession(again.browser), true)
    })

    it('refuses the confirmation POST without the token, with a wrong one, or with another browser\'s (403 page); the session lives', async () => {
      const { browser } = await loggedIn()
      const html = await assertConfirmationPage(await browser.get(logoutUrl({ client_id: spa.clientId, post_logout_redirect_uri: LOGOUT_URL })))
      const fields = answer(html, 'logout')
      const { csrf: _token, ...withoutToken } = fields
      await assertErrorPage(await browser.post('/u/logout', withoutToken), 403, 'access_denied')
      await assertErrorPage(await browser.post('/u/logout', { ...fields, csrf: 'A'.repeat(43) }), 403, 'access_denied')
      await assertErrorPage(await browser.post('/u/logout', { ...fields, csrf: '' }), 403, 'access_denied')
      // The attacker's own page gives a token for the attacker's browser and session, useless elsewhere.
      const { browser: attacker } = await loggedIn(otherUser)
      const attackersPage = await assertConfirmationPage(await attacker.get(logoutUrl()))
      await assertErrorPage(await browser.post('/u/logout', { ...fields, csrf: hiddenField(attackersPage, 'csrf') }), 403, 'access_denied')
      assert.equal(await hasSession(browser), true)
      assert.equal(await hasSession(attacker), true)
    })

    it('refuses the confirmation POST from another site even with the right token (Origin check, 403)', async () => {
      const { browser } = await loggedIn()
      const html = await assertConfirmationPage(await browser.get(logoutUrl()))
      const res = await browser.post('/u/logout', answer(html, 'logout'), { origin: EVIL })
      assert.equal(res.status, 403)
      assert.equal(res.headers.get('location'), null)
      assert.equal(await hasSession(browser), true)
    })

    it('refuses a token from before a new login in the same browser (the token names the session it ends)', async () => {
      const { browser } = await loggedIn()
      const html = await assertConfirmationPage(await browser.get(logoutUrl()))
      const relogin = new LoggedInBrowser(server, user)
      for (const [k, v] of browser.cookies) relogin.browser.cookies.set(k, v)
      await relogin.authorize({ clientId: spa.clientId, challenge: pkce().challenge, extra: { prompt: 'login' } })
      assert.equal(await hasSession(relogin.browser), true)
      await assertErrorPage(await relogin.browser.post('/u/logout', answer(html, 'logout')), 403, 'access_denied')
      assert.equal(await hasSession(relogin.browser), true)
    })

    it('checks what the form carries forward again: a changed post_logout_redirect_uri or client_id gets a 400 page, no redirect, and the session lives', async () => {
      const { browser } = await loggedIn()
      const html = await assertConfirmationPage(await browser.get(logoutUrl({ client_id: spa.clientId, post_logout_redirect_uri: LOGOUT_URL, state: 'xyz' })))
      const fields = answer(html, 'logout')
      assert.equal(fields.post_logout_redirect_uri, LOGOUT_URL)
      assert.equal(fields.client_id, spa.clientId)
      const { app: other } = await addApp(server.store, { name: 'Other', logoutUrls: [`${EVIL}/`] })
      await assertErrorPage(await browser.post('/u/logout', { ...fields, post_logout_redirect_uri: `${EVIL}/` }), 400, 'invalid_request')
      await assertErrorPage(await browser.post('/u/logout', { ...fields, client_id: 'no-such-client' }), 400, 'invalid_request')
      const { client_id: _id, ...withoutClient } = fields
      await assertErrorPage(await browser.post('/u/logout', withoutClient), 400, 'invalid_request')
      // Another app's registered URL needs that app's client_id, and then it is still the user who confirms.
      await assertErrorPage(await browser.post('/u/logout', { ...fields, client_id: other.clientId }), 400, 'invalid_request')
      assert.equal(await hasSession(browser), true)
    })

    it('shows an error page, never a redirect and never the confirmation, for an unregistered post_logout_redirect_uri', async () => {
      const { browser, idToken } = await loggedIn()
      const cases: Record<string, string>[] = [
        { client_id: spa.clientId, post_logout_redirect_uri: `${EVIL}/` },
        { id_token_hint: idToken, post_logout_redirect_uri: `${EVIL}/` },
        { post_logout_redirect_uri: LOGOUT_URL },
        { client_id: spa.clientId, post_logout_redirect_uri: 'http://localhost:8080' },
      ]
      for (const params of cases) {
        await assertErrorPage(await browser.get(logoutUrl(params)), 400, 'invalid_request')
      }
      assert.equal(await hasSession(browser), true)
    })

    it('refuses an access token, a forged token and garbage as id_token_hint with a 400 page', async () => {
      const { browser } = await loggedIn()
      const own = new LoggedInBrowser(server, user)
      own.browser.cookies.clear()
      for (const [k, v] of browser.cookies) own.browser.cookies.set(k, v)
      const tokens = await own.tokens(spa, { scope: 'openid' })
      for (const hint of [tokens.access_token as string, 'garbage', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'a'.repeat(7000)]) {
        await assertErrorPage(await browser.get(logoutUrl({ id_token_hint: hint })), 400, 'invalid_request')
      }
      assert.equal(await hasSession(browser), true)
    })
  })

  describe('what still logs out, and how', () => {
    it('the confirmation\'s Log out ends the session and redirects (303) to the registered URL with state; slo is recorded', async () => {
      const { browser } = await loggedIn()
      const stolen = new Map(browser.cookies)
      const before = await logouts()
      const state = 'c3RhdGU+/w=='
      const html = await assertConfirmationPage(await browser.get(logoutUrl({ client_id: spa.clientId, post_logout_redirect_uri: LOGOUT_URL, state })))
      const res = await browser.post('/u/logout', answer(html, 'logout'))
      assert.equal(res.status, 303)
      const location = new URL(res.headers.get('location') as string)
      assert.equal(`${location.origin}${location.pathname}`, LOGOUT_URL)
      assert.equal(location.searchParams.get('state'), state)
      assert.equal(await hasSession(browser), false)
      const replay = new Browser(server.url)
      for (const [k, v] of stolen) replay.cookies.set(k, v)
      assert.equal(await hasSession(replay), false, 'ended server-side too')
      assert.equal(await logouts(), before + 1)
    })

    it('the confirmation without a redirect target ends the session and shows the logged-out page', async () => {
      const { browser } = await loggedIn()
      const html = await assertConfirmationPage(await browser.get(logoutUrl()))
      const res = await browser.post('/u/logout', answer(html, 'logout'))
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('location'), null)
      assert.match(await res.text(), /logged out/)
      assert.equal(await hasSession(browser), false)
    })

    it('Stay logged in ends nothing and redirects nowhere', async () => {
      const { browser } = await loggedIn()
      const html = await assertConfirmationPage(await browser.get(logoutUrl({ client_id: spa.clientId, post_logout_redirect_uri: LOGOUT_URL })))
      const res = await browser.post('/u/logout', answer(html, 'cancel'))
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('location'), null)
      assert.match(await res.text(), /still logged in/)
      assert.equal(await hasSession(browser), true)
    })

    it('an id_token_hint of the current session logs out at once, without a page, by GET or by the RP\'s form POST', async () => {
      for (const method of ['GET', 'POST']) {
        const { browser, idToken } = await loggedIn()
        const params = { id_token_hint: idToken, post_logout_redirect_uri: LOGOUT_URL, state: 'st' }
        const res = method === 'GET' ? await browser.get(logoutUrl(params)) : await browser.post(`${server.url}oidc/logout`, params, { origin: 'http://localhost:8080' })
        assert.equal(res.status, 302, method)
        assert.equal(res.headers.get('location'), `${LOGOUT_URL}?state=st`)
        assert.equal(await hasSession(browser), false, method)
      }
    })

    it('an ID token from a refresh keeps the session\'s sid and logs out at once', async () => {
      const own = new LoggedInBrowser(server, user)
      const { app: offline } = await addApp(server.store, { name: 'Offline' })
      const first = await own.tokens(offline, { scope: 'openid offline_access' })
      const refreshed = await fetch(`${server.url}oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: offline.clientId, refresh_token: first.refresh_token as string }),
      })
      assert.equal(refreshed.status, 200)
      const idToken = ((await refreshed.json()) as { id_token: string }).id_token
      assert.equal(claims(idToken).sid, claims(first.id_token).sid)
      const res = await own.browser.get(logoutUrl({ id_token_hint: idToken, post_logout_redirect_uri: LOGOUT_URL }))
      assert.equal(res.status, 302)
      assert.equal(await hasSession(own.browser), false)
    })

    it('falls back to sub only for a hint without sid: the same user logs out at once, another user gets the page', async () => {
      const { browser } = await loggedIn()
      const now = Math.floor(server.clock.now() / 1000)
      const noSid = (sub: string) => signWithServerKey(server, { iss: server.issuer, sub, aud: spa.clientId, iat: now, exp: now + 600 }, { typ: 'JWT' })
      await assertConfirmationPage(await browser.get(logoutUrl({ id_token_hint: await noSid(otherUser.id) })))
      assert.equal(await hasSession(browser), true)
      const res = await browser.get(logoutUrl({ id_token_hint: await noSid(user.id), post_logout_redirect_uri: LOGOUT_URL }))
      assert.equal(res.status, 302)
      assert.equal(await hasSession(browser), false)
    })

    it('without a session there is nothing to end: a registered URL is still redirected to, else the logged-out page', async () => {
      const anonymous = new Browser(server.url)
      const res = await anonymous.get(logoutUrl({ client_id: spa.clientId, post_logout_redirect_uri: LOGOUT_URL, state: 'a' }))
      assert.equal(res.status, 302)
      assert.equal(res.headers.get('location'), `${LOGOUT_URL}?state=a`)
      const page = await anonymous.get(logoutUrl())
      assert.equal(page.status, 200)
      assert.match(await page.text(), /logged out/)
      await assertErrorPage(await anonymous.get(logoutUrl({ client_id: spa.clientId, post_logout_redirect_uri: `${EVIL}/` })), 400, 'invalid_request')
    })

    it('keeps /v2/logout as Auth0 has it: no page, the session ends, returnTo only from the allowed logout URLs', async () => {
      const { browser } = await loggedIn()
      const res = await browser.get(`${server.url}v2/logout?client_id=${encodeURIComponent(spa.clientId)}&returnTo=${encodeURIComponent(LOGOUT_URL)}`)
      assert.equal(res.status, 302)
      assert.equal(res.headers.get('location'), LOGOUT_URL)
      assert.equal(await hasSession(browser), false)
    })
  })

  it('never answers 5xx to malformed input at /oidc/logout or /u/logout (huge values, repeats, garbage); the session lives', async () => {
    const { browser } = await loggedIn()
    const html = await assertConfirmationPage(await browser.get(logoutUrl()))
    const fields = answer(html, 'logout')
    const huge = 'x'.repeat(7000)
    const queries = [
      `client_id=${huge}`,
      `state=${huge}`,
      `post_logout_redirect_uri=${huge}`,
      'id_token_hint=a&id_token_hint=b',
      'client_id=a&client_id=a',
      'state=1&state=2',
      'id_token_hint=%FF',
      'id_token_hint=eyJ.eyJ.x',
      'post_logout_redirect_uri=javascript:alert(1)',
      'client_id=%00',
    ]
    for (const query of queries) {
      const get = await browser.get(`${server.url}oidc/logout?${query}`)
      assert.ok(get.status >= 200 && get.status < 500, `GET ${query.slice(0, 40)} → ${get.status}`)
      assert.equal(get.headers.get('location'), null, query.slice(0, 40))
      const post = await browser.post(`${server.url}oidc/logout`, Object.fromEntries(new URLSearchParams(query)), { origin: EVIL })
      assert.ok(post.status >= 200 && post.status < 500, `POST ${query.slice(0, 40)} → ${post.status}`)
    }
    const bodies: Record<string, string>[] = [{}, { action: 'logout' }, { action: huge }, { ...fields, client_id: huge }, { ...fields, csrf: huge }, { ...fields, action: 'other' }]
    for (const body of bodies) {
      const res = await browser.post('/u/logout', body)
      assert.ok(res.status >= 400 && res.status < 500, `/u/logout ${JSON.stringify(body).slice(0, 60)} → ${res.status}`)
    }
    const repeated = await fetch(`${server.url}u/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), origin: new URL(server.url).origin },
      body: `${new URLSearchParams(fields)}&csrf=${fields.csrf}`,
    })
    assert.equal(repeated.status, 400)
    const notForm = await fetch(`${server.url}u/logout`, { method: 'POST', headers: { 'content-type': 'application/json', origin: new URL(server.url).origin }, body: '{}' })
    assert.ok(notForm.status >= 400 && notForm.status < 500, `JSON → ${notForm.status}`)
    const get = await browser.get('/u/logout')
    assert.equal(get.status, 405)
    assert.equal(get.headers.get('allow'), 'POST')
    assert.equal(await hasSession(browser), true)
  })
})
