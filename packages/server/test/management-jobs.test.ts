/**
 * Auth0's bulk user jobs through Auth0's own Node ManagementClient (its https://latchkey.test base
 * rewritten to the test server): an import job with a bcrypt hash and a bad entry (summary, errors
 * without hashes), export jobs downloaded from their `location` (gzip, NDJSON and CSV, a link that
 * expires), bad input in Auth0's error shape, a clean shutdown that finishes its jobs first, and a
 * job whose node died, failed by the sweeper.
 */
import assert from 'node:assert/strict'
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import bcrypt from 'bcryptjs'
import { openAndMigrate } from '@latchkey/storage'
import { ManagementClient, ManagementError } from 'auth0'
import { managementScopes } from '../src/management/system-api.js'
import { STALE_JOB_MS, sweep } from '../src/sweeper.js'
import { addUser, startTestServer, type TestServer } from './support/harness.js'
import { m2m } from './support/management.js'

const DOMAIN = 'latchkey.test'
type Json = Record<string, any>

describe('Management API: users-imports and users-exports jobs', () => {
  let server: TestServer
  let token: string
  let management: ManagementClient
  let databaseId: string
  const realFetch = globalThis.fetch

  async function call(method: string, path: string, init: { body?: BodyInit; type?: string; bearer?: string } = {}): Promise<{ status: number; json: any }> {
    const res = await realFetch(`${server.url}api/v2/${path}`, {
      method,
      headers: { authorization: `Bearer ${init.bearer ?? token}`, ...(init.type ? { 'content-type': init.type } : {}) },
      ...(init.body !== undefined ? { body: init.body } : {}),
    })
    const text = await res.text()
    return { status: res.status, json: text === '' ? undefined : JSON.parse(text) }
  }

  function assertError(res: { status: number; json: Json }, status: number, errorCode: string, message?: RegExp): void {
    assert.equal(res.status, status, JSON.stringify(res.json))
    assert.deepEqual(Object.keys(res.json).sort(), ['error', 'errorCode', 'message', 'statusCode'])
    assert.equal(res.json.errorCode, errorCode, JSON.stringify(res.json))
    if (message) assert.match(res.json.message, message)
  }

  /** Polls the job (in-process, it takes milliseconds) until it is no longer pending or processing. */
  async function settled(id: string): Promise<Json> {
    for (let i = 0; i < 200; i++) {
      const job = (await management.jobs.get(id)) as Json
      if (job.status !== 'pending' && job.status !== 'processing') return job
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    assert.fail(`job ${id} did not finish`)
  }

  const importForm = (fields: Record<string, string | Blob>) => {
    const form = new FormData()
    for (const [name, value] of Object.entries(fields)) form.append(name, value)
    return form
  }

  before(async () => {
    server = await startTestServer()
    const granted = await m2m(server, managementScopes().map((s) => s.value))
    token = granted.token
    globalThis.fetch = ((input: string | URL | Request, init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
      return realFetch(url.startsWith(`https://${DOMAIN}/`) ? url.replace(`https://${DOMAIN}/`, server.url) : input, init)
    }) as typeof fetch
    management = new ManagementClient({ domain: DOMAIN, clientId: granted.app.clientId, clientSecret: granted.secret, audience: `${server.issuer}api/v2/` })
    const database = await server.store.connections.findByName('Username-Password-Authentication')
    assert.ok(database)
    databaseId = database.id
  })
  after(async () => {
    globalThis.fetch = realFetch
    await server.close()
  })

  it('an import job imports the good entries, and its errors name the bad ones without their hashes', async () => {
    const file = JSON.stringify([
      { email: 'grace@example.com', email_verified: true, user_id: 'grace-1', name: 'Grace Hopper', app_metadata: { plan: 'pro' }, password_hash: bcrypt.hashSync('correct horse', 4) },
      { email: 'not an address', password_hash: bcrypt.hashSync('whatever', 4) },
    ])
    const created = (await management.jobs.usersImports.create({ users: new File([file], 'users.json', { type: 'application/json' }), connection_id: databaseId, external_id: 'migration-1' })) as Json
    assert.match(created.id, /^job_[A-Za-z0-9]{16}$/)
    assert.deepEqual(
      { ...created, id: undefined, created_at: undefined },
      { id: undefined, created_at: undefined, status: 'pending', type: 'users_import', connection_id: databaseId, connection: 'Username-Password-Authentication', external_id: 'migration-1', upsert: false, send_completion_email: true },
    )
    const job = await settled(created.id)
    assert.equal(job.status, 'completed')
    assert.deepEqual(job.summary, { failed: 1, updated: 0, inserted: 1, total: 2 })
    const imported = await server.store.users.get('auth0|grace-1')
    assert.equal(imported?.email, 'grace@example.com')
    assert.deepEqual(imported?.appMetadata, { plan: 'pro' })

    const errors = (await management.jobs.errors.get(created.id)) as Json[]
    assert.equal(errors.length, 1)
    assert.deepEqual(errors[0]?.user, { email: 'not an address' })
    assert.ok(errors[0]?.errors.length > 0 && errors[0].errors.every((e: Json) => typeof e.code === 'string' && typeof e.message === 'string'), JSON.stringify(errors))
    assert.doesNotMatch(JSON.stringify(errors), /\$2[aby]\$/, 'no hash in the errors')

    const change = (await server.store.logs.list({ type: 'sapi', perPage: 5 })).find((e) => e.details.action === 'job.users_import.created')
    assert.equal(change?.details.job_id, created.id)
  })

  it('the same file again with upsert updates instead of failing; errors answers 204 once a job has none', async () => {
    // As Auth0's documentation sends it: a read stream of the file.
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-jobs-'))
    const path = join(dir, 'users.json')
    writeFileSync(path, JSON.stringify([{ email: 'grace@example.com', email_verified: true, user_id: 'grace-1', name: 'Grace B. Hopper' }]))
    const created = (await management.jobs.usersImports.create({ users: createReadStream(path), connection_id: databaseId, upsert: true })) as Json
    rmSync(dir, { recursive: true, force: true })
    assert.equal(created.upsert, true)
    const job = await settled(created.id)
    assert.deepEqual(job.summary, { failed: 0, updated: 1, inserted: 0, total: 1 })
    assert.equal((await server.store.users.get('auth0|grace-1'))?.name, 'Grace B. Hopper')
    const errors = await realFetch(`${server.url}api/v2/jobs/${created.id}/errors`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(errors.status, 204)
  })

  it('an unusable file fails the job with its reason in status_details', async () => {
    const res = await call('POST', 'jobs/users-imports', { body: importForm({ users: new File(['"not an array"'], 'users.json'), connection_id: databaseId }) })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    const job = await settled(res.json.id)
    assert.equal(job.status, 'failed')
    assert.match(job.status_details, /\w/)
    const errors = (await management.jobs.errors.get(res.json.id)) as Json
    assert.equal(errors.status, 'failed', 'a failed job answers itself, with status_details')
  })

  it('an export job is downloaded from its location: gzip NDJSON with the chosen fields, by a link that expires', async () => {
    await addUser(server.store, { email: 'ada@example.com', appMetadata: { plan: 'free' }, createdAt: 1 })
    const created = (await management.jobs.usersExports.create({
      format: 'json',
      fields: [{ name: 'user_id' }, { name: 'email' }, { name: 'app_metadata.plan', export_as: 'plan' }, { name: 'identities[0].connection', export_as: 'connection' }],
    })) as Json
    assert.deepEqual({ ...created, id: undefined, created_at: undefined }, {
      id: undefined,
      created_at: undefined,
      status: 'pending',
      type: 'users_export',
      format: 'json',
      fields: [{ name: 'user_id' }, { name: 'email' }, { name: 'app_metadata.plan', export_as: 'plan' }, { name: 'identities[0].connection', export_as: 'connection' }],
    })
    const job = await settled(created.id)
    assert.equal(job.status, 'completed')
    assert.match(job.location, new RegExp(`^${server.issuer}api/v2/jobs/${created.id}/file\\?token=`))

    const download = await realFetch(job.location)
    assert.equal(download.status, 200)
    assert.equal(download.headers.get('content-type'), 'application/gzip')
    const lines = (await promisify(gunzip)(Buffer.from(await download.arrayBuffer()))).toString('utf8').trim().split('\n').map((l) => JSON.parse(l))
    const ada = lines.find((l) => l.email === 'ada@example.com')
    assert.deepEqual(Object.keys(ada).sort(), ['connection', 'email', 'plan', 'user_id'])
    assert.equal(ada.plan, 'free')
    assert.equal(ada.connection, 'Username-Password-Authentication')
    assert.ok(lines.some((l) => l.user_id === 'auth0|grace-1' && l.plan === 'pro'))
    assert.doesNotMatch(JSON.stringify(lines), /\$2[aby]\$|\$argon2/, 'never a password hash')

    assert.equal((await realFetch(job.location.replace(/token=.*/, 'token=guessed'))).status, 404, 'a wrong token')
    const { location: fresh } = (await management.jobs.get(created.id)) as Json
    assert.equal((await realFetch(job.location)).status, 404, 'reading the job again replaced the link')
    server.clock.advance(61_000)
    const expired = await realFetch(fresh)
    assert.equal(expired.status, 404)
    assert.equal((await expired.json()).errorCode, 'inexistent_job_file')
  })

  it('a CSV export of one connection has a header row and honours the limit', async () => {
    const res = await call('POST', 'jobs/users-exports', { type: 'application/json', body: JSON.stringify({ connection_id: databaseId, format: 'csv', limit: 1, fields: [{ name: 'email', export_as: 'Email' }, { name: 'name' }] }) })
    assert.equal(res.status, 201, JSON.stringify(res.json))
    assert.equal(res.json.connection, 'Username-Password-Authentication')
    const job = await settled(res.json.id)
    const csv = (await promisify(gunzip)(Buffer.from(await (await realFetch(job.location)).arrayBuffer()))).toString('utf8')
    const rows = csv.trimEnd().split('\r\n')
    assert.equal(rows[0], 'Email,name')
    assert.equal(rows.length, 2, csv)
  })

  it('bad requests get Auth0’s errors, never a 5xx', async () => {
    const file = () => new File(['[]'], 'users.json')
    assertError(await call('POST', 'jobs/users-imports', { type: 'application/json', body: '{}' }), 400, 'invalid_body', /multipart/)
    assertError(await call('POST', 'jobs/users-imports', { type: 'multipart/form-data; boundary=x', body: 'garbage' }), 400, 'invalid_body')
    assertError(await call('POST', 'jobs/users-imports', { body: importForm({ connection_id: databaseId }) }), 400, 'invalid_body', /users must be a file/)
    assertError(await call('POST', 'jobs/users-imports', { body: importForm({ users: file(), connection_id: 'con_nope' }) }), 404, 'inexistent_connection')
    assertError(await call('POST', 'jobs/users-imports', { body: importForm({ users: file(), connection_id: databaseId, upsert: 'yes' }) }), 400, 'invalid_body', /upsert/)
    assertError(await call('POST', 'jobs/users-imports', { body: importForm({ users: new File([], 'u.json'), connection_id: databaseId }) }), 400, 'invalid_body', /empty/)
    assertError(await call('POST', 'jobs/users-imports', { body: importForm({ users: new File([new Uint8Array([0x5b, 0xff, 0x5d])], 'u.json'), connection_id: databaseId }) }), 400, 'invalid_body', /UTF-8/)
    assertError(await call('POST', 'jobs/users-imports', { body: importForm({ users: new File([new Uint8Array(6 * 1024 * 1024)], 'u.json'), connection_id: databaseId }) }), 413, 'payload_too_large')
    const exportBody = (body: unknown) => ({ type: 'application/json', body: JSON.stringify(body) })
    assertError(await call('POST', 'jobs/users-exports', exportBody({ format: 'xml' })), 400, 'invalid_body')
    assertError(await call('POST', 'jobs/users-exports', exportBody({ fields: [{ name: 'password_hash' }] })), 400, 'invalid_body', /not an exportable user field/)
    assertError(await call('POST', 'jobs/users-exports', exportBody({ connection_id: 'con_nope' })), 404, 'inexistent_connection')
    assertError(await call('GET', 'jobs/job_0000000000000000'), 404, 'inexistent_job')
    assertError(await call('GET', 'jobs/not-a-job/errors'), 404, 'inexistent_job')
    const reader = await m2m(server, ['read:users'])
    assertError(await call('POST', 'jobs/users-imports', { body: importForm({ users: file(), connection_id: databaseId }), bearer: reader.token }), 403, 'insufficient_scope', /create:users/)
    await assert.rejects(management.jobs.get('job_0000000000000000'), (err: unknown) => err instanceof ManagementError && err.statusCode === 404)
  })

  it('a server stopping cleanly finishes the jobs it took before it closes its database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-jobs-'))
    const db = `sqlite:${join(dir, 'latchkey.db')}`
    try {
      const other = await startTestServer({ db })
      const { token: bearer } = await m2m(other, ['create:users'])
      const connection = await other.store.connections.findByName('Username-Password-Authentication')
      const form = importForm({ users: new File([JSON.stringify([{ email: 'late@example.com', user_id: 'late-1' }])], 'users.json'), connection_id: String(connection?.id) })
      const res = await realFetch(`${other.url}api/v2/jobs/users-imports`, { method: 'POST', headers: { authorization: `Bearer ${bearer}` }, body: form })
      assert.equal(res.status, 201)
      const { id } = (await res.json()) as Json
      await other.close()
      const store = await openAndMigrate(db)
      try {
        assert.deepEqual((await store.jobs.get(id))?.summary, { total: 1, inserted: 1, updated: 0, failed: 0 })
        assert.equal((await store.users.get('auth0|late-1'))?.email, 'late@example.com')
      } finally {
        await store.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a job left processing by a node that stopped is failed by the sweeper, with why', async () => {
    const now = server.clock.now()
    await server.store.jobs.insert({
      id: 'job_StoppedNode00001',
      type: 'users_import',
      status: 'processing',
      connectionId: databaseId,
      externalId: null,
      options: { upsert: false },
      input: '[]',
      summary: null,
      errors: null,
      statusDetails: null,
      downloadHash: null,
      downloadExpiresAt: null,
      createdAt: now - STALE_JOB_MS - 1000,
      claimedAt: now - STALE_JOB_MS - 1,
      finishedAt: null,
    })
    const swept = await sweep(server.store, now)
    assert.equal(swept.staleJobs, 1)
    const job = (await management.jobs.get('job_StoppedNode00001')) as Json
    assert.equal(job.status, 'failed')
    assert.match(job.status_details, /node running this job stopped/)
    assert.equal((await server.store.jobs.get('job_StoppedNode00001'))?.input, null, 'its file is dropped')
  })
})
