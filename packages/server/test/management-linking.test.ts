/**
 * Account linking in the Management API (Auth0's POST /users/{id}/identities and DELETE
 * /users/{id}/identities/{provider}/{user_id}), over plain HTTP and through Auth0's ManagementClient
 * (v5): upstream users created in the store, a password user through the API; linking moves the
 * secondary user's identities to the primary user and deletes the secondary user; unlinking makes
 * the account its own user again; the primary identity stays; Auth0's error shapes for unknown users,
 * conflicts, malformed and mistyped bodies and a missing scope; each change audited.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { type ConnectionRecord, connectionUserId, createConnection, createConnectionUser, type UserRecord } from '@latchkey/core'
import { ManagementClient, ManagementError } from 'auth0'
import { managementScopes } from '../src/management/system-api.js'
import { type Answer, lastChange as lastChangeOf, managementCall, m2m as m2mFor } from './support/management.js'
import { startTestServer, type TestServer } from './support/harness.js'
import { proxyGlobalFetch } from './support/tls-proxy.js'

const DOMAIN = 'latchkey.test'
const ISSUER = `https://${DOMAIN}/`
const ALL = managementScopes().map((s) => s.value)
const DATABASE = 'Username-Password-Authentication'


const dir = mkdtempSync(join(tmpdir(), 'latchkey-linking-'))

describe('Management API: linking user accounts', () => {
  let server: TestServer
  let token: string
  let github: ConnectionRecord
  let acme: ConnectionRecord
  let dbUser: any

  const m2m = (scope: readonly string[]) => m2mFor(server, scope)

  const call = (method: string, path: string, body?: unknown, bearer = token): Promise<Answer> => managementCall(server, bearer, method, path, body)

  function assertError(r: Answer, statusCode: number, errorCode: string, message?: string | RegExp): void {
    const reasons: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict' }
    assert.equal(r.status, statusCode, r.text)
    assert.deepEqual(r.json, { statusCode, error: reasons[statusCode], message: r.json.message, errorCode })
    if (typeof message === 'string') assert.equal(r.json.message, message)
    else if (message) assert.match(r.json.message, message)
  }

  const lastChange = () => lastChangeOf(server)

  async function addConnection(name: string, strategy: 'github' | 'oidc', options: Record<string, unknown>): Promise<ConnectionRecord> {
    const { record } = createConnection({ name, strategy, options } as never, Date.now())
    await server.store.connections.insert(record)
    return record
  }

  /**
   * An upstream user as their first login leaves them: the user and their identity, whose user_id is
   * stored as Auth0 shows it (`acme|sub-1` for oidc, the bare id for GitHub).
   */
  async function upstreamUser(connection: ConnectionRecord, accountId: string, profileData: Record<string, unknown>): Promise<UserRecord> {
    const now = Date.now()
    const providerUserId = connection.strategy === 'github' ? accountId : `${connection.name}|${accountId}`
    const user = createConnectionUser({ id: connectionUserId(connection, accountId), connection: connection.name, profile: { email: profileData.email as string, emailVerified: true } }, now)
    await server.store.users.insert(user)
    await server.store.identities.insert({
      userId: user.id,
      connectionId: connection.id,
      provider: connection.strategy,
      providerUserId,
      isSocial: connection.strategy === 'github',
      profileData,
      createdAt: now,
      updatedAt: now,
    })
    return user
  }

  const users = (id: string) => `users/${encodeURIComponent(id)}`

  before(async () => {
    server = await startTestServer({ issuer: ISSUER, db: `sqlite:${join(dir, 'latchkey.db')}` })
    ;({ token } = await m2m(ALL))
    github = await addConnection('github', 'github', { client_id: 'Iv1.test' })
    acme = await addConnection('acme', 'oidc', { issuer: 'https://acme.example/', client_id: 'latchkey' })
    const created = await call('POST', 'users', { connection: DATABASE, email: 'grace@example.com', password: 'a long enough passphrase' })
    assert.equal(created.status, 201, created.text)
    dbUser = created.json
  })
  after(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('links an oidc user into a password user: 201 with the identities, the secondary user deleted, audited', async () => {
    const secondary = await upstreamUser(acme, 'sub-1', { sub: 'sub-1', email: 'grace@acme.example', email_verified: true, name: 'Grace Hopper' })
    const now = Date.now()
    const session = { idHash: 'linking-session-hash', sid: 'linking-sid', userId: secondary.id, authTime: now, createdAt: now, idleExpiresAt: now + 3_600_000, expiresAt: now + 86_400_000, endedAt: null, upstream: null }
    await server.store.sessions.insert(session)
    assert.ok(await server.store.sessions.findActive(session.idHash, now))
    const r = await call('POST', `${users(dbUser.user_id)}/identities`, { provider: 'oidc', user_id: 'acme|sub-1' })
    assert.equal(r.status, 201, r.text)
    assert.deepEqual(r.json, [
      { connection: DATABASE, provider: 'auth0', user_id: dbUser.user_id.slice('auth0|'.length), isSocial: false },
      { connection: 'acme', provider: 'oidc', user_id: 'acme|sub-1', isSocial: false, profileData: { sub: 'sub-1', email: 'grace@acme.example', email_verified: true, name: 'Grace Hopper' } },
    ])
    assert.equal(await server.store.users.get(secondary.id), null, 'the secondary user is gone')
    assertError(await call('GET', users(secondary.id)), 404, 'inexistent_user')
    assert.equal(await server.store.sessions.findActive(session.idHash, Date.now()), null, "the secondary user's sessions are gone with them")
    // The account now logs in as the primary user (the login finds the user by the identity).
    assert.equal((await server.store.identities.find(acme.id, 'acme|sub-1'))?.userId, dbUser.user_id)
    const shown = await call('GET', users(dbUser.user_id))
    assert.deepEqual(shown.json.identities, r.json)
    const event = await lastChange()
    assert.equal(event.details.action, 'user.linked')
    assert.equal(event.userId, dbUser.user_id)
    assert.equal(event.details.secondary_user_id, secondary.id)
  })

  it('links a github user with its connection_id, and refuses linking it again (409) or elsewhere (409)', async () => {
    const secondary = await upstreamUser(github, '583231', { id: 583231, login: 'octocat' })
    const r = await call('POST', `${users(dbUser.user_id)}/identities`, { provider: 'github', user_id: '583231', connection_id: github.id })
    assert.equal(r.status, 201, r.text)
    assert.deepEqual(
      r.json.map((i: { provider: string; user_id: string }) => `${i.provider}|${i.user_id}`),
      [dbUser.user_id, 'oidc|acme|sub-1', 'github|583231'],
    )
    assert.equal(await server.store.users.get(secondary.id), null)
    assertError(await call('POST', `${users(dbUser.user_id)}/identities`, { provider: 'github', user_id: '583231' }), 409, 'identity_conflict', 'The identity is already linked to this user.')
    const other = await upstreamUser(github, '1', { id: 1, login: 'mojombo' })
    assertError(await call('POST', `${users(other.id)}/identities`, { provider: 'oidc', user_id: 'acme|sub-1' }), 409, 'identity_conflict', /already linked to another user/)
    assert.equal((await server.store.identities.find(acme.id, 'acme|sub-1'))?.userId, dbUser.user_id, 'nothing moved')
  })

  it('refuses a user linked to itself, unknown users, a password user as the secondary, a wrong connection_id', async () => {
    const primary = await upstreamUser(github, '2', { id: 2, login: 'defunkt' })
    const secondary = await upstreamUser(github, '3', { id: 3, login: 'pjhyett' })
    assertError(await call('POST', `${users(primary.id)}/identities`, { provider: 'github', user_id: '2' }), 400, 'invalid_body', 'Main identity and the new one are the same.')
    assertError(await call('POST', `${users('github|404')}/identities`, { provider: 'github', user_id: '3' }), 404, 'inexistent_user')
    assertError(await call('POST', `${users(primary.id)}/identities`, { provider: 'github', user_id: '404' }), 404, 'inexistent_user', 'The secondary user does not exist.')
    assertError(await call('POST', `${users(primary.id)}/identities`, { provider: 'auth0', user_id: dbUser.user_id.slice(6) }), 400, 'operation_not_supported', /password user/)
    assertError(await call('POST', `${users(primary.id)}/identities`, { provider: 'github', user_id: '3', connection_id: acme.id }), 400, 'invalid_body', /connection_id/)
    assertError(await call('POST', `${users(primary.id)}/identities`, { link_with: 'eyJhbGciOi.x.y' }), 400, 'operation_not_supported', /link_with is not supported/)
    assert.ok(await server.store.users.get(secondary.id), 'refused links change nothing')
    assert.equal((await server.store.identities.find(github.id, '3'))?.userId, secondary.id)
    assert.ok(await server.store.users.get(dbUser.user_id))
  })

  it('refuses malformed and mistyped bodies in Auth0\'s shape', async () => {
    const path = `${users(dbUser.user_id)}/identities`
    assertError(await call('POST', path, {}), 400, 'invalid_body', "Payload validation error: 'Missing required property: provider'.")
    assertError(await call('POST', path, { provider: 'github' }), 400, 'invalid_body', "Payload validation error: 'Missing required property: user_id'.")
    assertError(await call('POST', path, { provider: 1, user_id: '583231' }), 400, 'invalid_body', /provider/)
    assertError(await call('POST', path, { provider: 'github', user_id: ['x'] }), 400, 'invalid_body', /user_id/)
    assertError(await call('POST', path, { provider: 'github', user_id: 'x', extra: true }), 400, 'invalid_body', /Additional properties not allowed: extra/)
    assertError(await call('POST', path, { provider: 'github', user_id: '' }), 400, 'invalid_body')
    const garbled = await call('POST', path, '{"provider":')
    assert.equal(garbled.status, 400, garbled.text)
    assert.equal(garbled.json.statusCode, 400)
    const array = await call('POST', path, [])
    assert.equal(array.status, 400, array.text)
  })

  it('unlinks an identity: 200 with the rest, the account its own user again, audited; the primary identity stays (400)', async () => {
    const r = await call('DELETE', `${users(dbUser.user_id)}/identities/oidc/${encodeURIComponent('acme|sub-1')}`)
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(
      r.json.map((i: { provider: string; user_id: string }) => `${i.provider}|${i.user_id}`),
      [dbUser.user_id, 'github|583231'],
    )
    const back = await call('GET', users('oidc|acme|sub-1'))
    assert.equal(back.status, 200, back.text)
    assert.equal(back.json.email, 'grace@acme.example', 'the profile comes from what the provider last sent')
    assert.equal(back.json.name, 'Grace Hopper')
    assert.deepEqual(back.json.identities, [{ connection: 'acme', provider: 'oidc', user_id: 'acme|sub-1', isSocial: false }])
    assert.equal((await server.store.identities.find(acme.id, 'acme|sub-1'))?.userId, 'oidc|acme|sub-1', 'the account logs in as its own user again')
    const event = await lastChange()
    assert.equal(event.details.action, 'user.unlinked')
    assert.equal(event.userId, dbUser.user_id)
    assert.equal(event.details.unlinked_user_id, 'oidc|acme|sub-1')

    assertError(await call('DELETE', `${users(dbUser.user_id)}/identities/auth0/${dbUser.user_id.slice(6)}`), 400, 'operation_not_supported', 'Main identity cannot be removed.')
    assertError(await call('DELETE', `${users('github|1')}/identities/github/1`), 400, 'operation_not_supported')
    assertError(await call('DELETE', `${users(dbUser.user_id)}/identities/oidc/${encodeURIComponent('acme|sub-1')}`), 404, 'inexistent_identity')
    assertError(await call('DELETE', `${users('github|404')}/identities/github/1`), 404, 'inexistent_user')
    assert.equal((await server.store.identities.find(github.id, '583231'))?.userId, dbUser.user_id)
  })

  it('unlinks from an upstream primary user and links back: the same id each time', async () => {
    const primary = 'github|2'
    assert.equal((await call('POST', `${users(primary)}/identities`, { provider: 'oidc', user_id: 'acme|sub-1' })).status, 201)
    assert.equal((await call('POST', `${users(primary)}/identities`, { provider: 'github', user_id: '3' })).status, 201)
    const shown = await call('GET', users(primary))
    assert.deepEqual(
      shown.json.identities.map((i: { provider: string; user_id: string }) => `${i.provider}|${i.user_id}`),
      ['github|2', 'oidc|acme|sub-1', 'github|3'],
      'the primary identity first, even with another account of the same connection linked',
    )
    const r = await call('DELETE', `${users(primary)}/identities/github/3`)
    assert.equal(r.status, 200, r.text)
    assert.deepEqual(
      r.json.map((i: { provider: string; user_id: string }) => `${i.provider}|${i.user_id}`),
      ['github|2', 'oidc|acme|sub-1'],
    )
    const back = await call('GET', users('github|3'))
    assert.equal(back.json.nickname, 'pjhyett')
    assert.equal(back.json.identities.length, 1)
  })

  it('needs update:users (403 insufficient_scope otherwise)', async () => {
    const reader = await m2m(['read:users'])
    assertError(await call('POST', `${users(dbUser.user_id)}/identities`, { provider: 'github', user_id: '3' }, reader.token), 403, 'insufficient_scope', 'Insufficient scope, expected any of: update:users')
    assertError(await call('DELETE', `${users(dbUser.user_id)}/identities/github/583231`, undefined, reader.token), 403, 'insufficient_scope', 'Insufficient scope, expected any of: update:users')
    assert.ok(await server.store.users.get('github|3'))
  })

  it('documents the routes in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${server.url}api/v2/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> }
    assert.deepEqual(Object.keys(doc.paths['/users/{id}/identities'] ?? {}), ['post'])
    assert.deepEqual(Object.keys(doc.paths['/users/{id}/identities/{provider}/{user_id}'] ?? {}), ['delete'])
  })

  describe("through Auth0's ManagementClient (v5)", () => {
    let management: ManagementClient
    let restoreFetch = () => {}

    before(async () => {
      const robot = await m2m(ALL)
      restoreFetch = proxyGlobalFetch(ISSUER, server.url)
      management = new ManagementClient({ domain: DOMAIN, clientId: robot.app.clientId, clientSecret: robot.secret })
    })
    after(() => restoreFetch())

    it('users.identities.link and users.identities.delete', async () => {
      const linked = await management.users.identities.link(dbUser.user_id, { provider: 'github', user_id: '3' })
      assert.deepEqual(
        linked.map((i) => `${i.provider}|${i.user_id}`),
        [dbUser.user_id, 'github|583231', 'github|3'],
      )
      await assert.rejects(management.users.get('github|3'), (err: unknown) => err instanceof ManagementError && err.statusCode === 404)
      const rest = await management.users.identities.delete(dbUser.user_id, 'github', '3')
      assert.deepEqual(
        (rest as { provider?: string; user_id?: string }[]).map((i) => `${i.provider}|${i.user_id}`),
        [dbUser.user_id, 'github|583231'],
      )
      assert.equal((await management.users.get('github|3')).user_id, 'github|3')
      await assert.rejects(management.users.identities.link(dbUser.user_id, { provider: 'github', user_id: '583231' }), (err: unknown) => {
        assert.ok(err instanceof ManagementError)
        assert.equal(err.statusCode, 409)
        assert.deepEqual(err.body, { statusCode: 409, error: 'Conflict', message: 'The identity is already linked to this user.', errorCode: 'identity_conflict' })
        return true
      })
      await assert.rejects(management.users.identities.delete(dbUser.user_id, 'auth0', dbUser.user_id.slice(6)), (err: unknown) => err instanceof ManagementError && err.statusCode === 400)
    })
  })
})
