/**
 * `latchkey roles`, `latchkey users roles|permissions` and the RBAC flags of `latchkey apis`, run
 * in this process (support/cli.ts; a list and a refusal also as the real binary) against a
 * temporary SQLite file: roles created, listed, shown (permissions and user count), renamed and
 * deleted, by id or name; permissions added (each a scope of an existing API) and removed; roles
 * assigned to and removed from users; permissions given to users directly, listed with their
 * sources; `--rbac` and `--permissions-in-token` set enforce_policies and the token dialect; every
 * change audited as the CLI.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openAndMigrate } from '@latchkey/storage'
import { assertSameAsProcess, type CliResult, envWithoutDb, runLatchkey } from './support/cli.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-roles-'))
const DB = `sqlite:${join(dir, 'roles.db')}`
const LETTERS = 'https://letters.example.com/'

function cli(args: string[]): Promise<CliResult> {
  return runLatchkey([...args, '--db', DB], { cwd: ROOT })
}

async function json<T = any>(args: string[]): Promise<T> {
  const res = await cli([...args, '--json'])
  assert.equal(res.code, 0, `latchkey ${args.join(' ')} failed: ${res.stderr}`)
  return JSON.parse(res.stdout) as T
}

async function fails(args: string[], message: RegExp, code = 1): Promise<void> {
  const res = await cli(args)
  assert.equal(res.code, code, `latchkey ${args.join(' ')}: expected exit ${code}, got ${res.code}: ${res.stdout}${res.stderr}`)
  assert.match(res.stderr, message)
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
}

const permission = (name: string, api = LETTERS) => ({ resource_server_identifier: api, permission_name: name })

after(() => rmSync(dir, { recursive: true, force: true }))

describe('latchkey roles', { concurrency: 1 }, () => {
  let api: any
  let editor: any
  let alice: any

  it('apis: --rbac and --permissions-in-token set enforce_policies and the token dialect, shown by show and list', async () => {
    const [created, plain] = await Promise.all([
      json(['apis', 'create', '--name', 'Letters', '--identifier', LETTERS, '--scopes', 'read:letters,write:letters,delete:letters', '--rbac', '--permissions-in-token']),
      json(['apis', 'create', '--name', 'Plain', '--identifier', 'urn:plain', '--scopes', 'read']),
    ])
    api = created
    assert.deepEqual([api.enforce_policies, api.token_dialect], [true, 'access_token_authz'])
    assert.deepEqual([plain.enforce_policies, plain.token_dialect], [false, 'access_token'])
    const off = await json(['apis', 'update', LETTERS, '--no-rbac', '--no-permissions-in-token'])
    assert.deepEqual([off.enforce_policies, off.token_dialect], [false, 'access_token'])

    // An RFC 9068 profile stays one: the flag only adds or drops the permissions claim.
    const store = await openAndMigrate(DB)
    try {
      await store.apis.update(api.id, { tokenDialect: 'rfc9068_profile', updatedAt: Date.now() })
    } finally {
      await store.close()
    }
    const profile = await json(['apis', 'update', api.id, '--rbac', '--permissions-in-token'])
    assert.deepEqual([profile.enforce_policies, profile.token_dialect], [true, 'rfc9068_profile_authz'])

    const [show, list] = await Promise.all([cli(['apis', 'show', LETTERS]), cli(['apis', 'list'])])
    assert.match(show.stdout, /rbac\s+true\n\s+token dialect\s+rfc9068_profile_authz/)
    assert.match(list.stdout, /RBAC/)
    assert.match(list.stdout, /Letters\s+on, permissions in token\s+read:letters/)
    assert.match(list.stdout, /Plain\s+off\s+read/)
  })

  it('creates roles (with a description) and refuses a duplicate or empty name', async () => {
    const [created, viewer] = await Promise.all([json(['roles', 'create', 'editor', '--description', 'Writes letters']), json(['roles', 'create', 'viewer'])])
    editor = created
    assert.match(editor.id, /^rol_[A-Za-z0-9]{16}$/)
    assert.deepEqual({ ...editor, id: 'x' }, { id: 'x', name: 'editor', description: 'Writes letters' })
    assert.deepEqual({ ...viewer, id: 'x' }, { id: 'x', name: 'viewer', description: '' })
    await Promise.all([fails(['roles', 'create', 'editor'], /a role named "editor" already exists/), fails(['roles', 'create', ' '], /name is required/)])
  })

  it('gives roles permissions: scopes of an existing API (by identifier or id), each checked', async () => {
    const added = await json(['roles', 'permissions', 'add', 'editor', '--api', LETTERS, '--scopes', 'write:letters,read:letters'])
    assert.deepEqual(added, [permission('read:letters'), permission('write:letters')])
    const again = await json(['roles', 'permissions', 'add', editor.id, '--api', api.id, '--scopes', 'read:letters,delete:letters'])
    assert.deepEqual(again, [permission('delete:letters'), permission('read:letters'), permission('write:letters')])
    await Promise.all([
      fails(['roles', 'permissions', 'add', 'editor', '--api', 'https://nowhere.example.com/', '--scopes', 'read'], /resource server not found: "https:\/\/nowhere\.example\.com\/"/),
      fails(['roles', 'permissions', 'add', 'editor', '--api', LETTERS, '--scopes', 'read:letters,fly:letters'], /permission "fly:letters" is not a scope of https:\/\/letters\.example\.com\//),
      fails(['roles', 'permissions', 'add', 'ghost', '--api', LETTERS, '--scopes', 'read:letters'], /no role with id or name "ghost"/),
      fails(['roles', 'permissions', 'add', 'editor', '--api', LETTERS], /required option '-s, --scopes <scopes>' not specified/, 2),
      json(['roles', 'permissions', 'add', 'viewer', '--api', LETTERS, '--scopes', 'read:letters']),
    ])
    const listed = await json(['roles', 'permissions', 'list', 'editor'])
    assert.equal(listed.length, 3)
  })

  it('takes permissions from a role, refusing one it does not give', async () => {
    const left = await json(['roles', 'permissions', 'remove', 'editor', '--api', LETTERS, '--scopes', 'delete:letters'])
    assert.deepEqual(left, [permission('read:letters'), permission('write:letters')])
    await fails(['roles', 'permissions', 'remove', 'editor', '--api', LETTERS, '--scopes', 'delete:letters'], /role "editor" does not give delete:letters \(https:\/\/letters\.example\.com\/\)/)
  })

  it('assigns roles to users (by name or id) and lists them; unknown roles and users are refused', async () => {
    alice = await json(['users', 'create', '--email', 'alice@example.com', '--password', 'long enough password'])
    const viewer = (await json(['roles', 'show', 'viewer'])).id
    const roles = await json(['users', 'roles', 'assign', 'alice@example.com', 'editor', viewer])
    assert.deepEqual(roles.map((r: { name: string }) => r.name).sort(), ['editor', 'viewer'])
    const [listed, table] = await Promise.all([json(['users', 'roles', 'list', alice.user_id]), cli(['users', 'roles', 'list', 'alice@example.com'])])
    assert.deepEqual(listed.map((r: { id: string }) => r.id).sort(), [editor.id, viewer].sort())
    assert.match(table.stdout, new RegExp(`${editor.id}\\s+editor\\s+Writes letters`))
    await Promise.all([
      fails(['users', 'roles', 'assign', 'alice@example.com', 'owner'], /no role named "owner": create it first with latchkey roles create owner/),
      fails(['users', 'roles', 'assign', 'nobody@example.com', 'editor'], /no user with id or email "nobody@example.com"/),
      fails(['users', 'roles', 'assign', 'alice@example.com'], /missing required argument 'roles'/, 2),
    ])
  })

  it('shows a role by name or id, with its permissions and user count, and lists roles', async () => {
    const [byName, byId, human, list, table] = await Promise.all([
      json(['roles', 'show', 'editor']),
      json(['roles', 'show', editor.id]),
      cli(['roles', 'show', 'editor']),
      json(['roles', 'list']),
      cli(['roles', 'list']),
    ])
    assert.deepEqual(byName, { ...editor, permissions: [permission('read:letters'), permission('write:letters')], user_count: 1 })
    assert.deepEqual(byId, byName)
    assert.match(human.stdout, /permissions\s+read:letters \(https:\/\/letters\.example\.com\/\), write:letters/)
    assert.match(human.stdout, /users\s+1\n/)
    // Created at once: oldest first, so in either order.
    assert.deepEqual(list.map((r: { name: string }) => r.name).sort(), ['editor', 'viewer'])
    assert.match(table.stdout, /^ID\s+NAME\s+PERMISSIONS\s+USERS\s+DESCRIPTION\n/)
    assert.match(table.stdout, /\seditor\s+2\s+1\s+Writes letters\n/)
    await fails(['roles', 'show', 'rol_0000000000000000'], /no role with id or name "rol_0000000000000000"/)
  })

  it('gives users permissions directly and lists every permission with its sources', async () => {
    const all = await json(['users', 'permissions', 'add', 'alice@example.com', '--api', LETTERS, '--scopes', 'read:letters,delete:letters'])
    assert.deepEqual(all.map((p: { permission_name: string }) => p.permission_name), ['delete:letters', 'read:letters', 'write:letters'])
    assert.deepEqual(all[0], { ...permission('delete:letters'), sources: [{ source_id: '', source_name: '', source_type: 'DIRECT' }] })
    assert.deepEqual(all[2], { ...permission('write:letters'), sources: [{ source_id: editor.id, source_name: 'editor', source_type: 'ROLE' }] })
    const sources = all[1].sources.map((s: { source_type: string; source_name: string }) => `${s.source_type} ${s.source_name}`).sort()
    assert.deepEqual(sources, ['DIRECT ', 'ROLE editor', 'ROLE viewer'])
    assert.match((await cli(['users', 'permissions', 'list', 'alice@example.com'])).stdout, /delete:letters\s+direct\n/)
    await Promise.all([
      fails(['users', 'permissions', 'add', 'alice@example.com', '--api', 'urn:plain', '--scopes', 'write'], /permission "write" is not a scope of urn:plain/),
      fails(['users', 'permissions', 'add', 'alice@example.com', '--api', 'urn:nothing', '--scopes', 'read'], /resource server not found: "urn:nothing"/),
    ])
    const left = await json(['users', 'permissions', 'remove', 'alice@example.com', '--api', LETTERS, '--scopes', 'delete:letters'])
    assert.deepEqual(left.map((p: { permission_name: string }) => p.permission_name), ['read:letters', 'write:letters'])
    await fails(['users', 'permissions', 'remove', 'alice@example.com', '--api', LETTERS, '--scopes', 'write:letters'], /alice@example.com was not given write:letters \(https:\/\/letters\.example\.com\/\) directly/)
  })

  it('takes roles from users, refusing one they do not have', async () => {
    const left = await json(['users', 'roles', 'remove', 'alice@example.com', 'viewer'])
    assert.deepEqual(left, [editor])
    await fails(['users', 'roles', 'remove', 'alice@example.com', 'viewer'], /alice@example.com does not have the role viewer/)
  })

  it('renames a role and changes its description; refuses nothing to change and a taken name', async () => {
    const updated = await json(['roles', 'update', 'editor', '--name', 'writer', '--description', 'Writes and reads letters'])
    assert.deepEqual(updated, { id: editor.id, name: 'writer', description: 'Writes and reads letters' })
    await Promise.all([
      fails(['roles', 'update', 'writer'], /nothing to update/, 2),
      fails(['roles', 'update', 'writer', '--name', 'viewer'], /a role named "viewer" already exists/),
      fails(['roles', 'update', 'editor', '--name', 'x'], /no role with id or name "editor"/),
    ])
  })

  it('deletes a role with --force: its users lose it; and every change was audited as the CLI', async () => {
    assert.deepEqual(await json(['roles', 'delete', 'writer', '--force']), { id: editor.id, deleted: true })
    await fails(['roles', 'delete', 'writer', '--force'], /no role with id or name "writer"/)
    assert.deepEqual(await json(['users', 'roles', 'list', 'alice@example.com']), [])
    const store = await openAndMigrate(DB)
    try {
      const events = await store.logs.list({ type: 'sapi', perPage: 100 })
      const actions = new Set(events.map((e) => e.details.action))
      for (const action of [
        'role.created',
        'role.updated',
        'role.deleted',
        'role.permissions_added',
        'role.permissions_removed',
        'user.roles_assigned',
        'user.roles_removed',
        'user.permissions_added',
        'user.permissions_removed',
      ])
        assert.ok(actions.has(action), action)
      assert.ok(events.every((e) => e.details.actor === 'cli'))
      const assigned = events.find((e) => e.details.action === 'user.roles_assigned')
      assert.equal(assigned?.userId, alice.user_id)
    } finally {
      await store.close()
    }
  })

  it('shows the built-in administrator roles but refuses to rename, delete or change their permissions, or to take their names', async () => {
    await json(['users', 'create', '--email', 'root@example.com', '--password', 'long enough password'])
    // The issuer names the Management API, whose scopes the built-in roles give.
    const added = await runLatchkey(['admins', 'add', 'root@example.com', '--db', DB], { cwd: ROOT, env: { ...envWithoutDb(), LATCHKEY_ISSUER: 'https://auth.example.com/' } })
    assert.equal(added.code, 0, added.stderr)
    const shown = await json(['roles', 'show', 'Latchkey Admin'])
    assert.ok(shown.permissions.some((p: any) => p.permission_name === 'update:roles'))
    const kept = /The role "Latchkey Admin" is built in: .*Manage administrators with `latchkey admins`/
    await fails(['roles', 'update', 'Latchkey Admin', '--name', 'Boss'], kept)
    await fails(['roles', 'update', shown.id, '--description', 'Changed'], kept)
    await fails(['roles', 'delete', 'Latchkey Admin', '--force'], kept)
    await fails(['roles', 'permissions', 'add', 'Latchkey Admin', '--api', LETTERS, '--scopes', 'read:letters'], kept)
    await fails(['roles', 'permissions', 'remove', 'Latchkey Admin', '--api', shown.permissions[0].resource_server_identifier, '--scopes', 'update:roles'], kept)
    assert.deepEqual(await json(['roles', 'show', shown.id]), shown)
    await fails(['roles', 'create', 'latchkey read-only'], /The name "Latchkey Read-only" is reserved for Latchkey's built-in administrator role/)
    await json(['roles', 'create', 'plain'])
    await fails(['roles', 'update', 'plain', '--name', 'Latchkey Admin'], /"Latchkey Admin" is reserved/)
  })

  it('answers as the real binary does: a list, and an unknown role refused', async () => {
    assert.equal((await assertSameAsProcess(['roles', 'list', '--json', '--db', DB], { cwd: ROOT })).code, 0)
    assert.equal((await assertSameAsProcess(['roles', 'show', 'ghost', '--db', DB], { cwd: ROOT })).code, 1)
  })
})
