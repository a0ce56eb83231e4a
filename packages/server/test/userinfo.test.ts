/**
 * /userinfo verifies an access token once and then remembers it until it expires (http/bearer.ts):
 * what it remembers never outlives the token, the user or the server's keys.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { LoggedInBrowser } from './support/oauth.js'

describe('/userinfo with a token it has verified before', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.close())

  async function accessToken(): Promise<{ token: string; userId: string; expiresIn: number }> {
    const { app } = await addApp(server.store)
    const user = await addUser(server.store)
    const tokens = await new LoggedInBrowser(server, user).tokens(app, { scope: 'openid profile email' })
    return { token: tokens.access_token as string, userId: user.id, expiresIn: tokens.expires_in as number }
  }
  const userinfo = (token: string) => fetch(`${server.url}userinfo`, { headers: { authorization: `Bearer ${token}` } })

  it('answers again and again, and refuses the token once it has expired', async () => {
    const { token, userId, expiresIn } = await accessToken()
    for (let i = 0; i < 3; i++) {
      const res = await userinfo(token)
      assert.equal(res.status, 200)
      assert.equal(((await res.json()) as { sub: string }).sub, userId)
    }
    server.clock.advance((expiresIn + 6) * 1000)
    const late = await userinfo(token)
    assert.equal(late.status, 401)
    assert.match(late.headers.get('www-authenticate') ?? '', /error="invalid_token"/)
  })

  it('refuses a remembered token at once when its user is blocked', async () => {
    const { token, userId } = await accessToken()
    assert.equal((await userinfo(token)).status, 200)
    await server.store.users.update(userId, { blocked: true })
    assert.equal((await userinfo(token)).status, 401)
  })

  it('never remembers a token that failed: a tampered copy of a good one stays refused', async () => {
    const { token } = await accessToken()
    const [h, p, s] = token.split('.') as [string, string, string]
    const tampered = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`
    for (let i = 0; i < 2; i++) assert.equal((await userinfo(tampered)).status, 401)
    assert.equal((await userinfo(token)).status, 200)
  })
})
