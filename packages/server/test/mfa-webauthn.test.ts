/**
 * Security keys and passkeys over HTTP (issue 15), with a software authenticator written here (P-256,
 * `none` attestation): what needs no browser to show.
 *
 * - the options endpoints answer only at their own step, with the transaction's form token, and say
 *   what the relying party is (the issuer's host), who the user is (an opaque handle, not the email)
 *   and what the ceremony asks (user verification, resident keys);
 * - a made-up or garbled response is a 4xx and changes nothing; a challenge is good once, for its own
 *   transaction; a counter that did not grow is refused; another user's credential is refused;
 * - a security key enrolled at `mfa_enroll` passes the second factor at `mfa`; a passkey signs in
 *   alone at the login step, multi-factor with user verification, and an unknown one is refused.
 */
import assert from 'node:assert/strict'
import { createHash, createSign, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { addMember, addOrganization } from './support/organizations.js'
import { claims, tokenRequest } from './support/oauth.js'

const b64u = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url')
const sha = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest()

/** CBOR heads for the few shapes needed: unsigned/negative ints, byte and text strings, maps. */
function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n])
  if (n < 256) return Buffer.from([(major << 5) | 24, n])
  return Buffer.from([(major << 5) | 25, n >> 8, n & 255])
}
const int = (n: number) => (n >= 0 ? head(0, n) : head(1, -1 - n))
const bytes = (b: Uint8Array) => Buffer.concat([head(2, b.length), b])
const text = (s: string) => Buffer.concat([head(3, Buffer.byteLength(s)), Buffer.from(s)])

/** A software authenticator: one P-256 credential, counting its signatures. */
class SoftKey {
  readonly id = randomBytes(16)
  readonly key: KeyObject
  readonly cose: Buffer
  counter = 0
  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.key = privateKey
    const jwk = publicKey.export({ format: 'jwk' })
    const x = Buffer.from(jwk.x as string, 'base64url')
    const y = Buffer.from(jwk.y as string, 'base64url')
    // COSE_Key: kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y.
    this.cose = Buffer.concat([head(5, 5), int(1), int(2), int(3), int(-7), int(-1), int(1), int(-2), bytes(x), int(-3), bytes(y)])
  }

  #clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }))
  }

  #authData(rpId: string, flags: number, extra: Buffer = Buffer.alloc(0)): Buffer {
    const count = Buffer.alloc(4)
    count.writeUInt32BE(this.counter)
    return Buffer.concat([sha(rpId), Buffer.from([flags]), count, extra])
  }

  register(options: { challenge: string; rp: { id: string } }, origin: string, uv = true): string {
    const credential = Buffer.concat([Buffer.alloc(16), Buffer.from([0, this.id.length]), this.id, this.cose])
    const authData = this.#authData(options.rp.id, 0x01 | (uv ? 0x04 : 0) | 0x40, credential)
    const attestationObject = Buffer.concat([head(5, 3), text('fmt'), text('none'), text('attStmt'), head(5, 0), text('authData'), bytes(authData)])
    return JSON.stringify({
      id: b64u(this.id),
      rawId: b64u(this.id),
      type: 'public-key',
      response: { clientDataJSON: b64u(this.#clientData('webauthn.create', options.challenge, origin)), attestationObject: b64u(attestationObject), transports: ['usb'] },
      clientExtensionResults: {},
      authenticatorAttachment: 'cross-platform',
    })
  }

  assert(options: { challenge: string; rpId: string }, origin: string, opts: { count?: boolean; userHandle?: string } = {}): string {
    if (opts.count !== false) this.counter += 1
    const authData = this.#authData(options.rpId, 0x01 | 0x04)
    const clientData = this.#clientData('webauthn.get', options.challenge, origin)
    const signature = createSign('sha256').update(Buffer.concat([authData, sha(clientData)])).sign(this.key)
    return JSON.stringify({
      id: b64u(this.id),
      rawId: b64u(this.id),
      type: 'public-key',
      response: { clientDataJSON: b64u(clientData), authenticatorData: b64u(authData), signature: b64u(signature), userHandle: opts.userHandle },
      clientExtensionResults: {},
    })
  }
}

describe('security keys and passkeys over HTTP', () => {
  let server: TestServer
  let app: ApplicationRecord
  let origin = ''

  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_MFA: 'always' } })
    origin = new URL(server.issuer).origin
    ;({ app } = await addApp(server.store, { name: 'Keys SPA', grants: ['authorization_code'] }))
  })
  after(() => server.close())

  /** /authorize → the login page: the browser, the page's HTML, its csrf and the PKCE verifier. */
  async function loginPage(browser: Browser, extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkce()
    const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, scope: 'openid', extra })))
    assert.equal(new URL(page.url).pathname, '/u/login')
    const html = await page.text()
    return { page, html, csrf: hiddenField(html, 'csrf'), state: new URL(page.url).searchParams.get('state') as string, verifier }
  }

  /** The login page, then the password: where the login went next (the enrolment or the challenge page). */
  async function password(browser: Browser, user: UserRecord) {
    const login = await loginPage(browser)
    const next = await browser.follow(await browser.post(formAction(login.html, '/u/login?'), { csrf: login.csrf, username: user.email, password: PASSWORD }))
    const html = await next.text()
    return { ...login, next, html, csrf: hiddenField(html, 'csrf'), path: new URL(next.url).pathname }
  }

  async function options<T>(browser: Browser, path: string, state: string, csrf: string | null, extra = ''): Promise<{ status: number; json: T }> {
    const res = await browser.post(`/u/${path}?state=${encodeURIComponent(state)}${extra}`, csrf === null ? {} : { csrf })
    const body = await res.text()
    return { status: res.status, json: (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(body) : (body as T) }
  }

  type CreationOptions = { challenge: string; rp: { id: string; name: string }; user: { id: string; name: string }; attestation: string; authenticatorSelection: Record<string, string>; excludeCredentials: { id: string }[] }
  type RequestOptions = { challenge: string; rpId: string; allowCredentials?: { id: string }[]; userVerification: string }

  async function exchange(res: Response, verifier: string) {
    const code = callbackParams(res).get('code')
    assert.ok(code, `a code: ${res.status} ${res.headers.get('location')}`)
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(tokens.status, 200)
    return claims(tokens.json.id_token)
  }

  /** Enrols `key` (or a passkey) at the enrolment step; returns the page after the recovery codes. */
  async function enrol(browser: Browser, user: UserRecord, key: SoftKey, kind: 'key' | 'passkey' = 'key') {
    const at = await password(browser, user)
    assert.equal(at.path, '/u/mfa/enroll')
    const opts = await options<CreationOptions>(browser, 'mfa/webauthn/register/options', at.state, at.csrf, `&kind=${kind}`)
    assert.equal(opts.status, 200)
    const done = await browser.post(`/u/mfa/webauthn/register?state=${encodeURIComponent(at.state)}&kind=${kind}`, { csrf: at.csrf, response: key.register(opts.json, origin) })
    assert.equal(done.status, 200)
    const codes = await done.text()
    assert.match(codes, /Save your recovery codes/)
    return { next: await browser.follow(await browser.post(formAction(codes), { csrf: hiddenField(codes, 'csrf') })), verifier: at.verifier }
  }

  it('answers the options only at their own step, with the form token', async () => {
    const browser = new Browser(server.url)
    const login = await loginPage(browser)
    // At the login step: only the passkey sign-in's options, and only with the token.
    assert.equal((await options(browser, 'login/passkey/options', login.state, null)).status, 400)
    assert.equal((await options(browser, 'login/passkey/options', login.state, 'x'.repeat(43))).status, 400)
    assert.equal((await options(browser, 'mfa/webauthn/register/options', login.state, login.csrf, '&kind=key')).status, 400)
    assert.equal((await options(browser, 'mfa/webauthn/options', login.state, login.csrf)).status, 400)
    const passkey = await options<RequestOptions>(browser, 'login/passkey/options', login.state, login.csrf)
    assert.equal(passkey.status, 200)
    assert.equal(passkey.json.rpId, 'localhost')
    assert.equal(passkey.json.allowCredentials, undefined, 'discoverable credentials: no list')
    // Another browser, with the same state and token, gets nothing.
    assert.equal((await options(new Browser(server.url), 'login/passkey/options', login.state, login.csrf)).status, 400)

    const user = await addUser(server.store)
    const at = await password(browser, user)
    assert.equal(at.path, '/u/mfa/enroll')
    assert.match(at.html, /Use a security key or this device/)
    assert.match(at.html, /Create a passkey/)
    assert.equal((await options(browser, 'mfa/webauthn/options', at.state, at.csrf)).status, 400, 'not the challenge step')
    assert.equal((await options(browser, 'login/passkey/options', at.state, at.csrf)).status, 400, 'not the login step')
    assert.equal((await options(browser, 'mfa/webauthn/register/options', at.state, 'y'.repeat(43), '&kind=key')).status, 400)
    const key = await options<CreationOptions>(browser, 'mfa/webauthn/register/options', at.state, at.csrf, '&kind=key')
    assert.equal(key.status, 200)
    assert.equal(key.json.rp.id, 'localhost')
    assert.equal(key.json.attestation, 'none')
    assert.equal(key.json.authenticatorSelection.userVerification, 'preferred')
    assert.notEqual(Buffer.from(key.json.user.id, 'base64url').toString(), user.email)
    assert.ok(!Buffer.from(key.json.user.id, 'base64url').toString('latin1').includes(user.email), 'the user handle is not the email')
    const pk = await options<CreationOptions>(browser, 'mfa/webauthn/register/options', at.state, at.csrf, '&kind=passkey')
    assert.equal(pk.json.authenticatorSelection.residentKey, 'required')
    assert.equal(pk.json.authenticatorSelection.userVerification, 'required')
    assert.equal(pk.json.user.id, key.json.user.id, 'the handle is stable')
    // The pages that use WebAuthn allow their own scripts, and only those.
    assert.match(at.next.headers.get('content-security-policy') ?? '', /script-src 'self'; connect-src 'self'/)
  })

  it('refuses a made-up or garbled registration, changing nothing; a challenge is good once', async () => {
    const browser = new Browser(server.url)
    const user = await addUser(server.store)
    const at = await password(browser, user)
    const register = (response: string, kind = 'key') => browser.post(`/u/mfa/webauthn/register?state=${encodeURIComponent(at.state)}&kind=${kind}`, { csrf: at.csrf, response })
    const webauthn = async () => (await server.store.authenticators.listForUser(user.id)).filter((a) => a.type !== 'totp')

    for (const junk of ['', 'not json', '{"id":"abc","response":{}}', '[]', JSON.stringify({ id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'e30', attestationObject: 'oA' } })])
      assert.equal((await register(junk)).status, 400, junk)
    // A response to a challenge this server never made.
    const forged = new SoftKey().register({ challenge: b64u(randomBytes(56)), rp: { id: 'localhost' } }, origin)
    assert.equal((await register(forged)).status, 400)
    // A real response for another origin.
    const opts = await options<CreationOptions>(browser, 'mfa/webauthn/register/options', at.state, at.csrf, '&kind=key')
    const elsewhere = await register(new SoftKey().register(opts.json, 'https://evil.example'))
    assert.equal(elsewhere.status, 400)
    assert.deepEqual(await webauthn(), [])
    assert.equal((await server.store.interactions.get(at.state, server.clock.now()))?.step, 'mfa_enroll', 'still at the enrolment')

    // A good response: the challenge is spent, so another answer to it is refused.
    const fresh = await options<CreationOptions>(browser, 'mfa/webauthn/register/options', at.state, at.csrf, '&kind=key')
    const again = new SoftKey().register(fresh.json, origin)
    assert.equal((await register(new SoftKey().register(fresh.json, origin))).status, 200)
    assert.equal((await register(again)).status, 400, 'the challenge was used')
    const stored = await webauthn()
    assert.equal(stored.length, 1)
    assert.equal(stored[0]?.type, 'webauthn-roaming')
    assert.equal(stored[0]?.confirmed, true)
    assert.deepEqual(stored[0]?.credential?.transports, ['usb'])
    // A challenge for a security key is not one for a passkey.
    const keyOptions = await options<CreationOptions>(browser, 'mfa/webauthn/register/options', at.state, at.csrf, '&kind=key')
    assert.equal((await register(new SoftKey().register(keyOptions.json, origin), 'passkey')).status, 400)
  })

  it('passes the second factor with an enrolled key; a reused challenge, a counter that did not grow and another user’s key are refused', async () => {
    const browser = new Browser(server.url)
    const user = await addUser(server.store)
    const key = new SoftKey()
    const first = await enrol(browser, user, key)
    assert.deepEqual((await exchange(first.next, first.verifier)).amr, ['pwd', 'hwk', 'mfa'])

    const login = async (b: Browser) => {
      const at = await password(b, user)
      assert.equal(at.path, '/u/mfa')
      assert.match(at.html, /Use your security key/)
      const opts = await options<RequestOptions>(b, 'mfa/webauthn/options', at.state, at.csrf)
      assert.equal(opts.status, 200)
      assert.deepEqual(opts.json.allowCredentials?.map((c) => c.id), [b64u(key.id)])
      const post = (response: string) => b.post(`/u/mfa/webauthn?state=${encodeURIComponent(at.state)}`, { csrf: at.csrf, response })
      return { at, opts: opts.json, post }
    }

    const one = await login(new Browser(server.url))
    assert.equal((await one.post('garbage')).status, 400)
    assert.equal((await one.post(new SoftKey().assert(one.opts, origin))).status, 400, 'an unknown credential')
    const answer = key.assert(one.opts, origin)
    const passed = await one.post(answer)
    assert.equal(passed.status, 303)
    const b = new Browser(server.url)
    assert.deepEqual((await exchange(await b.follow(passed), one.at.verifier)).amr, ['pwd', 'hwk', 'mfa'])
    assert.equal((await server.store.authenticators.findByCredentialId(b64u(key.id)))?.credential?.counter, key.counter)

    // The same answer in another login: its challenge was for another transaction, and is spent.
    const two = await login(new Browser(server.url))
    assert.equal((await two.post(answer)).status, 400)
    // A fresh challenge but a counter that did not grow (a cloned key).
    assert.equal((await two.post(key.assert(two.opts, origin, { count: false }))).status, 400)
    // Another user's key, properly signed.
    const other = await addUser(server.store)
    const otherKey = new SoftKey()
    await enrol(new Browser(server.url), other, otherKey)
    const three = await login(new Browser(server.url))
    assert.equal((await three.post(otherKey.assert(three.opts, origin))).status, 400)
    const events = await server.store.logs.list({ userId: user.id })
    assert.ok(events.some((e) => e.type === 'gd_auth_failed'))
    assert.ok(events.some((e) => e.type === 'gd_auth_succeed'))
  })

  it('signs in with a passkey alone (multi-factor with user verification); an unknown or blocked one is refused', async () => {
    const user = await addUser(server.store)
    const passkey = new SoftKey()
    const made = await enrol(new Browser(server.url), user, passkey, 'passkey')
    assert.deepEqual((await exchange(made.next, made.verifier)).amr, ['pwd', 'hwk', 'mfa'])
    const [stored] = (await server.store.authenticators.listForUser(user.id)).filter((a) => a.type !== 'totp')
    assert.equal(stored?.type, 'passkey')

    const signIn = async (key: SoftKey, userHandle?: string, extra: Record<string, string> = {}) => {
      const browser = new Browser(server.url)
      const login = await loginPage(browser, extra)
      assert.match(login.html, /Sign in with a passkey/)
      // The autofill is the password form's email field (an organization may have no password form).
      if (login.html.includes('type="password"')) assert.match(login.html, /autocomplete="username webauthn"/)
      const opts = await options<RequestOptions>(browser, 'login/passkey/options', login.state, login.csrf)
      const res = await browser.post(`/u/login/passkey?state=${encodeURIComponent(login.state)}`, { csrf: login.csrf, response: key.assert(opts.json, origin, { userHandle }) })
      return { res, verifier: login.verifier }
    }

    const handle = b64u(createHash('sha256').update(`latchkey webauthn user handle v1\0${user.id}`).digest())
    const ok = await signIn(passkey, handle)
    assert.equal(ok.res.status, 303)
    assert.deepEqual((await exchange(ok.res, ok.verifier)).amr, ['hwk', 'user', 'mfa'], 'no password, no second factor asked')

    const unknown = await signIn(new SoftKey())
    assert.equal(unknown.res.status, 400)
    assert.match(await unknown.res.text(), /passkey did not work/)
    const wrongHandle = await signIn(passkey, b64u(randomBytes(32)))
    assert.equal(wrongHandle.res.status, 400)

    // Logging in to an organization: only when its connections include the user's (the database connection).
    await server.store.applications.update(app.clientId, { organizationUsage: 'allow' })
    const org = await addOrganization(server.store)
    await addMember(server.store, org, user.id)
    assert.equal((await signIn(passkey, handle, { organization: org.id })).res.status, 303)
    await server.store.organizations.disableConnection(org.id, (await server.store.connections.findByName('Username-Password-Authentication'))?.id as string)
    const elsewhere = await signIn(passkey, handle, { organization: org.id })
    assert.equal(elsewhere.res.status, 400)
    assert.match(await elsewhere.res.text(), /passkey did not work/)
    await server.store.applications.update(app.clientId, { organizationUsage: 'deny' })

    await server.store.users.update(user.id, { blocked: true })
    const blocked = await signIn(passkey, handle)
    assert.equal(blocked.res.status, 403)
    assert.equal(blocked.res.headers.get('location'), null)
  })
})
