/**
 * Actions through real logins, refreshes and client_credentials grants: actions copied from
 * Auth0's documentation run unchanged; a denial, a throw or a runaway action ends the login with
 * `access_denied` naming the action; claims no action may set stay the server's; post-login runs
 * again at every refresh; metadata set by an action is kept; secrets reach `event.secrets`.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { type ActionTrigger, type ApiRecord, type ApplicationRecord, createClientGrant, createRole } from '@latchkey/core'
import { callbackParams, pkce } from './support/browser.js'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { basicAuth, claims, LoggedInBrowser, tokenRequest } from './support/oauth.js'

const ROLES = `/**
 * @param {Event} event - Details about the user and the context in which they are logging in.
 * @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
 */
exports.onExecutePostLogin = async (event, api) => {
  const namespace = 'https://my-app.example.com';
  if (event.authorization) {
    api.idToken.setCustomClaim(\`\${namespace}/roles\`, event.authorization.roles);
    api.accessToken.setCustomClaim(\`\${namespace}/roles\`, event.authorization.roles);
  }
}`

const DENY_SPA = `exports.onExecutePostLogin = async (event, api) => {
  if (event.user.email && event.user.email.endsWith("@example.com") && event.client.name === "My SPA") {
    api.access.deny(\`Access to \${event.client.name} is not allowed.\`);
  }
};`

describe('Actions in logins and grants', () => {
  let server: TestServer
  let app: ApplicationRecord
  let api: ApiRecord

  before(async () => {
    server = await startTestServer({ env: { LATCHKEY_SIGNUP: 'on' } })
    app = (await addApp(server.store)).app
    api = await addApi(server.store, { identifier: 'https://actions.example.com/' })
  })
  after(() => server.close())

  /** Creates, deploys and binds actions (code by trigger), replacing the trigger's bindings. */
  async function bind(trigger: ActionTrigger, codes: readonly string[], secrets?: Record<string, string>, onFailure: 'deny' | 'skip' = 'deny'): Promise<void> {
    const ids: string[] = []
    for (const code of codes) {
      const now = Date.now()
      const sealed = secrets ? await server.running.deps.keys.encryption.encrypt(JSON.stringify(secrets)) : null
      const id = randomUUID()
      await server.store.actions.insert({ id, name: `action-${id.slice(0, 8)}`, trigger, code, dependencies: [], secretNames: Object.keys(secrets ?? {}), sealedSecrets: sealed, onFailure, deployed: null, createdAt: now, updatedAt: now })
      await server.store.actions.deploy(id, now)
      ids.push(id)
    }
    await server.store.actions.bind(trigger, ids.map((actionId) => ({ actionId, displayName: actionId })))
  }

  async function login(application = app) {
    const user = await addUser(server.store)
    return { user, browser: new LoggedInBrowser(server, user), application }
  }

  it("Auth0's roles example puts the user's roles in both tokens", async () => {
    await bind('post-login', [ROLES])
    const { user, browser } = await login()
    const role = createRole({ name: `nurse-${Date.now()}` }, Date.now())
    await server.store.roles.insert(role)
    await server.store.roles.assign([user.id], [role.id], Date.now())
    const tokens = await browser.tokens(app, { scope: 'openid profile email offline_access', audience: api.identifier })
    assert.deepEqual(claims(tokens.id_token)['https://my-app.example.com/roles'], [role.name])
    assert.deepEqual(claims(tokens.access_token)['https://my-app.example.com/roles'], [role.name])
  })

  it("Auth0's access-control example ends the login with access_denied and the action's reason", async () => {
    const mySpa = (await addApp(server.store, { name: 'My SPA' })).app
    await bind('post-login', [DENY_SPA])
    const { browser } = await login()
    const res = await browser.authorize({ clientId: mySpa.clientId, challenge: pkce().challenge })
    const params = callbackParams(res)
    assert.equal(params.get('error'), 'access_denied')
    assert.equal(params.get('error_description'), 'Access to My SPA is not allowed.')
    assert.equal(params.get('state'), 'state-123')
    const other = await browser.code(app)
    assert.ok(other.code, 'another app is let in')
  })

  it('a throwing, looping or memory-hungry action ends the login with access_denied naming it; the next login goes on', async () => {
    await bind('post-login', ['exports.onExecutePostLogin = async () => { throw new Error("database unreachable") }'])
    const { browser } = await login()
    const params = callbackParams(await browser.authorize({ clientId: app.clientId, challenge: pkce().challenge }))
    assert.equal(params.get('error'), 'access_denied')
    assert.match(params.get('error_description') ?? '', /^The action 'action-[0-9a-f]{8}' failed: database unreachable$/)
    const failure = (await server.store.logs.list({ type: 'f' }))[0]
    assert.equal(failure?.details.action !== undefined, true)

    await bind('post-login', ['exports.onExecutePostLogin = async () => { while (true) {} }'])
    const looping = await login()
    const stopped = callbackParams(await looping.browser.authorize({ clientId: app.clientId, challenge: pkce().challenge }))
    assert.match(stopped.get('error_description') ?? '', /did not finish within 5000 ms/)

    await bind('post-login', ['exports.onExecutePostLogin = async () => { const kept = []; while (true) kept.push(new Array(100000).fill(Math.random())) }'])
    const hungry = await login()
    const starved = callbackParams(await hungry.browser.authorize({ clientId: app.clientId, challenge: pkce().challenge }))
    assert.equal(starved.get('error'), 'access_denied')
    assert.match(starved.get('error_description') ?? '', /failed: the action ran out of memory$/)

    await bind('post-login', [])
    assert.ok((await (await login()).browser.code(app)).code)
  })

  it('an action cannot overwrite sub, aud or scope: the calls are ignored and the login goes on', async () => {
    await bind('post-login', [
      'exports.onExecutePostLogin = async (event, api) => { api.accessToken.setCustomClaim("sub", "auth0|admin"); api.idToken.setCustomClaim("aud", "x"); api.accessToken.setCustomClaim("scope", "admin"); api.accessToken.setCustomClaim("tier", "gold") }',
    ])
    const { user, browser } = await login()
    const tokens = await browser.tokens(app, { scope: 'openid profile', audience: api.identifier })
    const at = claims(tokens.access_token)
    assert.equal(at.sub, user.id)
    assert.equal(at.scope, 'openid profile')
    assert.equal(at.tier, 'gold')
    assert.equal(claims(tokens.id_token).aud, app.clientId)
  })

  it('post-login runs again at every refresh (protocol oauth2-refresh-token), with secrets and metadata', async () => {
    await bind(
      'post-login',
      [
        `exports.onExecutePostLogin = async (event, api) => {
  api.accessToken.setCustomClaim('protocol', event.transaction.protocol)
  api.accessToken.setCustomClaim('logins', event.stats.logins_count)
  api.accessToken.setCustomClaim('has_secret', event.secrets.PARTNER_KEY === 'k-123')
  api.user.setAppMetadata('logins_seen', (event.user.app_metadata.logins_seen || 0) + 1)
}`,
      ],
      { PARTNER_KEY: 'k-123' },
    )
    const { user, browser } = await login()
    const tokens = await browser.tokens(app, { scope: 'openid offline_access', audience: api.identifier })
    assert.equal(claims(tokens.access_token).protocol, 'oidc-basic-profile')
    assert.equal(claims(tokens.access_token).logins, 1, 'the login just completed counts')
    assert.equal(claims(tokens.access_token).has_secret, true)
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: tokens.refresh_token as string })
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json))
    assert.equal(claims(refreshed.json.access_token).protocol, 'oauth2-refresh-token')
    assert.deepEqual((await server.store.users.get(user.id))?.appMetadata, { logins_seen: 2 })

    await bind('post-login', ['exports.onExecutePostLogin = async (event, api) => { if (event.transaction.protocol === "oauth2-refresh-token") api.access.deny("refresh refused") }'])
    const denied = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshed.json.refresh_token as string })
    assert.equal(denied.status, 403)
    assert.deepEqual(denied.json, { error: 'access_denied', error_description: 'refresh refused' })
    await bind('post-login', [])
  })

  it('credentials-exchange: claims on the machine-to-machine token; a denial answers with its code', async () => {
    const { app: m2m, secret } = await addApp(server.store, { name: 'Cron', type: 'm2m', callbacks: [] })
    await server.store.clientGrants.insert(createClientGrant({ clientId: m2m.clientId, audience: api.identifier, scope: ['read:appointments'] }, { application: m2m, api }, Date.now()))
    const ask = () => tokenRequest(server, { grant_type: 'client_credentials', audience: api.identifier }, { headers: { authorization: basicAuth(m2m.clientId, secret as string) } })
    await bind('credentials-exchange', ['exports.onExecuteCredentialsExchange = async (event, api) => { api.accessToken.setCustomClaim("https://example.com/client", event.client.name) }'])
    const ok = await ask()
    assert.equal(ok.status, 200, JSON.stringify(ok.json))
    assert.equal(claims(ok.json.access_token)['https://example.com/client'], 'Cron')
    await bind('credentials-exchange', ['exports.onExecuteCredentialsExchange = async (event, api) => { api.access.deny("invalid_scope", "not during maintenance") }'])
    const refused = await ask()
    assert.equal(refused.status, 400)
    assert.deepEqual(refused.json, { error: 'invalid_scope', error_description: 'not during maintenance' })
    await bind('credentials-exchange', [])
  })

  it('pre-user-registration: a denial refuses the sign-up with its user message; metadata set is stored with the user', async () => {
    const signup = (email: string) =>
      fetch(`${server.url}dbconnections/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: app.clientId, connection: 'Username-Password-Authentication', email, password: 'a long enough password 123' }),
      })
    await bind('pre-user-registration', [
      `exports.onExecutePreUserRegistration = async (event, api) => {
  if (event.user.email.endsWith('@blocked.example')) return api.access.deny('blocked domain', 'Sign-ups from this domain are closed.')
  api.user.setAppMetadata('plan', 'trial')
}`,
    ])
    const refused = await signup(`someone-${Date.now()}@blocked.example`)
    assert.equal(refused.status, 400)
    const body = (await refused.json()) as Record<string, unknown>
    assert.equal(body.code, 'invalid_signup')
    assert.equal(body.description, 'Sign-ups from this domain are closed.')
    const email = `welcome-${Date.now()}@example.com`
    const created = await signup(email)
    assert.equal(created.status, 200, await created.clone().text())
    assert.deepEqual((await server.store.users.findByEmail(email))?.appMetadata, { plan: 'trial' })
    await bind('pre-user-registration', [])
  })

  it('api.multifactor.enable sends the login to the second-factor step (enrolment for a user with none) before any code', async () => {
    await bind('post-login', ['exports.onExecutePostLogin = async (event, api) => { api.multifactor.enable("any", { allowRememberBrowser: false }) }'])
    const { browser } = await login()
    const res = await browser.authorize({ clientId: app.clientId, challenge: pkce().challenge })
    assert.equal(res.status, 200, `${res.status} ${res.headers.get('location')}`)
    assert.equal(new URL(res.url).pathname, '/u/mfa/enroll')
    await bind('post-login', [])
  })

  it('an action set to skip on failure is skipped when it throws: the login goes on with what the others did', async () => {
    await bind(
      'post-login',
      ['exports.onExecutePostLogin = async () => { throw new Error("optional enrichment down") }', 'exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim("second", true) }'],
      undefined,
      'skip',
    )
    const { browser } = await login()
    const tokens = await browser.tokens(app, { scope: 'openid' })
    assert.equal(claims(tokens.id_token).second, true)
    await bind('post-login', [])
  })
})
