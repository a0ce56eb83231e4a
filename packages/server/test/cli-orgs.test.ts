/**
 * `latchkey orgs` and the organization flags of `latchkey apps`, run in this process
 * (support/cli.ts; a list and a refusal also as the real binary) against a temporary SQLite file:
 * create, list, show, update and delete organizations; add, list and remove members with roles (by
 * name or id, each an existing role; listings show their names); invite (the link printed once) and
 * list or revoke invitations; every change audited.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openAndMigrate } from '@latchkey/storage'
import { assertSameAsProcess, runLatchkey } from './support/cli.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-orgs-'))
const DB = `sqlite:${join(dir, 'orgs.db')}`
const db = ['--db', DB]

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

function cli(args: string[]): Promise<Result> {
  return runLatchkey([...args, ...db], { cwd: ROOT })
}

async function json<T = any>(args: string[]): Promise<T> {
  const res = await cli([...args, '--json'])
  assert.equal(res.code, 0, `latchkey ${args.join(' ')} failed: ${res.stderr}`)
  return JSON.parse(res.stdout) as T
}

async function fails(args: string[], message: RegExp, code = 1): Promise<void> {
  const res = await cli(args)
  assert.equal(res.code, code, `expected exit ${code}, got ${res.code}: ${res.stdout}${res.stderr}`)
  assert.match(res.stderr, message)
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
}

after(() => rmSync(dir, { recursive: true, force: true }))

describe('latchkey orgs', { concurrency: 1 }, () => {
  let app: any
  let org: any
  const roles: Record<string, string> = {}

  it('apps take --organization-usage, --organization-require-behavior and --initiate-login-uri, checked', async () => {
    app = await json(['apps', 'create', '--name', 'Team', '--type', 'spa', '--callbacks', 'https://team.example.com/callback', '--organization-usage', 'allow'])
    assert.equal(app.organization_usage, 'allow')
    assert.equal(app.organization_require_behavior, 'no_prompt')
    assert.equal(app.initiate_login_uri, null)
    const updated = await json(['apps', 'update', app.client_id, '--organization-usage', 'require', '--organization-require-behavior', 'pre_login_prompt', '--initiate-login-uri', 'https://team.example.com/login'])
    assert.deepEqual([updated.organization_usage, updated.organization_require_behavior, updated.initiate_login_uri], ['require', 'pre_login_prompt', 'https://team.example.com/login'])
    await fails(['apps', 'update', app.client_id, '--organization-usage', 'sometimes'], /--organization-usage: expected one of deny, allow, require/)
    await fails(['apps', 'update', app.client_id, '--initiate-login-uri', 'http://team.example.com/login'], /--initiate-login-uri: .* must use https/)
    assert.match((await cli(['apps', 'show', app.client_id])).stdout, /organizations\s+require \(pre_login_prompt\)/)
  })

  it('creates an organization (name, display name, branding, metadata) and refuses bad or taken names', async () => {
    org = await json(['orgs', 'create', '--name', 'acme', '--display-name', 'Acme Inc', '--primary-color', '#112233', '--metadata', 'tier=gold,region=eu'])
    assert.match(org.id, /^org_[A-Za-z0-9]{16}$/)
    assert.deepEqual({ ...org, id: 'x' }, { id: 'x', name: 'acme', display_name: 'Acme Inc', branding: { colors: { primary: '#112233' } }, metadata: { tier: 'gold', region: 'eu' } })
    await fails(['orgs', 'create', '--name', 'acme'], /already exists/)
    await fails(['orgs', 'create', '--name', 'Acme Inc'], /name must be 3–50 lower-case letters/)
    await fails(['orgs', 'create', '--name', 'acme2', '--metadata', 'novalue'], /expected key=value/, 2)
  })

  it('lists, shows by name or id, and updates (key= removes a metadata key)', async () => {
    const all = await json(['orgs', 'list'])
    assert.deepEqual(all.map((o: { id: string }) => o.id), [org.id])
    assert.equal((await json(['orgs', 'show', 'acme'])).id, org.id)
    assert.match((await cli(['orgs', 'show', org.id])).stdout, /members\s+0/)
    const updated = await json(['orgs', 'update', 'acme', '--display-name', 'Acme Corporation', '--metadata', 'region=', '--logo-url', 'https://img.example/acme.png'])
    assert.deepEqual(updated.metadata, { tier: 'gold' })
    assert.equal(updated.display_name, 'Acme Corporation')
    assert.deepEqual(updated.branding, { logo_url: 'https://img.example/acme.png', colors: { primary: '#112233' } })
    await fails(['orgs', 'update', 'acme'], /nothing to update/, 2)
    await fails(['orgs', 'show', 'nobody-here'], /no organization with id or name "nobody-here"/)
  })

  it('adds members with roles (users by email or id, roles by name or id), lists and removes them', async () => {
    const [alice] = await Promise.all([
      json(['users', 'create', '--email', 'alice@example.com', '--password', 'long enough password']),
      ...['admin', 'billing', 'support', 'viewer'].map(async (name) => (roles[name] = (await json(['roles', 'create', name])).id)),
    ])
    const added = await json(['orgs', 'members', 'add', 'acme', '--user', 'alice@example.com', '--roles', `admin,${roles.billing}`])
    assert.deepEqual(added, [{ user_id: alice.user_id, email: 'alice@example.com', name: 'alice@example.com', roles: [{ id: roles.admin, name: 'admin' }, { id: roles.billing, name: 'billing' }] }])
    const again = await cli(['orgs', 'members', 'add', 'acme', '--user', alice.user_id, '--roles', 'support'])
    assert.match(again.stdout, /Already a member: alice@example.com .* with roles admin, billing, support/)
    const [members, table] = await Promise.all([json(['orgs', 'members', 'list', 'acme']), cli(['orgs', 'members', 'list', 'acme'])])
    assert.deepEqual(members.map((m: { user_id: string }) => m.user_id), [alice.user_id])
    assert.deepEqual(members[0].roles.map((r: { name: string }) => r.name), ['admin', 'billing', 'support'])
    assert.match(table.stdout, /alice@example\.com\s+admin, billing, support/)
    await Promise.all([
      fails(['orgs', 'members', 'add', 'acme', '--user', 'nobody@example.com'], /no user with id or email "nobody@example.com"/),
      fails(['orgs', 'members', 'add', 'acme', '--user', 'alice@example.com', '--roles', 'admin,owner'], /no role named "owner": create it first with latchkey roles create owner/),
      fails(['orgs', 'members', 'add', 'acme', '--user', 'alice@example.com', '--roles', 'rol_doesNotExist'], /no role with id "rol_doesNotExist"/),
    ])
    assert.equal((await json(['orgs', 'members', 'remove', 'acme', '--user', 'alice@example.com']))[0].removed, true)
    await fails(['orgs', 'members', 'remove', 'acme', '--user', 'alice@example.com'], /alice@example.com is not a member of acme/)
  })

  it('invites: prints the link once (the app\'s login URI with invitation, organization and organization_name), with --ttl and --roles', async () => {
    const before = Date.now()
    const invitation = await json(['orgs', 'invite', 'acme', '--email', 'Bob@Example.com', '--client', app.client_id, '--roles', 'viewer', '--ttl', '2d', '--inviter', 'Ada'])
    const link = new URL(invitation.invitation_url)
    assert.equal(`${link.origin}${link.pathname}`, 'https://team.example.com/login')
    assert.equal(link.searchParams.get('invitation'), invitation.ticket_id)
    assert.equal(link.searchParams.get('organization'), org.id)
    assert.equal(link.searchParams.get('organization_name'), 'acme')
    assert.deepEqual([invitation.invitee, invitation.inviter, invitation.roles], [{ email: 'bob@example.com' }, { name: 'Ada' }, [roles.viewer]])
    const ttl = Date.parse(invitation.expires_at) - before
    assert.ok(ttl > 2 * 86_400_000 - 60_000 && ttl <= 2 * 86_400_000 + 60_000, String(ttl))

    const human = await cli(['orgs', 'invite', 'acme', '--email', 'carol@example.com', '--client', app.client_id])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /Invited carol@example.com to Acme Corporation .*\n\n {2}https:\/\/team\.example\.com\/login\?invitation=/)
    assert.match(human.stdout, /it is shown only now/)

    const list = await json(['orgs', 'invitations', 'list', 'acme'])
    assert.deepEqual(list.map((i: { invitee: { email: string }; status: string }) => [i.invitee.email, i.status]), [['bob@example.com', 'pending'], ['carol@example.com', 'pending']])
    assert.equal(list[0].invitation_url, undefined, 'the link is not kept')
    assert.match((await cli(['orgs', 'invitations', 'list', 'acme'])).stdout, /bob@example\.com\s+pending\s+\S+\s+viewer\s/)
    await fails(['orgs', 'invite', 'acme', '--email', 'dan@example.com', '--client', app.client_id, '--roles', 'auditor'], /no role named "auditor": create it first/)
    assert.equal((await json(['orgs', 'invitations', 'revoke', 'acme', invitation.id])).deleted, true)
    assert.equal((await json(['orgs', 'invitations', 'list', 'acme'])).length, 1)
    await fails(['orgs', 'invitations', 'revoke', 'acme', invitation.id], /no invitation of acme with id/)
  })

  it('refuses invitations through an app without organizations, and bad --ttl values', async () => {
    const plain = await json(['apps', 'create', '--name', 'Personal', '--type', 'spa', '--callbacks', 'https://me.example.com/callback'])
    await fails(['orgs', 'invite', 'acme', '--email', 'x@example.com', '--client', plain.client_id], /does not use organizations: set its organization_usage to allow or require/)
    await fails(['orgs', 'invite', 'acme', '--email', 'x@example.com', '--client', app.client_id, '--ttl', '31d'], /--ttl: ttl must be at most 2592000 seconds/)
    await fails(['orgs', 'invite', 'acme', '--email', 'x@example.com', '--client', app.client_id, '--ttl', 'soon'], /expected a duration/, 2)
  })

  it('deletes an organization with --force, and every change was audited as the CLI', async () => {
    assert.equal((await json(['orgs', 'delete', 'acme', '--force'])).deleted, true)
    await fails(['orgs', 'show', 'acme'], /no organization/)
    const store = await openAndMigrate(DB)
    try {
      const events = await store.logs.list({ type: 'sapi', perPage: 100 })
      const actions = new Set(events.map((e) => e.details.action))
      for (const action of ['organization.created', 'organization.updated', 'organization.member_added', 'organization.member_removed', 'invitation.created', 'invitation.revoked', 'organization.deleted'])
        assert.ok(actions.has(action), action)
      assert.ok(events.every((e) => e.details.actor === 'cli'))
      assert.ok(!JSON.stringify(events).includes('invitation='), 'no ticket in the audit log')
    } finally {
      await store.close()
    }
  })

  it('answers as the real binary does: a list, and an unknown organization refused', async () => {
    assert.equal((await assertSameAsProcess(['orgs', 'list', '--json', ...db], { cwd: ROOT })).code, 0)
    assert.equal((await assertSameAsProcess(['orgs', 'show', 'nobody-here', ...db], { cwd: ROOT })).code, 1)
  })
})
