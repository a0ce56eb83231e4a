/**
 * GET /authorize and the login and consent pages over real HTTP: RFC 6749 §4.1, RFC 7636, RFC 8252
 * §7.3, RFC 9207, RFC 9700 (§2.1, §4.1.3, §4.7, §4.12, §4.16), OIDC Core §3.1.2 and the Auth0
 * behaviours its SDKs rely on (response modes, ignored parameters, state echoed byte for byte).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, ApplicationRecord, UserRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, loginThrough, pkce } from './support/browser.js'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { CALLBACK, claims, LoggedInBrowser, tokenRequest, WEB_ORIGIN } from './support/oauth.js'

/** An error page: HTML, the status, never a redirect (RFC 6749 §4.1.2.1, RFC 9700 §4.1.3). */
async function assertErrorPage(res: Response, status = 400, error = 'invalid_request'): Promise<string> {
  assert.equal(res.status, status, `expected an error page, got ${res.status} ${res.headers.get('location') ?? ''}`)
  assert.equal(res.headers.get('location'), null, 'no Location header')
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
  const html = await res.text()
  assert.ok(html.includes(error), `the page names the error ${error}`)
  return html
}

/** An error sent back to the app: 302 to the callback with error, error_description, state and iss. */
function assertRedirectError(res: Response, server: TestServer, error: string, state: string | null = 'state-123', callback = CALLBACK): URLSearchParams {
  assert.ok(res.status === 302 || res.status === 303, `expected a redirect, got ${res.status}`)
  const location = new URL(res.headers.get('location') as string)
  assert.equal(`${location.origin}${location.pathname}`, callback)
  const params = location.searchParams
  assert.equal(params.get('error'), error, `error in ${location}`)
  assert.ok((params.get('error_description') ?? '').length > 0, 'error_description')
  assert.equal(params.get('state'), state)
  assert.equal(params.get('iss'), server.issuer, 'RFC 9207 iss')
  assert.equal(params.get('code'), null)
  return params
}

function assertCode(res: Response, server: TestServer, callback = CALLBACK): URLSearchParams {
  assert.ok(res.status === 302 || res.status === 303, `expected a redirect with a code, got ${res.status}`)
  const location = new URL(res.headers.get('location') as string)
  assert.equal(`${location.origin}${location.pathname}`, callback)
  const params = location.searchParams
  assert.match(params.get('code') ?? '', /^[A-Za-z0-9_-]{43}$/, `code in ${location}`)
  assert.equal(params.get('iss'), server.issuer)
  return params
}

function loginPageUrl(res: Response, server: TestServer): URL {
  assert.equal(res.status, 302, `expected a redirect to a page, got ${res.status}`)
  return new URL(res.headers.get('location') as string, server.url)
}

describe('GET /authorize', () => {
  let server: TestServer
  let spa: ApplicationRecord
  let api: ApiRecord
  let user: UserRecord
  let session: LoggedInBrowser

  before(async () => {
    server = await startTestServer()
    ;({ app: spa } = await addApp(server.store))
    api = await addApi(server.store, { identifier: 'https://authorize-endpoint.example.com/' })
    user = await addUser(server.store)
    session = new LoggedInBrowser(server, user)
    await session.code(spa) // establishes the SSO session
  })
  after(() => server.close())

  const url = (extra: Record<string, string> = {}, clientId = spa.clientId) =>
    authorizeUrl(server.issuer, { clientId, challenge: pkce().challenge, extra })
  const anonymous = () => new Browser(server.url)

  describe('errors shown on a page, never redirected: the client or redirect_uri is not trusted (RFC 9700 §4.1.3)', () => {
    it('shows a 400 page for an unknown client_id', async () => {
      await assertErrorPage(await anonymous().get(url({}, 'no-such-client')))
    })

    it('shows a 400 page for a missing client_id', async () => {
      const u = new URL(url())
      u.searchParams.delete('client_id')
      await assertErrorPage(await anonymous().get(u.toString()))
    })

    it('shows a 400 page for a redirect_uri that is not exactly a registered callback (RFC 9700 §2.1)', async () => {
      const variants = [
        'http://localhost:8080/callback/', // suffix
        'http://localhost:8080/callbackx',
        'http://localhost:8080/callback/extra',
        'http://localhost:8080/callback?next=/',
        'http://localhost:8080/callback#frag',
        'http://localhost:8080/call', // prefix
        'http://localhost:8080/',
        'http://localhost:8080/Callback', // case
        'http://LOCALHOST:8080/callback',
        'HTTP://localhost:8080/callback',
        'https://localhost:8080/callback', // scheme
        'http://localhost:8081/callback', // port
        'http://localhost/callback',
        'http://localhost:80800/callback',
        'http://attacker@localhost:8080/callback', // userinfo
        'http://localhost:8080@evil.example/callback',
        'http://localhost:8080/x/../callback', // dot segments
        'http://localhost:8080/./callback',
        'http://localhost:8080/%63allback', // percent-encoding
        'http://127.0.0.1:8080/callback', // same machine, other host string
        'http://evil.example/callback',
        'javascript:alert(1)//localhost:8080/callback',
        '/callback',
      ]
      for (const redirectUri of variants) {
        const res = await anonymous().get(authorizeUrl(server.issuer, { clientId: spa.clientId, redirectUri, challenge: pkce().challenge }))
        assert.equal(res.status, 400, `${redirectUri} got ${res.status} ${res.headers.get('location') ?? ''}`)
        await assertErrorPage(res)
      }
    })

    it('shows a 400 page when client_id or redirect_uri is repeated (RFC 6749 §3.1)', async () => {
      const repeatedClient = `${url()}&client_id=${encodeURIComponent(spa.clientId)}`
      await assertErrorPage(await anonymous().get(repeatedClient))
      const repeatedRedirect = `${url()}&redirect_uri=${encodeURIComponent(CALLBACK)}`
      await assertErrorPage(await anonymous().get(repeatedRedirect))
    })

    it('uses the single registered callback when redirect_uri is absent, and shows a page when there are several', async () => {
      const u = new URL(url())
      u.searchParams.delete('redirect_uri')
      assertCode(await session.browser.get(u.toString()), server)

      const { app: two } = await addApp(server.store, { callbacks: [CALLBACK, 'http://localhost:8080/second'] })
      const u2 = new URL(url({}, two.clientId))
      u2.searchParams.delete('redirect_uri')
      await assertErrorPage(await session.browser.get(u2.toString()))
    })

    it('refuses a %FF escape or a non-UTF-8 query with a 400 page', async () => {
      await assertErrorPage(await anonymous().get(`${url()}&login_hint=%FF`))
      await assertErrorPage(await anonymous().get(`${url()}&state=%C3%28`))
    })

    it('refuses an oversized query with a 400 page (under the HTTP header limit) or a 4xx (over it), and keeps serving', async () => {
      await assertErrorPage(await anonymous().get(`${url()}&ui_locales=${'a'.repeat(12 * 1024)}`))
      const huge = await fetch(`${url()}&ui_locales=${'a'.repeat(40 * 1024)}`, { redirect: 'manual' })
      assert.ok(huge.status >= 400 && huge.status < 500, `status ${huge.status}`)
      assert.equal(huge.headers.get('location'), null)
      assertCode(await session.browser.get(url()), server)
    })
  })

  describe('errors sent back to the app with error, error_description, state and iss (RFC 6749 §4.1.2.1, RFC 9207)', () => {
    it('answers response_type=token with unsupported_response_type (RFC 9700 §2.1.2: no implicit grant)', async () => {
      assertRedirectError(await anonymous().get(url({ response_type: 'token' })), server, 'unsupported_response_type')
      assertRedirectError(await anonymous().get(url({ response_type: 'code id_token' })), server, 'unsupported_response_type')
    })

    it('requires code_challenge from a public client (RFC 9700 §2.1.1)', async () => {
      const res = await anonymous().get(authorizeUrl(server.issuer, { clientId: spa.clientId }))
      assertRedirectError(res, server, 'invalid_request')
    })

    it('refuses code_challenge_method=plain, and a challenge without a method (RFC 9700 §2.1.1)', async () => {
      const verifier = pkce().verifier
      assertRedirectError(await anonymous().get(url({ code_challenge: verifier, code_challenge_method: 'plain' })), server, 'invalid_request')
      const noMethod = new URL(url())
      noMethod.searchParams.delete('code_challenge_method')
      assertRedirectError(await anonymous().get(noMethod.toString()), server, 'invalid_request')
    })

    it('refuses a code_challenge that is not a 43-character base64url S256 digest', async () => {
      const good = pkce().challenge
      for (const challenge of [good.slice(0, 42), `${good}A`, `${good.slice(0, 42)}=`, `${good.slice(0, 42)}+`, 'x']) {
        assertRedirectError(await anonymous().get(url({ code_challenge: challenge })), server, 'invalid_request')
      }
    })

    it('answers an audience that names no registered API with access_denied', async () => {
      assertRedirectError(await anonymous().get(url({ audience: 'https://unknown-api.example.com/' })), server, 'access_denied')
    })

    it('answers a repeated scope with invalid_request (RFC 6749 §3.1)', async () => {
      assertRedirectError(await anonymous().get(`${url()}&scope=openid`), server, 'invalid_request')
    })

    it('answers an unknown prompt value, or none combined with another, with invalid_request (OIDC Core §3.1.2.1)', async () => {
      assertRedirectError(await anonymous().get(url({ prompt: 'bogus' })), server, 'invalid_request')
      assertRedirectError(await anonymous().get(url({ prompt: 'none login' })), server, 'invalid_request')
    })

    it('echoes a state with + / = characters byte for byte (Auth0 SDK states are padded base64)', async () => {
      const state = 'c3RhdGU+/w==.a b%c&d=e'
      const res = await anonymous().get(url({ response_type: 'token', state }))
      assertRedirectError(res, server, 'unsupported_response_type', state)
      const ok = await session.browser.get(url({ state }))
      assert.equal(assertCode(ok, server).get('state'), state)
    })
  })

  describe('prompt and max_age (OIDC Core §3.1.2.1, §3.1.2.6)', () => {
    it('answers prompt=none without a session with login_required, by redirect', async () => {
      assertRedirectError(await anonymous().get(url({ prompt: 'none' })), server, 'login_required')
    })

    it('answers prompt=none with a session but no consent for a third-party app with consent_required', async () => {
      const { app: thirdParty } = await addApp(server.store, { name: 'Third party', firstParty: false })
      assertRedirectError(await session.browser.get(url({ prompt: 'none' }, thirdParty.clientId)), server, 'consent_required')
    })

    it('issues a code for prompt=none with a session and remembered consent, without any page', async () => {
      const { app: thirdParty } = await addApp(server.store, { name: 'Third party, consented', firstParty: false })
      assertCode(await session.authorize({ clientId: thirdParty.clientId, challenge: pkce().challenge }), server)
      assertCode(await session.browser.get(url({ prompt: 'none' }, thirdParty.clientId)), server)
    })

    it('shows the login form again for prompt=login even with a session, and the new login sets a later auth_time', async () => {
      const own = new LoggedInBrowser(server, await addUser(server.store))
      const first = await own.tokens(spa)
      server.clock.advance(2_000)
      const res = await own.browser.get(url({ prompt: 'login' }))
      assert.equal(loginPageUrl(res, server).pathname, '/u/login')
      const second = await own.tokens(spa, { extra: { prompt: 'login' } })
      assert.ok((claims(second.id_token).auth_time as number) > (claims(first.id_token).auth_time as number), '(claims(second.id_token).auth_time as number) > (claims(first.id_token).auth_...')
    })

    it('forces a login for max_age=0 but not for a max_age the session satisfies', async () => {
      const res = await session.browser.get(url({ max_age: '0' }))
      assert.equal(loginPageUrl(res, server).pathname, '/u/login')
      assertCode(await session.browser.get(url({ max_age: '3600' })), server)
    })
  })

  describe('consent (/u/consent)', () => {
    it('asks a third-party app for consent; Decline sends access_denied to the app', async () => {
      const { app: thirdParty } = await addApp(server.store, { name: 'Declined app', firstParty: false })
      const own = new Browser(server.url)
      const fresh = await addUser(server.store)
      const res = await loginThrough(own, authorizeUrl(server.issuer, { clientId: thirdParty.clientId, challenge: pkce().challenge }), fresh.email, PASSWORD, 'deny')
      assert.equal(res.status, 303)
      assertRedirectError(res, server, 'access_denied')
    })

    it('remembers an accepted consent: the second authorize needs no consent page', async () => {
      const { app: thirdParty } = await addApp(server.store, { name: 'Accepted app', firstParty: false })
      const own = new Browser(server.url)
      const fresh = await addUser(server.store)
      const first = await own.follow(await own.get(authorizeUrl(server.issuer, { clientId: thirdParty.clientId, challenge: pkce().challenge })))
      assert.equal(new URL(first.url).pathname, '/u/login')
      const html = await first.text()
      const consent = await own.follow(await own.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: fresh.email, password: PASSWORD }))
      assert.equal(new URL(consent.url).pathname, '/u/consent', 'a third-party app asks for consent')
      const consentHtml = await consent.text()
      assertCode(await own.post(formAction(consentHtml), { csrf: hiddenField(consentHtml, 'csrf'), action: 'accept' }), server)

      assertCode(await own.get(authorizeUrl(server.issuer, { clientId: thirdParty.clientId, challenge: pkce().challenge })), server)
    })

    it('asks a first-party app for consent when the API does not allow skipping it', async () => {
      const strict = await addApi(server.store, { identifier: 'https://strict-consent.example.com/', skipConsentForFirstParty: false })
      const res = await session.browser.get(url({ audience: strict.identifier, scope: 'openid read:appointments' }))
      assert.equal(loginPageUrl(res, server).pathname, '/u/consent')
      assertCode(await session.browser.get(url({ audience: api.identifier })), server) // the API that allows skipping: no consent
    })
  })

  describe('redirect URIs of native apps (RFC 8252 §7.1, §7.3)', () => {
    it('matches a registered loopback callback on any port, for 127.0.0.1 and [::1]', async () => {
      const { app: native } = await addApp(server.store, { type: 'native', callbacks: ['http://127.0.0.1/cb', 'http://[::1]/cb'] })
      for (const redirectUri of ['http://127.0.0.1:51234/cb', 'http://[::1]:51234/cb', 'http://127.0.0.1/cb']) {
        const res = await session.authorize({ clientId: native.clientId, redirectUri, challenge: pkce().challenge })
        assert.ok((res.headers.get('location') ?? '').startsWith(`${redirectUri}?`), `${redirectUri} → ${res.headers.get('location')}`)
        assertCode(res, server, redirectUri)
      }
      for (const redirectUri of ['http://127.0.0.1:51234/other', 'http://localhost:51234/cb', 'http://127.0.0.1:51234/cb?x=1']) {
        await assertErrorPage(await session.browser.get(authorizeUrl(server.issuer, { clientId: native.clientId, redirectUri, challenge: pkce().challenge })))
      }
    })

    it('does not let the loopback port vary for an SPA', async () => {
      const { app: loopbackSpa } = await addApp(server.store, { callbacks: ['http://127.0.0.1/cb'] })
      await assertErrorPage(await session.browser.get(authorizeUrl(server.issuer, { clientId: loopbackSpa.clientId, redirectUri: 'http://127.0.0.1:51234/cb', challenge: pkce().challenge })))
    })

    it('delivers the code to a private-use URI scheme callback of a native app', async () => {
      const { app: native } = await addApp(server.store, { type: 'native', callbacks: ['com.example.app:/callback'] })
      const res = await session.authorize({ clientId: native.clientId, redirectUri: 'com.example.app:/callback', challenge: pkce().challenge })
      const location = res.headers.get('location') ?? ''
      assert.ok(location.startsWith('com.example.app:/callback?'), location)
      const params = new URL(location).searchParams
      assert.match(params.get('code') ?? '', /^[A-Za-z0-9_-]{43}$/)
      assert.equal(params.get('state'), 'state-123')
      assert.equal(params.get('iss'), server.issuer)
    })
  })

  describe('parameters and response modes', () => {
    it('ignores unknown parameters such as auth0Client and ui_locales', async () => {
      const auth0Client = Buffer.from(JSON.stringify({ name: 'auth0-spa-js', version: '2.28.3' })).toString('base64')
      // organization, invitation and dpop_jkt are checked (organizations, invitations and dpop tests), not ignored.
      assertCode(await session.browser.get(url({ auth0Client, ui_locales: 'fr-CA', custom_param: 'y' })), server)
    })

    it('puts the code in the fragment for response_mode=fragment', async () => {
      const res = await session.browser.get(url({ response_mode: 'fragment' }))
      assert.equal(res.status, 302)
      const location = new URL(res.headers.get('location') as string)
      assert.equal(location.search, '')
      const params = new URLSearchParams(location.hash.slice(1))
      assert.match(params.get('code') ?? '', /^[A-Za-z0-9_-]{43}$/)
      assert.equal(params.get('state'), 'state-123')
      assert.equal(params.get('iss'), server.issuer)
    })

    it('answers response_mode=form_post with an auto-submitting form whose script carries the CSP nonce', async () => {
      const res = await session.browser.get(url({ response_mode: 'form_post' }))
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('location'), null)
      const html = await res.text()
      assert.ok(html.includes(`<form method="post" action="${CALLBACK}">`), html)
      assert.match(hiddenField(html, 'code'), /^[A-Za-z0-9_-]{43}$/)
      assert.equal(hiddenField(html, 'state'), 'state-123')
      assert.equal(hiddenField(html, 'iss'), server.issuer)
      const csp = res.headers.get('content-security-policy') ?? ''
      const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1]
      assert.ok(nonce, `script nonce in CSP: ${csp}`)
      assert.ok(html.includes(`<script nonce="${nonce}">`), 'the script carries the nonce')
      assert.match(html, /submit\(\)/)
    })

    it('answers web_message with prompt=none with a page that postMessages {type: authorization_response, response} and may be framed by the web origin', async () => {
      const res = await session.browser.get(url({ response_mode: 'web_message', prompt: 'none', redirect_uri: WEB_ORIGIN }, (await webMessageApp()).clientId))
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('location'), null)
      assert.equal(res.headers.get('x-frame-options'), null, 'no X-Frame-Options: the iframe must load')
      const csp = res.headers.get('content-security-policy') ?? ''
      const ancestors = /frame-ancestors ([^;]+)/.exec(csp)?.[1] ?? ''
      assert.ok(ancestors.split(' ').includes(WEB_ORIGIN), `frame-ancestors ${ancestors}`)
      assert.ok(!ancestors.includes("'none'"), '!ancestors.includes("\'none\'")')
      const html = await res.text()
      const call = /postMessage\((\{.*?\}), ("[^"]*")\)/.exec(html)
      assert.ok(call, html)
      const message = JSON.parse(call[1] as string) as { type: string; response: Record<string, string> }
      assert.equal(message.type, 'authorization_response')
      assert.match(message.response.code ?? '', /^[A-Za-z0-9_-]{43}$/)
      assert.equal(message.response.state, 'state-123')
      assert.equal(JSON.parse(call[2] as string), WEB_ORIGIN, 'the target origin is the redirect_uri origin')
      assert.match(html, /window\.opener \? window\.opener : window\.parent/)

      const noSession = await anonymous().get(url({ response_mode: 'web_message', prompt: 'none', redirect_uri: WEB_ORIGIN }, (await webMessageApp()).clientId))
      assert.equal(noSession.status, 200)
      const errorHtml = await noSession.text()
      const errorCall = /postMessage\((\{.*?\}), /.exec(errorHtml)
      assert.ok(errorCall, 'errorCall')
      assert.equal((JSON.parse(errorCall[1] as string) as { response: Record<string, string> }).response.error, 'login_required')
    })

    /** An SPA whose origin is a callback, as spa-js's silent authentication uses it. */
    async function webMessageApp() {
      return (await addApp(server.store, { callbacks: [CALLBACK, WEB_ORIGIN] })).app
    }
  })

  describe('the login page (/u/login)', () => {
    async function loginPage(browser = anonymous(), clientId = spa.clientId) {
      const res = await browser.follow(await browser.get(url({}, clientId)))
      assert.equal(new URL(res.url).pathname, '/u/login')
      return { res, html: await res.text(), browser }
    }

    it('is served with Referrer-Policy: no-referrer, frame protection and a CSP without form-action (RFC 9700 §4.16)', async () => {
      const { res } = await loginPage()
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer')
      assert.equal(res.headers.get('x-frame-options'), 'DENY')
      const csp = res.headers.get('content-security-policy') ?? ''
      assert.match(csp, /frame-ancestors 'none'/)
      assert.doesNotMatch(csp, /form-action/, 'form-action would block the redirect to the app in Chromium')
      assert.equal(res.headers.get('cache-control'), 'no-store')
    })

    it('is accessible: labelled username and password fields and a submit button', async () => {
      const { html } = await loginPage()
      assert.match(html, /<html lang="[a-z]+"/)
      assert.match(html, /<label for="username">/)
      assert.match(html, /<input id="username" name="username"/)
      assert.match(html, /<label for="password">/)
      assert.match(html, /<input id="password" name="password" type="password"/)
      assert.match(html, /<button type="submit"/)
    })

    it('answers a wrong password and an unknown email with the same message and status (no user enumeration)', async () => {
      const attempt = async (username: string, password: string) => {
        const { html, browser } = await loginPage()
        const res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username, password })
        const body = await res.text()
        assert.ok(!body.includes(password), 'the password is not reflected')
        return { status: res.status, message: /role="alert"[^>]*>([^<]*)</.exec(body)?.[1], cookie: res.headers.getSetCookie().some((c) => c.startsWith('latchkey_session=')) }
      }
      const wrongPassword = await attempt(user.email, 'not-the-password-1')
      const unknownEmail = await attempt('nobody-here@example.com', 'not-the-password-2')
      assert.ok(wrongPassword.message, 'an error message is shown')
      assert.deepEqual(wrongPassword, unknownEmail)
      assert.equal(wrongPassword.cookie, false)
      assert.ok(wrongPassword.status >= 400 && wrongPassword.status < 500, 'wrongPassword.status >= 400 && wrongPassword.status < 500')
    })

    it('refuses a login post without the csrf field, or from another browser (CSRF, RFC 6749 §10.12)', async () => {
      const { html, browser } = await loginPage()
      const noToken = await browser.post(formAction(html), { username: user.email, password: PASSWORD })
      await assertErrorPage(noToken)
      assert.ok(!noToken.headers.getSetCookie().some((c) => c.startsWith('latchkey_session=')), '!noToken.headers.getSetCookie().some((c) => c.startsWith(\'latchkey_session=\'))')

      const other = anonymous()
      const stolen = await other.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD })
      await assertErrorPage(stolen)
      assert.ok(!stolen.headers.getSetCookie().some((c) => c.startsWith('latchkey_session=')), '!stolen.headers.getSetCookie().some((c) => c.startsWith(\'latchkey_session=\'))')

      // The legitimate browser can still log in with its own token.
      assertCode(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }), server)
    })

    it('refuses a cross-site form post (Origin: https://evil.example) with 403', async () => {
      const { html, browser } = await loginPage()
      const res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }, { origin: 'https://evil.example' })
      assert.equal(res.status, 403)
      assert.equal(res.headers.get('location'), null)
      assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith('latchkey_session=')), '!res.headers.getSetCookie().some((c) => c.startsWith(\'latchkey_session=\'))')
    })

    it('answers the successful login POST with 303, never 307 (RFC 9700 §4.12), and sets an HttpOnly SameSite=Lax session cookie', async () => {
      const { html, browser } = await loginPage()
      const res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD })
      assert.equal(res.status, 303)
      assertCode(res, server)
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('latchkey_session='))
      assert.ok(cookie, 'a session cookie')
      assert.match(cookie, /HttpOnly/i)
      assert.match(cookie, /SameSite=Lax/i)
    })

    it('does not log a blocked user in', async () => {
      const blocked = await addUser(server.store, { blocked: true })
      const { html, browser } = await loginPage()
      const res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: blocked.email, password: PASSWORD })
      assert.ok(res.status >= 400 && res.status < 500, `status ${res.status}`)
      assert.equal(res.headers.get('location'), null)
      assert.match(await res.text(), /blocked/i)
      assert.ok(!res.headers.getSetCookie().some((c) => c.startsWith('latchkey_session=')), '!res.headers.getSetCookie().some((c) => c.startsWith(\'latchkey_session=\'))')
    })
  })

  it('serves the consent page with the same protections as the login page', async () => {
    const { app: thirdParty } = await addApp(server.store, { name: 'Consent headers', firstParty: false })
    const res = await session.browser.follow(await session.browser.get(url({}, thirdParty.clientId)))
    assert.equal(new URL(res.url).pathname, '/u/consent')
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer')
    assert.equal(res.headers.get('x-frame-options'), 'DENY')
    const csp = res.headers.get('content-security-policy') ?? ''
    assert.match(csp, /frame-ancestors 'none'/)
    assert.doesNotMatch(csp, /form-action/)
    const html = await res.text()
    assert.match(html, /<button type="submit" name="action" value="accept"/)
    assert.match(html, /<button type="submit" name="action" value="deny"/)
  })

  it('answers the consent POST with 303, never 307 (RFC 9700 §4.12)', async () => {
    const { app: thirdParty } = await addApp(server.store, { name: 'Consent 303', firstParty: false })
    const page = await session.browser.follow(await session.browser.get(url({}, thirdParty.clientId)))
    const html = await page.text()
    const res = await session.browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), action: 'accept' })
    assert.equal(res.status, 303)
    assertCode(res, server)
  })

  it('issues a code that redeems at /oauth/token for the authorize request that produced it', async () => {
    const { verifier, challenge } = pkce()
    const res = await session.browser.get(authorizeUrl(server.issuer, { clientId: spa.clientId, challenge, audience: api.identifier, scope: 'openid read:appointments' }))
    const code = callbackParams(res).get('code') as string
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: spa.clientId, code, code_verifier: verifier, redirect_uri: CALLBACK })
    assert.equal(r.status, 200)
    assert.equal(r.json.scope, 'openid read:appointments')
  })
})
