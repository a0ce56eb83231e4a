/**
 * Another Latchkey as the upstream of a Latchkey (docs/connections.md, "another Latchkey"): the
 * downstream has an `oidc` connection whose issuer is the upstream, registered there as a confidential
 * regular web app with `{downstream}login/callback`. Driven like one person's browser over HTTP:
 * /authorize at the downstream (with `connection=`, or the login page's "Continue with …" button) →
 * the upstream's /authorize → its login page (email and password) → back to the downstream's
 * /login/callback → the app gets a code, `state` and `iss`. The tokens are the upstream user's
 * (`sub` = `oidc|{connection}|{upstream user id}`, email and email_verified from the upstream), the
 * seed's steps work for that user (/userinfo, a refresh with rotation), and a second login is the
 * same user.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, ApplicationRecord, UserRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addConnection, oidcOptions } from './support/connections.js'
import { addApi, addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { assertOAuthError, claims, tokenRequest } from './support/oauth.js'

const CONNECTION = 'corp-latchkey'
const SCOPE = 'openid profile email offline_access read:appointments'

describe('login through another Latchkey as the upstream provider', () => {
  let downstream: TestServer
  let upstream: TestServer
  let app: ApplicationRecord
  let api: ApiRecord
  let upstreamUser: UserRecord

  before(async () => {
    ;[downstream, upstream] = await Promise.all([startTestServer(), startTestServer()])
    const { app: registration, secret } = await addApp(upstream.store, {
      name: 'Downstream Latchkey',
      type: 'regular_web',
      callbacks: [`${downstream.issuer}login/callback`],
      webOrigins: [],
      logoutUrls: [],
    })
    assert.ok(secret, 'a regular web app has a client secret')
    upstreamUser = await addUser(upstream.store, { name: 'Ursula Upstream' })

    ;({ app } = await addApp(downstream.store, { name: 'Downstream SPA' }))
    api = await addApi(downstream.store, { identifier: 'https://api.downstream.example/' })
    await addConnection(downstream, {
      name: CONNECTION,
      displayName: 'Corp Login',
      strategy: 'oidc',
      options: oidcOptions(upstream.issuer, { clientId: registration.clientId, clientSecret: secret }),
      enabledClients: [app.clientId],
    })
  })
  after(async () => {
    await downstream?.close()
    await upstream?.close()
  })

  /**
   * One person's browser across both sites. Both servers are on localhost (different ports), where a
   * real browser would share one cookie jar between them; in production they are different hosts, so
   * each site gets its own jar here.
   */
  function person() {
    return { down: new Browser(downstream.url), up: new Browser(upstream.url) }
  }
  type Person = ReturnType<typeof person>

  /**
   * Follows redirects between the two sites from `start`, logging in on the upstream's login page with
   * the upstream user's email and password (and accepting consent if asked) when it shows. Returns the
   * response that leaves both sites (the redirect to the app) and every URL visited.
   */
  async function journey(who: Person, start: string | Response): Promise<{ res: Response; visited: URL[] }> {
    const visited: URL[] = []
    let res = typeof start === 'string' ? await who.down.get(start) : start
    if (typeof start === 'string') visited.push(new URL(start))
    for (let i = 0; i < 20; i++) {
      if (res.status === 200) {
        const at = new URL(res.url)
        const html = await res.text()
        assert.equal(at.origin, new URL(upstream.url).origin, `a page at the downstream: ${at.href}\n${html.slice(0, 300)}`)
        const form = { csrf: hiddenField(html, 'csrf') }
        if (at.pathname === '/u/login') res = await who.up.post(formAction(html), { ...form, username: upstreamUser.email, password: PASSWORD })
        else if (at.pathname === '/u/consent') res = await who.up.post(formAction(html), { ...form, action: 'accept' })
        else assert.fail(`an unexpected upstream page: ${at.href}`)
        continue
      }
      const location = res.headers.get('location')
      assert.ok(res.status >= 300 && res.status < 400 && location, `expected a redirect, got ${res.status} at ${res.url}: ${(await res.text()).slice(0, 300)}`)
      const next = new URL(location, res.url)
      const site = next.origin === new URL(downstream.url).origin ? who.down : next.origin === new URL(upstream.url).origin ? who.up : null
      if (!site) return { res, visited }
      visited.push(next)
      res = await site.get(next.href)
    }
    throw new Error('too many redirects')
  }

  async function exchange(res: Response, verifier: string): Promise<Record<string, unknown>> {
    const params = callbackParams(res)
    assert.equal(params.get('state'), 'state-123')
    assert.equal(params.get('iss'), downstream.issuer)
    const code = params.get('code')
    assert.ok(code, `no code: ${res.headers.get('location')}`)
    const r = await tokenRequest(downstream, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    return r.json
  }

  const expectedSub = () => `oidc|${CONNECTION}|${upstreamUser.id}`

  it("connection= goes through the upstream Latchkey's login page and back; the tokens are the upstream user's, and /userinfo and a rotating refresh work", async () => {
    const who = person()
    const { verifier, challenge } = pkce()
    const { res, visited } = await journey(who, authorizeUrl(downstream.issuer, { clientId: app.clientId, challenge, audience: api.identifier, scope: SCOPE, extra: { connection: CONNECTION } }))

    // The way it went: the upstream's /authorize (as a confidential client, with PKCE and a nonce), its login page, the downstream's callback.
    const toUpstream = visited.find((u) => u.origin === new URL(upstream.url).origin && u.pathname === '/authorize')
    assert.ok(toUpstream, visited.map((u) => u.href).join('\n'))
    assert.equal(toUpstream.searchParams.get('redirect_uri'), `${downstream.issuer}login/callback`)
    assert.equal(toUpstream.searchParams.get('code_challenge_method'), 'S256')
    assert.ok(toUpstream.searchParams.get('nonce'))
    assert.ok(visited.some((u) => u.origin === new URL(upstream.url).origin && u.pathname === '/u/login'), 'the upstream asked for the password')
    const back = visited.find((u) => u.pathname === '/login/callback')
    assert.ok(back)
    assert.equal(back.searchParams.get('iss'), upstream.issuer, "the upstream's RFC 9207 iss")

    const tokens = await exchange(res, verifier)
    const id = claims(tokens.id_token)
    assert.equal(id.iss, downstream.issuer)
    assert.equal(id.sub, expectedSub())
    assert.equal(id.email, upstreamUser.email)
    assert.equal(id.email_verified, true)
    assert.equal(id.name, 'Ursula Upstream')
    const at = claims(tokens.access_token)
    assert.equal(at.sub, expectedSub())
    assert.deepEqual(at.aud, [api.identifier, `${downstream.issuer}userinfo`])
    assert.equal(tokens.scope, SCOPE)
    assert.equal(typeof tokens.refresh_token, 'string')

    const user = await downstream.store.users.get(expectedSub())
    assert.equal(user?.connection, CONNECTION)
    assert.equal(user?.passwordHash, null)

    // The seed's step 5: /userinfo with the access token.
    const me = await fetch(`${downstream.url}userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
    assert.equal(me.status, 200)
    const info = (await me.json()) as Record<string, unknown>
    assert.equal(info.sub, expectedSub())
    assert.equal(info.email, upstreamUser.email)
    assert.equal(info.email_verified, true)

    // Step 6: refresh with rotation; the old refresh token is then spent.
    downstream.clock.advance(5_000)
    const refreshed = await tokenRequest(downstream, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: tokens.refresh_token as string })
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json))
    assert.equal(typeof refreshed.json.refresh_token, 'string')
    assert.notEqual(refreshed.json.refresh_token, tokens.refresh_token)
    assert.equal(claims(refreshed.json.access_token).sub, expectedSub())
    assert.equal(claims(refreshed.json.id_token).sub, expectedSub())
    assert.equal(claims(refreshed.json.id_token).auth_time, id.auth_time)
    const again = await tokenRequest(downstream, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: tokens.refresh_token as string })
    assertOAuthError(again, 403, 'invalid_grant', 'Unknown or invalid refresh token.')
  })

  it('a second login, in another browser, is the same user', async () => {
    const who = person()
    const { verifier, challenge } = pkce()
    const { res } = await journey(who, authorizeUrl(downstream.issuer, { clientId: app.clientId, challenge, extra: { connection: CONNECTION } }))
    const tokens = await exchange(res, verifier)
    assert.equal(claims(tokens.id_token).sub, expectedSub())
    assert.equal((await downstream.store.identities.listForUser(expectedSub())).length, 1)
  })

  it('the login page\'s "Continue with Corp Login" button does the same', async () => {
    const who = person()
    const { verifier, challenge } = pkce()
    const page = await who.down.follow(await who.down.get(authorizeUrl(downstream.issuer, { clientId: app.clientId, challenge })))
    assert.equal(page.status, 200)
    assert.equal(new URL(page.url).pathname, '/u/login')
    const html = await page.text()
    assert.match(html, /Continue with Corp Login/)
    const button = formAction(html)
    assert.match(button, /^\/u\/login\/connection\?/, 'the buttons come first, above the password form')
    const clicked = await who.down.post(button, { csrf: hiddenField(html, 'csrf'), connection: CONNECTION })
    assert.equal(clicked.status, 303)
    assert.equal(new URL(clicked.headers.get('location') as string).origin, new URL(upstream.url).origin)
    const { res } = await journey(who, clicked)
    const tokens = await exchange(res, verifier)
    assert.equal(claims(tokens.id_token).sub, expectedSub())
    assert.equal(claims(tokens.id_token).email, upstreamUser.email)
  })
})
