/**
 * Request objects at /authorize (OIDC Core §6.1 `request`, §6.2 `request_uri`, RFC 9126 PAR's
 * `request_uri`): Latchkey supports none of them (discovery says so), so it refuses them with
 * `request_not_supported` / `request_uri_not_supported` instead of ignoring them. Ignoring them let
 * an app that put `prompt=login` or `max_age=0` only in the request object get a code without the
 * login it asked for (issue 12, finding 3).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { generateKeyPair, SignJWT } from 'jose'
import { authorizeUrl, Browser, pkce } from './support/browser.js'
import { addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { CALLBACK, LoggedInBrowser } from './support/oauth.js'

describe('/authorize refuses request objects (OIDC Core §6.1, §6.2; RFC 9126)', () => {
  let server: TestServer
  let spa: ApplicationRecord
  let user: UserRecord
  let session: LoggedInBrowser
  let requestObject: string

  before(async () => {
    server = await startTestServer()
    ;({ app: spa } = await addApp(server.store))
    user = await addUser(server.store)
    session = new LoggedInBrowser(server, user)
    await session.code(spa) // an SSO session: without the refusal, /authorize would answer with a code at once
    const { privateKey } = await generateKeyPair('RS256')
    requestObject = await new SignJWT({
      iss: spa.clientId,
      aud: server.issuer,
      client_id: spa.clientId,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid',
      prompt: 'login',
      max_age: 0,
    })
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuedAt()
      .sign(privateKey)
  })
  after(() => server.close())

  const url = (extra: Record<string, string>, redirectUri = CALLBACK) =>
    authorizeUrl(server.issuer, { clientId: spa.clientId, redirectUri, challenge: pkce().challenge, state: 'st+/=1', extra })
  const codesIssued = () => server.store.logs.count({ type: 'authorization_code_issued' })

  /** A redirect to the registered callback with the error, state, iss, and no code (RFC 6749 §4.1.2.1, RFC 9207). */
  function assertRefused(res: Response, error: string) {
    assert.ok(res.status === 302 || res.status === 303, `expected a redirect, got ${res.status}`)
    const location = new URL(res.headers.get('location') as string)
    assert.equal(`${location.origin}${location.pathname}`, CALLBACK)
    const params = location.searchParams
    assert.equal(params.get('error'), error, `error in ${location}`)
    assert.ok((params.get('error_description') ?? '').length > 0, 'error_description')
    assert.equal(params.get('state'), 'st+/=1')
    assert.equal(params.get('iss'), server.issuer)
    assert.equal(params.get('code'), null, 'no code')
  }

  /** An HTML error page: no Location, no code. */
  async function assertPage(res: Response) {
    assert.equal(res.status, 400)
    assert.equal(res.headers.get('location'), null)
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
    assert.doesNotMatch(await res.text(), /code=/)
  }

  it('gives a code without request objects (the control: the session is there)', async () => {
    const res = await session.browser.get(url({}))
    assert.equal(res.status, 302)
    assert.ok(new URL(res.headers.get('location') as string).searchParams.get('code'))
  })

  it('answers request=<a JWT> carrying prompt=login and max_age=0 with request_not_supported, by redirect with state and iss, issuing no code', async () => {
    const before = await codesIssued()
    assertRefused(await session.browser.get(url({ request: requestObject })), 'request_not_supported')
    assertRefused(await session.browser.get(url({ request: 'not-even-a-jwt' })), 'request_not_supported')
    assertRefused(await session.browser.get(url({ request: '' })), 'request_not_supported')
    assert.equal(await codesIssued(), before, 'no code was issued')
  })

  it('answers request_uri (by reference, or a PAR urn) with request_uri_not_supported, issuing no code', async () => {
    const before = await codesIssued()
    assertRefused(await session.browser.get(url({ request_uri: 'https://app.example/request.jwt' })), 'request_uri_not_supported')
    assertRefused(await session.browser.get(url({ request_uri: 'urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c' })), 'request_uri_not_supported')
    assert.equal(await codesIssued(), before, 'no code was issued')
  })

  it('refuses them in POST /authorize too', async () => {
    const before = await codesIssued()
    const form = Object.fromEntries(new URL(url({ request: requestObject })).searchParams)
    assertRefused(await session.browser.post(`${server.url}authorize`, form), 'request_not_supported')
    const byReference = Object.fromEntries(new URL(url({ request_uri: 'https://app.example/request.jwt' })).searchParams)
    assertRefused(await session.browser.post(`${server.url}authorize`, byReference), 'request_uri_not_supported')
    assert.equal(await codesIssued(), before, 'no code was issued')
  })

  it('refuses them even when the rest of the request is otherwise wrong, or the parameter repeated', async () => {
    assertRefused(await session.browser.get(url({ request: requestObject, response_type: 'token' })), 'request_not_supported')
    const u = new URL(url({ request: requestObject }))
    u.searchParams.append('request', requestObject)
    assertRefused(await session.browser.get(u.toString()), 'request_not_supported')
  })

  it('shows an error page, never a redirect, when the redirect_uri or the client is not trusted', async () => {
    const before = await codesIssued()
    await assertPage(await session.browser.get(url({ request: requestObject }, 'https://evil.example/callback')))
    await assertPage(await session.browser.get(url({ request_uri: 'https://evil.example/request.jwt' }, 'https://evil.example/callback')))
    const unknownClient = new URL(url({ request: requestObject }))
    unknownClient.searchParams.set('client_id', 'no-such-client')
    await assertPage(await new Browser(server.url).get(unknownClient.toString()))
    assert.equal(await codesIssued(), before, 'no code was issued')
  })

  it('never answers 5xx for a huge or malformed request value', async () => {
    for (const value of ['a'.repeat(7000), '%00', 'eyJ.eyJ.', '\u202e']) {
      const u = new URL(url({}))
      u.searchParams.set('request', value)
      const res = await session.browser.get(u.toString())
      assert.ok(res.status < 500, `${res.status} for ${value.slice(0, 10)}`)
      assert.equal(new URL(res.headers.get('location') ?? `${CALLBACK}?`).searchParams.get('code'), null)
    }
  })
})
