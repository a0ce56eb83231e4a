/**
 * Logging in end to end through the login routes with the social stand-ins: the GitHub-shaped one
 * (strategy `github`, `options.base_url` pointing at it) and the generic OAuth 2.0 one (strategy
 * `oauth2` with a `profile_map`), through `connection=` and through the login page's button; the
 * provider down (at the code exchange, or at discovery) → `temporarily_unavailable` back at the app,
 * never a 5xx; an ID token signed by a key outside the provider's JWKS → a 400 page and no code; the
 * same upstream account → the same `sub`; the same email at two connections → two users.
 */
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import type { ApplicationRecord, ConnectionInput, ConnectionRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addConnection } from './support/connections.js'
import { addApp, addUser, freePort, startTestServer, type TestServer } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'
import { FAKE_CLIENT, type FakeOidc, startFakeOidc } from './support/upstreams/fake-oidc.js'
import { GITHUB_CLIENT, type GithubStandIn, OCTOCAT, OCTOCAT_EMAILS, startGithubStandIn } from './support/upstreams/github.js'
import { NESTED_PROFILE, OAUTH2_CLIENT, type OAuth2StandIn, startOAuth2StandIn } from './support/upstreams/oauth2.js'

describe('login through social upstreams (GitHub-shaped, generic OAuth 2.0)', () => {
  let server: TestServer
  let callback: string
  let gh: GithubStandIn
  let o2: OAuth2StandIn
  let fake: FakeOidc
  let app: ApplicationRecord
  let github: ConnectionRecord
  let generic: ConnectionRecord

  /** A connection enabled for the test's app. */
  const addAppConnection = (input: Omit<ConnectionInput, 'enabledClients'>): Promise<ConnectionRecord> => addConnection(server, { ...input, enabledClients: [app.clientId] })

  before(async () => {
    server = await startTestServer()
    callback = `${server.issuer}login/callback`
    gh = await startGithubStandIn(callback)
    o2 = await startOAuth2StandIn(callback)
    fake = await startFakeOidc({}, callback)
    ;({ app } = await addApp(server.store, { name: 'Social SPA' }))
    github = await addAppConnection({
      name: 'github',
      displayName: 'GitHub',
      strategy: 'github',
      options: { client_id: GITHUB_CLIENT.clientId, client_secret: GITHUB_CLIENT.clientSecret, base_url: gh.baseUrl },
    })
    generic = await addAppConnection({ name: 'generic', displayName: 'Generic', strategy: 'oauth2', options: o2.options({ client_secret: OAUTH2_CLIENT.clientSecret }) as ConnectionInput['options'] })
    await addAppConnection({ name: 'fake-oidc', displayName: 'Fake', strategy: 'oidc', options: { issuer: fake.issuer, client_id: FAKE_CLIENT.clientId, client_secret: FAKE_CLIENT.clientSecret } })
  })
  after(async () => {
    await server.close()
    await gh.close()
    await o2.close()
    await fake.close()
  })
  beforeEach(() => {
    gh.reset()
    o2.reset()
    fake.reset()
  })

  /** /authorize (with `extra`) up to the redirect that leaves Latchkey (to a provider, or back to the app). */
  async function authorize(browser: Browser, extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkce()
    const res = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra })))
    return { verifier, res }
  }

  /** /authorize with `connection=NAME`: the provider's authorization URL. */
  async function viaConnectionParam(browser: Browser, name: string) {
    const { verifier, res } = await authorize(browser, { connection: name })
    assert.equal(res.status, 302, `${res.status} ${await res.text()}`)
    return { verifier, providerUrl: res.headers.get('location') as string }
  }

  /** The login page's "Continue with …" button: the provider's authorization URL. */
  async function viaButton(browser: Browser, name: string, label: string) {
    const { verifier, res } = await authorize(browser)
    const html = await res.text()
    assert.equal(res.status, 200, html.slice(0, 300))
    assert.match(html, new RegExp(`Continue with ${label}`))
    const action = formAction(html)
    assert.match(action, /^\/u\/login\/connection\?state=/)
    const toUpstream = await browser.post(action, { csrf: hiddenField(html, 'csrf'), connection: name })
    assert.equal(toUpstream.status, 303, await toUpstream.text())
    return { verifier, providerUrl: toUpstream.headers.get('location') as string }
  }

  /** Back at Latchkey's callback with the provider's answer: the app's code exchanged for tokens. */
  async function finish(browser: Browser, back: URL, verifier: string) {
    assert.equal(back.origin + back.pathname, callback, 'the provider sends the browser to {issuer}login/callback')
    const res = await browser.get(back.href)
    assert.ok(res.status === 302 || res.status === 303, `${res.status} ${res.headers.get('location') ?? (await res.text())}`)
    assert.ok(res.headers.get('location')?.startsWith(`${app.callbacks[0]}?`), res.headers.get('location') ?? '')
    const code = callbackParams(res).get('code')
    assert.ok(code, `no code: ${res.headers.get('location')}`)
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    return { id: claims(r.json.id_token), access: claims(r.json.access_token), accessToken: r.json.access_token as string }
  }

  describe('github', () => {
    it("connection=github: straight to the provider; github|{id}, social, the primary verified email", async () => {
      const browser = new Browser(server.url)
      const { verifier, providerUrl } = await viaConnectionParam(browser, 'github')
      const url = new URL(providerUrl)
      assert.equal(url.origin + url.pathname, `${gh.baseUrl}/login/oauth/authorize`)
      assert.equal(url.searchParams.get('redirect_uri'), callback)
      const { id, access } = await finish(browser, await gh.authorize(providerUrl), verifier)
      assert.equal(id.sub, `github|${OCTOCAT.id}`)
      assert.equal(access.sub, id.sub)
      assert.equal(id.email, 'octocat@github.com')
      assert.equal(id.email_verified, true)
      assert.equal(id.name, OCTOCAT.name)
      assert.equal(id.nickname, OCTOCAT.login)
      const user = await server.store.users.get(id.sub as string)
      assert.equal(user?.connection, 'github')
      assert.equal(user?.passwordHash, null)
      const identities = await server.store.identities.listForUser(id.sub as string)
      assert.deepEqual(
        identities.map((i) => [i.provider, i.providerUserId, i.connectionId, i.isSocial]),
        [['github', String(OCTOCAT.id), github.id, true]],
      )
    })

    it("the login page's button does the same, and the same account is the same user", async () => {
      const browser = new Browser(server.url)
      const { verifier, providerUrl } = await viaButton(browser, 'github', 'GitHub')
      const first = await finish(browser, await gh.authorize(providerUrl), verifier)
      assert.equal(first.id.sub, `github|${OCTOCAT.id}`)

      // Again, in another browser, after the account changed its name: the same user, profile refreshed.
      gh.state.user = { ...OCTOCAT, name: 'Mona Lisa Octocat' }
      const other = new Browser(server.url)
      const again = await viaConnectionParam(other, 'github')
      const second = await finish(other, await gh.authorize(again.providerUrl), again.verifier)
      assert.equal(second.id.sub, first.id.sub)
      assert.equal(second.id.name, 'Mona Lisa Octocat')
      assert.equal((await server.store.identities.listForUser(first.id.sub as string)).length, 1)
      assert.equal((await server.store.users.listByEmail('octocat@github.com')).filter((u) => u.connection === 'github').length, 1)
    })

    it('an unverified primary email is not trusted: no email claim, email_verified not true', async () => {
      gh.state.user = { ...OCTOCAT, id: 7_000_001, login: 'unverified', email: 'public@example.com' }
      gh.state.emails = [
        { email: 'verified-secondary@example.com', primary: false, verified: true, visibility: null },
        { email: 'primary@example.com', primary: true, verified: false, visibility: 'public' },
      ]
      const browser = new Browser(server.url)
      const { verifier, providerUrl } = await viaConnectionParam(browser, 'github')
      const { id, accessToken } = await finish(browser, await gh.authorize(providerUrl), verifier)
      assert.equal(id.sub, 'github|7000001')
      assert.equal(id.email, undefined)
      assert.notEqual(id.email_verified, true)
      assert.equal(id.name, OCTOCAT.name)
      // userinfo says the same (no empty email claim either).
      const info = (await (await fetch(`${server.url}userinfo`, { headers: { authorization: `Bearer ${accessToken}` } })).json()) as Record<string, unknown>
      assert.equal(info.sub, id.sub)
      assert.equal('email' in info, false, JSON.stringify(info))
      assert.notEqual(info.email_verified, true)
      const user = await server.store.users.get(id.sub as string)
      assert.equal(user?.emailVerified, false)
      assert.ok(!user?.email, `no email kept: ${user?.email}`)
    })

    it('the user denying at GitHub goes back to the app with access_denied and the state', async () => {
      gh.state.deny = true
      const browser = new Browser(server.url)
      const { providerUrl } = await viaConnectionParam(browser, 'github')
      const res = await browser.get((await gh.authorize(providerUrl)).href)
      assert.equal(res.status, 302)
      const params = callbackParams(res)
      assert.equal(params.get('error'), 'access_denied')
      assert.equal(params.get('state'), 'state-123')
      assert.equal(params.get('code'), null)
    })
  })

  describe('oauth2 (generic, profile_map)', () => {
    it('connection=generic: oauth2|{connection}|{id} with the mapped profile', async () => {
      const browser = new Browser(server.url)
      const { verifier, providerUrl } = await viaConnectionParam(browser, 'generic')
      assert.equal(new URL(providerUrl).origin, o2.origin)
      const { id } = await finish(browser, await o2.authorize(providerUrl), verifier)
      assert.equal(id.sub, `oauth2|generic|${NESTED_PROFILE.data.user_id}`)
      assert.equal(id.email, NESTED_PROFILE.data.contact.mail)
      assert.equal(id.email_verified, true)
      assert.equal(id.name, NESTED_PROFILE.data.profile.display_name)
      assert.equal(id.given_name, NESTED_PROFILE.data.profile.first)
      assert.equal(id.picture, NESTED_PROFILE.data.profile.avatar)
      const identities = await server.store.identities.listForUser(id.sub as string)
      assert.deepEqual(
        identities.map((i) => [i.provider, i.providerUserId, i.connectionId, i.isSocial]),
        [['oauth2', `generic|${NESTED_PROFILE.data.user_id}`, generic.id, true]],
      )
    })

    it("the login page's button does the same, and the same account is the same user", async () => {
      const browser = new Browser(server.url)
      const { verifier, providerUrl } = await viaButton(browser, 'generic', 'Generic')
      const { id } = await finish(browser, await o2.authorize(providerUrl), verifier)
      assert.equal(id.sub, `oauth2|generic|${NESTED_PROFILE.data.user_id}`)
      const other = new Browser(server.url)
      const again = await viaButton(other, 'generic', 'Generic')
      const second = await finish(other, await o2.authorize(again.providerUrl), again.verifier)
      assert.equal(second.id.sub, id.sub)
    })
  })

  describe('the provider down: temporarily_unavailable back at the app, never a 5xx', () => {
    it('a GitHub stand-in that stopped before the code exchange', async () => {
      const down = await startGithubStandIn(callback)
      await addAppConnection({ name: 'github-down', strategy: 'github', options: { client_id: GITHUB_CLIENT.clientId, client_secret: GITHUB_CLIENT.clientSecret, base_url: down.baseUrl } })
      const browser = new Browser(server.url)
      const { providerUrl } = await viaConnectionParam(browser, 'github-down')
      const back = await down.authorize(providerUrl)
      await down.close()
      const res = await browser.get(back.href)
      assert.equal(res.status, 302, `${res.status} ${await res.text()}`)
      const params = callbackParams(res)
      assert.equal(new URL(res.headers.get('location') as string).origin + new URL(res.headers.get('location') as string).pathname, app.callbacks[0])
      assert.equal(params.get('error'), 'temporarily_unavailable')
      assert.equal(params.get('state'), 'state-123')
      assert.ok(params.get('error_description'))
      assert.equal(params.get('code'), null)
    })

    it('a generic OAuth 2.0 provider on a closed port (through the button)', async () => {
      const port = await freePort()
      const closed = `http://127.0.0.1:${port}`
      await addAppConnection({
        name: 'generic-down',
        strategy: 'oauth2',
        options: o2.options({ authorization_endpoint: `${closed}/oauth/authorize`, token_endpoint: `${closed}/oauth/token`, userinfo_endpoint: `${closed}/api/me`, client_secret: OAUTH2_CLIENT.clientSecret }) as ConnectionInput['options'],
      })
      const browser = new Browser(server.url)
      const { providerUrl } = await viaButton(browser, 'generic-down', 'generic-down')
      // The browser cannot reach it; had it answered, it would have sent this back.
      const state = new URL(providerUrl).searchParams.get('state') as string
      const res = await browser.get(`${callback}?code=some-code&state=${encodeURIComponent(state)}`)
      assert.equal(res.status, 302, `${res.status} ${await res.text()}`)
      const params = callbackParams(res)
      assert.equal(params.get('error'), 'temporarily_unavailable')
      assert.equal(params.get('state'), 'state-123')
      assert.equal(params.get('code'), null)
    })

    it('an OpenID provider on a closed port (discovery fails before leaving Latchkey)', async () => {
      const port = await freePort()
      await addAppConnection({ name: 'oidc-down', displayName: 'Down', strategy: 'oidc', options: { issuer: `http://127.0.0.1:${port}`, client_id: 'x', client_secret: 'y' } })
      const viaParam = await authorize(new Browser(server.url), { connection: 'oidc-down' })
      assert.equal(viaParam.res.status, 302)
      assert.equal(callbackParams(viaParam.res).get('error'), 'temporarily_unavailable')
      assert.equal(callbackParams(viaParam.res).get('state'), 'state-123')

      const browser = new Browser(server.url)
      const { res: page } = await authorize(browser)
      const html = await page.text()
      const res = await browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), connection: 'oidc-down' })
      assert.equal(res.status, 303, `${res.status} ${await res.text()}`)
      assert.equal(callbackParams(res).get('error'), 'temporarily_unavailable')
      assert.equal(callbackParams(res).get('state'), 'state-123')
    })
  })

  it("an ID token signed by a key outside the provider's JWKS: a 400 page, and no code", async () => {
    for (const signWith of ['foreign-same-kid', 'foreign-new-kid'] as const) {
      fake.misbehave.signWith = signWith
      const browser = new Browser(server.url)
      const { providerUrl } = await viaConnectionParam(browser, 'fake-oidc')
      const back = await fake.authorize(providerUrl)
      assert.equal(back.origin + back.pathname, callback)
      const res = await browser.get(back.href)
      assert.equal(res.status, 400, signWith)
      assert.equal(res.headers.get('location'), null)
      assert.doesNotMatch(await res.text(), /code=/)
      // And nobody was created.
      assert.equal(await server.store.users.get(`oidc|fake-oidc|${fake.claims.sub}`), null)
    }
    // The same provider signing with its own key logs in.
    fake.reset()
    const browser = new Browser(server.url)
    const { verifier, providerUrl } = await viaConnectionParam(browser, 'fake-oidc')
    const { id } = await finish(browser, await fake.authorize(providerUrl), verifier)
    assert.equal(id.sub, `oidc|fake-oidc|${fake.claims.sub}`)
  })

  it('the same email at two connections (and the database) is three users, never linked by email', async () => {
    const shared = 'shared@example.com'
    const dbUser = await addUser(server.store, { email: shared })
    gh.state.user = { ...OCTOCAT, id: 7_000_002, login: 'shared' }
    gh.state.emails = [{ ...(OCTOCAT_EMAILS[1] as (typeof OCTOCAT_EMAILS)[number]), email: shared }]
    o2.state.profile = { data: { ...NESTED_PROFILE.data, user_id: 7_000_003, contact: { mail: shared, verified: true } } }

    const b1 = new Browser(server.url)
    const viaGithub = await viaConnectionParam(b1, 'github')
    const one = await finish(b1, await gh.authorize(viaGithub.providerUrl), viaGithub.verifier)
    const b2 = new Browser(server.url)
    const viaGeneric = await viaConnectionParam(b2, 'generic')
    const two = await finish(b2, await o2.authorize(viaGeneric.providerUrl), viaGeneric.verifier)

    assert.equal(one.id.sub, 'github|7000002')
    assert.equal(two.id.sub, 'oauth2|generic|7000003')
    assert.equal(one.id.email, shared)
    assert.equal(two.id.email, shared)
    const users = await server.store.users.listByEmail(shared)
    assert.deepEqual(users.map((u) => u.id).sort(), [dbUser.id, one.id.sub, two.id.sub].sort())
    assert.equal((await server.store.identities.listForUser(one.id.sub as string)).length, 1)
    assert.equal((await server.store.identities.listForUser(two.id.sub as string)).length, 1)
    assert.deepEqual(await server.store.identities.listForUser(dbUser.id), [])
  })
})
