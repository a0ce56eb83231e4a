/**
 * Asking again through a connection (OIDC Core §3.1.2.1 `prompt`, `max_age`, `login_hint`), end to
 * end with a real OpenID provider (oidc-provider) upstream that keeps its own session in the same
 * person's browser, as a real provider does:
 *
 * - an SSO session at Latchkey answers a later /authorize (even with `connection=`) without a trip to
 *   the provider; `prompt=none` without a session is `login_required` at the app, also without one;
 * - `prompt=login` sends the browser to the provider with `prompt=login`, and the provider asks again
 *   even though its own session would have answered; through `connection=` and through the login
 *   page's button alike;
 * - `max_age=0`, or a `max_age` shorter than the session's age, sends it to the provider with that
 *   `max_age`, which decides whether its own authentication is recent enough;
 * - `login_hint` is passed on;
 * - the new ID token's `auth_time` is the new login's;
 * - a provider that ignores `max_age` (its ID token's `auth_time` too old) logs no one in (a small
 *   fake provider, since a real one does not misbehave).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addConnection, oidcOptions } from './support/connections.js'
import { addApp, startTestServer, type TestServer } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'
import { FAKE_CLIENT, type FakeOidc, startFakeOidc } from './support/upstreams/fake-oidc.js'
import { ALICE, BASIC_CLIENT, type OidcUpstream, startOidcUpstream } from './support/upstreams/oidc-provider.js'

const CONNECTION = 'acme-oidc'
const SUB = `oidc|${CONNECTION}|${ALICE.sub}`

describe('prompt, max_age and login_hint through an upstream connection', () => {
  let server: TestServer
  let upstream: OidcUpstream
  let fake: FakeOidc
  let app: ApplicationRecord

  before(async () => {
    server = await startTestServer()
    upstream = await startOidcUpstream([ALICE], `${server.issuer}login/callback`)
    fake = await startFakeOidc({}, `${server.issuer}login/callback`)
    ;({ app } = await addApp(server.store, { name: 'SSO SPA' }))
    await addConnection(server, { name: CONNECTION, displayName: 'Acme SSO', strategy: 'oidc', options: oidcOptions(upstream.issuer, BASIC_CLIENT), enabledClients: [app.clientId] })
    await addConnection(server, { name: 'fake-oidc', displayName: 'Fake SSO', strategy: 'oidc', options: oidcOptions(fake.issuer, FAKE_CLIENT), enabledClients: [app.clientId] })
  })
  after(async () => {
    await server?.close()
    await upstream?.close()
    await fake?.close()
  })

  /**
   * One person's browser: Latchkey's cookies and the provider's (both on this machine, on different
   * ports; kept apart as different hosts' would be).
   */
  class Person {
    readonly latchkey = new Browser(server.url)
    /** `provider`: the provider's cookies of another Person (as if one browser had lost only Latchkey's cookies). */
    constructor(readonly provider = new Browser(upstream.issuer)) {}

    /**
     * /authorize at Latchkey, following redirects between Latchkey and the provider; on the
     * provider's login page Alice logs in. Returns the redirect to the app, the provider's
     * authorization request (null: no trip there), whether the provider showed its login page, and
     * the app's PKCE verifier.
     */
    async authorize(extra: Record<string, string>, start?: (url: string) => Promise<Response>) {
      const { verifier, challenge } = pkce()
      const url = authorizeUrl(server.issuer, { clientId: app.clientId, challenge, nonce: 'n-1', extra })
      let res = start ? await start(url) : await this.latchkey.get(url)
      let upstreamRequest: URL | null = null
      let providerAsked = false
      for (let i = 0; i < 20; i++) {
        const location = res.headers.get('location')
        assert.ok(res.status >= 300 && res.status < 400 && location, `expected a redirect, got ${res.status} at ${res.url}: ${(await res.text()).slice(0, 300)}`)
        const next = new URL(location, res.url)
        if (next.origin === upstream.issuer) {
          if (next.pathname === '/auth') upstreamRequest ??= next
          if (next.pathname.startsWith('/interaction/')) {
            providerAsked = true
            assert.equal((await this.provider.get(next.href)).status, 200)
            res = await this.provider.post(next.href, { account: ALICE.sub })
          } else {
            res = await this.provider.get(next.href)
          }
        } else if (next.origin === new URL(server.url).origin) {
          res = await this.latchkey.get(next.href)
        } else {
          return { res, upstreamRequest, providerAsked, verifier }
        }
      }
      throw new Error('too many redirects')
    }

    /** The login page (Latchkey's, at `url`), then its "Continue with Acme SSO" button. */
    async viaButton(extra: Record<string, string>) {
      return this.authorize(extra, async (url) => {
        const page = await this.latchkey.follow(await this.latchkey.get(url))
        assert.equal(new URL(page.url).pathname, '/u/login', 'the login page')
        const html = await page.text()
        return this.latchkey.post(formAction(html), { csrf: hiddenField(html, 'csrf'), connection: CONNECTION })
      })
    }
  }

  async function idToken(res: Response, verifier: string) {
    const params = callbackParams(res)
    const code = params.get('code')
    assert.ok(code, `no code: ${res.headers.get('location')}`)
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    const id = claims(r.json.id_token)
    assert.equal(id.sub, SUB)
    return id
  }

  /** Alice logged in through the connection: a Latchkey SSO session and one at the provider. */
  async function loggedIn() {
    const alice = new Person()
    const first = await alice.authorize({ connection: CONNECTION })
    assert.equal(first.providerAsked, true)
    return { alice, first: await idToken(first.res, first.verifier) }
  }

  /** auth_time is the login just made (Latchkey's clock, to the second). */
  function assertJustNow(authTime: unknown) {
    const now = Math.floor(server.clock.now() / 1000)
    assert.ok(typeof authTime === 'number' && authTime <= now && authTime >= now - 1, `auth_time ${authTime}, now ${now}`)
  }

  it('an SSO session answers a later /authorize, with or without connection=, without a trip to the provider', async () => {
    const { alice, first } = await loggedIn()
    server.clock.advance(60_000)
    const requests: Record<string, string>[] = [{ connection: CONNECTION }, {}, { connection: CONNECTION, prompt: 'none' }]
    for (const extra of requests) {
      const again = await alice.authorize(extra)
      assert.equal(again.upstreamRequest, null, JSON.stringify(extra))
      assert.equal((await idToken(again.res, again.verifier)).auth_time, first.auth_time, 'the same authentication')
    }
  })

  it('prompt=none without a session is login_required at the app, without a trip to the provider', async () => {
    const stranger = new Person()
    const { res, upstreamRequest } = await stranger.authorize({ connection: CONNECTION, prompt: 'none' })
    assert.equal(upstreamRequest, null)
    const params = callbackParams(res)
    assert.equal(params.get('error'), 'login_required')
    assert.equal(params.get('state'), 'state-123')
    assert.equal(params.get('iss'), server.issuer)
    assert.equal(params.get('code'), null)
  })

  it("without prompt=login the provider's own session answers; with it, the provider asks again (connection=), and auth_time is the new login's", async () => {
    const { alice, first } = await loggedIn()
    // A new Latchkey session, the same provider session: the provider does not ask.
    const elsewhere = new Person(alice.provider)
    const quiet = await elsewhere.authorize({ connection: CONNECTION })
    assert.ok(quiet.upstreamRequest)
    assert.equal(quiet.upstreamRequest.searchParams.get('prompt'), null)
    assert.equal(quiet.providerAsked, false, "the provider's session answered")
    await idToken(quiet.res, quiet.verifier)

    server.clock.advance(120_000)
    const again = await alice.authorize({ connection: CONNECTION, prompt: 'login' })
    assert.ok(again.upstreamRequest, 'prompt=login goes to the provider again')
    assert.equal(again.upstreamRequest.searchParams.get('prompt'), 'login')
    assert.equal(again.providerAsked, true, 'the provider asked again despite its session')
    const id = await idToken(again.res, again.verifier)
    assertJustNow(id.auth_time)
    assert.ok((id.auth_time as number) >= (first.auth_time as number) + 120)
    assert.notEqual(id.sid, first.sid, 'a new session')
  })

  it('prompt=login through the login page\'s button asks the provider again too', async () => {
    const { alice, first } = await loggedIn()
    server.clock.advance(120_000)
    const again = await alice.viaButton({ prompt: 'login' })
    assert.equal(again.upstreamRequest?.searchParams.get('prompt'), 'login')
    assert.equal(again.providerAsked, true)
    const id = await idToken(again.res, again.verifier)
    assertJustNow(id.auth_time)
    assert.ok((id.auth_time as number) > (first.auth_time as number))
  })

  it('max_age=0 goes to the provider with max_age=0, which asks again; auth_time is the new login\'s', async () => {
    const { alice, first } = await loggedIn()
    server.clock.advance(120_000)
    const again = await alice.authorize({ connection: CONNECTION, max_age: '0' })
    assert.ok(again.upstreamRequest, 'max_age=0 goes to the provider again')
    assert.equal(again.upstreamRequest.searchParams.get('max_age'), '0')
    assert.equal(again.providerAsked, true)
    const id = await idToken(again.res, again.verifier)
    assertJustNow(id.auth_time)
    assert.ok((id.auth_time as number) >= (first.auth_time as number) + 120)
  })

  it("a max_age shorter than the session's age goes to the provider with that max_age; a longer one does not", async () => {
    const { alice, first } = await loggedIn()
    server.clock.advance(600_000)
    const fresh = await alice.authorize({ connection: CONNECTION, max_age: '3600' })
    assert.equal(fresh.upstreamRequest, null, 'the session is recent enough')
    assert.equal((await idToken(fresh.res, fresh.verifier)).auth_time, first.auth_time)

    const stale = await alice.authorize({ connection: CONNECTION, max_age: '300' })
    assert.ok(stale.upstreamRequest, 'the session is older than max_age')
    assert.equal(stale.upstreamRequest.searchParams.get('max_age'), '300')
    assert.equal(stale.providerAsked, false, "the provider's own login (on its real clock) is recent enough: its decision")
    const id = await idToken(stale.res, stale.verifier)
    assertJustNow(id.auth_time)
    assert.ok((id.auth_time as number) >= (first.auth_time as number) + 600)
  })

  it('login_hint is passed on to the provider', async () => {
    const someone = new Person()
    const { res, upstreamRequest, verifier } = await someone.authorize({ connection: CONNECTION, login_hint: 'alice@wonderland.example' })
    assert.equal(upstreamRequest?.searchParams.get('login_hint'), 'alice@wonderland.example')
    await idToken(res, verifier)
  })

  /** A login through the fake provider with max_age=300, which answers with an ID token whose auth_time is an hour old. */
  async function ignoringMaxAge(): Promise<Response> {
    fake.misbehave.idToken = (c) => ({ ...c, auth_time: Math.floor(Date.now() / 1000) - 3600 })
    try {
      const browser = new Browser(server.url)
      let res = await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge: pkce().challenge, extra: { connection: 'fake-oidc', max_age: '300' } }))
      while (res.status === 302 && new URL(res.headers.get('location') as string, server.url).origin === new URL(server.url).origin) res = await browser.get(res.headers.get('location') as string)
      const toProvider = new URL(res.headers.get('location') as string)
      assert.equal(toProvider.origin, fake.issuer)
      assert.equal(toProvider.searchParams.get('max_age'), '300')
      return await browser.get((await fake.authorize(toProvider.href)).href)
    } finally {
      fake.reset()
    }
  }

  it("a provider that ignores max_age (its ID token's auth_time older than max_age) logs no one in: no code reaches the app", async () => {
    const res = await ignoringMaxAge()
    const location = res.headers.get('location')
    assert.equal(location === null ? null : new URL(location).searchParams.get('code'), null, `no code: ${location}`)
  })

  it(
    'and that is a failed ID-token check, like a wrong nonce or audience (a page, nothing to the app), not the provider being unavailable',
    async () => {
      const res = await ignoringMaxAge()
      assert.equal(res.headers.get('location'), null, `nothing to the app: ${res.headers.get('location')}`)
      assert.equal(res.status, 400)
      assert.match(await res.text(), /could not be verified/)
    },
  )
})
