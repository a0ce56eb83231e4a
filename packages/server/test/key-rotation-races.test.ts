/**
 * Concurrent key rotations leave exactly one waiting key (security issue 12, finding 4). Every
 * entry point (the Management API, `latchkey keys rotate`, the schedule) goes through
 * `KeyRing.rotateKeys`, which decides and writes under the signing keys' lock: a rotation that
 * finds a key already waiting returns that key and changes nothing. Checked in one server, across
 * the CLI's process and a server sharing a SQLite file, and across two servers on one PostgreSQL
 * schema (skipped, saying so, when PostgreSQL does not answer).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ApplicationRecord, createClientGrant, type KeyStatus } from '@latchkey/core'
import { DEFAULT_ROTATION_DELAY_SECONDS } from '../src/keys/key-ring.js'
import { managementScopes } from '../src/management/system-api.js'
import { envWithoutDb, runLatchkeyProcess } from './support/cli.js'
import { databases } from './support/databases.js'
import { addApp, startTestServer, TEST_SECRET, type TestServer } from './support/harness.js'
import { serverJwks, tokenRequest } from './support/oauth.js'

const ROTATE_SCOPES = managementScopes()
  .map((s) => s.value)
  .filter((s) => s.endsWith(':signing_keys'))

/** A Management API token allowed to read and rotate the signing keys. */
async function managementToken(server: TestServer): Promise<string> {
  const audience = `${server.issuer}api/v2/`
  const { app, secret } = await addApp(server.store, { name: 'Key rotation robot', type: 'm2m', grants: ['client_credentials'] })
  const api = await server.store.apis.findByIdentifier(audience)
  await server.store.clientGrants.insert(
    createClientGrant({ clientId: app.clientId, audience, scope: ROTATE_SCOPES }, { application: app as ApplicationRecord, api }, Date.now()),
  )
  const r = await tokenRequest(server, { grant_type: 'client_credentials', client_id: app.clientId, client_secret: secret as string, audience })
  assert.equal(r.status, 200, JSON.stringify(r.json))
  return r.json.access_token as string
}

async function rotateThroughApi(server: TestServer, token: string): Promise<{ status: number; kid: string }> {
  const res = await fetch(`${server.url}api/v2/keys/signing/rotate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
  const body = (await res.json()) as { kid: string }
  return { status: res.status, kid: body.kid }
}

const waiting = (statuses: readonly KeyStatus[]) => statuses.filter((s) => s.state === 'next')
const rotationEvents = async (server: TestServer) => (await server.store.logs.list({ type: 'signing_key_rotated', perPage: 100 })).length

describe('parallel key rotations (one server)', () => {
  let server: TestServer
  let token: string
  before(async () => {
    server = await startTestServer()
    token = await managementToken(server)
  })
  after(() => server.close())

  it('eight parallel POST /api/v2/keys/signing/rotate leave one waiting key, and the JWKS as one rotation does', async () => {
    const ring = server.running.deps.keys
    const before = (await serverJwks(server)).keys.length
    const eventsBefore = await rotationEvents(server)
    const answers = await Promise.all(Array.from({ length: 8 }, () => rotateThroughApi(server, token)))
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(8).fill(201),
    )
    const next = waiting(await ring.statuses())
    assert.equal(next.length, 1, `one waiting key, not ${next.length}`)
    assert.deepEqual(new Set(answers.map((a) => a.kid)), new Set([next[0]?.key.kid]), 'every answer names the one waiting key')
    assert.equal((await serverJwks(server)).keys.length, before + 1, 'the JWKS grew by one key')
    assert.equal((await rotationEvents(server)) - eventsBefore, 1, 'one rotation is audited')
  })

  it('a rotation while a key waits returns that key; --delay 0 replaces it and signs at once', async () => {
    const ring = server.running.deps.keys
    const [pending] = waiting(await ring.statuses())
    assert.ok(pending, 'the key of the test before still waits')
    const again = await rotateThroughApi(server, token)
    assert.deepEqual(again, { status: 201, kid: pending.key.kid })
    const now = await ring.rotateKeys(0)
    assert.equal(now.created, true)
    const statuses = await ring.statuses()
    assert.equal(waiting(statuses).length, 0, 'no key waits any more')
    assert.ok(!statuses.some((s) => s.key.kid === pending.key.kid), 'the waiting key (it never signed) is gone')
    assert.equal((await ring.signingKey()).kid, now.key.kid)
  })

  it('the schedule, the Management API and the key ring rotating at once leave one waiting key', async () => {
    const ring = server.running.deps.keys
    server.clock.advance(31 * 86_400_000)
    ring.invalidate()
    token = await managementToken(server) // the old one expired meanwhile
    const [scheduled, alsoScheduled, api, alsoApi, direct] = await Promise.all([
      ring.rotateIfDue(30 * 86_400),
      ring.rotateIfDue(30 * 86_400),
      rotateThroughApi(server, token),
      rotateThroughApi(server, token),
      ring.rotateKeys(DEFAULT_ROTATION_DELAY_SECONDS),
    ])
    const next = waiting(await ring.statuses())
    assert.equal(next.length, 1, `one waiting key, not ${next.length}`)
    const kid = next[0]?.key.kid
    for (const s of [scheduled, alsoScheduled]) assert.ok(s === null || s.kid === kid, 'the schedule made that key, or nothing')
    assert.equal([scheduled, alsoScheduled].filter((s) => s !== null).length + (direct.created ? 1 : 0) <= 1, true, 'at most one rotation here created a key')
    for (const answer of [api, alsoApi]) assert.deepEqual(answer, { status: 201, kid })
    assert.equal(direct.key.kid, kid)
  })
})

describe('parallel key rotations from the CLI and a server sharing a SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-rotation-'))
  const file = join(dir, 'latchkey.db')
  let server: TestServer
  let token: string
  before(async () => {
    server = await startTestServer({ db: `sqlite:${file}` })
    token = await managementToken(server)
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('three `latchkey keys rotate` processes and Management API rotations meanwhile leave one waiting key, named by every answer', async () => {
    const env = { ...envWithoutDb(), LATCHKEY_SECRET: TEST_SECRET }
    const cli = Promise.all(Array.from({ length: 3 }, () => runLatchkeyProcess(['keys', 'rotate', '--json', '--db', `sqlite:${file}`], { env })))
    let done = false
    const finished = () => {
      done = true
    }
    cli.then(finished, finished)
    // The server rotates again and again while the CLI processes start, rotate and exit.
    const api: { status: number; kid: string }[] = []
    while (!done) {
      api.push(...(await Promise.all([rotateThroughApi(server, token), rotateThroughApi(server, token)])))
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const results = await cli
    for (const r of results) assert.equal(r.code, 0, r.stderr)
    const cliKids = results.map((r) => (JSON.parse(r.stdout) as { kid: string }).kid)
    server.running.deps.keys.invalidate()
    const next = waiting(await server.running.deps.keys.statuses())
    assert.equal(next.length, 1, `one waiting key, not ${next.length}`)
    const kid = next[0]?.key.kid
    assert.ok(api.every((a) => a.status === 201 && a.kid === kid), 'every API answer names it')
    assert.deepEqual(cliKids, [kid, kid, kid], 'every CLI answer names it')
    assert.equal((await serverJwks(server)).keys.length, 2, 'current and next')
  })
})

const postgres = databases.find((db) => db.name === 'PostgreSQL')

describe('parallel key rotations at two servers on one PostgreSQL schema', { skip: postgres?.skip ?? 'no PostgreSQL backend' }, () => {
  let one: TestServer
  let two: TestServer
  before(async () => {
    const url = (postgres as NonNullable<typeof postgres>).url()
    // Two nodes of one deployment: one issuer (tokens of either are good at both).
    const issuer = 'http://localhost:9/'
    one = await startTestServer({ db: url, issuer })
    two = await startTestServer({ db: url, issuer })
  })
  after(async () => {
    await one?.close()
    await two?.close()
    await postgres?.cleanup()
  })

  it('four rotations at each server at once leave one waiting key, which both servers publish', async () => {
    const tokens = [await managementToken(one), await managementToken(two)]
    const before = (await serverJwks(one)).keys.length
    const answers = await Promise.all(
      [one, two].flatMap((server, i) => Array.from({ length: 4 }, () => rotateThroughApi(server, tokens[i] as string))),
    )
    const next = waiting(await one.running.deps.keys.statuses())
    assert.equal(next.length, 1, `one waiting key, not ${next.length}`)
    const kid = next[0]?.key.kid
    assert.ok(answers.every((a) => a.status === 201 && a.kid === kid), JSON.stringify(answers))
    for (const server of [one, two]) {
      server.running.deps.keys.invalidate()
      const kids = (await serverJwks(server)).keys.map((k) => k.kid)
      assert.equal(kids.length, before + 1)
      assert.ok(kids.includes(kid as string))
    }
  })

  it('both servers finding the key due at once: one rotates, the other finds its key waiting', async () => {
    // Let the waiting key of the test before take over, then age it past the schedule.
    for (const server of [one, two]) server.clock.advance(31 * 86_400_000)
    for (const server of [one, two]) server.running.deps.keys.invalidate()
    const rotated = await Promise.all([one, two, one, two].map((server) => server.running.deps.keys.rotateIfDue(30 * 86_400)))
    assert.equal(rotated.filter((r) => r !== null).length, 1, 'exactly one rotation')
    assert.equal(waiting(await two.running.deps.keys.statuses()).length, 1)
  })
})
