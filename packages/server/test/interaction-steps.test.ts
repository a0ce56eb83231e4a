/**
 * The login interaction is a state machine: each page's GET and POST answers only while its own
 * transaction is at that page's step, with only the values the app's settings and the original
 * request allow. Every step is attacked out of order, twice, in parallel, and with another
 * transaction's values; none of them may change the outcome of the login.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, ApplicationRecord, OrganizationRecord, UserRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { claims, tokenRequest } from './support/oauth.js'
import { addMember, addOrganization, invite } from './support/organizations.js'

const NOT_AT_THIS_STEP = /This page is not part of your login at this point/

/** A login in progress in one browser: the page it is on, its form token and its state (interaction id). */
interface Started {
  readonly browser: Browser
  readonly verifier: string
  readonly page: string
  readonly html: string
  readonly csrf: string
  readonly state: string
}

describe('the login interaction as a state machine', () => {
  let server: TestServer
  let api: ApiRecord
  let allow: ApplicationRecord
  let deny: ApplicationRecord
  let prompting: ApplicationRecord
  let thirdParty: ApplicationRecord
  let acme: OrganizationRecord
  let globex: OrganizationRecord
  let both: UserRecord
  let acmeOnly: UserRecord
  let nobody: UserRecord

  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_SIGNUP: 'on' } })
    api = await addApi(server.store)
    ;({ app: allow } = await addApp(server.store, { name: 'Org SPA', organizationUsage: 'allow' }))
    ;({ app: deny } = await addApp(server.store, { name: 'Personal SPA' }))
    ;({ app: prompting } = await addApp(server.store, { name: 'Prompting SPA', organizationUsage: 'require', organizationRequireBehavior: 'pre_login_prompt' }))
    ;({ app: thirdParty } = await addApp(server.store, { name: 'Third-party SPA', firstParty: false }))
    acme = await addOrganization(server.store, { displayName: 'Acme' })
    globex = await addOrganization(server.store, { displayName: 'Globex' })
    both = await addUser(server.store)
    acmeOnly = await addUser(server.store)
    nobody = await addUser(server.store)
    await addMember(server.store, acme, both.id)
    await addMember(server.store, globex, both.id)
    await addMember(server.store, acme, acmeOnly.id)
  })
  after(() => server.close())

  async function start(app: ApplicationRecord, extra: Record<string, string> = {}, browser = new Browser(server.url), audience?: string): Promise<Started> {
    const { verifier, challenge } = pkce()
    const res = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, audience, extra })))
    assert.equal(res.status, 200, `expected a page, got ${res.status} ${res.headers.get('location')}`)
    const html = await res.text()
    const url = new URL(res.url)
    return { browser, verifier, page: url.pathname, html, csrf: hiddenField(html, 'csrf'), state: url.searchParams.get('state') as string }
  }

  const at = (path: string, state: string) => `${path}?state=${encodeURIComponent(state)}`

  async function logIn(s: Started, user: UserRecord, page = s.page, html = s.html): Promise<Response> {
    assert.equal(page, '/u/login')
    return s.browser.follow(await s.browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }))
  }

  async function exchange(app: ApplicationRecord, s: Started, res: Response): Promise<Record<string, unknown>> {
    const code = callbackParams(res).get('code')
    assert.ok(code, `no code: ${res.headers.get('location')}`)
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: s.verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    return r.json
  }

  /** A refused step: a 400 page naming the problem, never a redirect to the app. */
  async function assertRefused(res: Response, message: RegExp = NOT_AT_THIS_STEP) {
    assert.equal(res.status, 400, `expected a refusal, got ${res.status} ${res.headers.get('location') ?? ''}`)
    assert.equal(res.headers.get('location'), null)
    assert.match(await res.text(), message)
  }

  describe('the organization prompt answers only where the transaction showed it', () => {
    it('an app that allows organizations, opened without one: a choice posted at the login step is refused, and the tokens carry no organization', async () => {
      const s = await start(allow)
      assert.equal(s.page, '/u/login')
      await assertRefused(await s.browser.post(at('/u/organization', s.state), { csrf: s.csrf, organization: acme.name }))
      const tokens = await exchange(allow, s, await logIn(s, both))
      for (const token of [tokens.id_token, tokens.access_token]) {
        assert.equal(claims(token).org_id, undefined)
        assert.equal(claims(token).org_name, undefined)
      }
    })

    it('an app that does not use organizations (deny) never gets one', async () => {
      const s = await start(deny)
      await assertRefused(await s.browser.post(at('/u/organization', s.state), { csrf: s.csrf, organization: globex.id }))
      const tokens = await exchange(deny, s, await logIn(s, both))
      assert.equal(claims(tokens.id_token).org_id, undefined)
      assert.equal(claims(tokens.access_token).org_id, undefined)
    })

    it('the organization named in the request is never replaced: a member of two is not moved to the other', async () => {
      const s = await start(allow, { organization: acme.id })
      await assertRefused(await s.browser.post(at('/u/organization', s.state), { csrf: s.csrf, organization: globex.name }))
      const tokens = await exchange(allow, s, await logIn(s, both))
      assert.equal(claims(tokens.id_token).org_id, acme.id)
      assert.equal(claims(tokens.access_token).org_id, acme.id)
    })

    it('a user who is not a member of the organization the app asked for cannot switch to one they belong to', async () => {
      const s = await start(allow, { organization: globex.id })
      await assertRefused(await s.browser.post(at('/u/organization', s.state), { csrf: s.csrf, organization: acme.id }))
      const res = await logIn(s, acmeOnly)
      const params = callbackParams(res)
      assert.equal(params.get('error'), 'access_denied')
      assert.equal(params.get('code'), null)
    })

    it('answered once: the same answer again, or another organization, is refused, and the first answer stands', async () => {
      const s = await start(prompting)
      assert.equal(s.page, '/u/organization')
      const first = await s.browser.follow(await s.browser.post(at('/u/organization', s.state), { csrf: s.csrf, organization: acme.name }))
      assert.equal(new URL(first.url).pathname, '/u/login')
      const loginHtml = await first.text()
      await assertRefused(await s.browser.post(at('/u/organization', s.state), { csrf: s.csrf, organization: acme.name }))
      await assertRefused(await s.browser.post(at('/u/organization', s.state), { csrf: s.csrf, organization: globex.name }))
      const tokens = await exchange(prompting, s, await logIn(s, both, '/u/login', loginHtml))
      assert.equal(claims(tokens.access_token).org_id, acme.id)
    })

    it('answered in parallel: exactly one answer moves the transaction on', async () => {
      const s = await start(prompting)
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) => s.browser.post(at('/u/organization', s.state), { csrf: s.csrf, organization: i % 2 ? acme.name : globex.name })),
      )
      assert.equal(answers.filter((r) => r.status === 303).length, 1, answers.map((r) => r.status).join(','))
      for (const r of answers) assert.ok(r.status === 303 || r.status === 400, String(r.status))
      const interaction = await server.store.interactions.get(s.state, server.clock.now())
      assert.equal(interaction?.step, 'login')
      assert.ok(interaction?.request.organization === acme.id || interaction?.request.organization === globex.id)
    })

    it('an app that stopped requiring organizations after the prompt was shown no longer takes an answer', async () => {
      const { app } = await addApp(server.store, { name: 'Changing SPA', organizationUsage: 'require', organizationRequireBehavior: 'pre_login_prompt' })
      const s = await start(app)
      assert.equal(s.page, '/u/organization')
      await server.store.applications.update(app.clientId, { organizationUsage: 'deny' })
      // The registration cache keeps apps for at most 2 s (dropped at once on a change notice).
      server.clock.advance(2_100)
      await assertRefused(await s.browser.post(at('/u/organization', s.state), { csrf: s.csrf, organization: acme.name }), /does not ask for an organization/)
    })
  })

  describe('consent answers only at the consent step', () => {
    it('consent posted before the login is refused: no code, no remembered consent, and the login still asks for it', async () => {
      const s = await start(thirdParty, {}, undefined, api.identifier)
      assert.equal(s.page, '/u/login')
      await assertRefused(await s.browser.post(at('/u/consent', s.state), { csrf: s.csrf, action: 'accept' }))
      await assertRefused(await s.browser.get(at('/u/consent', s.state)))
      const res = await logIn(s, both)
      assert.equal(new URL(res.url).pathname, '/u/consent')
      assert.equal(await server.store.consents.find(both.id, thirdParty.clientId, api.identifier), null)
    })

    it('with an SSO session and prompt=login, consent posted before the new login is refused (the login cannot be skipped)', async () => {
      const user = await addUser(server.store)
      const browser = new Browser(server.url)
      const first = await start(deny, {}, browser)
      assert.ok(callbackParams(await logIn(first, user)).get('code'), 'an SSO session')
      const s = await start(thirdParty, { prompt: 'login' }, browser, api.identifier)
      assert.equal(s.page, '/u/login')
      await assertRefused(await browser.post(at('/u/consent', s.state), { csrf: s.csrf, action: 'accept' }))
      assert.equal(await server.store.consents.find(user.id, thirdParty.clientId, api.identifier), null)
      const again = await start(thirdParty, { prompt: 'login', max_age: '0' }, browser, api.identifier)
      await assertRefused(await browser.post(at('/u/consent', again.state), { csrf: again.csrf, action: 'accept' }))
      assert.equal(await server.store.consents.find(user.id, thirdParty.clientId, api.identifier), null)
    })

    it('a declined consent cannot be posted before the login either (it would end the transaction)', async () => {
      const s = await start(thirdParty)
      await assertRefused(await s.browser.post(at('/u/consent', s.state), { csrf: s.csrf, action: 'deny' }))
      assert.equal((await server.store.interactions.get(s.state, server.clock.now()))?.step, 'login')
    })

    it('at the consent step, the login form is closed (no second login in the transaction), and its GET links back to consent', async () => {
      const s = await start(thirdParty)
      const consent = await logIn(s, both)
      assert.equal(new URL(consent.url).pathname, '/u/consent')
      const html = await consent.text()
      await assertRefused(await s.browser.post(at('/u/login', s.state), { csrf: s.csrf, username: acmeOnly.email, password: PASSWORD }))
      await assertRefused(await s.browser.post(at('/u/signup', s.state), { csrf: s.csrf, email: `new-${Date.now()}@example.com`, password: 'a long enough password 123' }))
      const back = await s.browser.get(at('/u/login', s.state))
      assert.equal(back.status, 400)
      assert.match(await back.text(), new RegExp(`href="/u/consent\\?state=${s.state}"`))
      const res = await s.browser.follow(await s.browser.post(formAction(html), { csrf: hiddenField(html, 'csrf'), action: 'accept' }))
      const tokens = await exchange(thirdParty, s, res)
      assert.equal(claims(tokens.id_token).sub, both.id)
    })

    it('consent answered twice issues one code', async () => {
      const s = await start(thirdParty)
      const consent = await logIn(s, acmeOnly)
      const html = await consent.text()
      const form = { csrf: hiddenField(html, 'csrf'), action: 'accept' }
      const answers = await Promise.all([s.browser.post(formAction(html), form), s.browser.post(formAction(html), form), s.browser.post(formAction(html), form)])
      const codes = answers.filter((r) => r.status === 303 && new URL(r.headers.get('location') as string).searchParams.has('code'))
      assert.equal(codes.length, 1, answers.map((r) => r.status).join(','))
      const again = await s.browser.post(formAction(html), form)
      assert.equal(again.status, 400)
    })
  })

  describe('the login step', () => {
    it('a login posted twice issues one code; the second post is refused without checking the password', async () => {
      const s = await start(deny)
      const form = { csrf: s.csrf, username: both.email, password: PASSWORD }
      const first = await s.browser.post(formAction(s.html), form)
      assert.equal(first.status, 303)
      assert.ok(callbackParams(first).get('code'))
      await assertRefused(await s.browser.post(formAction(s.html), form), /expired or is not valid/)
    })

    it('sign-up is part of the login step: after an invitation was accepted by logging in, sign-up is closed', async () => {
      const { ticket } = await invite(server.store, acme, allow, { email: nobody.email })
      const s = await start(allow, { organization: acme.id, invitation: ticket })
      assert.equal(s.page, '/u/login')
      const res = await logIn(s, nobody)
      assert.ok(callbackParams(res).get('code'))
      await assertRefused(await s.browser.post(at('/u/signup', s.state), { csrf: s.csrf, email: nobody.email, password: 'another long password 456' }), /expired or is not valid/)
    })
  })

  describe("another transaction's values", () => {
    it("a form token of another transaction in the same browser is refused at every page", async () => {
      const browser = new Browser(server.url)
      const a = await start(prompting, {}, browser)
      const b = await start(deny, {}, browser)
      for (const [path, form] of [
        ['/u/organization', { organization: acme.name }],
        ['/u/login', { username: both.email, password: PASSWORD }],
        ['/u/signup', { email: `x-${Date.now()}@example.com`, password: 'a long enough password 789' }],
        ['/u/consent', { action: 'accept' }],
      ] as const) {
        const res = await browser.post(at(path, b.state), { csrf: a.csrf, ...form })
        assert.equal(res.status, 400, path)
        assert.match(await res.text(), /The form has expired or was not submitted from this page/, path)
      }
      assert.equal((await server.store.interactions.get(a.state, server.clock.now()))?.step, 'organization')
      assert.equal((await server.store.interactions.get(b.state, server.clock.now()))?.step, 'login')
    })

    it("another browser's transaction is refused without saying where it stands", async () => {
      const victim = await start(prompting)
      const attacker = new Browser(server.url)
      await start(deny, {}, attacker) // the attacker's own binding cookie
      for (const path of ['/u/organization', '/u/login', '/u/consent']) {
        const get = await attacker.get(at(path, victim.state))
        assert.equal(get.status, 400)
        assert.doesNotMatch(await get.text(), /Continue your login/)
        const post = await attacker.post(at(path, victim.state), { csrf: victim.csrf, organization: globex.name })
        assert.equal(post.status, 400)
      }
      assert.equal((await server.store.interactions.get(victim.state, server.clock.now()))?.request.organization, null)
    })
  })

  it('malformed step requests get a page, never a 5xx', async () => {
    const s = await start(deny)
    const attempts: [string, Record<string, string>][] = [
      [at('/u/organization', s.state), { csrf: s.csrf, organization: 'x'.repeat(10_000) }],
      [at('/u/consent', s.state), { csrf: s.csrf, action: 'accept'.repeat(1000) }],
      [at('/u/login', 'x'.repeat(65)), { csrf: s.csrf }],
      ['/u/consent?state=', {}],
    ]
    for (const [url, form] of attempts) {
      const res = await s.browser.post(url, form)
      assert.ok(res.status >= 400 && res.status < 500, `${url}: ${res.status}`)
    }
  })
})
