/**
 * Role-based access control for an API, as Auth0 defines "Enable RBAC" (`enforce_policies`) and "Add
 * Permissions in the Access Token" (`token_dialect: access_token_authz`): the rule
 * (authorization/rbac.ts), then the refresh grant, where it runs again at every use.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeJwt, generateKeyPair } from 'jose'
import { authorizedScope, needsPermissions, permissionsClaim } from '../src/authorization/rbac.js'
import { checkPermissions, createRole, isRoleId, updateRole } from '../src/authorization/roles.js'
import type { GrantContext } from '../src/grants/grant.js'
import { refreshToken } from '../src/grants/refresh-token.js'
import { randomToken, sha256 } from '../src/opaque.js'
import type { ApiRecord, RefreshTokenRecord } from '../src/records.js'
import { createApi } from '../src/registration/apis.js'
import { createApplication, RegistrationError } from '../src/registration/applications.js'
import { createOrganization } from '../src/registration/organizations.js'
import { createUser } from '../src/registration/users.js'
import { MemoryGrantStore, permissionKey } from './support/memory-grant-store.js'

const NOW = 1_700_000_000_000
const ISSUER = 'https://login.example.com/'
const scopes = ['read:appointments', 'write:appointments', 'cancel:appointments']
const plain = createApi({ name: 'Appointments', identifier: 'https://appointments.example.com/', scopes, allowOfflineAccess: true }, NOW)
const rbac: ApiRecord = { ...plain, enforcePolicies: true }
const authz: ApiRecord = { ...plain, tokenDialect: 'access_token_authz' }
const both: ApiRecord = { ...plain, enforcePolicies: true, tokenDialect: 'access_token_authz' }
const REQUESTED = ['openid', 'profile', 'email', 'offline_access', 'read:appointments', 'write:appointments']

describe('RBAC: the rule (Auth0 "Enable RBAC" and "Add Permissions in the Access Token")', () => {
  it('without RBAC the scope is what was requested, and no permission is read', () => {
    assert.equal(needsPermissions(plain), false)
    assert.equal(needsPermissions(null), false)
    assert.deepEqual(authorizedScope(REQUESTED, plain, new Set()), REQUESTED)
    assert.equal(permissionsClaim(plain, new Set(['read:appointments'])), undefined)
  })

  it('with enforce_policies the API scopes are those requested AND allowed; OpenID Connect scopes and offline_access pass', () => {
    assert.equal(needsPermissions(rbac), true)
    assert.deepEqual(authorizedScope(REQUESTED, rbac, new Set(['read:appointments', 'cancel:appointments'])), ['openid', 'profile', 'email', 'offline_access', 'read:appointments'])
  })

  it('a user allowed none of the requested scopes keeps only the non-API ones (a token, not access_denied)', () => {
    assert.deepEqual(authorizedScope(REQUESTED, rbac, new Set()), ['openid', 'profile', 'email', 'offline_access'])
  })

  it('an _authz dialect adds every permission the user has for the API, requested or not, in the API\'s order', () => {
    assert.equal(needsPermissions(authz), true)
    const held = new Set(['cancel:appointments', 'read:appointments', 'gone:scope'])
    assert.deepEqual(permissionsClaim(authz, held), ['read:appointments', 'cancel:appointments'], 'a scope the API no longer defines grants nothing')
    assert.deepEqual(permissionsClaim({ ...plain, tokenDialect: 'rfc9068_profile_authz' }, new Set()), [])
    assert.equal(permissionsClaim({ ...plain, tokenDialect: 'rfc9068_profile' }, held), undefined)
    assert.deepEqual(authorizedScope(REQUESTED, authz, new Set()), REQUESTED, 'the claim alone narrows nothing')
  })
})

describe('RBAC: roles and permissions as registered', () => {
  it('a role id is rol_ and 16 letters and digits; names are trimmed and required', () => {
    const role = createRole({ name: '  receptionist ', description: 'Front desk' }, NOW)
    assert.ok(isRoleId(role.id) && /^rol_[A-Za-z0-9]{16}$/.test(role.id))
    assert.deepEqual({ ...role, id: '' }, { id: '', name: 'receptionist', description: 'Front desk', createdAt: NOW, updatedAt: NOW })
    assert.throws(() => createRole({ name: '  ' }, NOW), RegistrationError)
    assert.throws(() => createRole({ name: 'a\u0007b' }, NOW), RegistrationError)
    assert.equal(updateRole(role, { description: '' }, NOW + 1).description, '')
    assert.equal(updateRole(role, {}, NOW + 1).name, 'receptionist')
  })

  it('a permission must name an API and one of its scopes; duplicates are dropped', async () => {
    const apis = { findByIdentifier: async (id: string) => (id === plain.identifier ? plain : id === 'mgmt' ? { ...plain, identifier: 'mgmt', isSystem: true } : null) }
    const read = { apiIdentifier: plain.identifier, name: 'read:appointments' }
    assert.deepEqual(await checkPermissions([read, read], apis), [read])
    await assert.rejects(checkPermissions([{ apiIdentifier: 'https://nowhere/', name: 'x' }], apis), /resource server not found/)
    await assert.rejects(checkPermissions([{ apiIdentifier: plain.identifier, name: 'fly:appointments' }], apis), /is not a scope of/)
    await assert.rejects(checkPermissions([{ apiIdentifier: 'mgmt', name: 'read:appointments' }], apis), /not given through roles/)
    await assert.rejects(checkPermissions([], apis), /must not be empty/)
  })
})

describe('RBAC at the refresh grant: permissions are evaluated again at every refresh', () => {
  const spa = createApplication({ name: 'SPA', type: 'spa', callbacks: ['https://app.example.com/cb'] }, NOW).record
  const alice = createUser({ email: 'alice@example.com', name: 'Alice' }, 'hash', NOW)
  const acme = createOrganization({ name: 'acme' }, NOW)

  async function world(api: ApiRecord) {
    const { privateKey } = await generateKeyPair('RS256')
    const store = new MemoryGrantStore({ apis: [api], users: [alice], organizations: [acme], members: [[acme.id, alice.id]] })
    const ctx: GrantContext = { client: spa, store: store.store, issuer: ISSUER, clock: { now: () => NOW }, signingKey: async () => ({ kid: 'k', alg: 'RS256', key: privateKey }) }
    const token = randomToken()
    const record: RefreshTokenRecord = {
      grantId: 'grant-1', tokenHash: sha256(token), clientId: spa.clientId, userId: alice.id, scope: REQUESTED, audience: api.identifier,
      authTime: NOW - 1000, sid: 'sid', organization: null, createdAt: NOW - 1000, expiresAt: NOW + 86_400_000, grantExpiresAt: NOW + 86_400_000, rotatedAt: null, revokedAt: null,
    }
    store.refreshTokens.set(record.tokenHash, record)
    const refresh = async (t: string) => refreshToken.handle(ctx, refreshToken.parse(new Map([['refresh_token', [t]]])))
    return { store, token, refresh }
  }

  it('a removed role shrinks the next access token (200, not an error); given back, it counts again; the refresh token keeps the consented scope', async () => {
    const { store, token, refresh } = await world(both)
    const key = permissionKey(alice.id, both.identifier, null)
    store.permissions.set(key, ['read:appointments', 'write:appointments', 'cancel:appointments'])
    const first = await refresh(token)
    assert.equal(first.response.scope, 'openid profile email offline_access read:appointments write:appointments')
    const claims = decodeJwt(first.response.access_token)
    assert.equal(claims.scope, 'openid profile email offline_access read:appointments write:appointments')
    assert.deepEqual(claims.permissions, scopes, 'every permission held, requested or not')

    store.permissions.set(key, ['read:appointments'])
    const second = await refresh(first.response.refresh_token as string)
    assert.equal(second.response.scope, 'openid profile email offline_access read:appointments')
    assert.deepEqual(decodeJwt(second.response.access_token).permissions, ['read:appointments'])
    assert.deepEqual(store.refreshTokens.get(sha256(second.response.refresh_token as string))?.scope, REQUESTED, 'the grant keeps what was consented')

    store.permissions.set(key, ['read:appointments', 'write:appointments'])
    const third = await refresh(second.response.refresh_token as string)
    assert.equal(third.response.scope, 'openid profile email offline_access read:appointments write:appointments')
  })

  it('the ID token is not narrowed: RBAC is about the API', async () => {
    const { token, refresh } = await world(rbac)
    const result = await refresh(token)
    assert.equal(result.response.scope, 'openid profile email offline_access')
    assert.equal(decodeJwt(result.response.id_token as string).email, 'alice@example.com')
    assert.equal(decodeJwt(result.response.access_token).permissions, undefined, 'the plain dialect carries no permissions')
  })

  it('the organization of the grant is the one whose roles count', async () => {
    const { store, token, refresh } = await world(both)
    store.refreshTokens.set(sha256(token), { ...(store.refreshTokens.get(sha256(token)) as RefreshTokenRecord), organization: acme.id })
    store.permissions.set(permissionKey(alice.id, both.identifier, acme.id), ['write:appointments'])
    const result = await refresh(token)
    assert.equal(result.response.scope, 'openid profile email offline_access write:appointments')
  })
})
