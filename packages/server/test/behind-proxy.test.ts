/**
 * Behind a TLS-terminating proxy: the issuer is https while requests arrive as plain http. Cookies
 * are Secure and `__Host-`, the issuer never comes from request headers, and the login form posted
 * from the public https origin is accepted.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { authorizeUrl, formAction, hiddenField, pkce } from './support/browser.js'

describe('behind a TLS-terminating proxy', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ issuer: 'https://login.example.com/' })
  })
  after(() => server.close())

  it('logs in from the public https origin with Secure __Host- cookies, and the issuer ignores Host and X-Forwarded-* headers', async () => {
    const { app } = await addApp(server.store)
    const user = await addUser(server.store)
    const spoof = { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' }
    const discovery = (await (await fetch(`${server.url}.well-known/openid-configuration`, { headers: spoof })).json()) as { issuer: string }
    assert.equal(discovery.issuer, 'https://login.example.com/')

    const start = await fetch(authorizeUrl(server.url, { clientId: app.clientId, challenge: pkce().challenge }), { redirect: 'manual' })
    const location = start.headers.get('location') as string
    const cookies = start.headers.getSetCookie()
    assert.ok(cookies.length > 0 && cookies.every((c) => c.startsWith('__Host-') && /; Secure/i.test(c) && /; HttpOnly/i.test(c)), cookies.join(' | '))
    const jar = cookies.map((c) => c.split(';')[0]).join('; ')

    const page = await fetch(new URL(location, server.url), { headers: { cookie: jar } })
    const html = await page.text()
    const res = await fetch(new URL(formAction(html), server.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: jar, origin: 'https://login.example.com', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }),
    })
    assert.equal(res.status, 303)
    const callback = new URL(res.headers.get('location') as string)
    assert.equal(callback.searchParams.get('iss'), 'https://login.example.com/')
    assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('__Host-latchkey_session=') && /; Secure/i.test(c)))
  })
})
