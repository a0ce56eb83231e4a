/**
 * Property-based attacks (fast-check) on every parameter of /authorize, /oauth/token, /oauth/revoke,
 * /userinfo and the login form: whatever arrives (any name, any value, repeated, oversized, invalid
 * UTF-8, control characters, markup), the answer is a well-formed 4xx error (or a safe redirect), never
 * a 5xx, and the server still completes a normal login afterwards.
 *
 * Replay a failure with FC_SEED=<seed printed by fast-check> (and FC_PATH); FC_RUNS sets the run count.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, ApplicationRecord } from '@latchkey/core'
import fc from 'fast-check'
import { Browser, formAction, hiddenField, pkce } from './support/browser.js'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { LoggedInBrowser } from './support/oauth.js'

const RUNS = Number(process.env.FC_RUNS ?? 150)
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED)
const settings = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED, path: process.env.FC_PATH }) }

const CALLBACK = 'http://localhost:8080/callback'
const MARKUP = '<script>alert(1)</script>'

/** RFC 6749 §5.2 and §4.1.2.1 codes, RFC 6750 / 7009 / 8707 codes, and Auth0's additions. */
const OAUTH_ERRORS = new Set([
  'invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope',
  'access_denied', 'unsupported_response_type', 'server_error', 'temporarily_unavailable', 'invalid_target', 'invalid_token',
  'insufficient_scope', 'unsupported_token_type', 'login_required', 'consent_required', 'interaction_required',
  'invalid_request_uri', 'invalid_dpop_proof', 'use_dpop_nonce', 'too_many_requests', 'mfa_required', 'account_selection_required',
  'request_not_supported', 'request_uri_not_supported',
])

/** Percent-encodes every byte outside the unreserved set; raw byte arrays give invalid UTF-8. */
function pct(value: string | Uint8Array): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value)
  let out = ''
  for (const b of bytes) out += /[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`
  return out
}

const PARAM_NAMES = [
  'response_type', 'client_id', 'redirect_uri', 'scope', 'audience', 'state', 'nonce', 'code_challenge', 'code_challenge_method',
  'prompt', 'max_age', 'response_mode', 'organization', 'invitation', 'login_hint', 'screen_hint', 'id_token_hint', 'resource',
  'grant_type', 'code', 'code_verifier', 'refresh_token', 'client_secret', 'client_assertion', 'client_assertion_type', 'token',
  'token_type_hint', 'username', 'password', 'csrf', 'action', 'dpop_jkt', 'request', 'request_uri',
]

/** Values: plausible ones (so checks deeper than the first are reached) mixed with hostile ones. */
function valueArb(plausible: string[]): fc.Arbitrary<string | Uint8Array> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...plausible) },
    { weight: 2, arbitrary: fc.string({ maxLength: 64 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 32 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 16 }) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\r\nSet-Cookie: x=1', '\u0000', MARKUP, '%', '😀', '-1', '1e309', 'null', '[]', '{}') },
    { weight: 1, arbitrary: fc.nat({ max: 6000 }).map((n) => 'a'.repeat(n)) },
  )
}

function paramsArb(plausible: string[]): fc.Arbitrary<Array<[string | Uint8Array, string | Uint8Array]>> {
  const name = fc.oneof({ weight: 6, arbitrary: fc.constantFrom<string | Uint8Array>(...PARAM_NAMES) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) })
  return fc.array(fc.tuple(name, valueArb(plausible)), { maxLength: 14 })
}

const encode = (pairs: Array<[string | Uint8Array, string | Uint8Array]>) => pairs.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&')

function assertNoHeaderInjection(res: Response) {
  assert.equal(res.headers.get('x'), null)
  for (const cookie of res.headers.getSetCookie()) assert.doesNotMatch(cookie, /^x=1/, 'no header injected through a parameter')
}

async function assertJsonError(res: Response, context: string) {
  const text = await res.text()
  assert.ok(res.status >= 400 && res.status < 500, `${context}: status ${res.status}: ${text.slice(0, 200)}`)
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${context}: JSON error`)
  const body = JSON.parse(text) as Record<string, unknown>
  assert.ok(OAUTH_ERRORS.has(body.error as string), `${context}: standard error code, got ${JSON.stringify(body)}`)
  assert.equal(typeof body.error_description, 'string', `${context}: error_description`)
  assert.ok(!text.includes(MARKUP), `${context}: markup is not echoed`)
}

describe(`property-based bad input (${RUNS} runs per property${SEED === undefined ? '' : `, seed ${SEED}`})`, () => {
  let server: TestServer
  let app: ApplicationRecord
  let confidential: ApplicationRecord
  let api: ApiRecord

  before(async () => {
    server = await startTestServer()
    app = (await addApp(server.store, { name: 'Property SPA' })).app
    confidential = (await addApp(server.store, { name: 'Property web', type: 'regular_web' })).app
    api = await addApi(server.store, { identifier: 'https://properties.example.com/' })
  })
  after(() => server.close())

  const plausible = () => [
    app.clientId, confidential.clientId, CALLBACK, 'code', 'token', 'S256', 'plain', 'openid profile email offline_access', api.identifier,
    'none', 'login', 'consent', '0', '30', 'query', 'fragment', 'form_post', 'web_message', 'authorization_code', 'refresh_token',
    'client_credentials', pkce().challenge, pkce().verifier, 'state-1',
  ]

  it('GET /authorize: any parameters give an HTML error page or a safe redirect, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb(plausible()), async (pairs) => {
        const res = await fetch(`${server.url}authorize?${encode(pairs)}`, { redirect: 'manual' })
        const body = await res.text()
        assert.ok(res.status < 500, `status ${res.status}: ${body.slice(0, 200)}`)
        assertNoHeaderInjection(res)
        assert.ok(!body.includes(MARKUP), 'markup is escaped')
        if (res.status >= 300 && res.status < 400) {
          const location = new URL(res.headers.get('location') as string, server.url)
          if (location.origin === new URL(server.url).origin) assert.equal(location.pathname, '/u/login')
          else {
            assert.equal(`${location.origin}${location.pathname}`, CALLBACK, 'redirects only to a registered callback')
            assert.ok(OAUTH_ERRORS.has(location.searchParams.get('error') as string), `an error redirect: ${location}`)
            assert.equal(location.searchParams.get('iss'), server.issuer)
          }
        } else if (res.status === 431) {
          // Over Node's 16 KiB header limit the request never reaches Latchkey: Node's bare 431.
        } else if (res.status !== 200) {
          assert.ok(res.status >= 400, `status ${res.status}`)
          assert.match(res.headers.get('content-type') ?? '', /^text\/html/, 'an error page, not a redirect')
        }
      }),
      settings,
    )
  })

  it('POST /oauth/token: any form or JSON body gets an RFC 6749 JSON error, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb(plausible()), fc.boolean(), fc.option(valueArb(plausible())), async (pairs, asJson, basic) => {
        const headers: Record<string, string> = {}
        let body: string
        if (asJson) {
          headers['content-type'] = 'application/json'
          body = JSON.stringify(Object.fromEntries(pairs.map(([k, v]) => [typeof k === 'string' ? k : pct(k), typeof v === 'string' ? v : pct(v)])))
        } else {
          headers['content-type'] = 'application/x-www-form-urlencoded'
          body = encode(pairs)
        }
        if (basic !== null) headers.authorization = `Basic ${Buffer.from(`${confidential.clientId}:${typeof basic === 'string' ? basic : pct(basic)}`).toString('base64')}`
        const res = await fetch(`${server.url}oauth/token`, { method: 'POST', headers, body })
        assert.equal(res.headers.get('cache-control'), 'no-store')
        await assertJsonError(res, 'token')
      }),
      settings,
    )
  })

  it('POST /oauth/revoke: any body gets 200 (RFC 7009 §2.2) or an RFC 6749 JSON error, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb(plausible()), async (pairs) => {
        const res = await fetch(`${server.url}oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encode(pairs) })
        if (res.status === 200) return void (await res.arrayBuffer())
        await assertJsonError(res, 'revoke')
      }),
      settings,
    )
  })

  it('/userinfo: any Authorization header gets 401/400 with a WWW-Authenticate challenge, never a 5xx or claims', async () => {
    const header = fc.oneof(
      fc.string({ maxLength: 200 }).map((s) => `Bearer ${s}`),
      fc.constantFrom('Bearer', 'Bearer ', 'bearer x', 'Basic Zm9vOmJhcg==', 'DPoP x', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'Bearer a.b.c', 'Bearer  x'),
      fc.string({ unit: 'grapheme-ascii', maxLength: 100 }),
    )
    await fc.assert(
      fc.asyncProperty(header, fc.constantFrom('GET', 'POST'), async (authorization, method) => {
        let res: Response
        try {
          res = await fetch(`${server.url}userinfo`, { method, headers: { authorization } })
        } catch (err) {
          // fetch itself refuses header values with control characters; nothing reached the server.
          if (err instanceof TypeError) return
          throw err
        }
        const text = await res.text()
        assert.ok(res.status === 400 || res.status === 401, `status ${res.status}: ${text.slice(0, 200)}`)
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /)
        assert.ok(!text.includes('"sub"'), 'no claims')
      }),
      settings,
    )
  })

  it('POST /u/login: any form fields (with a real or a forged transaction) give a page or a redirect, never a 5xx', async () => {
    const user = await addUser(server.store)
    const browser = new Browser(server.url)
    const start = await browser.follow(
      await browser.get(`${server.url}authorize?${new URLSearchParams({ response_type: 'code', client_id: app.clientId, redirect_uri: CALLBACK, scope: 'openid', state: 's', code_challenge: pkce().challenge, code_challenge_method: 'S256' })}`),
    )
    const html = await start.text()
    const action = formAction(html)
    const csrf = hiddenField(html, 'csrf')
    const fields = fc.array(fc.tuple(fc.constantFrom<string | Uint8Array>('username', 'password', 'csrf', 'state', 'action', 'x'), valueArb([user.email, 'wrong', csrf, 'accept'])), { maxLength: 8 })
    await fc.assert(
      fc.asyncProperty(fields, fc.boolean(), async (pairs, realAction) => {
        const url = realAction ? action : `/u/login?${encode(pairs.slice(0, 2))}`
        const res = await fetch(new URL(url, server.url), {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(server.url).origin, cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
          body: encode(pairs),
        })
        const text = await res.text()
        assert.ok(res.status < 500, `status ${res.status}: ${text.slice(0, 200)}`)
        assertNoHeaderInjection(res)
        assert.ok(!text.includes(MARKUP), 'markup is escaped')
        if (res.status >= 300 && res.status < 400) {
          const location = new URL(res.headers.get('location') as string, server.url)
          if (location.origin !== new URL(server.url).origin) assert.equal(`${location.origin}${location.pathname}`, CALLBACK)
        }
      }),
      { ...settings, numRuns: Math.ceil(RUNS / 3) },
    )
  })

  it('a state with CR/LF is carried back percent-encoded, never as a header break', async () => {
    const session = new LoggedInBrowser(server, await addUser(server.store))
    const res = await session.authorize({ clientId: app.clientId, state: 'a\r\nSet-Cookie: x=1', challenge: pkce().challenge })
    assert.equal(res.status, 303)
    assertNoHeaderInjection(res)
    assert.equal(new URL(res.headers.get('location') as string).searchParams.get('state'), 'a\r\nSet-Cookie: x=1', 'state comes back byte for byte')
  })

  it('after all of it the server is healthy and a normal login still completes', async () => {
    const health = await fetch(`${server.url}health`)
    assert.equal(health.status, 200)
    const session = new LoggedInBrowser(server, await addUser(server.store))
    const tokens = await session.tokens(app, { audience: api.identifier, scope: 'openid offline_access' })
    assert.equal(typeof tokens.access_token, 'string')
    assert.equal(typeof tokens.refresh_token, 'string')
  })
})
