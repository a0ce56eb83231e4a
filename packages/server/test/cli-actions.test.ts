/**
 * `latchkey actions`, run in this process (support/cli.ts; a list and a refusal also as the real
 * binary) against a temporary SQLite file (its key file beside it seals the secrets): deploy
 * creates, deploys and binds an action from a file, and deploying it again updates it to version 2
 * while it stays bound once; list, show, order, test (the sample event, or --event; exit 1 when the
 * action throws) and delete (unbinding first); secret values are never shown nor audited.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openAndMigrate } from '@latchkey/storage'
import { assertSameAsProcess, type CliResult, envWithoutDb, runLatchkey } from './support/cli.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-actions-'))
const DB = `sqlite:${join(dir, 'actions.db')}`

/** Auth0's documented example (Add user roles to tokens), verbatim. */
const ROLES_ACTION = `exports.onExecutePostLogin = async (event, api) => {
  const namespace = 'https://my-app.example.com';
  if (event.authorization) {
    api.idToken.setCustomClaim(\`\${namespace}/roles\`, event.authorization.roles);
    api.accessToken.setCustomClaim(\`\${namespace}/roles\`, event.authorization.roles);
  }
}`

const GREETING_ACTION = `exports.onExecutePostLogin = async (event, api) => {
  console.log('hello', event.user.email, 'from', event.client.name, 'key', event.secrets.API_KEY.length);
}`

const THROWING_ACTION = `exports.onExecutePostLogin = async (event, api) => {
  console.log('about to fail for', event.user.user_id);
  throw new Error('upstream is down');
}`

const file = (name: string, text: string): string => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const { LATCHKEY_SECRET: _a, LATCHKEY_SECRET_PREVIOUS: _b, ...base } = envWithoutDb()
  return runLatchkey([...args, '--db', DB], { cwd: ROOT, env: { ...base, ...env } })
}

async function json<T = any>(args: string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  const res = await cli([...args, '--json'], env)
  assert.equal(res.code, 0, `latchkey ${args.join(' ')} failed: ${res.stderr}`)
  return JSON.parse(res.stdout) as T
}

async function fails(args: string[], message: RegExp, code = 1): Promise<CliResult> {
  const res = await cli(args)
  assert.equal(res.code, code, `latchkey ${args.join(' ')}: expected exit ${code}, got ${res.code}: ${res.stdout}${res.stderr}`)
  assert.match(res.stderr, message)
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
  return res
}

async function boundNames(trigger = 'post-login'): Promise<string[]> {
  const store = await openAndMigrate(DB)
  try {
    return (await store.actions.bound(trigger)).map((b) => b.name)
  } finally {
    await store.close()
  }
}

after(() => rmSync(dir, { recursive: true, force: true }))

describe('latchkey actions', { concurrency: 1 }, () => {
  it('deploy creates, deploys and binds an action; deploying again updates it (version 2) and it stays bound once', async () => {
    const first = await json(['actions', 'deploy', file('roles.js', ROLES_ACTION), '--name', 'add-roles', '--trigger', 'post-login', '--secret', 'API_KEY=sk_live_cli_secret'])
    assert.equal(first.name, 'add-roles')
    assert.equal(first.deployed_version.number, 1)
    assert.equal(first.code, ROLES_ACTION)
    assert.deepEqual([first.bound, first.position], [true, 1])
    assert.deepEqual(
      first.secrets.map((s: any) => s.name),
      ['API_KEY'],
    )
    assert.doesNotMatch(JSON.stringify(first), /sk_live_cli_secret/)

    const changed = `${ROLES_ACTION}\n// v2\n`
    const again = await cli(['actions', 'deploy', file('roles.js', changed), '--name', 'add-roles'])
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stdout, /Deployed action "add-roles", version 2: it runs 1st at post-login/)
    assert.deepEqual(await boundNames(), ['add-roles'], 'bound once')

    const shown = await json(['actions', 'show', 'add-roles'])
    assert.equal(shown.deployed_version.number, 2)
    assert.equal(shown.code, changed)
    assert.equal(shown.all_changes_deployed, true)
    assert.deepEqual(
      shown.secrets.map((s: any) => s.name),
      ['API_KEY'],
      'secrets not given keep their values',
    )
    const human = await cli(['actions', 'show', shown.id])
    assert.equal(human.code, 0, human.stderr)
    assert.match(human.stdout, /bound\s+yes, 1st at post-login/)
    assert.match(human.stdout, /secrets\s+API_KEY/)
    assert.match(human.stdout, /api\.idToken\.setCustomClaim/)
  })

  it('deploy takes a secret from the environment, appends a new action to the end, and refuses a changed trigger or a missing one', async () => {
    const greet = await json(['actions', 'deploy', file('greet.js', GREETING_ACTION), '--name', 'greet', '--trigger', 'post-login', '--secret', 'API_KEY'], { API_KEY: 'from-env-1234' })
    assert.equal(greet.position, 2)
    assert.deepEqual(await boundNames(), ['add-roles', 'greet'])
    await fails(['actions', 'deploy', file('greet.js', GREETING_ACTION), '--name', 'greet', '--trigger', 'credentials-exchange'], /runs at post-login; an action's trigger cannot change/)
    await fails(['actions', 'deploy', file('new.js', GREETING_ACTION), '--name', 'brand-new'], /give its trigger with --trigger/, 2)
    await fails(['actions', 'deploy', file('new.js', GREETING_ACTION), '--name', 'brand-new', '--trigger', 'nope'], /expected one of post-login/, 2)
    await fails(['actions', 'deploy', join(dir, 'missing.js'), '--name', 'brand-new', '--trigger', 'post-login'], /cannot read .*missing\.js: ENOENT/)
    await fails(['actions', 'deploy', file('new.js', GREETING_ACTION), '--name', 'brand-new', '--trigger', 'post-login', '--secret', 'BAD-NAME=x'], /not a secret name/)
    await fails(['actions', 'deploy', file('broken.js', 'exports.onExecutePostLogin = async () => {\n  }}\n'), '--name', 'greet'], /broken\.js does not compile: SyntaxError: Unexpected token '\}' \(line 2\); nothing was changed/)
  })

  it('list shows every action with its version and place; --trigger filters', async () => {
    const listed = await json(['actions', 'list'])
    assert.deepEqual(
      listed.map((a: any) => [a.name, a.deployed_version?.number, a.position]),
      [
        ['add-roles', 2, 1],
        ['greet', 1, 2],
      ],
    )
    assert.deepEqual(await json(['actions', 'list', '--trigger', 'credentials-exchange']), [])
    const human = await cli(['actions', 'ls'])
    assert.match(human.stdout, /NAME\s+TRIGGER\s+VERSION\s+BOUND/)
    assert.match(human.stdout, /greet\s+post-login\s+1\s+#2/)
  })

  it('order sets the order of every bound action, and refuses leaving one out or naming an undeployable one', async () => {
    const ordered = await json(['actions', 'order', 'post-login', 'greet', 'add-roles'])
    assert.deepEqual(
      ordered.bindings.map((b: any) => [b.position, b.action_name]),
      [
        [1, 'greet'],
        [2, 'add-roles'],
      ],
    )
    assert.deepEqual(await boundNames(), ['greet', 'add-roles'])
    await fails(['actions', 'order', 'post-login', 'greet'], /missing "add-roles"/, 2)
    await fails(['actions', 'order', 'post-login', 'greet', 'add-roles', 'nope'], /no action with name or id "nope"/)
    await fails(['actions', 'order', 'send-phone-message', 'greet'], /unknown trigger/, 2)
    assert.deepEqual(await boundNames(), ['greet', 'add-roles'], 'unchanged after refusals')
  })

  it('test runs the draft against the sample post-login event, printing its commands and logs', async () => {
    const ran = await json(['actions', 'test', 'greet'])
    assert.equal(ran.ok, true)
    assert.deepEqual(ran.logs, ['hello j+smith@example.com from My Web App key 13'])
    const event = file('event.json', JSON.stringify({ user: { user_id: 'auth0|1' }, authorization: { roles: ['admin', 'editor'] } }))
    const roles = await cli(['actions', 'test', 'add-roles', '--event', event])
    assert.equal(roles.code, 0, roles.stderr)
    assert.match(roles.stdout, /commands \(2\):/)
    assert.match(roles.stdout, /idToken\.setCustomClaim \{"name":"https:\/\/my-app\.example\.com\/roles","value":\["admin","editor"\]\}/)
    assert.match(roles.stdout, /accessToken\.setCustomClaim/)
  })

  it('test exits 1 when the action throws, with its logs and the error', async () => {
    await json(['actions', 'deploy', file('throws.js', THROWING_ACTION), '--name', 'throws', '--trigger', 'post-login'])
    const res = await cli(['actions', 'test', 'throws'])
    assert.equal(res.code, 1, res.stdout + res.stderr)
    assert.match(res.stdout, /failed \(threw\)/)
    assert.match(res.stdout, /about to fail for auth0\|5f7c8ec7c33c6c004bbafe82/)
    assert.match(res.stdout, /error: Error: upstream is down/)
  })

  it('delete unbinds the action first, then deletes it', async () => {
    const res = await json(['actions', 'delete', 'greet'])
    assert.deepEqual(res, { id: res.id, deleted: true, unbound: true })
    assert.deepEqual(await boundNames(), ['add-roles', 'throws'])
    await fails(['actions', 'show', 'greet'], /no action with name or id "greet"/)
    await fails(['actions', 'delete', 'greet'], /no action with name or id "greet"/)
  })

  it('audits every change as the CLI, with secret names and never their values', async () => {
    const store = await openAndMigrate(DB)
    try {
      const rows = await store.logs.list({ type: 'sapi', perPage: 100 })
      const actions = rows.map((r) => (r.details as Record<string, unknown>).action)
      for (const action of ['action.created', 'action.updated', 'action.deployed', 'action.bindings_updated', 'action.deleted']) assert.ok(actions.includes(action), action)
      const text = JSON.stringify(rows)
      assert.match(text, /API_KEY/)
      assert.doesNotMatch(text, /sk_live_cli_secret|from-env-1234/)
    } finally {
      await store.close()
    }
  })

  it('answers as the real binary does: a list, and an unknown action refused', async () => {
    const { LATCHKEY_SECRET: _a, LATCHKEY_SECRET_PREVIOUS: _b, ...env } = envWithoutDb()
    assert.equal((await assertSameAsProcess(['actions', 'list', '--json', '--db', DB], { cwd: ROOT, env })).code, 0)
    assert.equal((await assertSameAsProcess(['actions', 'show', 'no-such-action', '--db', DB], { cwd: ROOT, env })).code, 1)
  })
})
