/**
 * Users' tokens for the Management API (authorization/management-api.ts): only the admin console's
 * app may ask one, only for a user holding some of the API's scopes, and the token's API scopes are
 * all the scopes the user holds, whatever was requested.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ADMIN_CONSOLE_CLIENT_ID, managementApiScope, mayRequestUserToken } from '../src/authorization/management-api.js'
import { AccessDenied } from '../src/errors.js'
import type { ApiRecord } from '../src/records.js'

const system = {
  identifier: 'https://issuer.example.com/api/v2/',
  isSystem: true,
  scopes: ['read:clients', 'create:clients', 'read:users'].map((value) => ({ value, description: value })),
} as unknown as ApiRecord
const other = { ...system, identifier: 'https://api.example.com/', isSystem: false } as ApiRecord
const console_ = { clientId: ADMIN_CONSOLE_CLIENT_ID }

describe('Management API user tokens', () => {
  it('only the admin console may ask one; any app may ask a token for other APIs', () => {
    assert.equal(mayRequestUserToken(console_, system), true)
    assert.equal(mayRequestUserToken({ clientId: 'app_1' }, system), false)
    assert.equal(mayRequestUserToken({ clientId: 'app_1' }, other), true)
  })

  it("the scope is the OpenID scopes asked for and every API scope the user holds, in the API's order", () => {
    const held = new Set(['read:users', 'read:clients', 'read:elsewhere'])
    assert.deepEqual(managementApiScope(console_, system, ['openid', 'offline_access', 'create:clients'], held), ['openid', 'offline_access', 'read:clients', 'read:users'])
  })

  it('is access_denied for another app, and for a user holding none of its scopes', () => {
    assert.throws(() => managementApiScope({ clientId: 'app_1' }, system, ['openid'], new Set(['read:users'])), (err) => err instanceof AccessDenied && /not available to this application/.test(err.description))
    assert.throws(() => managementApiScope(console_, system, ['openid', 'read:users'], new Set()), (err) => err instanceof AccessDenied && /not an administrator/.test(err.description))
  })
})
