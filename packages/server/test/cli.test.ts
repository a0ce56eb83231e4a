/**
 * The `latchkey` command line against temporary SQLite files: apps, apis, users and keys, with
 * --json parsed, exit codes and messages checked. Commands run in this process (support/cli.ts);
 * the usage error, the delete without a terminal and the database from LATCHKEY_DB run the real
 * binary. Each area has its own database, so the areas run side by side; within an area the steps
 * run in order.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { ensureManagementApi } from '../src/management/system-api.js'
import { envWithoutDb, runLatchkey, runLatchkeyProcess } from './support/cli.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'))
const dbUrl = (name: string) => `sqlite:${join(dir, `${name}.db`)}`

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

type Runner = typeof runLatchkey

/** Runs `latchkey …` with stdin closed (not a TTY), LATCHKEY_DB unset unless given; in this process unless `runner` says otherwise. */
function cli(args: string[], env: Record<string, string> = {}, runner: Runner = runLatchkey): Promise<Result> {
  return runner(args, { cwd: ROOT, env: { ...envWithoutDb(), ...env } })
}

/** Expects success and parses stdout as JSON. */
async function json<T = Record<string, any>>(args: string[], env?: Record<string, string>, runner?: Runner): Promise<T> {
  const res = await cli([...args, '--json'], env, runner)
  assert.equal(res.code, 0, `latchkey ${args.join(' ')} failed: ${res.stderr}`)
  return JSON.parse(res.stdout) as T
}

/** Expects exit code `code` and one `latchkey: …` line matching `message` on stderr, no stack trace. */
async function fails(args: string[], message: RegExp, code = 1, env?: Record<string, string>, runner?: Runner): Promise<void> {
  const res = await cli(args, env, runner)
  assert.equal(res.code, code, `expected exit ${code}, got ${res.code}: ${res.stdout}${res.stderr}`)
  assert.match(res.stderr, message)
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
  if (code === 1) assert.match(res.stderr, /^latchkey: /)
}

after(() => rmSync(dir, { recursive: true, force: true }))

describe('latchkey CLI', { concurrency: Math.max(2, availableParallelism()) }, () => {
  describe('apps', { concurrency: 1 }, () => {
    const db = ['--db', dbUrl('apps')]
    let spa: Record<string, any>
    let regular: Record<string, any>

    it('creates a regular web app and shows its secret once, in client_secret', async () => {
      regular = await json(['apps', 'create', '--name', 'Billing', '--type', 'regular', '--callbacks', 'https://billing.example.com/callback', '--logout-urls', 'https://billing.example.com/', ...db])
      assert.equal(regular.app_type, 'regular_web')
      assert.equal(regular.token_endpoint_auth_method, 'client_secret_post')
      assert.equal(typeof regular.client_secret, 'string')
      assert.ok(regular.client_secret.length >= 32)
      assert.deepEqual(regular.callbacks, ['https://billing.example.com/callback'])
      assert.deepEqual(regular.allowed_logout_urls, ['https://billing.example.com/'])
      assert.deepEqual(regular.grant_types, ['authorization_code', 'refresh_token'])
      assert.equal(regular.is_first_party, true)
      assert.deepEqual(Object.keys(regular.refresh_token).sort(), [
        'expiration_type',
        'idle_token_lifetime',
        'infinite_idle_token_lifetime',
        'infinite_token_lifetime',
        'leeway',
        'rotation_type',
        'token_lifetime',
      ])
      assert.ok(!Number.isNaN(Date.parse(regular.created_at)))
    })

    it('creates a SPA (comma-separated lists, Auth0 grant aliases) without a secret', async () => {
      spa = await json([
        'apps', 'create', '--name', 'Dashboard', '--type', 'spa',
        '--callbacks', 'http://localhost:3000/callback,https://app.example.com/callback',
        '--web-origins', 'https://app.example.com', '--origins', 'https://app.example.com',
        '--grants', 'code,refresh-token', '--refresh-reuse-interval', '30', ...db,
      ])
      assert.equal(spa.app_type, 'spa')
      assert.equal(spa.token_endpoint_auth_method, 'none')
      assert.ok(!('client_secret' in spa))
      assert.deepEqual(spa.callbacks, ['http://localhost:3000/callback', 'https://app.example.com/callback'])
      assert.deepEqual(spa.web_origins, ['https://app.example.com'])
      assert.deepEqual(spa.allowed_origins, ['https://app.example.com'])
      assert.deepEqual(spa.grant_types, ['authorization_code', 'refresh_token'])
      assert.equal(spa.refresh_token.leeway, 30)
    })

    it('creates an m2m app without callbacks, labelling the secret for people', async () => {
      const res = await cli(['apps', 'create', '--name', 'Cron', '--type', 'm2m', ...db])
      assert.equal(res.code, 0, res.stderr)
      assert.match(res.stdout, /non_interactive/)
      assert.match(res.stdout, /client_credentials/)
      assert.match(res.stdout, /client_secret\s+[\w-]{32,}/)
      assert.match(res.stdout, /will not be shown again/)
    })

    it('refuses a SPA without callbacks, and bad callback URLs', async () => {
      await fails(['apps', 'create', '--name', 'X', '--type', 'spa', ...db], /latchkey: callbacks are required/)
      await fails(['apps', 'create', '--name', 'X', '--type', 'spa', '--callbacks', 'not a url', ...db], /not an absolute URL/)
      await fails(['apps', 'create', '--name', 'X', '--type', 'regular', '--callbacks', 'http://billing.example.com/cb', ...db], /must use https/)
    })

    it('reports a missing required option as a usage error (exit 2)', async () => {
      await fails(['apps', 'create', '--name', 'X', ...db], /required option .*--type/, 2, undefined, runLatchkeyProcess)
    })

    it('lists apps without secrets, and shows one', async () => {
      const list = await json<Record<string, any>[]>(['apps', 'list', ...db])
      assert.deepEqual(list.map((a) => a.name), ['Billing', 'Dashboard', 'Cron'])
      assert.ok(list.every((a) => !('client_secret' in a)))
      const shown = await json(['apps', 'show', spa.client_id, ...db])
      assert.deepEqual(shown, spa)
    })

    it('updates an app', async () => {
      const updated = await json([
        'apps', 'update', spa.client_id, '--name', 'Dashboard 2', '--callbacks', 'https://app.example.com/cb2',
        '--third-party', '--refresh-idle-lifetime', '3600', ...db,
      ])
      assert.equal(updated.name, 'Dashboard 2')
      assert.deepEqual(updated.callbacks, ['https://app.example.com/cb2'])
      assert.deepEqual(updated.web_origins, spa.web_origins)
      assert.equal(updated.is_first_party, false)
      assert.equal(updated.refresh_token.idle_token_lifetime, 3600)
      assert.equal(updated.refresh_token.leeway, 30)
      assert.equal(updated.app_type, 'spa')
    })

    it('rotates a secret, showing the new one once', async () => {
      const rotated = await json(['apps', 'rotate-secret', regular.client_id, ...db])
      assert.equal(rotated.client_id, regular.client_id)
      assert.equal(typeof rotated.client_secret, 'string')
      assert.notEqual(rotated.client_secret, regular.client_secret)
    })

    it('deletes an app without asking when stdin is not a terminal', async () => {
      const res = await cli(['apps', 'delete', spa.client_id, ...db], {}, runLatchkeyProcess)
      assert.equal(res.code, 0, res.stderr)
      await fails(['apps', 'show', spa.client_id, ...db], /latchkey: no application/)
    })
  })

  describe('apis', { concurrency: 1 }, () => {
    const db = ['--db', dbUrl('apis')]
    let api: Record<string, any>

    it('creates an API', async () => {
      api = await json(['apis', 'create', '--name', 'Appointments', '--identifier', 'https://api.example.com/', '--scopes', 'read:appointments,write:appointments', '--offline-access', '--token-lifetime', '7200', ...db])
      assert.equal(api.identifier, 'https://api.example.com/')
      assert.deepEqual(api.scopes, [
        { value: 'read:appointments', description: '' },
        { value: 'write:appointments', description: '' },
      ])
      assert.equal(api.allow_offline_access, true)
      assert.equal(api.token_lifetime, 7200)
      assert.equal(api.skip_consent_for_verifiable_first_party_clients, true)
      assert.equal(api.signing_alg, 'RS256')
      assert.equal(typeof api.id, 'string')
    })

    it('refuses a duplicate identifier', async () => {
      await fails(['apis', 'create', '--name', 'Again', '--identifier', 'https://api.example.com/', ...db], /latchkey: .*already exists/)
    })

    it('updates by identifier, shows by id, and lists', async () => {
      const updated = await json(['apis', 'update', 'https://api.example.com/', '--name', 'Appts', '--scopes', 'read:appointments', '--no-offline-access', '--no-skip-consent', ...db])
      assert.equal(updated.name, 'Appts')
      assert.deepEqual(updated.scopes.map((s: { value: string }) => s.value), ['read:appointments'])
      assert.equal(updated.allow_offline_access, false)
      assert.equal(updated.skip_consent_for_verifiable_first_party_clients, false)
      assert.equal(updated.token_lifetime, 7200)
      assert.deepEqual(await json(['apis', 'show', api.id, ...db]), updated)
      assert.deepEqual(await json(['apis', 'list', ...db]), [updated])
    })

    it('deletes by identifier', async () => {
      assert.equal((await cli(['apis', 'delete', 'https://api.example.com/', ...db])).code, 0)
      assert.deepEqual(await json(['apis', 'list', ...db]), [])
    })

    it('refuses to change or delete the Management API (the server keeps it)', async () => {
      const store = await openAndMigrate(dbUrl('apis'))
      try {
        await ensureManagementApi(store, 'https://id.example.com/', Date.now())
      } finally {
        await store.close()
      }
      const [system] = await json<Record<string, any>[]>(['apis', 'list', ...db])
      assert.equal(system?.identifier, 'https://id.example.com/api/v2/')
      await fails(['apis', 'update', system?.id, '--name', 'Mine', ...db], /latchkey: Latchkey Management API .* cannot be changed/)
      await fails(['apis', 'delete', 'https://id.example.com/api/v2/', '--force', ...db], /latchkey: Latchkey Management API .* cannot be deleted/)
      assert.equal((await json<unknown[]>(['apis', 'list', ...db])).length, 1)
    })
  })

  describe('users (through LATCHKEY_DB)', { concurrency: 1 }, () => {
    const env = { LATCHKEY_DB: dbUrl('users') }
    let user: Record<string, any>

    it('creates a user, never printing the password hash', async () => {
      const res = await cli(['users', 'create', '-e', 'Alice@Example.com', '-p', 'correct horse battery', '-n', 'Alice', '-c', 'Username-Password-Authentication', '--json'], env)
      assert.equal(res.code, 0, res.stderr)
      assert.doesNotMatch(res.stdout, /argon2|correct horse/)
      user = JSON.parse(res.stdout)
      assert.match(user.user_id, /^auth0\|[0-9a-f]{24}$/)
      assert.equal(user.email, 'alice@example.com')
      assert.equal(user.name, 'Alice')
      assert.equal(user.email_verified, false)
      assert.equal(user.blocked, false)
      assert.equal(user.last_login, null)
      assert.deepEqual(Object.keys(user).sort(), ['blocked', 'created_at', 'email', 'email_verified', 'last_login', 'name', 'nickname', 'picture', 'updated_at', 'user_id'])
    })

    it('refuses a duplicate email, a short password and another connection', async () => {
      await fails(['users', 'create', '-e', 'ALICE@example.com', '-p', 'another password'], /latchkey: .*already exists/, 1, env)
      await fails(['users', 'create', '-e', 'bob@example.com', '-p', 'short'], /latchkey: password must be at least 8 characters/, 1, env)
      await fails(['users', 'create', '-e', 'bob@example.com', '-p', 'long enough', '--connection', 'google-oauth2'], /latchkey: unknown connection/, 1, env)
    })

    it('blocks a user, ending their sessions and revoking their refresh tokens', async () => {
      const now = Date.now()
      await withStore(env.LATCHKEY_DB, async (store) => {
        await store.sessions.insert({ idHash: 'session-hash', sid: 'sid-1', userId: user.user_id, authTime: now, createdAt: now, idleExpiresAt: now + 3_600_000, expiresAt: now + 7_200_000, endedAt: null, upstream: null })
        await store.refreshTokens.insert({
          tokenHash: 'rt-hash', grantId: 'grant', clientId: 'client', userId: user.user_id, scope: ['openid', 'offline_access'],
          audience: null, authTime: now, sid: 'sid-1', organization: null, createdAt: now, expiresAt: now + 3_600_000,
          grantExpiresAt: now + 7_200_000, rotatedAt: null, revokedAt: null,
        })
      })
      const blocked = await json(['users', 'block', 'alice@example.com'], env)
      assert.equal(blocked.blocked, true)
      await withStore(env.LATCHKEY_DB, async (store) => {
        assert.equal(await store.sessions.findActive('session-hash', Date.now()), null)
        assert.notEqual((await store.refreshTokens.findByHash('rt-hash'))?.revokedAt ?? null, null)
      })
      assert.equal((await json(['users', 'unblock', user.user_id], env)).blocked, false)
    })

    it('updates, lists and shows', async () => {
      const updated = await json(['users', 'update', user.user_id, '--name', 'Alice Liddell', '--email-verified', '--password', 'a new password'], env)
      assert.equal(updated.name, 'Alice Liddell')
      assert.equal(updated.email_verified, true)
      assert.equal(updated.email, 'alice@example.com')
      const list = await json<Record<string, any>[]>(['users', 'list'], env)
      assert.deepEqual(list, [updated])
      assert.deepEqual(await json(['users', 'show', 'alice@example.com'], env), updated)
    })

    it('deletes', async () => {
      assert.equal((await cli(['users', 'delete', 'alice@example.com'], env)).code, 0)
      await fails(['users', 'show', user.user_id], /latchkey: no user/, 1, env)
    })
  })

  describe('keys', { concurrency: 1 }, () => {
    it('lists nothing on an empty database', async () => {
      const res = await cli(['keys', 'list', '--db', dbUrl('keys-empty')])
      assert.equal(res.code, 0, res.stderr)
      assert.match(res.stdout, /no keys yet/i)
    })

    it('rotates with the default delay: the new key is next, the old one current', async () => {
      const db = ['--db', dbUrl('keys-delay')]
      const created = await json(['keys', 'rotate', ...db])
      assert.equal(created.state, 'next')
      const delay = Date.parse(created.activates_at) - Date.parse(created.created_at)
      assert.equal(delay, 600_000)
      const keys = await json<Record<string, any>[]>(['keys', 'list', ...db])
      assert.deepEqual(keys.map((k) => k.state).sort(), ['current', 'next'])
      assert.equal(keys.find((k) => k.state === 'next')?.kid, created.kid)
    })

    it('rotates with --delay 0: the new key is current, the old one previous', async () => {
      const db = ['--db', dbUrl('keys-now')]
      const created = await json(['keys', 'rotate', '--delay', '0', ...db])
      assert.equal(created.state, 'current')
      const keys = await json<Record<string, any>[]>(['keys', 'list', ...db])
      assert.deepEqual(keys.map((k) => k.state).sort(), ['current', 'previous'])
      assert.equal(keys.find((k) => k.state === 'current')?.kid, created.kid)
      const previous = keys.find((k) => k.state === 'previous')
      assert.ok(previous?.unpublish_at && Date.parse(previous.unpublish_at) > Date.now())
      assert.ok(keys.every((k) => !('d' in k) && !('private_jwk' in k)))
    })
  })

  describe('databases', { concurrency: 1 }, () => {
    before(async () => {
      await json(['apis', 'create', '--name', 'Env', '--identifier', 'urn:env', '--db', dbUrl('env')])
    })

    it('uses LATCHKEY_DB when --db is absent, and --db over it', async () => {
      assert.deepEqual((await json<Record<string, any>[]>(['apis', 'list'], { LATCHKEY_DB: dbUrl('env') }, runLatchkeyProcess)).map((a) => a.identifier), ['urn:env'])
      assert.deepEqual(await json(['apis', 'list', '--db', dbUrl('env-other')], { LATCHKEY_DB: dbUrl('env') }, runLatchkeyProcess), [])
    })

    it('reports an unsupported database URL without a stack trace', async () => {
      await fails(['apps', 'list', '--db', 'mysql://localhost/latchkey'], /latchkey: cannot open the database: unsupported database URL/)
    })
  })
})

async function withStore(url: string, fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await openAndMigrate(url)
  try {
    await fn(store)
  } finally {
    await store.close()
  }
}
