import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { api, application, clientGrant, T0 } from '../fixtures.js'

const EC_KEY = { kty: 'EC', crv: 'P-256', kid: 'k1', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }
const OKP_KEY = { kty: 'OKP', crv: 'Ed25519', kid: 'k2', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }
const JWKS = { keys: [EC_KEY, OKP_KEY] }

export function clientGrantGuarantees(store: CurrentStore): void {
  it('clientGrants round-trip every field and find by application and audience exactly', async () => {
    const grant = clientGrant({ audience: 'https://api.example' })
    await store().clientGrants.insert(grant)
    assert.deepEqual(await store().clientGrants.get(grant.id), grant)
    assert.deepEqual(await store().clientGrants.find(grant.clientId, 'https://api.example'), grant)
    assert.equal(await store().clientGrants.find(grant.clientId, 'https://api.example/'), null)
    assert.equal(await store().clientGrants.find('other-client', 'https://api.example'), null)
    assert.equal(await store().clientGrants.get('cgr_missing'), null)
  })

  it('clientGrants.insert rejects a second grant for the same application and API with ConflictError', async () => {
    const grant = clientGrant()
    await store().clientGrants.insert(grant)
    await assert.rejects(store().clientGrants.insert(clientGrant({ clientId: grant.clientId, audience: grant.audience })), ConflictError)
    await store().clientGrants.insert(clientGrant({ clientId: grant.clientId, audience: 'https://other.example/' }))
    assert.equal(await store().clientGrants.count({ clientId: grant.clientId }), 2)
  })

  it('clientGrants.list filters by application and audience, pages oldest first, and count counts', async () => {
    const a = clientGrant({ clientId: 'client-a', audience: 'https://one/', createdAt: T0 + 2 })
    const b = clientGrant({ clientId: 'client-a', audience: 'https://two/', createdAt: T0 })
    const c = clientGrant({ clientId: 'client-b', audience: 'https://one/', createdAt: T0 + 1 })
    for (const grant of [a, b, c]) await store().clientGrants.insert(grant)
    assert.deepEqual(await store().clientGrants.list(), [b, c, a])
    assert.deepEqual(await store().clientGrants.list({ clientId: 'client-a' }), [b, a])
    assert.deepEqual(await store().clientGrants.list({ audience: 'https://one/' }), [c, a])
    assert.deepEqual(await store().clientGrants.list({ clientId: 'client-a', audience: 'https://one/' }), [a])
    assert.deepEqual(await store().clientGrants.list({ page: 1, perPage: 2 }), [a])
    assert.equal(await store().clientGrants.count(), 3)
    assert.equal(await store().clientGrants.count({ audience: 'https://one/' }), 2)
    assert.equal(await store().clientGrants.count({ clientId: 'nobody' }), 0)
  })

  it('clientGrants.update replaces the scope only, and returns null for an unknown grant', async () => {
    const grant = clientGrant()
    await store().clientGrants.insert(grant)
    const updated = await store().clientGrants.update(grant.id, { scope: ['read:things'], updatedAt: T0 + 5 })
    assert.deepEqual(updated, { ...grant, scope: ['read:things'], updatedAt: T0 + 5 })
    assert.deepEqual(await store().clientGrants.get(grant.id), updated)
    assert.deepEqual(await store().clientGrants.update(grant.id, {}), updated)
    assert.equal(await store().clientGrants.update('cgr_missing', { scope: [] }), null)
  })

  it('clientGrants.delete removes the grant and reports whether it existed', async () => {
    const grant = clientGrant()
    await store().clientGrants.insert(grant)
    assert.equal(await store().clientGrants.delete(grant.id), true)
    assert.equal(await store().clientGrants.delete(grant.id), false)
    assert.equal(await store().clientGrants.find(grant.clientId, grant.audience), null)
  })

  it('deleting an application deletes its client grants, and only its own', async () => {
    const app = application({ appType: 'non_interactive', grantTypes: ['client_credentials'], callbacks: [] })
    await store().applications.insert(app)
    const mine = clientGrant({ clientId: app.clientId })
    const other = clientGrant()
    for (const grant of [mine, other]) await store().clientGrants.insert(grant)
    assert.equal(await store().applications.delete(app.clientId), true)
    assert.equal(await store().clientGrants.get(mine.id), null)
    assert.deepEqual(await store().clientGrants.get(other.id), other)
  })

  it('deleting an API deletes the client grants for it, and only those', async () => {
    const record = api()
    await store().apis.insert(record)
    const forIt = clientGrant({ audience: record.identifier })
    const forOther = clientGrant({ audience: `${record.identifier}other` })
    for (const grant of [forIt, forOther]) await store().clientGrants.insert(grant)
    assert.equal(await store().apis.delete(record.id), true)
    assert.equal(await store().clientGrants.get(forIt.id), null)
    assert.deepEqual(await store().clientGrants.get(forOther.id), forOther)
    assert.equal(await store().apis.delete(record.id), false)
  })

  it('applications keep the public keys of a private_key_jwt client; null in a patch removes them', async () => {
    const app = application({ appType: 'non_interactive', tokenEndpointAuthMethod: 'private_key_jwt', grantTypes: ['client_credentials'], callbacks: [], jwks: JWKS })
    const plain = application()
    for (const record of [app, plain]) await store().applications.insert(record)
    assert.deepEqual(await store().applications.get(app.clientId), app)
    assert.equal('jwks' in ((await store().applications.get(plain.clientId)) ?? {}), false)
    const rotated = { keys: [OKP_KEY] }
    assert.deepEqual(await store().applications.update(app.clientId, { jwks: rotated }), { ...app, jwks: rotated })
    const cleared = await store().applications.update(app.clientId, { jwks: null, tokenEndpointAuthMethod: 'client_secret_post', clientSecretHash: 'aGFzaA' })
    const { jwks: _gone, ...withoutKeys } = app
    assert.deepEqual(cleared, { ...withoutKeys, tokenEndpointAuthMethod: 'client_secret_post', clientSecretHash: 'aGFzaA' })
    assert.deepEqual(await store().applications.get(app.clientId), cleared)
  })

  it('applications.update to a method other than private_key_jwt drops the keys even when the patch does not say so', async () => {
    const app = application({ appType: 'non_interactive', tokenEndpointAuthMethod: 'private_key_jwt', grantTypes: ['client_credentials'], callbacks: [], jwks: JWKS })
    await store().applications.insert(app)
    assert.deepEqual((await store().applications.update(app.clientId, { name: 'Renamed' }))?.jwks, JWKS, 'other changes keep them')
    const moved = await store().applications.update(app.clientId, { tokenEndpointAuthMethod: 'client_secret_basic', clientSecretHash: 'aGFzaA' })
    assert.equal(moved !== null && 'jwks' in moved, false)
  })
}
