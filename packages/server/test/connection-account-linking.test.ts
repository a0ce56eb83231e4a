/**
 * Linking an upstream account to an existing user at login (a connection's opt-in
 * `options.link_existing_accounts`), against a real OpenID provider (oidc-provider):
 *
 * - off by default: an account with the email of an existing user is its own user (never linked by email);
 * - on: a first login whose provider vouches for the email of an existing user goes to /u/link; the
 *   user proves that account with its password, or through one of its connections (which must log in
 *   as exactly that user), or keeps the accounts separate; a linked account logs in as that user;
 * - an email the provider does not vouch for is never offered;
 * - the link step is a step of the login state machine: only its own transaction, in its browser,
 *   with its form token, answered once.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, ConnectionRecord, UserRecord } from '@latchkey/core'
import { parseConnectionOptions } from '../src/connections/strategies/index.js'
import { presentOneUser } from '../src/management/mappings/users.js'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addConnection, oidcOptions } from './support/connections.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'
import { BASIC_CLIENT, type OidcUpstream, startOidcUpstream, type UpstreamAccount } from './support/upstreams/oidc-provider.js'

const account = (sub: string, email: string, verified = true): UpstreamAccount => ({ sub, claims: { name: sub, email, email_verified: verified } })
const ALICE = account('alice-1', 'alice@link.example')
const BOB = account('bob-2', 'bob@link.example')
const CAROL = account('carol-3', 'carol@link.example')
const DAVE = account('dave-4', 'dave@link.example')
const EVE = account('eve-5', 'eve@link.example', false)
const FRANK = account('frank-6', 'frank@link.example')
const GRACE = account('grace-7', 'grace@link.example')

describe('linking an upstream account to an existing user at login', () => {
  let server: TestServer
  let upstream: OidcUpstream
  let app: ApplicationRecord
  let linking: ConnectionRecord
  let plain: ConnectionRecord

  before(async () => {
    server = await startTestServer()
    upstream = await startOidcUpstream([ALICE, BOB, CAROL, DAVE, EVE, FRANK, GRACE], `${server.issuer}login/callback`)
    ;({ app } = await addApp(server.store, { name: 'Linking SPA' }))
    const acme = (name: string, displayName: string, options: Record<string, boolean> = {}) =>
      addConnection(server, { name, displayName, strategy: 'oidc', options: oidcOptions(upstream.issuer, BASIC_CLIENT, options), enabledClients: [app.clientId] })
    linking = await acme('acme-linking', 'Acme SSO', { link_existing_accounts: true })
    plain = await acme('acme-plain', 'Acme Classic')
  })
  after(async () => {
    await server.close()
    await upstream.close()
  })

  /** /authorize with connection= → the provider, where `who` logs in → Latchkey's callback; returns its answer and the PKCE verifier. */
  async function loginAt(connection: ConnectionRecord, who: UpstreamAccount, browser = new Browser(server.url)) {
    const { verifier, challenge } = pkce()
    const toProvider = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { connection: connection.name } })))
    const callback = await upstream.loginThrough(toProvider.headers.get('location') as string, who)
    return { res: await browser.get(callback.href), verifier, browser }
  }

  async function subOf(res: Response, verifier: string, browser?: Browser): Promise<string> {
    const final = browser ? await browser.follow(res) : res
    const code = callbackParams(final).get('code')
    assert.ok(code, `no code: ${final.status} ${final.headers.get('location')}`)
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(tokens.status, 200)
    return claims(tokens.json.id_token).sub as string
  }

  /** The link page the callback sent the browser to. */
  async function linkPageOf(browser: Browser, res: Response) {
    assert.equal(res.status, 302)
    const location = new URL(res.headers.get('location') as string, server.url)
    assert.equal(location.pathname, '/u/link')
    const page = await browser.get(location.href)
    assert.equal(page.status, 200)
    return { url: location.href, html: await page.text() }
  }

  const identityOwner = async (connection: ConnectionRecord, who: UpstreamAccount) => (await server.store.identities.find(connection.id, `${connection.name}|${who.sub}`))?.userId ?? null

  it('off by default: an account with an existing user\'s email is its own user, never linked by email', async () => {
    const existing = await addUser(server.store, { email: FRANK.claims.email as string, emailVerified: true })
    const { res, verifier, browser } = await loginAt(plain, FRANK)
    assert.equal(await subOf(res, verifier, browser), `oidc|acme-plain|${FRANK.sub}`)
    assert.equal(await identityOwner(plain, FRANK), `oidc|acme-plain|${FRANK.sub}`)
    assert.deepEqual(await server.store.identities.listForUser(existing.id), [])
    // The Management API shows the identity as Auth0 does: user id = `{provider}|{identity user_id}`.
    const shown = await presentOneUser(server.store, (await server.store.users.get(`oidc|acme-plain|${FRANK.sub}`)) as UserRecord)
    assert.deepEqual(
      shown.identities.map((i) => [i.provider, i.user_id, i.connection]),
      [['oidc', `acme-plain|${FRANK.sub}`, 'acme-plain']],
    )
  })

  describe('with link_existing_accounts', () => {
    let alice: UserRecord

    it('the first login finds the existing user by the verified email and asks the user to prove it (no user created yet)', async () => {
      alice = await addUser(server.store, { email: ALICE.claims.email as string })
      const { res, browser } = await loginAt(linking, ALICE)
      const { html } = await linkPageOf(browser, res)
      assert.match(html, /An account with <strong>alice@link\.example<\/strong> already exists/)
      assert.match(html, /name="password"/)
      assert.match(html, /value="separate"/)
      assert.equal(await identityOwner(linking, ALICE), null)
      assert.equal(await server.store.users.get(`oidc|acme-linking|${ALICE.sub}`), null)
    })

    it('a wrong password links nothing; the right one links the account and logs in as the existing user', async () => {
      const { res, verifier, browser } = await loginAt(linking, ALICE)
      const { url, html } = await linkPageOf(browser, res)
      const wrong = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), action: 'password', password: 'not the password' })
      assert.equal(wrong.status, 400)
      assert.match(await wrong.text(), /Wrong email or password/)
      assert.equal(await identityOwner(linking, ALICE), null)

      const again = await (await browser.get(url)).text()
      const right = await browser.post(formAction(again), { csrf: hiddenField(again, 'csrf'), action: 'password', password: PASSWORD })
      assert.equal(await subOf(right, verifier, browser), alice.id)
      assert.equal(await identityOwner(linking, ALICE), alice.id)
      const events = await server.store.logs.list({ userId: alice.id })
      assert.ok(events.some((e) => e.type === 's' && e.details.connection === linking.name && e.details.linked === true), 'the login says it linked')
    })

    it('the linked account then logs in as the existing user straight away', async () => {
      const { res, verifier, browser } = await loginAt(linking, ALICE)
      assert.equal(await subOf(res, verifier, browser), alice.id)
    })

    it('"Keep them separate" makes the account its own user, and it stays separate at the next login', async () => {
      const bob = await addUser(server.store, { email: BOB.claims.email as string })
      const first = await loginAt(linking, BOB)
      const { html } = await linkPageOf(first.browser, first.res)
      const separate = await first.browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), action: 'separate' })
      assert.equal(await subOf(separate, first.verifier, first.browser), `oidc|acme-linking|${BOB.sub}`)
      assert.deepEqual(await server.store.identities.listForUser(bob.id), [])
      const second = await loginAt(linking, BOB)
      assert.equal(await subOf(second.res, second.verifier, second.browser), `oidc|acme-linking|${BOB.sub}`)
    })

    it('an email the provider does not vouch for is never offered', async () => {
      await addUser(server.store, { email: EVE.claims.email as string })
      const { res, verifier, browser } = await loginAt(linking, EVE)
      assert.equal(await subOf(res, verifier, browser), `oidc|acme-linking|${EVE.sub}`)
    })

    it('an existing user of another connection proves the account through that connection, which must log in as exactly that user', async () => {
      // Carol's existing account: a user of the plain connection (no password).
      const existing = await loginAt(plain, CAROL)
      const carolId = await subOf(existing.res, existing.verifier, existing.browser)
      assert.equal(carolId, `oidc|acme-plain|${CAROL.sub}`)

      const { res, verifier, browser } = await loginAt(linking, CAROL)
      const { url, html } = await linkPageOf(browser, res)
      assert.doesNotMatch(html, /name="password"/, 'no password to prove: a user of a connection')
      assert.match(html, /Prove it with Acme Classic/)

      // Proving with another account at that provider (Dave's) links nothing and says so.
      const proveAsDave = await browser.post(formAction(html, '/u/link/connection'), { csrf: hiddenField(html, 'csrf'), connection: plain.name })
      const daveBack = await browser.get((await upstream.loginThrough(proveAsDave.headers.get('location') as string, DAVE)).href)
      assert.equal(daveBack.status, 302)
      const retry = new URL(daveBack.headers.get('location') as string, server.url)
      assert.equal(retry.pathname, '/u/link')
      const retryPage = await (await browser.get(retry.href)).text()
      assert.match(retryPage, /That login belongs to another account/)
      assert.equal(await identityOwner(linking, CAROL), null)

      // Proving with Carol's own account links it.
      const page = await (await browser.get(url)).text()
      const proveAsCarol = await browser.post(formAction(page, '/u/link/connection'), { csrf: hiddenField(page, 'csrf'), connection: plain.name })
      const carolBack = await browser.get((await upstream.loginThrough(proveAsCarol.headers.get('location') as string, CAROL)).href)
      assert.equal(await subOf(carolBack, verifier, browser), carolId)
      assert.equal(await identityOwner(linking, CAROL), carolId)
    })

    it('a connection that is not one of the existing user\'s is not a proof', async () => {
      await addUser(server.store, { email: DAVE.claims.email as string })
      const { res, browser } = await loginAt(linking, DAVE)
      const { url, html } = await linkPageOf(browser, res)
      assert.doesNotMatch(html, /Prove it with/, 'a password user of no connection: no connection to prove with')
      const other = await browser.post(url.replace('/u/link?', '/u/link/connection?'), { csrf: hiddenField(html, 'csrf'), connection: linking.name })
      assert.equal(other.status, 400)
      assert.equal(other.headers.get('location'), null)
    })
  })

  describe('the link step in the login state machine', () => {
    let pending: { url: string; html: string; browser: Browser; verifier: string }

    before(async () => {
      await addUser(server.store, { email: 'grace@link.example' })
      const { res, browser, verifier } = await loginAt(linking, GRACE)
      pending = { ...(await linkPageOf(browser, res)), browser, verifier }
    })

    it('its page shows only its own messages, whatever retry= says', async () => {
      for (const retry of ['constructor', '__proto__', 'toString', '<script>', 'x'.repeat(5000)]) {
        const res = await pending.browser.get(`${pending.url}&retry=${encodeURIComponent(retry)}`)
        assert.equal(res.status, 200, retry)
        assert.doesNotMatch(await res.text(), /role="alert"/, retry)
      }
    })

    it('another browser cannot open or answer it', async () => {
      const stranger = new Browser(server.url)
      assert.equal((await stranger.get(pending.url)).status, 400)
      const res = await stranger.post(pending.url, { csrf: hiddenField(pending.html, 'csrf'), action: 'password', password: PASSWORD })
      assert.equal(res.status, 400)
    })

    it('its forms need their token; an unknown action or a password for a user without one is refused', async () => {
      assert.equal((await pending.browser.post(pending.url, { action: 'password', password: PASSWORD })).status, 400)
      assert.equal((await pending.browser.post(pending.url, { csrf: hiddenField(pending.html, 'csrf'), action: 'link-everything' })).status, 400)
    })

    it('the login page of the same transaction does not answer the link step\'s form', async () => {
      const loginUrl = pending.url.replace('/u/link?', '/u/login?')
      const res = await pending.browser.post(loginUrl, { csrf: hiddenField(pending.html, 'csrf'), username: 'grace@link.example', password: PASSWORD })
      assert.equal(res.status, 400)
      assert.match(await res.text(), /not part of your login at this point/)
    })

    it('answered twice at once: one login completes, the other finds it completed', async () => {
      const form = { csrf: hiddenField(pending.html, 'csrf'), action: 'password', password: PASSWORD }
      const [a, b] = await Promise.all([pending.browser.post(pending.url, form), pending.browser.post(pending.url, form)])
      const codes = [a, b].filter((r) => r.status === 303 || r.status === 302)
      assert.equal(codes.length, 1, `${a.status} ${b.status}`)
      assert.equal([a, b].filter((r) => r.status === 400).length, 1)
      // And afterwards the step is gone.
      assert.equal((await pending.browser.post(pending.url, form)).status, 400)
    })
  })

  it('link_existing_accounts must be a boolean', () => {
    assert.throws(() => parseConnectionOptions('oidc', { issuer: 'https://idp.example', client_id: 'x', link_existing_accounts: 'yes' }), /link_existing_accounts: must be a boolean/)
    assert.doesNotThrow(() => parseConnectionOptions('oidc', { issuer: 'https://idp.example', client_id: 'x', link_existing_accounts: true }))
  })
})
