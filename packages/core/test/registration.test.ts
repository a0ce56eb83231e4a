/**
 * Registration rules that keep identifiers out of the caller's hands (RFC 9700 §2.6, §4.15): client
 * ids, client secrets and user ids are generated, never taken from input, so no client can choose an
 * identifier that collides with, or impersonates, another client or user.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApplication, createUser, sha256 } from '../src/index.js'

describe('registration', () => {
  it('generates the client id and ignores one passed in the input', () => {
    const input = { name: 'App', type: 'spa', callbacks: ['https://app.example.com/cb'], clientId: 'chosen-by-attacker', client_id: 'chosen' } as never
    const a = createApplication(input, 0).record
    const b = createApplication(input, 0).record
    assert.notEqual(a.clientId, 'chosen-by-attacker')
    assert.notEqual(a.clientId, 'chosen')
    assert.notEqual(a.clientId, b.clientId)
    assert.match(a.clientId, /^[A-Za-z0-9]{32}$/)
  })

  it('generates a confidential client\'s secret and keeps only its SHA-256', () => {
    const { record, clientSecret } = createApplication({ name: 'Web', type: 'regular_web', callbacks: ['https://app.example.com/cb'] }, 0)
    assert.ok(clientSecret && clientSecret.length >= 64)
    assert.equal(record.clientSecretHash, sha256(clientSecret))
    assert.ok(!JSON.stringify(record).includes(clientSecret))
  })

  it('keeps a migrated client_id and secret only when the admin import passes them apart, checked', () => {
    const web = { name: 'Web', type: 'regular_web', callbacks: ['https://app.example.com/cb'] }
    const given = { clientId: '9fX2kQeLr7Hn3TzWb5YcUa1VdGmPo8Js', clientSecret: 'old-tenant-secret-0123456789' }
    const { record, clientSecret } = createApplication(web, 0, {}, given)
    assert.deepEqual([record.clientId, clientSecret, record.clientSecretHash], [given.clientId, given.clientSecret, sha256(given.clientSecret)])
    assert.throws(() => createApplication(web, 0, {}, { clientId: '-rf' }), /clientId: /)
    assert.throws(() => createApplication(web, 0, {}, { clientId: 'a b' }), /clientId: /)
    assert.throws(() => createApplication(web, 0, {}, { clientSecret: 'short' }), /clientSecret: 16–512/)
    assert.throws(() => createApplication({ ...web, type: 'spa' }, 0, {}, { clientSecret: given.clientSecret }), /clientSecret: a none application has no client secret/)
  })

  it('generates user ids (auth0|<24 hex>) and ignores an id or sub passed in the input', () => {
    const input = { email: 'A@Example.com', id: 'auth0|admin', sub: 'auth0|admin', user_id: 'auth0|admin' } as never
    const a = createUser(input, 'hash', 0)
    const b = createUser(input, 'hash', 0)
    assert.match(a.id, /^auth0\|[0-9a-f]{24}$/)
    assert.notEqual(a.id, 'auth0|admin')
    assert.notEqual(a.id, b.id)
    assert.equal(a.email, 'a@example.com')
  })
})
