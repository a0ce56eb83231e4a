/**
 * Nothing secret reaches the logs: with the logger at `debug`, a failed login, a full login, the
 * code exchange (client_secret_post), a refresh (Basic), /userinfo, a revocation and refused
 * replays leave no password, code, verifier, token, client secret, cookie value or key-encryption
 * secret anywhere in the output; and the redaction paths themselves hide those names wherever a
 * future log line might put them.
 */
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { openAndMigrate } from '@latchkey/storage'
import { loadConfig } from '../src/config.js'
import { kekFromSecret, generateSecret } from '../src/keys/secret.js'
import { createLogger } from '../src/logger.js'
import { startServer } from '../src/server.js'
import { Browser, authorizeUrl, loginThrough } from './support/browser.js'
import { addApi, addApp, addUser, freePort, PASSWORD, TestClock, type TestServer } from './support/harness.js'
import { basicAuth, LoggedInBrowser, revokeRequest, tokenRequest } from './support/oauth.js'

const SECRET = generateSecret()

function sink(lines: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk))
      done()
    },
  })
}

describe('log redaction', () => {
  let server: TestServer
  const lines: string[] = []

  before(async () => {
    const config = loadConfig({ port: await freePort(), host: '127.0.0.1', db: 'sqlite::memory:', logLevel: 'debug' }, { LATCHKEY_SECRET: SECRET })
    const store = await openAndMigrate(config.db)
    const clock = new TestClock()
    const running = await startServer(config, { clock, store, log: createLogger('debug', sink(lines)) })
    server = { url: running.url, issuer: config.issuer, store, clock, running, logs: lines, close: () => running.close() }
  })
  after(() => server.close())

  it('a failed login, a login, code exchange, refresh, /userinfo, revocation and refused replays log no secret value', async () => {
    const api = await addApi(server.store)
    const { app, secret } = await addApp(server.store, { name: 'Web', type: 'regular', authMethod: 'client_secret_post' })
    const clientSecret = secret as string
    const user = await addUser(server.store)
    const secrets: Record<string, string> = { password: PASSWORD, client_secret: clientSecret, LATCHKEY_SECRET: SECRET }
    const kek = kekFromSecret(SECRET)
    secrets.kek_base64url = Buffer.from(kek.key).toString('base64url')
    secrets.kek_hex = Buffer.from(kek.key).toString('hex')

    // A failed login from another browser.
    const stranger = new Browser(server.url)
    const wrongPassword = 'not the password at all'
    secrets.wrong_password = wrongPassword
    const refused = await loginThrough(stranger, authorizeUrl(server.issuer, { clientId: app.clientId, audience: api.identifier }), user.email, wrongPassword)
    assert.ok(refused.status >= 400 && refused.status < 500, `the login page again with an error (got ${refused.status})`)

    // A full login and code exchange with the secret in the body.
    const session = new LoggedInBrowser(server, user)
    const { code, verifier, redirectUri } = await session.code(app, { audience: api.identifier, scope: 'openid profile offline_access read:appointments' })
    Object.assign(secrets, { code, code_verifier: verifier as string })
    const exchanged = await tokenRequest(server, {
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: clientSecret,
      code,
      code_verifier: verifier as string,
      redirect_uri: redirectUri,
    })
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.json))

    // A refresh with HTTP Basic, /userinfo with the access token.
    const authorization = basicAuth(app.clientId, clientSecret)
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: exchanged.json.refresh_token as string }, { headers: { authorization } })
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json))
    const userinfo = await fetch(`${server.url}userinfo`, { headers: { authorization: `Bearer ${refreshed.json.access_token as string}` } })
    assert.equal(userinfo.status, 200)

    // Revocation, then the revoked token is refused.
    assert.equal((await revokeRequest(server, { token: refreshed.json.refresh_token as string }, { authorization })).status, 200)
    const revoked = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: refreshed.json.refresh_token as string }, { headers: { authorization } })
    assert.equal(revoked.json.error, 'invalid_grant')
    // A wrong client secret.
    const wrongClient = await tokenRequest(server, { grant_type: 'refresh_token', refresh_token: 'x' }, { headers: { authorization: basicAuth(app.clientId, 'a-wrong-client-secret-value') } })
    assert.equal(wrongClient.json.error, 'invalid_client')
    // The code replayed (refused, and it revokes what the code issued).
    const replay = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, client_secret: clientSecret, code, code_verifier: verifier as string, redirect_uri: redirectUri })
    assert.equal(replay.json.error, 'invalid_grant')

    Object.assign(secrets, {
      authorization,
      wrong_client_secret: 'a-wrong-client-secret-value',
      access_token: exchanged.json.access_token as string,
      id_token: exchanged.json.id_token as string,
      refresh_token: exchanged.json.refresh_token as string,
      rotated_access_token: refreshed.json.access_token as string,
      rotated_refresh_token: refreshed.json.refresh_token as string,
    })
    for (const [name, value] of [...session.browser.cookies, ...stranger.cookies]) secrets[`cookie ${name}`] = decodeURIComponent(value)

    const output = lines.join('')
    assert.match(output, /"msg":"login failed"/, 'the failed login was logged')
    assert.match(output, /"path":"\/oauth\/token","status":200,"ms":\d+,"client_id":"[^"]+","grant_type":"authorization_code"/, 'the exchange was logged')
    assert.match(output, /"msg":"refresh token grant revoked"/, 'the revocation was logged')
    assert.match(output, /"path":"\/u\/login"/, 'the login form post was logged, as a path only')
    for (const [what, value] of Object.entries(secrets)) {
      assert.ok(value.length >= 8, `${what} is a real value`)
      assert.ok(!output.includes(value), `the ${what} does not appear in the logs`)
    }
    assert.doesNotMatch(output, /[?&](code|state)=/, 'no query string is logged')
  })

  it('redacts the secret names wherever a log line puts them: top level, nested, in headers', () => {
    const out: string[] = []
    const log = createLogger('debug', sink(out))
    const values = {
      password: 'v-password',
      code: 'v-code',
      code_verifier: 'v-verifier',
      refresh_token: 'v-refresh',
      access_token: 'v-access',
      id_token: 'v-id',
      token: 'v-token',
      client_secret: 'v-client-secret',
      LATCHKEY_SECRET: 'v-latchkey-secret',
    }
    log.debug(values, 'top level')
    log.debug({ params: { token: 'v-param-token' }, body: values, env: { LATCHKEY_SECRET: 'v-env-secret', LATCHKEY_SECRET_PREVIOUS: 'v-env-previous' }, config: { secrets: ['v-config-secret'] } }, 'one down')
    log.debug(
      {
        headers: { authorization: 'Bearer v-bearer', cookie: 'latchkey_session=v-cookie', 'set-cookie': ['latchkey_session=v-set-cookie'] },
        req: { headers: { authorization: 'Basic v-basic', cookie: 'a=v-req-cookie', 'set-cookie': 'b=v-req-set-cookie' } },
        key: { privateJwk: '{"d":"v-private"}' },
      },
      'headers',
    )
    const text = out.join('')
    assert.equal(out.length, 3)
    assert.doesNotMatch(text, /v-[a-z-]+/, text)
    assert.match(text, /\[redacted\]/)
  })
})
