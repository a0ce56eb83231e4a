/**
 * The Management API's Actions: /actions/actions (create, list, get, update, deploy, test, delete),
 * /actions/triggers and each trigger's bindings. Auth0's own Node ManagementClient drives the happy
 * path as it would drive Auth0 (its https://latchkey.test base is rewritten to the test server);
 * plain HTTP checks the details: Auth0's error shape, scopes, secrets never answered, a bound
 * action deleted only with force=true, and what lands in the audit log.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ManagementClient, ManagementError } from 'auth0'
import { managementScopes } from '../src/management/system-api.js'
import { startTestServer, type TestServer } from './support/harness.js'
import { m2m } from './support/management.js'

const DOMAIN = 'latchkey.test'

/** Auth0's documented example (Add user roles to tokens), verbatim. */
const ROLES_ACTION = `exports.onExecutePostLogin = async (event, api) => {
  const namespace = 'https://my-app.example.com';
  if (event.authorization) {
    api.idToken.setCustomClaim(\`\${namespace}/roles\`, event.authorization.roles);
    api.accessToken.setCustomClaim(\`\${namespace}/roles\`, event.authorization.roles);
  }
}`

const THROWING_ACTION = `exports.onExecutePostLogin = async (event, api) => {
  console.log('checking', event.user.email);
  throw new Error('no access for ' + event.user.email);
}`

type Json = Record<string, any>

describe('Management API: actions', () => {
  let server: TestServer
  let token: string
  let management: ManagementClient
  const realFetch = globalThis.fetch

  /** A client_credentials token for the Management API with these scopes (support/management.ts). */
  const managementToken = (scope: string[]) => m2m(server, scope)

  async function call(method: string, path: string, body?: unknown, bearer = token): Promise<{ status: number; json: any; text: string }> {
    const res = await realFetch(`${server.url}api/v2/${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text), text }
  }

  function assertError(res: { status: number; json: Json }, status: number, errorCode: string, message?: RegExp): void {
    assert.equal(res.status, status, JSON.stringify(res.json))
    assert.equal(res.json.statusCode, status)
    assert.equal(res.json.errorCode, errorCode, JSON.stringify(res.json))
    if (message) assert.match(res.json.message, message)
  }

  const create = async (name: string, code: string, extra: Json = {}): Promise<Json> => {
    const res = await call('POST', 'actions/actions', { name, supported_triggers: [{ id: 'post-login', version: 'v3' }], code, ...extra })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    return res.json
  }

  before(async () => {
    server = await startTestServer()
    const granted = await managementToken(managementScopes().map((s) => s.value))
    token = granted.token
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      return realFetch(url.startsWith(`https://${DOMAIN}/`) ? url.replace(`https://${DOMAIN}/`, server.url) : input, init)
    }) as typeof fetch
    management = new ManagementClient({ domain: DOMAIN, clientId: granted.app.clientId, clientSecret: granted.secret, audience: `${server.issuer}api/v2/` })
  })
  after(async () => {
    globalThis.fetch = realFetch
    await server.close()
  })

  it('the Management API offers the actions scopes', () => {
    const scopes = managementScopes().map((s) => s.value)
    for (const scope of ['create:actions', 'read:actions', 'update:actions', 'delete:actions']) assert.ok(scopes.includes(scope), scope)
  })

  describe("Auth0's ManagementClient", () => {
    it('creates, deploys, binds (by id and by name) and gets an action', async () => {
      const created = await management.actions.create({
        name: 'add-roles',
        supported_triggers: [{ id: 'post-login', version: 'v3' }],
        code: ROLES_ACTION,
        dependencies: [],
        runtime: 'node22',
        secrets: [{ name: 'API_KEY', value: 'sk_live_very_secret' }],
      })
      assert.match(created.id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      assert.equal(created.name, 'add-roles')
      assert.deepEqual(created.supported_triggers, [{ id: 'post-login', version: 'v3' }])
      assert.equal(created.code, ROLES_ACTION)
      assert.equal(created.all_changes_deployed, false)
      assert.equal(created.deployed_version, undefined)
      assert.deepEqual(
        created.secrets?.map((s) => Object.keys(s).sort()),
        [['name', 'updated_at']],
      )
      assert.equal(created.secrets?.[0]?.name, 'API_KEY')
      assert.doesNotMatch(JSON.stringify(created), /sk_live_very_secret/, 'a secret value is never answered')
      const id = created.id as string

      // Binding before the first deploy is refused (400), as Auth0 refuses it.
      await assert.rejects(
        management.actions.triggers.bindings.updateMany('post-login', { bindings: [{ ref: { type: 'action_id', value: id }, display_name: 'roles' }] }),
        (err: unknown) => err instanceof ManagementError && err.statusCode === 400 && /never been deployed/.test(JSON.stringify(err.body)),
      )

      const version = await management.actions.deploy(id)
      assert.equal(version.number, 1)
      assert.equal(version.action_id, id)
      assert.equal(version.deployed, true)
      assert.equal(version.code, ROLES_ACTION)
      assert.equal(version.status, 'built')
      assert.equal(version.action?.all_changes_deployed, true)

      const bound = await management.actions.triggers.bindings.updateMany('post-login', { bindings: [{ ref: { type: 'action_id', value: id }, display_name: 'roles' }] })
      assert.equal(bound.bindings?.length, 1)
      assert.equal(bound.bindings?.[0]?.display_name, 'roles')
      assert.equal(bound.bindings?.[0]?.trigger_id, 'post-login')
      assert.equal(bound.bindings?.[0]?.action?.id, id)

      const byName = await management.actions.triggers.bindings.updateMany('post-login', { bindings: [{ ref: { type: 'action_name', value: 'add-roles' } }] })
      assert.equal(byName.bindings?.[0]?.display_name, 'add-roles', 'the display name defaults to the action name')

      const listed: string[] = []
      for await (const binding of await management.actions.triggers.bindings.list('post-login')) listed.push(binding.action?.name as string)
      assert.deepEqual(listed, ['add-roles'])

      const got = await management.actions.get(id)
      assert.equal(got.deployed_version?.number, 1)
      assert.equal(got.all_changes_deployed, true)
      assert.deepEqual(await server.store.actions.bound('post-login').then((b) => b.map((a) => a.id)), [id])

      const triggers = await management.actions.triggers.list()
      assert.deepEqual(
        triggers.triggers?.map((t) => [t.id, t.version]),
        [
          ['post-login', 'v3'],
          ['credentials-exchange', 'v2'],
          ['pre-user-registration', 'v2'],
          ['post-change-password', 'v2'],
        ],
      )

      const names: string[] = []
      for await (const action of await management.actions.list({ triggerId: 'post-login' })) names.push(action.name as string)
      assert.ok(names.includes('add-roles'))
    })
  })

  it('lists actions with their total, filtered by trigger, name and deployment', async () => {
    await create('list-a', ROLES_ACTION)
    const b = await create('list-b', ROLES_ACTION, { deploy: true })
    assert.equal(b.deployed_version.number, 1, 'deploy: true deploys on creation')
    const all = await call('GET', 'actions/actions?per_page=100')
    assert.equal(all.status, 200)
    assert.deepEqual(Object.keys(all.json).sort(), ['actions', 'page', 'per_page', 'total'])
    assert.equal(all.json.total, all.json.actions.length)
    const named = await call('GET', 'actions/actions?actionName=list-b')
    assert.deepEqual(
      named.json.actions.map((a: Json) => a.name),
      ['list-b'],
    )
    const undeployed = await call('GET', 'actions/actions?deployed=false&per_page=100')
    assert.ok(undeployed.json.actions.every((a: Json) => a.deployed_version === undefined))
    assert.ok(undeployed.json.actions.some((a: Json) => a.name === 'list-a'))
    const paged = await call('GET', 'actions/actions?page=0&per_page=1')
    assert.equal(paged.json.actions.length, 1)
    assert.equal(paged.json.per_page, 1)
    assert.equal((await call('GET', 'actions/actions?triggerId=credentials-exchange')).json.total, 0)
    assertError(await call('GET', 'actions/actions?triggerId=send-phone-message'), 400, 'invalid_query_string', /Unknown trigger/)
  })

  it('updates the draft: the deployed version runs until the next deploy, and secrets keep values not given', async () => {
    const action = await create('update-me', ROLES_ACTION, { secrets: [{ name: 'A', value: 'one' }, { name: 'B', value: 'two' }], deploy: true })
    const changed = await call('PATCH', `actions/actions/${action.id}`, {
      code: `exports.onExecutePostLogin = async (event, api) => { console.log(Object.keys(event.secrets).sort().join(','), event.secrets.A, event.secrets.C) }`,
      secrets: [{ name: 'A' }, { name: 'C', value: 'three' }],
    })
    assert.equal(changed.status, 200, JSON.stringify(changed.json))
    assert.equal(changed.json.all_changes_deployed, false)
    assert.equal(changed.json.deployed_version.code, ROLES_ACTION, 'the deployed version is unchanged')
    assert.deepEqual(
      changed.json.secrets.map((s: Json) => s.name),
      ['A', 'C'],
    )
    const tested = await call('POST', `actions/actions/${action.id}/test`, { payload: { user: { user_id: 'auth0|1' } } })
    assert.equal(tested.json.payload.logs, 'A,C one three\n', 'A kept its value, B was dropped, C is new')

    assertError(await call('PATCH', `actions/actions/${action.id}`, { secrets: [{ name: 'D' }] }), 400, 'invalid_body', /D needs a value/)
    assertError(await call('PATCH', `actions/actions/${action.id}`, { supported_triggers: [{ id: 'credentials-exchange' }] }), 400, 'invalid_body', /cannot be changed/)
    assertError(await call('PATCH', `actions/actions/${action.id}`, { name: 'list-a' }), 409, 'action_conflict')

    const deployed = await call('POST', `actions/actions/${action.id}/deploy`)
    assert.equal(deployed.status, 202)
    assert.equal(deployed.json.number, 2)
    assert.equal((await call('GET', `actions/actions/${action.id}`)).json.all_changes_deployed, true)
  })

  it("tests an action's draft: its commands, its console output, and its error when it threw", async () => {
    const roles = await create('test-roles', ROLES_ACTION)
    const ok = await call('POST', `actions/actions/${roles.id}/test`, { payload: { user: { user_id: 'auth0|1' }, authorization: { roles: ['admin'] } } })
    assert.equal(ok.status, 200, JSON.stringify(ok.json))
    assert.deepEqual(ok.json.payload.commands, [
      { kind: 'idToken.setCustomClaim', name: 'https://my-app.example.com/roles', value: ['admin'] },
      { kind: 'accessToken.setCustomClaim', name: 'https://my-app.example.com/roles', value: ['admin'] },
    ])
    assert.equal(ok.json.payload.error, undefined)
    assert.equal(typeof ok.json.payload.stats.action_duration_ms, 'number')

    const throwing = await create('test-throws', THROWING_ACTION)
    const failed = await call('POST', `actions/actions/${throwing.id}/test`, { payload: { user: { email: 'ada@example.com' } } })
    assert.equal(failed.status, 200)
    assert.equal(failed.json.payload.logs, 'checking ada@example.com\n')
    assert.equal(failed.json.payload.error.id, 'threw')
    assert.match(failed.json.payload.error.msg, /no access for ada@example.com/)
    assertError(await call('POST', 'actions/actions/00000000-0000-4000-8000-000000000000/test', { payload: {} }), 404, 'action_not_found')
  })

  it('refuses bad actions: an unknown trigger, two triggers, a taken name, bad secrets, code over 100 kB', async () => {
    const body = (extra: Json) => ({ name: 'bad', supported_triggers: [{ id: 'post-login' }], code: ROLES_ACTION, ...extra })
    assertError(await call('POST', 'actions/actions', body({ supported_triggers: [{ id: 'send-phone-message', version: 'v2' }] })), 400, 'invalid_body', /Unknown trigger/)
    assertError(await call('POST', 'actions/actions', body({ supported_triggers: [{ id: 'post-login' }, { id: 'credentials-exchange' }] })), 400, 'invalid_body')
    assertError(await call('POST', 'actions/actions', body({ name: 'add-roles' })), 409, 'action_conflict', /already exists/)
    assertError(await call('POST', 'actions/actions', body({ name: '' })), 400, 'invalid_body', /name/)
    assertError(await call('POST', 'actions/actions', body({ name: 'x'.repeat(101) })), 400, 'invalid_body', /name/)
    assertError(await call('POST', 'actions/actions', body({ secrets: [{ name: 'NOT-OK', value: 'v' }] })), 400, 'invalid_body', /not a secret name/)
    assertError(await call('POST', 'actions/actions', body({ secrets: [{ name: 'NO_VALUE' }] })), 400, 'invalid_body', /needs a value/)
    const many = Array.from({ length: 51 }, (_, i) => ({ name: `S${i}`, value: 'v' }))
    assertError(await call('POST', 'actions/actions', body({ secrets: many })), 400, 'invalid_body')
    const big = `exports.onExecutePostLogin = async () => {}\n//${'x'.repeat(100 * 1024)}`
    assertError(await call('POST', 'actions/actions', body({ code: big })), 400, 'invalid_body')
    const justUnder = `exports.onExecutePostLogin = async () => {}\n//${'x'.repeat(99 * 1024)}`
    assert.equal((await call('POST', 'actions/actions', body({ name: 'big-but-ok', code: justUnder }))).status, 201, 'code near 100 kB fits in a body')
    assertError(await call('GET', 'actions/actions/00000000-0000-4000-8000-000000000000'), 404, 'action_not_found')
    assertError(await call('PATCH', 'actions/triggers/send-phone-message/bindings', { bindings: [] }), 404, 'trigger_not_found')
    assertError(await call('PATCH', 'actions/triggers/post-login/bindings', { bindings: [{ ref: { type: 'action_name', value: 'nope' } }] }), 400, 'invalid_body', /no action/)
    const other = await call('POST', 'actions/actions', { name: 'm2m', supported_triggers: [{ id: 'credentials-exchange' }], deploy: true })
    assert.equal(other.status, 201)
    assert.match(other.json.code, /exports\.onExecuteCredentialsExchange = async \(event, api\)/, "new code defaults to the trigger's handler")
    assertError(await call('PATCH', 'actions/triggers/post-login/bindings', { bindings: [{ ref: { type: 'action_id', value: other.json.id } }] }), 400, 'invalid_body', /credentials-exchange/)
  })

  it('deploys only code that compiles: a syntax error is a 400 naming it and its line, and the version deployed before runs on', async () => {
    const action = await create('syntax', ROLES_ACTION, { deploy: true })
    const broken = "exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('https://example.com/role', 'tester'\n}\n"
    assert.equal((await call('PATCH', `actions/actions/${action.id}`, { code: broken })).status, 200, 'a draft may be saved unfinished')
    assertError(await call('POST', `actions/actions/${action.id}/deploy`), 400, 'invalid_code', /^The action's code does not compile: SyntaxError: missing \) after argument list \(line 2\)\. Nothing was deployed\.$/)
    const kept = (await call('GET', `actions/actions/${action.id}`)).json
    assert.deepEqual([kept.deployed_version.number, kept.deployed_version.code], [1, ROLES_ACTION])
    const tested = await call('POST', `actions/actions/${action.id}/test`, { payload: {} })
    assert.match(tested.json.payload.error.msg, /^SyntaxError: missing \) after argument list/)
    assertError(await call('POST', 'actions/actions', { name: 'syntax-new', supported_triggers: [{ id: 'post-login' }], code: 'exports.x = }', deploy: true }), 400, 'invalid_code', /Unexpected token '\}' \(line 1\)/)
    assert.equal((await call('GET', 'actions/actions?actionName=syntax-new')).json.total, 0, 'nothing created')
  })

  it('refuses calls without the scope (403)', async () => {
    const reader = await managementToken(['read:actions'])
    assert.equal((await call('GET', 'actions/actions', undefined, reader.token)).status, 200)
    assertError(await call('POST', 'actions/actions', { name: 'nope', supported_triggers: [{ id: 'post-login' }] }, reader.token), 403, 'insufficient_scope')
    assertError(await call('DELETE', 'actions/actions/00000000-0000-4000-8000-000000000000', undefined, reader.token), 403, 'insufficient_scope')
    assertError(await call('PATCH', 'actions/triggers/post-login/bindings', { bindings: [] }, reader.token), 403, 'insufficient_scope')
    assertError(await call('POST', 'actions/actions/00000000-0000-4000-8000-000000000000/deploy', undefined, reader.token), 403, 'insufficient_scope')
  })

  it('deletes a bound action only with force=true (which unbinds it); an unbound one without', async () => {
    const bound = await create('delete-bound', ROLES_ACTION, { deploy: true })
    const loose = await create('delete-loose', ROLES_ACTION)
    const existing = (await call('GET', 'actions/triggers/post-login/bindings')).json.bindings as Json[]
    const before = existing.map((b) => ({ ref: { type: 'action_id', value: b.action.id }, display_name: b.display_name }))
    const set = await call('PATCH', 'actions/triggers/post-login/bindings', { bindings: [...before, { ref: { type: 'action_id', value: bound.id } }] })
    assert.equal(set.status, 200, JSON.stringify(set.json))

    assertError(await call('DELETE', `actions/actions/${bound.id}`), 400, 'action_bound', /force=true/)
    assert.ok(await server.store.actions.get(bound.id), 'still there')
    const forced = await call('DELETE', `actions/actions/${bound.id}?force=true`)
    assert.equal(forced.status, 204)
    assertError(await call('GET', `actions/actions/${bound.id}`), 404, 'action_not_found')
    const left = (await call('GET', 'actions/triggers/post-login/bindings')).json
    assert.deepEqual(
      left.bindings.map((b: Json) => b.action.name),
      existing.map((b) => b.action.name),
    )
    assert.equal((await call('DELETE', `actions/actions/${loose.id}`)).status, 204)
    assertError(await call('DELETE', `actions/actions/${loose.id}`), 404, 'action_not_found')
  })

  it('audits every change with the names of secrets, never their values', async () => {
    const rows = await server.store.logs.list({ type: 'sapi', perPage: 100 })
    const text = JSON.stringify(rows)
    const actions = new Set(rows.map((r: Json) => r.details?.action))
    for (const action of ['action.created', 'action.updated', 'action.deployed', 'action.deleted', 'action.bindings_updated', 'action.tested']) assert.ok(actions.has(action), action)
    assert.match(text, /API_KEY/)
    assert.doesNotMatch(text, /sk_live_very_secret/)
    assert.doesNotMatch(text, /"three"/)
  })
})
