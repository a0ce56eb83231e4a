/**
 * `latchkey import tenant` and `latchkey export tenant`: a tenant.yaml as the Auth0 Deploy CLI
 * writes it (a SPA exported with its client_id, a regular web app without, an M2M app with a client
 * grant naming it by name, an API with scopes and RBAC, a role, an organization, the database
 * connection, an oidc and a samlp connection, a rule, an action with its code file). Imported by the
 * real CLI (secrets printed once or taken from --secrets, exit 1 listing what was not carried over),
 * planned again (everything unchanged, nothing written), dry-run (nothing written); the SPA logs in
 * with its old client_id and the M2M app gets a token with its secret; exported and imported into a
 * fresh database, where the export plans unchanged. Unusable files exit 2.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ADMIN_CONSOLE_CLIENT_ID, createApplication, DATABASE_CONNECTION } from '@latchkey/core'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { loadKeyEncryption } from '../src/keys/secret.js'
import { humanReport } from '../src/cli/commands/tenant.js'
import { applyPlan, exitStatus, planReport, type ReportItem, type TenantReport } from '../src/migration/tenant-apply.js'
import { planTenant } from '../src/migration/tenant-plan.js'
import { parseTenantYaml, readTenantYaml, replaceKeywords, TenantFileError } from '../src/migration/tenant-yaml.js'
import { authorizeUrl, Browser, callbackParams, loginThrough, pkce } from './support/browser.js'
import { envWithoutDb, runLatchkey } from './support/cli.js'
import { databases } from './support/databases.js'
import { addUser, PASSWORD, startTestServer, TEST_SECRET, type TestServer } from './support/harness.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'latchkey-tenant-'))
const DB = `sqlite:${join(dir, 'tenant.db')}`
const SPA_ID = '9fX2kQeLr7Hn3TzWb5YcUa1VdGmPo8Js'
const WORKER_SECRET = 'worker-secret-0123456789abcdef'
const GOOGLE_SECRET = 'GOCSPX-google-secret-0123456789'
const SECRETS = { 'Reports Worker': WORKER_SECRET, 'connection:google-oauth2': GOOGLE_SECRET }
const BILLING = 'https://billing.example.com/api'

const TENANT_YAML = `
rules:
  - name: add-roles-to-token
    script: ./rules/add-roles-to-token.js
    stage: login_success
    enabled: true
    order: 1
pages: []
resourceServers:
  - name: Billing API
    identifier: ${BILLING}
    allow_offline_access: true
    enforce_policies: true
    token_dialect: access_token_authz
    scopes:
      - value: read:invoices
        description: Read invoices
      - value: write:invoices
        description: Write invoices
    signing_alg: RS256
    skip_consent_for_verifiable_first_party_clients: true
    token_lifetime: 86400
    token_lifetime_for_web: 7200
  - name: Auth0 Management API
    identifier: https://acme.eu.auth0.com/api/v2/
clients:
  - name: Dashboard SPA
    client_id: ${SPA_ID}
    app_type: spa
    callbacks:
      - http://localhost:8080/callback
    allowed_logout_urls:
      - http://localhost:8080/
    web_origins:
      - http://localhost:8080
    allowed_origins: []
    grant_types:
      - authorization_code
      - implicit
      - refresh_token
    token_endpoint_auth_method: none
    is_first_party: true
    oidc_conformant: true
    cross_origin_auth: false
    custom_login_page_on: true
    sso_disabled: false
    is_token_endpoint_ip_header_trusted: false
    jwt_configuration:
      alg: RS256
      lifetime_in_seconds: 36000
      secret_encoded: false
    native_social_login:
      apple:
        enabled: false
      facebook:
        enabled: false
    refresh_token:
      expiration_type: expiring
      leeway: 0
      token_lifetime: 2592000
      idle_token_lifetime: 1296000
      infinite_token_lifetime: false
      infinite_idle_token_lifetime: false
      rotation_type: rotating
    organization_usage: allow
    organization_require_behavior: no_prompt
  - name: Billing Web
    app_type: regular_web
    description: The billing portal
    callbacks:
      - https://billing.example.com/callback
    allowed_logout_urls:
      - https://billing.example.com/
    grant_types:
      - authorization_code
      - refresh_token
      - client_credentials
      - password
    token_endpoint_auth_method: client_secret_post
    oidc_conformant: true
    cross_origin_auth: true
    custom_login_page_on: true
    refresh_token:
      rotation_type: non-rotating
      expiration_type: non-expiring
      leeway: 0
      token_lifetime: 31557600
      idle_token_lifetime: 2592000
      infinite_token_lifetime: true
      infinite_idle_token_lifetime: true
  - name: Reports Worker
    app_type: non_interactive
    grant_types:
      - client_credentials
    token_endpoint_auth_method: client_secret_post
    is_first_party: true
    oidc_conformant: true
    jwt_configuration:
      alg: RS256
      lifetime_in_seconds: 36000
clientGrants:
  - client_id: Reports Worker
    audience: ${BILLING}
    scope:
      - read:invoices
roles:
  - name: Viewers
    description: null
  - name: Billing Admin
    description: Reads and writes invoices
    permissions:
      - permission_name: read:invoices
        resource_server_identifier: ${BILLING}
      - permission_name: write:invoices
        resource_server_identifier: ${BILLING}
databases:
  - name: Username-Password-Authentication
    strategy: auth0
    enabled_clients:
      - Dashboard SPA
      - Billing Web
    options:
      mfa:
        active: true
        return_enroll_settings: true
      passwordPolicy: good
      password_history:
        enable: false
        size: 5
      attributes:
        email:
          identifier:
            active: true
        username:
          identifier:
            active: true
      authentication_methods:
        password:
          enabled: true
        passkey:
          enabled: false
      brute_force_protection: true
      import_mode: false
      customScripts:
        login: ./databases/Username-Password-Authentication/login.js
connections:
  - name: okta-workforce
    strategy: oidc
    display_name: Okta
    enabled_clients:
      - Billing Web
      - Dashboard SPA
    options:
      client_id: 0oa1b2c3d4e5f6g7h8i9
      issuer: https://acme.okta.com
      authorization_endpoint: https://acme.okta.com/oauth2/v1/authorize
      token_endpoint: https://acme.okta.com/oauth2/v1/token
      jwks_uri: https://acme.okta.com/oauth2/v1/keys
      type: back_channel
      scope: openid profile email
  - name: google-oauth2
    strategy: google-oauth2
    enabled_clients:
      - Dashboard SPA
    options:
      client_id: 1234-abc.apps.googleusercontent.com
      scope:
        - email
        - profile
      email: true
      profile: true
  - name: github
    strategy: github
    enabled_clients:
      - Dashboard SPA
    options:
      client_id: Iv1.0123456789abcdef
  - name: corp-saml
    strategy: samlp
    enabled_clients:
      - Billing Web
    options:
      signInEndpoint: https://idp.example.com/sso
organizations:
  - name: acme
    display_name: Acme Corp
    branding:
      colors:
        primary: '#0059d6'
        page_background: '#000000'
    metadata:
      tier: gold
    connections:
      - name: Username-Password-Authentication
        assign_membership_on_login: false
        show_as_button: true
      - name: okta-workforce
        assign_membership_on_login: true
        show_as_button: false
      - name: github
actions:
  - name: add-claims
    code: ./actions/add-claims/code.js
    runtime: node18
    dependencies: []
    secrets:
      - name: API_KEY
        value: _VALUE_NOT_SHOWN_
    status: built
    supported_triggers:
      - id: post-login
        version: v3
    deployed: true
triggers:
  post-login:
    - action_name: add-claims
      display_name: add-claims
  credentials-exchange: []
guardianPolicies:
  policies: []
guardianFactors:
  - name: otp
    enabled: true
  - name: sms
    enabled: true
  - name: push-notification
    enabled: false
tenant:
  friendly_name: Acme
  session_lifetime: 168
`

const ACTION_CODE = "exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('https://acme.example.com/tier', 'gold')\n}\n"

function writeTenant(folder: string): string {
  mkdirSync(join(folder, 'actions', 'add-claims'), { recursive: true })
  writeFileSync(join(folder, 'actions', 'add-claims', 'code.js'), ACTION_CODE)
  const file = join(folder, 'tenant.yaml')
  writeFileSync(file, TENANT_YAML)
  return file
}

const encryptionFor = (url: string) => async () => loadKeyEncryption([TEST_SECRET], url).encryption

async function plan(store: Store, file: string, url: string) {
  return planTenant(readTenantYaml(file), store, { encryption: encryptionFor(url), secrets: SECRETS })
}

const find = (report: TenantReport, type: string, name: string): ReportItem => {
  const found = report.items.find((i) => i.type === type && i.name.startsWith(name))
  assert.ok(found, `${type} ${name} is in the report: ${JSON.stringify(report.items.map((i) => `${i.type} ${i.name}`))}`)
  return found
}
const leftFields = (i: ReportItem) => (i.not_carried_over ?? []).map((l) => l.field)

/** Everything an import could touch, for "nothing changed" checks. */
async function snapshot(store: Store) {
  return {
    apps: await store.applications.list({ page: 0, perPage: 100 }),
    apis: await store.apis.list({ page: 0, perPage: 100 }),
    grants: await store.clientGrants.list({ page: 0, perPage: 100 }),
    roles: await store.roles.list({ page: 0, perPage: 100 }),
    connections: await store.connections.list({ page: 0, perPage: 100 }),
    orgs: await store.organizations.list({ page: 0, perPage: 100 }),
    actions: await store.actions.list({ page: 0, perPage: 100 }),
    bound: await store.actions.bound('post-login'),
    mfaPolicy: await store.settings.get('mfa_policy'),
  }
}

describe('latchkey import tenant / export tenant (the Auth0 Deploy CLI tenant.yaml)', () => {
  let server: TestServer
  let file: string
  let imported: TenantReport

  before(async () => {
    file = writeTenant(join(dir, 'auth0'))
    server = await startTestServer({ db: DB })
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a dry run plans every object and writes nothing; planning twice gives the same plan', async () => {
    const before = await snapshot(server.store)
    const first = planReport(await plan(server.store, file, DB))
    const second = planReport(await plan(server.store, file, DB))
    assert.deepEqual(await snapshot(server.store), before, 'nothing written')
    const shape = (r: TenantReport) => r.items.map((i) => [i.type, i.name, i.action, i.not_carried_over ?? []])
    assert.deepEqual(shape(second), shape(first))
    assert.equal(first.dry_run, true)
    assert.equal(find(first, 'clients', 'Dashboard SPA').action, 'create')
    assert.equal(find(first, 'clients', 'Dashboard SPA').id, SPA_ID, 'the exported client_id is kept')
    assert.equal(find(first, 'clients', 'Billing Web').client_secret, undefined, 'no secret shown for a change not made')
  })

  it('imports with the real CLI: creates, keeps client_id, prints new secrets once, reports what is not carried over (exit 1)', async () => {
    const secrets = join(dir, 'secrets.json')
    writeFileSync(secrets, JSON.stringify(SECRETS))
    const env = { ...envWithoutDb(), LATCHKEY_SECRET: TEST_SECRET }
    // The real binary (another working directory runs it as a process): exit codes as the shell sees them.
    const res = await runLatchkey(['import', 'tenant', file, '--secrets', secrets, '--db', DB, '--json'], { cwd: dir, env })
    assert.equal(res.code, 1, res.stderr)
    imported = JSON.parse(res.stdout) as TenantReport
    assert.equal(imported.dry_run, false)

    const spa = find(imported, 'clients', 'Dashboard SPA')
    assert.deepEqual([spa.action, spa.id], ['create', SPA_ID])
    assert.deepEqual(leftFields(spa), ['grant_types: implicit'], 'defaults and harmless flags say nothing')
    const web = find(imported, 'clients', 'Billing Web')
    assert.equal(web.action, 'create')
    assert.match(web.client_secret ?? '', /^\S{40,}$/, 'a generated secret, shown once')
    assert.deepEqual(leftFields(web).sort(), ['cross_origin_auth', 'description', 'grant_types: client_credentials', 'grant_types: password'])
    const worker = find(imported, 'clients', 'Reports Worker')
    assert.deepEqual([worker.client_secret, worker.client_secret_source], [undefined, 'file'])

    const api = find(imported, 'resourceServers', 'Billing API')
    assert.deepEqual([api.action, leftFields(api)], ['create', ['token_lifetime_for_web']])
    assert.match(find(imported, 'resourceServers', 'Auth0 Management API').reason ?? '', /Latchkey has its own/)
    assert.equal(find(imported, 'clientGrants', 'Reports Worker').action, 'create')
    assert.equal(find(imported, 'roles', 'Billing Admin').action, 'create')
    const database = find(imported, 'databases', 'Username-Password-Authentication')
    assert.deepEqual([database.action, database.changes], ['update', ['enabled_clients']], 'the M2M app is not enabled for it')
    assert.deepEqual(leftFields(database).sort(), ['options.attributes.username', 'options.customScripts', 'options.passwordPolicy'])
    const okta = find(imported, 'connections', 'okta-workforce')
    assert.deepEqual([okta.action, leftFields(okta)], ['create', ['options.client_secret']])
    const google = find(imported, 'connections', 'google-oauth2')
    assert.deepEqual([google.action, leftFields(google)], ['create', []], 'its secret from --secrets ("connection:NAME")')
    assert.ok((await server.store.connections.findByName('google-oauth2'))?.sealedClientSecret, 'sealed')
    assert.match(find(imported, 'connections', 'github').reason ?? '', /no client secret and github needs one: give it in --secrets as "connection:github"/)
    assert.match(find(imported, 'connections', 'corp-saml').reason ?? '', /SAML connections are not supported/)
    const acme = find(imported, 'organizations', 'acme')
    // Its connections: the database connection and okta-workforce (created by the file); github was skipped.
    assert.deepEqual([acme.action, leftFields(acme)], ['create', ['connections: github']])
    const acmeId = (await server.store.organizations.findByName('acme'))?.id as string
    assert.deepEqual(
      (await server.store.organizations.listConnections(acmeId)).map((c) => [c.connection.name, c.assignMembershipOnLogin, c.showAsButton]).sort(),
      [['Username-Password-Authentication', false, true], ['okta-workforce', true, false]].sort(),
    )
    const action = find(imported, 'actions', 'add-claims')
    assert.deepEqual([action.action, leftFields(action)], ['create', ['secrets: API_KEY']])
    assert.equal(find(imported, 'triggers', 'post-login').action, 'update')
    assert.match(find(imported, 'rules', 'rules (1: add-roles-to-token)').reason ?? '', /post-login Action/)
    assert.match(find(imported, 'tenant', 'tenant').reason ?? '', /configuration/)
    assert.deepEqual([find(imported, 'guardianPolicies', 'MFA policy: never').action, await server.store.settings.get('mfa_policy')], ['update', 'never'])
    assert.deepEqual(leftFields(find(imported, 'guardianFactors', 'guardianFactors')), ['sms'])
    assert.ok(!imported.items.some((i) => i.type === 'pages'), 'an empty section says nothing')
    assert.equal(imported.summary.fail, 0)
    assert.match(res.stderr, /not everything was carried over: 5 objects skipped, 0 failed, \d+ fields left out/)
    const text = humanReport(imported)
    assert.match(text, /^ {2}created +Dashboard SPA \(9fX2kQeLr7Hn3TzWb5YcUa1VdGmPo8Js\)$/m)
    assert.match(text, /^ {6}not carried over: grant_types: implicit: the implicit grant is not supported/m)
    assert.match(text, new RegExp(`^  Billing Web \\(${web.id}\\): ${web.client_secret}$`, 'm'), 'the new secret, once, at the end')
    assert.match(text, /^11 created, 3 updated, 2 unchanged, 5 not carried over, 0 failed; \d+ fields not carried over$/m)

    const store = server.store
    const webApp = await store.applications.get(web.id as string)
    assert.deepEqual(
      [webApp?.refreshToken.rotation, webApp?.refreshToken.expiration, webApp?.refreshToken.infiniteAbsoluteLifetime],
      ['non-rotating', 'non-expiring', true],
      "Auth0's refresh_token setting of a regular web app is kept",
    )
    const worker2 = await store.applications.get(worker.id as string)
    assert.ok(worker2 && worker2.clientSecretHash !== null)
    const role = await store.roles.findByName('Billing Admin')
    assert.equal((await store.roles.listPermissions(role?.id as string)).length, 2)
    assert.deepEqual((await store.actions.bound('post-login')).map((b) => b.name), ['add-claims'])
    const events = await store.logs.list({ page: 0, perPage: 100 })
    assert.ok(events.some((e) => e.details?.action === 'application.created' && e.details?.actor === 'cli'), 'audited as a CLI change')
    assert.doesNotMatch(JSON.stringify(events), new RegExp(`${WORKER_SECRET}|${GOOGLE_SECRET}|${web.client_secret}`), 'no secret in the audit log')
  })

  it('a second import changes nothing: everything unchanged, no record rewritten', async () => {
    const before = await snapshot(server.store)
    const report = await applyPlan(await plan(server.store, file, DB), server.store)
    const changed = report.items.filter((i) => i.action === 'create' || i.action === 'update' || i.action === 'fail')
    assert.deepEqual(changed, [])
    assert.deepEqual(await snapshot(server.store), before, 'no updated_at bumped, no secret replaced')
    assert.equal(exitStatus(report), 1, 'what is not carried over is still reported')
    const dry = await runLatchkey(['import', 'tenant', file, '--dry-run', '--db', DB, '--json'], { cwd: ROOT, env: { ...envWithoutDb(), LATCHKEY_SECRET: TEST_SECRET } })
    assert.equal(dry.code, 1, dry.stderr)
    const planned = JSON.parse(dry.stdout) as TenantReport
    assert.deepEqual([planned.dry_run, planned.summary.create, planned.summary.update], [true, 0, 0])
    assert.deepEqual(await snapshot(server.store), before, 'a dry run writes nothing')
  })

  it('the SPA logs in with its old client_id, the M2M app gets a token with its secret and grant', async () => {
    const user = await addUser(server.store)
    const { verifier, challenge } = pkce()
    const res = await loginThrough(
      new Browser(server.url),
      authorizeUrl(server.issuer, { clientId: SPA_ID, audience: BILLING, scope: 'openid read:invoices', state: 's', nonce: 'n', challenge }),
      user.email,
      PASSWORD,
    )
    const code = callbackParams(res).get('code') as string
    const token = await fetch(`${server.url}oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: SPA_ID, code, code_verifier: verifier, redirect_uri: 'http://localhost:8080/callback' }),
    })
    assert.equal(token.status, 200)
    const idToken = ((await token.json()) as { id_token: string }).id_token
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1] as string, 'base64url').toString())
    assert.equal(claims.aud, SPA_ID)
    assert.equal(claims['https://acme.example.com/tier'], 'gold', 'the imported post-login action ran')

    const worker = find(imported, 'clients', 'Reports Worker')
    const m2m = await fetch(`${server.url}oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: worker.id as string, client_secret: WORKER_SECRET, audience: BILLING }),
    })
    assert.equal(m2m.status, 200)
    assert.equal(((await m2m.json()) as { scope: string }).scope, 'read:invoices')
  })

  it("adds an organization's members when the file lists them (the Deploy CLI does not), leaving out unknown users", async () => {
    const member = await addUser(server.store)
    const yaml = `organizations:\n  - name: acme\n    members:\n      - ${member.id}\n      - user_id: auth0|nobody\n`
    const tenant = parseTenantYaml(yaml, dir)
    const report = await applyPlan(await planTenant(tenant, server.store, { encryption: encryptionFor(DB) }), server.store)
    const org = find(report, 'organizations', 'acme')
    assert.deepEqual([org.action, org.changes, leftFields(org)], ['update', ['members'], ['members: auth0|nobody']])
    const orgId = (await server.store.organizations.findByName('acme'))?.id as string
    assert.equal(await server.store.organizations.isMember(orgId, member.id), true)
    const again = planReport(await planTenant(tenant, server.store, { encryption: encryptionFor(DB) }))
    assert.equal(find(again, 'organizations', 'acme').action, 'unchanged')
  })

  it("makes an existing organization's enabled connections those the file lists (settings changed, others disabled); none listed leaves them", async () => {
    const store = await openAndMigrate('sqlite::memory:')
    try {
      const run = async (yaml: string) => applyPlan(await planTenant(parseTenantYaml(yaml, dir), store, { encryption: encryptionFor(DB) }), store)
      const enabled = async () => {
        const orgId = (await store.organizations.findByName('beta'))?.id as string
        return (await store.organizations.listConnections(orgId)).map((c) => [c.connection.name, c.assignMembershipOnLogin, c.showAsButton])
      }
      const created = find(await run('organizations:\n  - name: beta\n    connections:\n      - name: Username-Password-Authentication\n        assign_membership_on_login: true\n      - name: nowhere\n'), 'organizations', 'beta')
      assert.deepEqual([created.action, leftFields(created)], ['create', ['connections: nowhere']])
      assert.deepEqual(await enabled(), [['Username-Password-Authentication', true, true]])
      const unlisted = find(await run('organizations:\n  - name: beta\n    display_name: Beta\n'), 'organizations', 'beta')
      assert.deepEqual([unlisted.action, unlisted.changes], ['update', ['displayName']])
      assert.deepEqual(await enabled(), [['Username-Password-Authentication', true, true]])
      const changed = find(await run('organizations:\n  - name: beta\n    display_name: Beta\n    connections:\n      - name: Username-Password-Authentication\n        show_as_button: false\n'), 'organizations', 'beta')
      assert.deepEqual([changed.action, changed.changes], ['update', ['connections']])
      assert.deepEqual(await enabled(), [['Username-Password-Authentication', false, false]])
      const emptied = find(await run('organizations:\n  - name: beta\n    display_name: Beta\n    connections: []\n'), 'organizations', 'beta')
      assert.deepEqual([emptied.action, emptied.changes], ['update', ['connections']])
      assert.deepEqual(await enabled(), [])
      assert.equal(find(await run('organizations:\n  - name: beta\n    display_name: Beta\n    connections: []\n'), 'organizations', 'beta').action, 'unchanged')
    } finally {
      await store.close()
    }
  })

  it('exports with the real CLI; the export imported into a fresh database keeps every id and then plans unchanged', async () => {
    const out = join(dir, 'export', 'tenant.yaml')
    mkdirSync(join(dir, 'export'))
    const res = await runLatchkey(['export', 'tenant', '--output', out, '--db', DB], { cwd: ROOT, env: envWithoutDb() })
    assert.equal(res.code, 0, res.stderr)
    assert.match(readFileSync(out, 'utf8'), new RegExp(`client_id: ${SPA_ID}`))
    assert.equal(readFileSync(join(dir, 'export', 'actions', 'add-claims', 'code.js'), 'utf8'), ACTION_CODE)
    assert.doesNotMatch(readFileSync(out, 'utf8'), /secret_hash|client_secret:/)

    for (const db of databases) {
      if (db.skip) continue
      const fresh = await openAndMigrate(db.url())
      try {
        await importExported(out, fresh)
      } finally {
        await fresh.close()
        await db.cleanup()
      }
    }
  })

  /** The export imported into `fresh`: nothing refused, every application and organization as it was, then a plan with nothing to do. */
  async function importExported(out: string, fresh: Store): Promise<void> {
    const exported = readTenantYaml(out)
    const first = await applyPlan(await planTenant(exported, fresh, { encryption: encryptionFor(DB), secrets: SECRETS }), fresh)
    assert.deepEqual(first.items.filter((i) => i.action === 'fail' || i.action === 'skip'), [])
    for (const app of await server.store.applications.list({ page: 0, perPage: 100 })) {
      // The admin console's app is the server's own: not exported, made by each server at start.
      if (app.clientId === ADMIN_CONSOLE_CLIENT_ID) continue
      const copy = await fresh.applications.get(app.clientId)
      assert.ok(copy, `${app.name} kept its client_id`)
      assert.deepEqual({ ...copy, clientSecretHash: null, createdAt: 0, updatedAt: 0 }, { ...app, clientSecretHash: null, createdAt: 0, updatedAt: 0 })
    }
    const org = (await server.store.organizations.findByName('acme'))?.id
    assert.equal((await fresh.organizations.findByName('acme'))?.id, org, 'the organization kept its id')
    const enabled = async (store: Store) =>
      (await store.organizations.listConnections(org as string)).map((c) => [c.connection.name, c.assignMembershipOnLogin, c.showAsButton]).sort()
    assert.deepEqual(await enabled(fresh), await enabled(server.store), 'the same enabled connections')
    const again = planReport(await planTenant(exported, fresh, { encryption: encryptionFor(DB) }))
    assert.deepEqual(again.items.filter((i) => i.action !== 'unchanged'), [])
  }

  it('reports each client Latchkey cannot take as it is, and goes on with the others', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    try {
      const twin = { name: 'Twin', type: 'spa', callbacks: ['http://localhost:8080/callback'] }
      await store.applications.insert(createApplication(twin, Date.now()).record)
      await store.applications.insert(createApplication(twin, Date.now()).record)
      const yaml = `clients:
  - name: Signed
    app_type: regular_web
    callbacks: [https://signed.example.com/cb]
    client_authentication_methods:
      private_key_jwt:
        credentials:
          - id: cred_1234
  - name: Okta SSO
    app_type: sso_integration
  - name: Plain http
    app_type: spa
    callbacks: ['http://app.example.com/callback']
  - name: Twin
    app_type: spa
  - name: Portal
    app_type: regular_web
    callbacks: [https://portal.example.com/cb]
    organization_usage: require
    organization_require_behavior: post_login_prompt
    oidc_logout:
      backchannel_logout_urls: []
    refresh_token:
      rotation_type: rotating
      expiration_type: expiring
      leeway: 5
      token_lifetime: 600000
      idle_token_lifetime: 300000
      infinite_token_lifetime: false
      infinite_idle_token_lifetime: false
      policies: []
      future_setting:
        level: 2
clientGrants:
  - client_id: Nobody
    audience: https://nowhere.example.com/
databases:
  - name: users
    enabled_clients:
      - Portal
`
      const report = await applyPlan(await planTenant(parseTenantYaml(yaml, dir), store, { encryption: encryptionFor(DB) }), store)
      assert.match(find(report, 'clients', 'Signed').reason ?? '', /private_key_jwt public keys are not in the export/)
      assert.match(find(report, 'clients', 'Okta SSO').reason ?? '', /app_type sso_integration is not supported/)
      const http = find(report, 'clients', 'Plain http')
      assert.deepEqual([http.action, /^callbacks: /.test(http.reason ?? '')], ['fail', true], http.reason)
      assert.match(find(report, 'clients', 'Twin').reason ?? '', /2 applications are named "Twin" in Latchkey: give client_id/)
      const portal = find(report, 'clients', 'Portal')
      assert.deepEqual([portal.action, leftFields(portal)], ['create', ['organization_require_behavior: post_login_prompt', 'refresh_token.future_setting']])
      const stored = await store.applications.get(portal.id as string)
      assert.equal(stored?.organizationRequireBehavior, 'pre_login_prompt')
      assert.equal(stored?.refreshToken.reuseIntervalSeconds, 5, 'an unknown key leaves the rest of refresh_token in')
      assert.match(find(report, 'clientGrants', 'Nobody').reason ?? '', /no application named "Nobody"/)
      // The Deploy CLI writes no strategy under databases; the file's only database, whatever its name, is Latchkey's one.
      const database = find(report, 'databases', DATABASE_CONNECTION.name)
      assert.deepEqual([database.action, leftFields(database)], ['update', ['name']])
      assert.ok((await store.connections.findByName(DATABASE_CONNECTION.name))?.enabledClients.includes(portal.id as string))
    } finally {
      await store.close()
    }
  })

  it('refuses an unusable file (exit 2) and applies keyword replacement as the Deploy CLI does', async () => {
    assert.throws(() => parseTenantYaml('clients: [name: x', dir), (e) => e instanceof TenantFileError && /not YAML/.test(e.message))
    assert.throws(() => parseTenantYaml('- a\n- b\n', dir), (e) => e instanceof TenantFileError && /mapping/.test(e.message))
    assert.throws(() => parseTenantYaml('clients:\n  - app_type: spa\n', dir), (e) => e instanceof TenantFileError && /clients\.0\.name/.test(e.message))
    assert.throws(() => parseTenantYaml('clients:\n  - name: "##APP##"\n', dir), (e) => e instanceof TenantFileError && /##APP##/.test(e.message))
    assert.equal(replaceKeywords('name: ##ENV## app\ncallbacks: @@URLS@@', { ENV: 'prod', URLS: ['https://a.example.com/cb'] }), 'name: prod app\ncallbacks: ["https://a.example.com/cb"]')
    const keywords = join(dir, 'config.json')
    writeFileSync(keywords, JSON.stringify({ AUTH0_DOMAIN: 'acme.eu.auth0.com', AUTH0_KEYWORD_REPLACE_MAPPINGS: { ENV: 'staging' } }))
    const withKeywords = join(dir, 'keywords.yaml')
    writeFileSync(withKeywords, 'roles:\n  - name: "##ENV## readers"\n')
    const keyed = await runLatchkey(['import', 'tenant', withKeywords, '--keywords', keywords, '--dry-run', '--json', '--db', DB], { cwd: ROOT, env: envWithoutDb() })
    assert.equal(keyed.code, 0, keyed.stderr)
    assert.deepEqual((JSON.parse(keyed.stdout) as TenantReport).items.map((i) => [i.name, i.action]), [['staging readers', 'create']])
    const folder = await runLatchkey(['import', 'tenant', dir, '--db', DB], { cwd: ROOT, env: envWithoutDb() })
    assert.deepEqual([folder.code, /is a folder/.test(folder.stderr)], [2, true], folder.stderr)
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'clients: {')
    const res = await runLatchkey(['import', 'tenant', bad, '--db', DB], { cwd: ROOT, env: envWithoutDb() })
    assert.equal(res.code, 2)
    assert.match(res.stderr, /bad\.yaml: not YAML/)
  })
})
