/**
 * The Actions runtime (actions/action-pool.ts): actions run on worker threads, compiled once per
 * version, with their `api` calls coming back as commands and their console output as their log.
 * A throwing, slow or runaway action fails only its own run, and the pool goes on with a fresh
 * worker; npm packages come from the deployment's node_modules.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ActionPool, type ActionJob } from '../src/actions/action-pool.js'

const pool = new ActionPool({ size: 2, memoryMb: 48 })
after(() => pool.close())

let versions = 0
function job(code: string, overrides: Partial<ActionJob> = {}): ActionJob {
  versions += 1
  return {
    trigger: 'post-login',
    handler: 'onExecutePostLogin',
    action: { id: `act_${versions}`, name: `test-${versions}`, version: 'v1', code },
    event: { user: { user_id: 'auth0|1', email: 'ada@example.com' }, authorization: { roles: ['patient', 'admin'] }, client: { name: 'My SPA' } },
    cache: {},
    now: 1_700_000_000_000,
    timeoutMs: 2000,
    ...overrides,
  }
}

describe('Actions runtime', () => {
  it("runs Auth0's documented example verbatim: roles into both tokens", async () => {
    const run = await pool.run(
      job(`/**
 * @param {Event} event - Details about the user and the context in which they are logging in.
 * @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
 */
exports.onExecutePostLogin = async (event, api) => {
  const namespace = 'https://my-app.example.com';
  if (event.authorization) {
    api.idToken.setCustomClaim(\`\${namespace}/roles\`, event.authorization.roles);
    api.accessToken.setCustomClaim(\`\${namespace}/roles\`, event.authorization.roles);
  }
}`),
    )
    assert.equal(run.ok, true, JSON.stringify(run))
    assert.deepEqual(run.commands, [
      { kind: 'idToken.setCustomClaim', name: 'https://my-app.example.com/roles', value: ['patient', 'admin'] },
      { kind: 'accessToken.setCustomClaim', name: 'https://my-app.example.com/roles', value: ['patient', 'admin'] },
    ])
  })

  it("records a denial, as Auth0's access-control example makes it", async () => {
    const run = await pool.run(
      job(`exports.onExecutePostLogin = async (event, api) => {
  if (event.user.email && event.user.email.endsWith("@example.com") && event.client.name === "My SPA") {
    api.access.deny(\`Access to \${event.client.name} is not allowed.\`);
  }
};`),
    )
    assert.deepEqual(run.ok && run.commands, [{ kind: 'access.deny', reason: 'Access to My SPA is not allowed.' }])
  })

  it('captures console output as the run\'s log, and metadata, scope and cache calls as commands', async () => {
    const run = await pool.run(
      job(
        `exports.onExecutePostLogin = async (event, api) => {
  console.log('hello', { n: 1 })
  console.warn('careful')
  const hit = api.cache.get('seen')
  api.user.setAppMetadata('plan', hit ? hit.value : 'none')
  api.user.setUserMetadata('theme', () => 1)
  api.accessToken.addScope('read:extra')
  api.accessToken.removeScope('write:appointments')
  const written = api.cache.set('seen', 'yes', { ttl: 1000 })
  console.log(written.type, api.cache.get('seen').value)
}`,
        { cache: { seen: { value: 'gold', expiresAt: 1_700_000_000_001 } } },
      ),
    )
    assert.equal(run.ok, true, JSON.stringify(run))
    assert.deepEqual(run.logs, ['hello {"n":1}', 'warn: careful', 'success yes'])
    assert.deepEqual(run.commands, [
      { kind: 'user.setAppMetadata', name: 'plan', value: 'gold' },
      { kind: 'user.setUserMetadata', name: 'theme', value: null },
      { kind: 'accessToken.addScope', scope: 'read:extra' },
      { kind: 'accessToken.removeScope', scope: 'write:appointments' },
      { kind: 'cache.set', key: 'seen', value: 'yes', expiresAt: 1_700_000_001_000 },
    ])
  })

  it('an action that throws fails its run with the error; the next run goes on', async () => {
    const run = await pool.run(job(`exports.onExecutePostLogin = async () => { console.log('before'); throw new Error('no entry') }`))
    assert.equal(run.ok, false)
    assert.equal(!run.ok && run.failure, 'threw')
    assert.deepEqual(!run.ok && run.error, { name: 'Error', message: 'no entry' })
    assert.deepEqual(run.logs, ['before'])
    const missing = await pool.run(job('exports.somethingElse = () => {}'))
    assert.equal(!missing.ok && missing.error.message, 'the action does not export onExecutePostLogin')
    const syntax = await pool.run(job('exports.onExecutePostLogin = async (event, api) => {'))
    assert.equal(!syntax.ok && syntax.error.name, 'SyntaxError')
    assert.equal((await pool.run(job('exports.onExecutePostLogin = async () => {}'))).ok, true)
  })

  it('an action that never ends is stopped at its time limit, and only it', async () => {
    const order: string[] = []
    const [loop, fine] = await Promise.all([
      pool.run(job('exports.onExecutePostLogin = async () => { while (true) {} }', { timeoutMs: 1000 })).then((r) => {
        order.push('loop')
        return r
      }),
      pool.run(job('exports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim("ok", true) }')).then((r) => {
        order.push('fine')
        return r
      }),
    ])
    assert.equal(!loop.ok && loop.failure, 'timeout')
    assert.match(!loop.ok ? loop.error.message : '', /did not finish within 1000 ms/)
    assert.equal(fine.ok, true)
    assert.deepEqual(order, ['fine', 'loop'], 'the loop held up only its own worker')
    assert.equal((await pool.run(job('exports.onExecutePostLogin = async () => {}'))).ok, true, 'a fresh worker took its place')
  })

  it('an action that allocates without limit runs out of memory in its worker, not in the server', async () => {
    const run = await pool.run(job('exports.onExecutePostLogin = async () => { const a = []; while (true) a.push(new Array(100000).fill(Math.random())) }', { timeoutMs: 20_000 }))
    assert.equal(run.ok, false)
    assert.equal(!run.ok && run.failure, 'out-of-memory')
    assert.equal((await pool.run(job('exports.onExecutePostLogin = async () => {}'))).ok, true)
  })

  it('compiles each version once: module state lives across runs of a version, not across versions', async () => {
    const code = 'let runs = 0\nexports.onExecutePostLogin = async (event, api) => { runs += 1; api.idToken.setCustomClaim("runs", runs) }'
    const base = job(code)
    const small = new ActionPool({ size: 1 })
    try {
      const counts = []
      for (let i = 0; i < 3; i++) {
        const run = await small.run(base)
        counts.push(run.ok ? (run.commands[0] as { value: unknown }).value : null)
      }
      const next = await small.run({ ...base, action: { ...base.action, version: 'v2' } })
      assert.deepEqual(counts, [1, 2, 3])
      assert.equal(next.ok && (next.commands[0] as { value: unknown }).value, 1)
    } finally {
      await small.close()
    }
  })

  it("requires npm packages from the deployment's node_modules", async () => {
    const run = await pool.run(job('const { decodeJwt } = require("jose")\nexports.onExecutePostLogin = async (event, api) => { api.idToken.setCustomClaim("decoded", typeof decodeJwt) }'))
    assert.deepEqual(run.ok && run.commands, [{ kind: 'idToken.setCustomClaim', name: 'decoded', value: 'function' }])
  })

  it('runs as many actions at once as it has workers: a quick one is not held up by a slow one', async () => {
    const order: string[] = []
    const slow = pool.run(job('exports.onExecutePostLogin = () => new Promise((resolve) => setTimeout(resolve, 400))')).then((r) => order.push(`slow ${r.ok}`))
    const quick = pool.run(job('exports.onExecutePostLogin = async () => {}')).then((r) => order.push(`quick ${r.ok}`))
    await Promise.all([slow, quick])
    assert.deepEqual(order, ['quick true', 'slow true'])
    assert.ok(pool.workers <= 2)
  })

  it('credentials-exchange and pre-user-registration have their own api: deny(code, reason), deny(reason, userMessage)', async () => {
    const m2m = await pool.run(
      job('exports.onExecuteCredentialsExchange = async (event, api) => { api.access.deny("invalid_request", "not today"); api.accessToken.setCustomClaim("x", 1) }', {
        trigger: 'credentials-exchange',
        handler: 'onExecuteCredentialsExchange',
      }),
    )
    assert.deepEqual(m2m.ok && m2m.commands, [
      { kind: 'access.deny', code: 'invalid_request', reason: 'not today' },
      { kind: 'accessToken.setCustomClaim', name: 'x', value: 1 },
    ])
    const signup = await pool.run(
      job('exports.onExecutePreUserRegistration = async (event, api) => { api.access.deny("blocked domain", "Sign-ups from this domain are closed.") }', {
        trigger: 'pre-user-registration',
        handler: 'onExecutePreUserRegistration',
      }),
    )
    assert.deepEqual(signup.ok && signup.commands, [{ kind: 'access.deny', reason: 'blocked domain', userMessage: 'Sign-ups from this domain are closed.' }])
    const noIdToken = await pool.run(job('exports.onExecuteCredentialsExchange = async (event, api) => { api.idToken.setCustomClaim("x", 1) }', { trigger: 'credentials-exchange', handler: 'onExecuteCredentialsExchange' }))
    assert.equal(!noIdToken.ok && noIdToken.error.name, 'TypeError', 'no idToken in a machine-to-machine exchange')
  })
})
