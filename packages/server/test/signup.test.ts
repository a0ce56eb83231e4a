/**
 * Sign-up (/u/signup): off by default (LATCHKEY_SIGNUP), on it opens from `screen_hint=signup` and a
 * link on the login page, creates the account with the password policy, logs the new user in and
 * finishes the authorization (tokens); it has the login form's protections (the form token bound to
 * the browser and transaction, the Origin check, a per-IP limit) and one answer for a taken address.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord } from '@latchkey/core'
import { loadConfig } from '../src/config.js'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'

const PASSWORD = 'a long enough passphrase'

/** Opens /authorize with `extra` in a new browser and follows it to Latchkey's page. */
async function openAuthorize(server: TestServer, app: ApplicationRecord, extra: Record<string, string> = {}) {
  const browser = new Browser(server.url)
  const { verifier, challenge } = pkce()
  const res = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra })))
  return { browser, verifier, res, path: new URL(res.url).pathname, html: await res.text() }
}

describe('sign-up', () => {
  it('LATCHKEY_SIGNUP is off by default, on or off when set, and refuses other values', () => {
    assert.equal(loadConfig({}, {}).signup, false)
    assert.equal(loadConfig({}, { LATCHKEY_SIGNUP: 'on' }).signup, true)
    assert.equal(loadConfig({}, { LATCHKEY_SIGNUP: 'off' }).signup, false)
    assert.throws(() => loadConfig({}, { LATCHKEY_SIGNUP: 'yes please' }), /LATCHKEY_SIGNUP must be on or off/)
  })

  describe('when off (the default)', () => {
    let server: TestServer
    let app: ApplicationRecord
    before(async () => {
      server = await startTestServer()
      ;({ app } = await addApp(server.store))
    })
    after(() => server.close())

    it('screen_hint=signup shows the login form, without a sign-up link', async () => {
      const { path, html } = await openAuthorize(server, app, { screen_hint: 'signup' })
      assert.equal(path, '/u/login')
      assert.doesNotMatch(html, /Sign up/)
    })

    it('/u/signup answers 404 with a page, for GET and POST, and creates nobody', async () => {
      const { browser, html } = await openAuthorize(server, app)
      const signup = formAction(html).replace('/u/login', '/u/signup')
      const get = await browser.get(signup)
      assert.equal(get.status, 404)
      assert.match(await get.text(), /Sign-up is not available here/)
      const post = await browser.post(signup, { csrf: hiddenField(html, 'csrf'), email: 'nobody@example.com', password: PASSWORD })
      assert.equal(post.status, 404)
      assert.equal(await server.store.users.findByEmail('nobody@example.com'), null)
    })
  })

  describe('when on (LATCHKEY_SIGNUP=on)', () => {
    let server: TestServer
    let app: ApplicationRecord
    before(async () => {
      server = await startTestServer({ env: { LATCHKEY_SIGNUP: 'on' } })
      ;({ app } = await addApp(server.store))
    })
    after(() => server.close())

    it('screen_hint=signup opens the form; signing up logs the new user in and the app gets tokens', async () => {
      const { browser, verifier, path, html } = await openAuthorize(server, app, { screen_hint: 'signup', login_hint: 'Grace@Example.com' })
      assert.equal(path, '/u/signup')
      assert.match(html, /<label for="email">Email address<\/label>/)
      assert.match(html, /autocomplete="new-password"/)
      assert.match(html, /At least 8 characters/)
      assert.match(html, /value="Grace@Example.com"/)
      const res = await browser.follow(await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email: ' Grace@Example.com ', password: PASSWORD }))
      const code = callbackParams(res).get('code')
      assert.ok(code, `${res.status} ${res.headers.get('location')}`)
      const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      const user = await server.store.users.findByEmail('grace@example.com')
      assert.ok(user)
      assert.equal(user.emailVerified, false)
      assert.match(user.passwordHash ?? '', /^\$argon2id\$/)
      assert.equal(claims(r.json.id_token).sub, user.id)
      assert.equal(claims(r.json.id_token).email, 'grace@example.com')
      assert.equal(await server.store.logs.count({ type: 'ss', userId: user.id }), 1)
    })

    it('the login page links to the sign-up form, and the sign-up form back to the login form', async () => {
      const { browser, html } = await openAuthorize(server, app)
      const link = /href="(\/u\/signup\?state=[^"]+)"/.exec(html)?.[1]
      assert.ok(link, 'a Sign up link')
      const signup = await browser.get(link.replace(/&amp;/g, '&'))
      assert.equal(signup.status, 200)
      assert.match(await signup.text(), /href="\/u\/login\?state=/)
    })

    it('enforces the password policy and a valid email, with the reason on the form', async () => {
      const { browser, html } = await openAuthorize(server, app, { screen_hint: 'signup' })
      const post = (email: string, password: string) => browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email, password })
      for (const [email, password, message] of [
        ['short@example.com', 'seven77', /Password must be at least 8 characters\./],
        ['long@example.com', 'x'.repeat(257), /Password must be at most 256 characters\./],
        ['not-an-email', PASSWORD, /Email must be a valid address\./],
        ['', PASSWORD, /Enter your email address and a password\./],
      ] as const) {
        const res = await post(email, password)
        assert.equal(res.status, 400, email)
        assert.match(await res.text(), message)
      }
      assert.equal(await server.store.users.findByEmail('short@example.com'), null)
      assert.ok((await server.store.logs.count({ type: 'fs' })) >= 4)
    })

    it('answers a taken address with one generic message and creates nothing', async () => {
      const existing = await addUser(server.store)
      const before = await server.store.users.count()
      const { browser, html } = await openAuthorize(server, app, { screen_hint: 'signup' })
      const res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email: existing.email.toUpperCase(), password: PASSWORD })
      assert.equal(res.status, 400)
      assert.match(await res.text(), /We could not create an account with this email address\. If you already have one, log in instead\./)
      assert.equal(await server.store.users.count(), before)
      assert.equal((await server.store.users.get(existing.id))?.passwordHash, existing.passwordHash)
    })

    it('refuses a post without the form token, from another browser, or from another site (CSRF)', async () => {
      const { browser, html } = await openAuthorize(server, app, { screen_hint: 'signup' })
      const action = formAction(html)
      const noToken = await browser.post(action, { email: 'csrf1@example.com', password: PASSWORD })
      assert.equal(noToken.status, 400)
      const stranger = new Browser(server.url)
      const otherBrowser = await stranger.post(action, { csrf: hiddenField(html, 'csrf'), email: 'csrf2@example.com', password: PASSWORD })
      assert.equal(otherBrowser.status, 400)
      const crossSite = await browser.post(action, { csrf: hiddenField(html, 'csrf'), email: 'csrf3@example.com', password: PASSWORD }, { origin: 'https://evil.example' })
      assert.equal(crossSite.status, 403)
      for (const n of [1, 2, 3]) assert.equal(await server.store.users.findByEmail(`csrf${n}@example.com`), null)
    })
  })

  it('limits sign-up posts per IP with a 429 page (LATCHKEY_RATE_LIMIT_SIGNUP)', async () => {
    const server = await startTestServer({ env: { LATCHKEY_SIGNUP: 'on', LATCHKEY_RATE_LIMITS: 'on', LATCHKEY_RATE_LIMIT_SIGNUP: '2/60' } })
    try {
      const { app } = await addApp(server.store)
      const { browser, html } = await openAuthorize(server, app, { screen_hint: 'signup' })
      const post = (email: string) => browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email, password: 'short' })
      assert.equal((await post('a@example.com')).status, 400)
      assert.equal((await post('b@example.com')).status, 400)
      const refused = await post('c@example.com')
      assert.equal(refused.status, 429)
      assert.ok(Number(refused.headers.get('retry-after')) > 0)
      assert.match(await refused.text(), /Too many requests\. Try again in/)
    } finally {
      await server.close()
    }
  })
})
