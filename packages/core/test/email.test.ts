/** One form of an email address for lookup, uniqueness, rate-limit buckets and audit. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createInvitation, createOrganization, createUser, normalizeEmail, RegistrationError, updateUser } from '../src/index.js'

describe('normalizeEmail', () => {
  it('folds case, surrounding whitespace and Unicode compatibility forms into one address', () => {
    for (const variant of ['ada@example.com', 'Ada@Example.COM', '  ada@example.com\t', '\uff41da@example.com', 'ADA@EXAMPLE.COM\n', '\uff21\uff24\uff21@example.com'])
      assert.equal(normalizeEmail(variant), 'ada@example.com', JSON.stringify(variant))
  })

  it('is idempotent', () => {
    for (const value of ['Ada@Example.com', '\uff41@b.c', ' x@y.z ']) assert.equal(normalizeEmail(normalizeEmail(value)), normalizeEmail(value))
  })
})

describe('registration stores the normalised address', () => {
  it('createUser and updateUser', () => {
    const user = createUser({ email: ' \uff21da@Example.com ' }, 'hash', 0)
    assert.equal(user.email, 'ada@example.com')
    assert.equal(updateUser(user, { email: 'GRACE@example.COM' }, null, 1).email, 'grace@example.com')
  })

  it('refuses what is not an address once normalised', () => {
    assert.throws(() => createUser({ email: '   ' }, 'hash', 0), RegistrationError)
    assert.throws(() => createUser({ email: `${'a'.repeat(250)}@example.com` }, 'hash', 0), RegistrationError)
  })

  it("an invitation's invitee", () => {
    const org = createOrganization({ name: 'acme' }, 0)
    const app = { clientId: 'c', initiateLoginUri: 'https://app.example.com/login', grantTypes: ['authorization_code'], organizationUsage: 'allow' } as unknown as Parameters<typeof createInvitation>[2]
    const { record } = createInvitation({ email: '\uff21DA@example.com', clientId: 'c', inviterName: 'Bo' }, org, app, 0)
    assert.equal(record.inviteeEmail, 'ada@example.com')
  })
})
