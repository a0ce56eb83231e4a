/**
 * `latchkey users mfa list|reset` and `latchkey mfa policy`, run in this process (support/cli.ts; a
 * policy and a refusal also as the real binary) against a temporary SQLite file: a user's factors
 * written to the store as enrolment leaves them, listed in the Management API's shape (by email or
 * user_id, never a secret), reset (factors, recovery codes, remembered browsers); the deployment's
 * policy shown and set, an application's own policy set and cleared with `inherit`; bad words are
 * usage errors (exit 2); every change audited.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { AuthenticatorRecord, UserRecord } from '@latchkey/core'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { MFA_POLICY_SETTING } from '../src/mfa/requirement.js'
import { addApp, addUser } from './support/harness.js'
import { assertSameAsProcess, type CliResult, runLatchkey } from './support/cli.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-mfa-'))
const DB = `sqlite:${join(dir, 'mfa.db')}`
const SEALED_SECRET = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..iv.sealed-totp-secret.tag'

function cli(args: string[]): Promise<CliResult> {
  return runLatchkey([...args, '--db', DB], { cwd: ROOT })
}

async function json<T = any>(args: string[]): Promise<T> {
  const res = await cli([...args, '--json'])
  assert.equal(res.code, 0, `latchkey ${args.join(' ')} failed: ${res.stderr}`)
  assert.ok(!res.stdout.includes(SEALED_SECRET), 'a secret was printed')
  return JSON.parse(res.stdout) as T
}

async function fails(args: string[], message: RegExp, code = 1): Promise<void> {
  const res = await cli(args)
  assert.equal(res.code, code, `expected exit ${code}, got ${res.code}: ${res.stdout}${res.stderr}`)
  assert.match(res.stderr, message)
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace')
}

describe('latchkey users mfa and latchkey mfa policy', () => {
  let store: Store
  let user: UserRecord

  async function lastChange() {
    const [event] = await store.logs.list({ type: 'sapi', perPage: 1 })
    assert.ok(event, 'a sapi event was recorded')
    return event
  }

  before(async () => {
    store = await openAndMigrate(DB)
    user = await addUser(store, { email: 'two-factor@example.com' })
    const now = Date.now()
    const totp: AuthenticatorRecord = {
      id: `totp|dev_${randomBytes(9).toString('hex')}`,
      userId: user.id,
      type: 'totp',
      name: 'Phone',
      confirmed: true,
      sealedSecret: SEALED_SECRET,
      lastUsedStep: 42,
      credential: null,
      createdAt: now - 60_000,
      lastUsedAt: now - 30_000,
    }
    await store.authenticators.insert(totp)
    await store.recoveryCodes.replace(
      user.id,
      Array.from({ length: 10 }, () => createHash('sha256').update(randomBytes(10)).digest('hex')),
      now - 60_000,
    )
  })
  after(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('users mfa list: the factors by email or user_id, in the Management API shape; text for people', async () => {
    const methods = await json<any[]>(['users', 'mfa', 'list', 'two-factor@example.com'])
    assert.deepEqual(
      methods.map((m) => [m.type, m.confirmed, m.name]),
      [
        ['totp', true, 'Phone'],
        ['recovery-code', true, undefined],
      ],
    )
    assert.match(methods[0].id, /^totp\|dev_/)
    assert.deepEqual(await json(['users', 'mfa', 'list', user.id]), methods)
    const text = await cli(['users', 'mfa', 'ls', user.email])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /ID\s+TYPE\s+NAME\s+CREATED\s+LAST USED/)
    assert.match(text.stdout, /recovery-code \(10 left\)/)
    assert.ok(!text.stdout.includes(SEALED_SECRET))
    await fails(['users', 'mfa', 'list', 'nobody@example.com'], /no user with id or email "nobody@example.com"/)
  })

  it('users mfa reset: every factor and recovery code gone, remembered browsers forgotten, audited', async () => {
    const res = await json(['users', 'mfa', 'reset', user.email])
    assert.deepEqual(res, { user_id: user.id, authenticators_deleted: 1, recovery_codes_deleted: 10 })
    assert.deepEqual(await store.authenticators.listForUser(user.id), [])
    assert.equal(await store.recoveryCodes.countUnused(user.id), 0)
    assert.notEqual(await store.authenticators.rememberedBrowsersRevokedAt(user.id), null)
    const event = await lastChange()
    assert.equal(event.userId, user.id)
    assert.deepEqual([event.details.action, event.details.actor, event.details.authenticators], ['user.authentication_methods_deleted', 'cli', 1])
    const text = await cli(['users', 'mfa', 'list', user.email])
    assert.match(text.stdout, /has no second factor/)
    const again = await cli(['users', 'mfa', 'reset', user.id])
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stdout, /0 authenticator\(s\) and 0 recovery code\(s\) deleted/)
  })

  it("mfa policy: shows the deployment's (not set, then set), sets it, audited", async () => {
    assert.deepEqual(await json(['mfa', 'policy']), { policy: null, guardian_policies: null })
    assert.match((await cli(['mfa', 'policy'])).stdout, /not set: LATCHKEY_MFA applies/)
    assert.deepEqual(await json(['mfa', 'policy', 'optional']), { policy: 'optional', guardian_policies: ['latchkey-optional'] })
    assert.equal(await store.settings.get(MFA_POLICY_SETTING), 'optional')
    const event = await lastChange()
    assert.deepEqual([event.details.action, event.details.policy], ['mfa_policy.updated', 'optional'])
    assert.deepEqual(await json(['mfa', 'policy', 'ALWAYS']), { policy: 'always', guardian_policies: ['all-applications'] })
    assert.match((await cli(['mfa', 'policy'])).stdout, /Deployment MFA policy: always/)
    await fails(['mfa', 'policy', 'inherit'], /must be one of never, optional, always/, 2)
    await fails(['mfa', 'policy', 'sometimes'], /must be one of/, 2)
    assert.equal(await store.settings.get(MFA_POLICY_SETTING), 'always')
  })

  it("mfa policy --app: an application's own policy, inherit clears it", async () => {
    const { app } = await addApp(store, { name: 'Payroll' })
    assert.deepEqual(await json(['mfa', 'policy', '--app', app.clientId]), { client_id: app.clientId, name: 'Payroll', mfa_policy: 'inherit', deployment_policy: 'always' })
    assert.equal((await json(['mfa', 'policy', 'never', '--app', app.clientId])).mfa_policy, 'never')
    assert.equal((await store.applications.get(app.clientId))?.mfaPolicy, 'never')
    const event = await lastChange()
    assert.deepEqual([event.details.action, event.clientId, event.details.mfa_policy], ['application.updated', app.clientId, 'never'])
    const text = await cli(['mfa', 'policy', '--app', app.clientId])
    assert.match(text.stdout, /policy\s+never/)
    assert.equal((await json(['mfa', 'policy', 'inherit', '--app', app.clientId])).mfa_policy, 'inherit')
    assert.equal((await store.applications.get(app.clientId))?.mfaPolicy ?? null, null)
    assert.equal(await store.settings.get(MFA_POLICY_SETTING), 'always', "the deployment's policy is untouched")
    await fails(['mfa', 'policy', 'always', '--app', 'no-such-app'], /no application with client_id "no-such-app"/)
  })

  it('answers as the real binary does: the policy, and an unknown user refused', async () => {
    assert.equal((await assertSameAsProcess(['mfa', 'policy', '--json', '--db', DB], { cwd: ROOT })).code, 0)
    assert.equal((await assertSameAsProcess(['users', 'mfa', 'list', 'nobody@example.com', '--db', DB], { cwd: ROOT })).code, 1)
  })
})
