import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RegistrationError } from '../src/registration/applications.js'
import {
  connectionLabel,
  connectionUserId,
  createConnection,
  DATABASE_CONNECTION,
  isConnectionId,
  isDatabaseConnection,
  isSocialStrategy,
  MAX_CONNECTION_OPTIONS_BYTES,
  SOCIAL_STRATEGIES,
  updateConnection,
} from '../src/registration/connections.js'
import { createConnectionUser, createUser } from '../src/registration/users.js'

const NOW = 1_700_000_000_000

describe('connections: registration', () => {
  it('creates a connection with a con_ id of 16 letters or digits, the client secret taken out of the options', () => {
    const { record, clientSecret } = createConnection(
      {
        name: 'acme-sso',
        displayName: ' Acme SSO ',
        strategy: 'oidc',
        options: { discovery_url: 'https://idp.example/.well-known/openid-configuration', client_id: 'lk', client_secret: 's3cret', scope: 'openid email' },
        enabledClients: ['client-b', 'client-a', 'client-b'],
        isDomainConnection: true,
        metadata: { tier: 'gold' },
      },
      NOW,
    )
    assert.match(record.id, /^con_[A-Za-z0-9]{16}$/)
    assert.equal(isConnectionId(record.id), true)
    assert.equal(clientSecret, 's3cret')
    assert.deepEqual(
      { ...record, id: 'x' },
      {
        id: 'x',
        name: 'acme-sso',
        displayName: 'Acme SSO',
        strategy: 'oidc',
        options: { discovery_url: 'https://idp.example/.well-known/openid-configuration', client_id: 'lk', scope: 'openid email' },
        sealedClientSecret: null,
        enabledClients: ['client-b', 'client-a'],
        isDomainConnection: true,
        metadata: { tier: 'gold' },
        createdAt: NOW,
        updatedAt: NOW,
      },
    )
    assert.equal(JSON.stringify(record).includes('s3cret'), false)
    assert.deepEqual(createConnection({ name: 'gh', strategy: 'github' }, NOW).clientSecret, null)
    assert.equal(connectionLabel(record), 'Acme SSO')
    assert.equal(connectionLabel({ name: 'gh', displayName: null }), 'gh')
  })

  it('follows Auth0’s name rule: letters, digits and "-" not first or last, at most 128', () => {
    for (const name of ['a', 'A1', 'acme-sso', 'a'.repeat(128), 'Username-Password-Authentication'])
      assert.equal(createConnection({ name, strategy: 'oidc' }, NOW).record.name, name)
    for (const name of ['', '-a', 'a-', 'a_b', 'a b', 'acmé', 'a.b', 'a'.repeat(129), ' a'])
      assert.throws(() => createConnection({ name, strategy: 'oidc' }, NOW), RegistrationError, JSON.stringify(name))
  })

  it('takes only the strategies Latchkey implements, and never a second database connection', () => {
    for (const strategy of ['oidc', 'google-oauth2', 'github', 'oauth2']) assert.equal(createConnection({ name: 'c', strategy }, NOW).record.strategy, strategy)
    assert.throws(() => createConnection({ name: 'c', strategy: 'samlp' }, NOW), /strategy: expected one of oidc, google-oauth2, github, oauth2/)
    assert.throws(() => createConnection({ name: 'c', strategy: 'auth0' }, NOW), /one database connection/)
  })

  it('bounds the display name, the metadata (10 keys, values up to 255) and the options (a JSON object)', () => {
    assert.throws(() => createConnection({ name: 'c', strategy: 'oidc', displayName: 'x'.repeat(129) }, NOW), /display_name must be at most 128/)
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']))
    assert.throws(() => createConnection({ name: 'c', strategy: 'oidc', metadata: eleven }, NOW), /at most 10 keys/)
    assert.throws(() => createConnection({ name: 'c', strategy: 'oidc', metadata: { k: 'x'.repeat(256) } }, NOW), /at most 255/)
    assert.throws(() => createConnection({ name: 'c', strategy: 'oidc', metadata: { ['k'.repeat(256)]: 'v' } }, NOW), /1–255/)
    assert.throws(() => createConnection({ name: 'c', strategy: 'oidc', options: { big: 'x'.repeat(MAX_CONNECTION_OPTIONS_BYTES) } }, NOW), /options must be at most/)
    assert.throws(() => createConnection({ name: 'c', strategy: 'oidc', options: [] as never }, NOW), RegistrationError)
    assert.throws(() => createConnection({ name: 'c', strategy: 'oidc', options: { client_secret: 42 } }, NOW), /client_secret must be a string/)
  })

  it('passes the options, without the secret, to the strategy’s own check', () => {
    const seen: unknown[] = []
    const { record } = createConnection({ name: 'c', strategy: 'github', options: { client_id: 'x', client_secret: 'y' } }, NOW, (strategy, options) => {
      seen.push(strategy, options)
      return { ...options, scope: 'read:user' }
    })
    assert.deepEqual(seen, ['github', { client_id: 'x' }])
    assert.deepEqual(record.options, { client_id: 'x', scope: 'read:user' })
    assert.throws(
      () =>
        createConnection({ name: 'c', strategy: 'github' }, NOW, () => {
          throw new RegistrationError('options.client_id is required')
        }),
      /client_id is required/,
    )
  })

  it('updates: options replaced as a whole, the secret kept unless given (null removes it), metadata merged, never the name or strategy', () => {
    const { record: created } = createConnection({ name: 'acme', strategy: 'oidc', options: { issuer: 'https://a.example/', client_secret: 'one' }, metadata: { a: '1', b: '2' } }, NOW)
    const current = { ...created, sealedClientSecret: 'sealed-one' }

    const kept = updateConnection(current, { options: { issuer: 'https://b.example/' }, metadata: { a: null, c: '3' }, displayName: 'Acme' }, NOW + 1)
    assert.equal(kept.clientSecret, undefined)
    assert.deepEqual(kept.record, { ...current, options: { issuer: 'https://b.example/' }, metadata: { b: '2', c: '3' }, displayName: 'Acme', updatedAt: NOW + 1 })

    const replaced = updateConnection(current, { options: { issuer: 'https://b.example/', client_secret: 'two' } }, NOW + 2)
    assert.equal(replaced.clientSecret, 'two')
    assert.equal(replaced.record.sealedClientSecret, 'sealed-one', 'the caller seals the new one')

    const removed = updateConnection(current, { options: { issuer: 'https://b.example/', client_secret: null } }, NOW + 3)
    assert.equal(removed.clientSecret, null)
    assert.equal(removed.record.sealedClientSecret, null)

    const untouched = updateConnection(current, { isDomainConnection: true, enabledClients: ['x', 'x', 'y'] }, NOW + 4)
    assert.deepEqual(untouched.record, { ...current, isDomainConnection: true, enabledClients: ['x', 'y'], updatedAt: NOW + 4 })
    assert.equal(updateConnection(current, { displayName: '' }, NOW).record.displayName, null)
    assert.throws(() => updateConnection(current, { name: 'renamed' } as never, NOW), /name cannot change/)
    assert.throws(() => updateConnection(current, { strategy: 'github' } as never, NOW), /strategy cannot change/)
    assert.equal(updateConnection(current, { name: 'acme', strategy: 'oidc' } as never, NOW).record.name, 'acme')
  })

  it('the database connection takes no options in Latchkey', () => {
    const database = { ...createConnection({ name: 'x', strategy: 'oidc' }, NOW).record, ...DATABASE_CONNECTION }
    assert.equal(isDatabaseConnection(database), true)
    assert.throws(() => updateConnection(database, { options: { passwordPolicy: 'good' } }, NOW), /takes no options/)
    assert.deepEqual(updateConnection(database, { options: {}, enabledClients: ['a'] }, NOW).record.enabledClients, ['a'])
  })
})

describe('connections: users', () => {
  it('gives upstream users Auth0’s ids for their strategy', () => {
    assert.equal(connectionUserId({ name: 'acme', strategy: 'oidc' }, '248289761001'), 'oidc|acme|248289761001')
    assert.equal(connectionUserId({ name: 'google', strategy: 'google-oauth2' }, '1093'), 'google-oauth2|1093')
    assert.equal(connectionUserId({ name: 'github', strategy: 'github' }, '583231'), 'github|583231')
    assert.equal(connectionUserId({ name: 'corp', strategy: 'oauth2' }, 'u-1'), 'oauth2|corp|u-1')
    assert.throws(() => connectionUserId({ name: DATABASE_CONNECTION.name, strategy: 'auth0' }, 'x'))
  })

  it('Google, GitHub and custom OAuth 2.0 connections are social (Auth0’s isSocial); OpenID ones and the database are not', () => {
    assert.deepEqual([...SOCIAL_STRATEGIES].sort(), ['github', 'google-oauth2', 'oauth2'])
    assert.deepEqual((['auth0', 'oidc', 'google-oauth2', 'github', 'oauth2'] as const).map(isSocialStrategy), [false, false, true, true, true])
  })

  it('database users belong to Username-Password-Authentication; upstream users have no password and their connection', () => {
    assert.equal(createUser({ email: 'ada@example.com' }, '$argon2id$…', NOW).connection, DATABASE_CONNECTION.name)
    const user = createConnectionUser(
      { id: 'oidc|acme|1', connection: 'acme', profile: { email: ' Ada@Example.COM ', emailVerified: true, name: ' Ada ', givenName: '', picture: null } },
      NOW,
    )
    assert.deepEqual(user, {
      id: 'oidc|acme|1',
      email: 'ada@example.com',
      emailVerified: true,
      name: 'Ada',
      givenName: null,
      familyName: null,
      nickname: null,
      picture: null,
      userMetadata: {},
      appMetadata: {},
      passwordHash: null,
      connection: 'acme',
      blocked: false,
      lastLoginAt: null,
      loginsCount: 0,
      createdAt: NOW,
      updatedAt: NOW,
    })
    const noEmail = createConnectionUser({ id: 'github|2', connection: 'github', profile: { emailVerified: true } }, NOW)
    assert.equal(noEmail.email, '')
    assert.equal(noEmail.emailVerified, false, 'no address, nothing verified')
    assert.throws(() => createConnectionUser({ id: 'auth0|x', connection: DATABASE_CONNECTION.name, profile: {} }, NOW), RegistrationError)
  })
})
