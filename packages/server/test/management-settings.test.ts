/**
 * The deployment's settings through the Management API, read only as the environment sets them, in
 * Auth0's shapes (the admin console's Settings page reads these): `GET /tenants/settings` (session
 * lifetimes in hours, Latchkey's own settings under `latchkey` with their variables: sign-up, MFA
 * defaults, email, rate limits), `GET /emails/provider` (the SMTP server without its password, or
 * Auth0's 404), `GET /guardian/factors` (the built-in factors); each behind its Auth0 scope, which
 * the read-only administrators' role holds; and the same three through Auth0's ManagementClient.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManagementClient, ManagementError } from 'auth0'
import { adminScopes } from '../src/management/admins.js'
import { managementScopes } from '../src/management/system-api.js'
import { type Answer, managementCall, m2m } from './support/management.js'
import { startTestServer, type TestServer } from './support/harness.js'
import { proxyGlobalFetch } from './support/tls-proxy.js'

const ALL = managementScopes().map((s) => s.value)
const SMTP_PASSWORD = 's3cret pass/word'
const SMTP_URL = `smtp://mailer%40example.com:${encodeURIComponent(SMTP_PASSWORD)}@mail.example.com:2525`

const FACTORS = [
  { name: 'sms', enabled: false, trial_expired: false },
  { name: 'push-notification', enabled: false, trial_expired: false },
  { name: 'otp', enabled: true, trial_expired: false },
  { name: 'email', enabled: false, trial_expired: false },
  { name: 'duo', enabled: false, trial_expired: false },
  { name: 'webauthn-roaming', enabled: true, trial_expired: false },
  { name: 'webauthn-platform', enabled: true, trial_expired: false },
  { name: 'recovery-code', enabled: true, trial_expired: false },
]

describe('Management API: tenant settings, the email provider and guardian factors (defaults)', () => {
  let server: TestServer
  let token: string
  const call = (method: string, path: string, body?: unknown, bearer = token): Promise<Answer> => managementCall(server, bearer, method, path, body)

  before(async () => {
    server = await startTestServer()
    ;({ token } = await m2m(server, ALL))
  })
  after(() => server.close())

  it('GET /tenants/settings: session lifetimes in hours, sign-up off, no email transport, rate limits off, each with its variable', async () => {
    const r = await call('GET', 'tenants/settings')
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.session_lifetime, 168)
    assert.equal(r.json.idle_session_lifetime, 72)
    assert.deepEqual(r.json.session_cookie, { mode: 'persistent' })
    assert.deepEqual(r.json.flags, { enable_sso: true, enable_dynamic_client_registration: false, enable_public_signup_user_exists_error: false })
    assert.deepEqual(r.json.acr_values_supported, ['http://schemas.openid.net/pape/policies/2007/06/multi-factor'])
    assert.equal(r.json.pushed_authorization_requests_supported, false)
    assert.equal(r.json.authorization_response_iss_parameter_supported, true)
    const { latchkey } = r.json
    assert.deepEqual(latchkey.signup, { enabled: false, env: 'LATCHKEY_SIGNUP' })
    assert.deepEqual(latchkey.mfa, { policy_source: 'LATCHKEY_MFA', env_policy: 'never', remember_browser_days: 30 })
    assert.equal(latchkey.email.transport, 'none')
    assert.equal(latchkey.email.from, `Latchkey <no-reply@${new URL(server.issuer).hostname}>`)
    assert.equal(latchkey.email.verification, 'optional')
    assert.equal(latchkey.rate_limits.enabled, false)
    assert.equal(latchkey.rate_limits.store, 'off')
    assert.deepEqual(latchkey.rate_limits.limits.login, { points: 100, seconds: 60, env: 'LATCHKEY_RATE_LIMIT_LOGIN' })
    assert.equal(latchkey.audit_retention_days, 30)
    assert.deepEqual(Object.keys(r.json.latchkey.rate_limits.limits).sort(), [
      'authorize', 'emailsPerAddress', 'login', 'loginFailures', 'management', 'passwordReset', 'refreshToken', 'signup', 'token', 'tokenFailures',
    ])
  })

  it('GET /tenants/settings?fields=…: only those fields; unknown query parameters are a 400', async () => {
    const r = await call('GET', 'tenants/settings?fields=session_lifetime,idle_session_lifetime')
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(r.json, { session_lifetime: 168, idle_session_lifetime: 72 })
    const bad = await call('GET', 'tenants/settings?friendly=1')
    assert.equal(bad.status, 400, bad.text)
    assert.equal(bad.json.errorCode, 'invalid_query_string')
  })

  it("says the MFA policy comes from the Management API once PUT /guardian/policies set it", async () => {
    const put = await call('PUT', 'guardian/policies', ['latchkey-optional'])
    assert.equal(put.status, 200, put.text)
    const r = await call('GET', 'tenants/settings?fields=latchkey')
    assert.equal(r.json.latchkey.mfa.policy_source, 'management_api')
    assert.equal(r.json.latchkey.mfa.env_policy, 'never')
    const back = await call('PUT', 'guardian/policies', [])
    assert.equal(back.status, 200, back.text)
  })

  it('GET /emails/provider without SMTP: 404 with Auth0\'s message', async () => {
    const r = await call('GET', 'emails/provider')
    assert.equal(r.status, 404, r.text)
    assert.deepEqual(r.json, { statusCode: 404, error: 'Not Found', message: 'Email provider has not been configured.', errorCode: 'inexistent_email_provider' })
  })

  it("GET /guardian/factors: Auth0's eight factors, Latchkey's four enabled", async () => {
    const r = await call('GET', 'guardian/factors')
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(r.json, FACTORS)
  })

  it("each needs its Auth0 scope (403 naming it); the read-only administrators' role has all three", async () => {
    const { token: narrow } = await m2m(server, ['read:clients'])
    for (const [path, scope] of [
      ['tenants/settings', 'read:tenant_settings'],
      ['emails/provider', 'read:email_provider'],
      ['guardian/factors', 'read:guardian_factors'],
    ] as const) {
      const r = await call('GET', path, undefined, narrow)
      assert.equal(r.status, 403, r.text)
      assert.equal(r.json.message, `Insufficient scope, expected any of: ${scope}`)
    }
    const system = await server.store.apis.findSystem()
    assert.ok(system)
    const readOnly = adminScopes(system, 'read-only')
    for (const scope of ['read:tenant_settings', 'read:email_provider', 'read:guardian_factors']) assert.ok(readOnly.includes(scope), scope)
    // No way to change them through the API: they come from the environment.
    for (const method of ['PATCH', 'PUT', 'POST', 'DELETE']) {
      const r = await call(method, 'tenants/settings', method === 'DELETE' ? undefined : {})
      assert.equal(r.status, 404, `${method} ${r.text}`)
    }
  })
})

describe('Management API: settings from the environment (SMTP, sign-up, rate limits, MFA)', () => {
  let server: TestServer
  let token: string
  const call = (method: string, path: string): Promise<Answer> => managementCall(server, token, method, path)

  before(async () => {
    server = await startTestServer({
      env: {
        LATCHKEY_SMTP_URL: SMTP_URL,
        LATCHKEY_EMAIL_FROM: 'Example <login@example.com>',
        LATCHKEY_SIGNUP: 'on',
        LATCHKEY_RATE_LIMITS: 'on',
        LATCHKEY_RATE_LIMIT_LOGIN: '5/30',
        LATCHKEY_MFA: 'always',
        LATCHKEY_MFA_REMEMBER_DAYS: '7',
        LATCHKEY_EMAIL_VERIFICATION: 'required',
      },
    })
    ;({ token } = await m2m(server, ALL))
  })
  after(() => server.close())

  it('GET /emails/provider: the SMTP host, port, user and From address; never the password', async () => {
    const r = await call('GET', 'emails/provider')
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(r.json, {
      name: 'smtp',
      enabled: true,
      default_from_address: 'Example <login@example.com>',
      credentials: { smtp_host: 'mail.example.com', smtp_port: 2525, smtp_user: 'mailer@example.com' },
      settings: { secure: false },
    })
    assert.ok(!r.text.includes('s3cret') && !r.text.includes(encodeURIComponent(SMTP_PASSWORD)), 'no password')
    const some = await call('GET', 'emails/provider?fields=name,enabled')
    assert.deepEqual(some.json, { name: 'smtp', enabled: true })
  })

  it('GET /tenants/settings: what the variables say', async () => {
    const r = await call('GET', 'tenants/settings')
    assert.equal(r.status, 200, r.text)
    const { latchkey } = r.json
    assert.deepEqual(latchkey.signup, { enabled: true, env: 'LATCHKEY_SIGNUP' })
    assert.deepEqual(latchkey.mfa, { policy_source: 'LATCHKEY_MFA', env_policy: 'always', remember_browser_days: 7 })
    assert.equal(latchkey.email.transport, 'smtp')
    assert.equal(latchkey.email.verification, 'required')
    assert.equal(latchkey.rate_limits.enabled, true)
    assert.equal(latchkey.rate_limits.store, 'memory')
    assert.deepEqual(latchkey.rate_limits.limits.login, { points: 5, seconds: 30, env: 'LATCHKEY_RATE_LIMIT_LOGIN' })
    assert.ok(!r.text.includes('s3cret'), 'no SMTP password')
    const policies = await call('GET', 'guardian/policies')
    assert.deepEqual(policies.json, ['all-applications'])
  })

  it('smtps:// without a port: 465, secure', async () => {
    const other = await startTestServer({ env: { LATCHKEY_SMTP_URL: 'smtps://mail.example.com' } })
    try {
      const robot = await m2m(other, ['read:email_provider'])
      const r = await managementCall(other, robot.token, 'GET', 'emails/provider')
      assert.deepEqual(r.json.credentials, { smtp_host: 'mail.example.com', smtp_port: 465 })
      assert.deepEqual(r.json.settings, { secure: true })
    } finally {
      await other.close()
    }
  })
})

describe("Auth0's ManagementClient: tenants.settings, emails.provider, guardian.factors", () => {
  const DOMAIN = 'latchkey.test'
  const ISSUER = `https://${DOMAIN}/`
  let server: TestServer
  let management: ManagementClient
  let restoreFetch: () => void

  before(async () => {
    server = await startTestServer({ issuer: ISSUER, env: { LATCHKEY_SMTP_URL: SMTP_URL } })
    const robot = await m2m(server, ALL)
    restoreFetch = proxyGlobalFetch(ISSUER, server.url)
    management = new ManagementClient({ domain: DOMAIN, clientId: robot.app.clientId, clientSecret: robot.secret })
  })
  after(async () => {
    restoreFetch()
    await server.close()
  })

  it('tenants.settings.get', async () => {
    const settings = await management.tenants.settings.get()
    assert.equal(settings.session_lifetime, 168)
    assert.equal(settings.idle_session_lifetime, 72)
    assert.equal(settings.flags?.enable_sso, true)
    const some = await management.tenants.settings.get({ fields: 'idle_session_lifetime', include_fields: true })
    assert.deepEqual({ ...some }, { idle_session_lifetime: 72 })
  })

  it('emails.provider.get', async () => {
    const provider = await management.emails.provider.get()
    assert.equal(provider.name, 'smtp')
    assert.equal(provider.enabled, true)
    assert.deepEqual(provider.credentials, { smtp_host: 'mail.example.com', smtp_port: 2525, smtp_user: 'mailer@example.com' })
  })

  it('guardian.factors.list', async () => {
    const factors = await management.guardian.factors.list()
    assert.deepEqual([...factors], FACTORS)
  })
})

describe("Auth0's ManagementClient without SMTP", () => {
  it('emails.provider.get: a ManagementError 404', async () => {
    const bare = await startTestServer({ issuer: 'https://bare.latchkey.test/' })
    const robot = await m2m(bare, ALL)
    const restore = proxyGlobalFetch('https://bare.latchkey.test/', bare.url)
    try {
      const client = new ManagementClient({ domain: 'bare.latchkey.test', clientId: robot.app.clientId, clientSecret: robot.secret })
      await assert.rejects(client.emails.provider.get(), (err: unknown) => {
        assert.ok(err instanceof ManagementError)
        assert.equal(err.statusCode, 404)
        assert.match(err.message, /Email provider has not been configured/)
        return true
      })
    } finally {
      restore()
      await bare.close()
    }
  })
})
