/**
 * `latchkey connections` against a temporary SQLite file (in this process; the first secret from
 * stdin and a list and a refusal also as the real binary): create upstream connections (the client
 * secret from stdin, or from argv with a warning), list, show by name or id, update (options join
 * the stored ones; the secret kept, replaced or removed), enable and disable for applications,
 * delete (--force when not on a terminal; never the database connection). The client secret is
 * sealed with the key-encryption key of the database's key file, never printed and never stored in
 * plaintext; every change is audited.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { compactDecrypt } from 'jose'
import { kekFromSecret } from '../src/keys/secret.js'
import { assertSameAsProcess, type CliResult, envWithoutDb, runLatchkey, runLatchkeyProcess } from './support/cli.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-connections-'))
const DB_FILE = join(dir, 'latchkey.db')
const db = ['--db', `sqlite:${DB_FILE}`]
const SECRET = 'upstream-secret-from-stdin-9b1d'
const ARGV_SECRET = 'upstream-secret-on-argv-4c2e'
const NEW_SECRET = 'upstream-secret-rotated-7a3f'
const DATABASE = 'Username-Password-Authentication'

/** The environment without LATCHKEY_SECRET: the key file beside the database is used. */
function env(): NodeJS.ProcessEnv {
  const { LATCHKEY_SECRET: _a, LATCHKEY_SECRET_PREVIOUS: _b, ...rest } = envWithoutDb()
  return rest
}

/** Runs `latchkey …` with stdin holding `input` (closed and empty without it), in this process unless `runner` is the real binary. */
function cli(args: string[], input?: string, runner = runLatchkey): Promise<CliResult> {
  return runner([...args, ...db], { env: env(), cwd: ROOT, ...(input === undefined ? {} : { input }) })
}

async function json<T = any>(args: string[], input?: string, runner = runLatchkey): Promise<T> {
  const res = await cli([...args, '--json'], input, runner)
  assert.equal(res.code, 0, `latchkey ${args.join(' ')} failed: ${res.stderr}`)
  for (const secret of [SECRET, ARGV_SECRET, NEW_SECRET]) assert.ok(!res.stdout.includes(secret), 'a client secret was printed')
  return JSON.parse(res.stdout) as T
}

async function fails(args: string[], message: RegExp, code = 1, input?: string): Promise<void> {
  const res = await cli(args, input)
  assert.equal(res.code, code, `expected exit ${code}, got ${res.code}: ${res.stdout}${res.stderr}`)
  assert.match(res.stderr, message)
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
}

function sealedSecret(name: string): string | null {
  const sqlite = new Database(DB_FILE, { readonly: true })
  try {
    return (sqlite.prepare('SELECT sealed_client_secret FROM connections WHERE name = ?').get(name) as { sealed_client_secret: string | null }).sealed_client_secret
  } finally {
    sqlite.close()
  }
}

async function unseal(sealed: string): Promise<string> {
  const kek = kekFromSecret(readFileSync(join(dir, 'latchkey.secret'), 'utf8').trim())
  return new TextDecoder().decode((await compactDecrypt(sealed, kek.key)).plaintext)
}

after(() => rmSync(dir, { recursive: true, force: true }))

describe('latchkey connections', { concurrency: 1 }, () => {
  let app: any
  let other: any
  let acme: any

  it('lists the database connection, enabled for the applications', async () => {
    app = await json(['apps', 'create', '--name', 'Storefront', '--type', 'spa', '--callbacks', 'https://shop.example.com/callback'])
    other = await json(['apps', 'create', '--name', 'Office', '--type', 'regular', '--callbacks', 'https://office.example.com/callback'])
    const all = await json(['connections', 'list'])
    assert.deepEqual(all.map((c: { name: string }) => c.name), [DATABASE])
    assert.deepEqual(all[0].enabled_clients.sort(), [app.client_id, other.client_id].sort())
    assert.match((await cli(['connections', 'list'])).stdout, /Username-Password-Authentication\s+auth0/)
  })

  it('creates an oidc connection with the secret from stdin: sealed with the key file\'s key, never printed', async () => {
    acme = await json(
      [
        'connections', 'create', '--name', 'acme-sso', '--strategy', 'oidc', '--issuer', 'https://acme.okta.example/', '--client-id', 'latchkey-at-acme',
        '--client-secret-stdin', '--scopes', 'openid,profile email', '--display-name', 'Acme SSO', '--enable-for', app.client_id, '--domain-aliases', 'acme.example,acme.test',
      ],
      `${SECRET}\n`,
      runLatchkeyProcess,
    )
    assert.match(acme.id, /^con_[A-Za-z0-9]{16}$/)
    assert.deepEqual({ ...acme, id: 'x' }, {
      id: 'x',
      name: 'acme-sso',
      display_name: 'Acme SSO',
      strategy: 'oidc',
      options: { issuer: 'https://acme.okta.example/', client_id: 'latchkey-at-acme', scope: 'openid profile email', domain_aliases: ['acme.example', 'acme.test'] },
      enabled_clients: [app.client_id],
      is_domain_connection: false,
      metadata: {},
      realms: ['acme-sso'],
    })
    const sealed = sealedSecret('acme-sso') as string
    assert.ok(!sealed.includes(SECRET))
    assert.equal(await unseal(sealed), SECRET)
    const shown = await cli(['connections', 'show', 'acme-sso'])
    assert.equal(shown.code, 0, shown.stderr)
    assert.match(shown.stdout, /client secret\s+set \(sealed; never shown\)/)
    assert.match(shown.stdout, /options\.issuer\s+https:\/\/acme\.okta\.example\//)
    assert.ok(!shown.stdout.includes(SECRET))
    assert.equal((await json(['connections', 'show', acme.id])).name, 'acme-sso')
  })

  it('takes a secret on argv too, with a warning that others can see it; --help says to prefer stdin', async () => {
    const res = await cli(['connections', 'create', '--name', 'github', '--strategy', 'github', '--client-id', 'Iv1.abc', '--client-secret', ARGV_SECRET, '--json'])
    assert.equal(res.code, 0, res.stderr)
    assert.match(res.stderr, /warning: .*visible to other users.*prefer --client-secret-stdin/)
    assert.ok(!res.stdout.includes(ARGV_SECRET))
    assert.equal(await unseal(sealedSecret('github') as string), ARGV_SECRET)
    const help = await cli(['connections', 'create', '--help'])
    assert.match(help.stdout, /--client-secret-stdin/)
    assert.match(help.stdout, /prefer\s+--client-secret-stdin/)
  })

  it('refuses what the Management API refuses, naming the flag', async () => {
    await fails(['connections', 'create', '--name', 'acme-sso', '--strategy', 'github', '--client-id', 'x', '--client-secret-stdin'], /already exists/, 1, 's\n')
    await fails(['connections', 'create', '--name', 'bad name', '--strategy', 'github', '--client-id', 'x', '--client-secret-stdin'], /name must be/, 1, 's\n')
    await fails(['connections', 'create', '--name', 'saml', '--strategy', 'samlp', '--client-id', 'x'], /--strategy: expected one of oidc, google-oauth2, github, oauth2/)
    await fails(['connections', 'create', '--name', 'plain', '--strategy', 'oidc', '--issuer', 'http://idp.example.com/', '--client-id', 'x'], /--issuer: /)
    await fails(['connections', 'create', '--name', 'nosecret', '--strategy', 'github', '--client-id', 'x'], /--client-secret: is required for github connections/)
    await fails(['connections', 'create', '--name', 'noid', '--strategy', 'oidc', '--issuer', 'https://idp.example.com/'], /--client-id is required/, 2)
    await fails(['connections', 'create', '--name', 'both', '--strategy', 'oidc', '--issuer', 'https://a.example/', '--discovery-url', 'https://a.example/.well-known/openid-configuration', '--client-id', 'x'], /--issuer or --discovery-url, not both/, 2)
    await fails(['connections', 'create', '--name', 'empty', '--strategy', 'github', '--client-id', 'x', '--client-secret-stdin'], /nothing was read from stdin/, 2, '')
    await fails(['connections', 'create', '--name', 'noapp', '--strategy', 'github', '--client-id', 'x', '--client-secret-stdin', '--enable-for', 'nobody'], /--enable-for: no application with client_id "nobody"/, 1, 's\n')
    await fails(['connections', 'show', 'nothing-here'], /no connection with id or name "nothing-here"/)
  })

  it('creates an oauth2 connection from --options-file', async () => {
    const file = join(dir, 'oauth2.json')
    writeFileSync(file, JSON.stringify({ authorization_endpoint: 'https://oauth.example.com/authorize', token_endpoint: 'https://oauth.example.com/token', userinfo_endpoint: 'https://oauth.example.com/me' }))
    const created = await json(['connections', 'create', '--name', 'partner', '--strategy', 'oauth2', '--client-id', 'partner-client', '--options-file', file])
    assert.equal(created.options.userinfo_endpoint, 'https://oauth.example.com/me')
    assert.equal(sealedSecret('partner'), null)
  })

  it('updates: options join the stored ones, the secret is kept, replaced from stdin, or removed', async () => {
    const before = sealedSecret('acme-sso')
    const updated = await json(['connections', 'update', 'acme-sso', '--display-name', 'Acme', '--scopes', 'openid email'])
    assert.equal(updated.display_name, 'Acme')
    assert.deepEqual(updated.options, { issuer: 'https://acme.okta.example/', client_id: 'latchkey-at-acme', scope: 'openid email', domain_aliases: ['acme.example', 'acme.test'] })
    assert.equal(sealedSecret('acme-sso'), before)
    await json(['connections', 'update', acme.id, '--client-secret-stdin'], `${NEW_SECRET}\n`)
    assert.equal(await unseal(sealedSecret('acme-sso') as string), NEW_SECRET)
    await json(['connections', 'update', 'acme-sso', '--no-client-secret'])
    assert.equal(sealedSecret('acme-sso'), null)
    await fails(['connections', 'update', 'github', '--no-client-secret'], /--client-secret: is required for github connections/)
    await fails(['connections', 'update', 'acme-sso'], /nothing to update/, 2)
    await fails(['connections', 'update', DATABASE, '--client-id', 'x'], /takes no options/)
    assert.equal((await json(['connections', 'update', DATABASE, '--display-name', 'Email and password'])).display_name, 'Email and password')
  })

  it('enables and disables a connection for applications', async () => {
    const enabled = await json(['connections', 'enable', 'acme-sso', '--for', other.client_id])
    assert.deepEqual(enabled.enabled_clients.sort(), [app.client_id, other.client_id].sort())
    const disabled = await json(['connections', 'disable', 'acme-sso', '--for', app.client_id])
    assert.deepEqual(disabled.enabled_clients, [other.client_id])
    assert.deepEqual((await json(['connections', 'disable', DATABASE, '--for', app.client_id])).enabled_clients, [other.client_id])
    await fails(['connections', 'enable', 'acme-sso', '--for', 'nobody'], /--for: no application with client_id "nobody"/)
    await fails(['connections', 'enable', 'acme-sso'], /required option '--for/, 2)
  })

  it('deletes with --force only (not on a terminal), never the database connection', async () => {
    await fails(['connections', 'delete', 'partner'], /Pass --force to confirm/, 2)
    assert.ok(sealedSecret('github') !== undefined)
    const deleted = await json(['connections', 'delete', 'partner', '--force'])
    assert.equal(deleted.deleted, true)
    await fails(['connections', 'show', 'partner'], /no connection/)
    await fails(['connections', 'delete', DATABASE, '--force'], /cannot be deleted/)
  })

  it('audits every change as sapi with actor cli, and stores no secret in plaintext anywhere', async () => {
    const sqlite = new Database(DB_FILE, { readonly: true })
    try {
      const events = sqlite.prepare("SELECT details FROM audit_events WHERE type = 'sapi'").all() as { details: string }[]
      const actions = events.map((e) => JSON.parse(e.details).action as string)
      for (const action of ['connection.created', 'connection.updated', 'connection.clients_updated', 'connection.deleted']) assert.ok(actions.includes(action), action)
      assert.ok(events.every((e) => JSON.parse(e.details).actor === 'cli'))
      const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]
      for (const { name } of tables) {
        const text = JSON.stringify(sqlite.prepare(`SELECT * FROM "${name}"`).all())
        for (const secret of [SECRET, ARGV_SECRET, NEW_SECRET]) assert.ok(!text.includes(secret), `table ${name} holds a client secret in plaintext`)
      }
    } finally {
      sqlite.close()
    }
  })

  it('answers as the real binary does: a list, and an unknown connection refused', async () => {
    assert.equal((await assertSameAsProcess(['connections', 'list', '--json', ...db], { cwd: ROOT, env: env() })).code, 0)
    assert.equal((await assertSameAsProcess(['connections', 'show', 'no-such-connection', ...db], { cwd: ROOT, env: env() })).code, 1)
  })
})
