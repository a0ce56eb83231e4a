/**
 * Registering machine-to-machine access: client grants (an m2m application, an API, some of its
 * scopes), the public keys of `private_key_jwt` applications (public parts only, accepted algorithms
 * only), and the rules tying authentication methods, secrets and keys together.
 */
import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { describe, it } from 'node:test'
import { createApi } from '../src/registration/apis.js'
import { createApplication, RegistrationError, rotateClientSecret, updateApplication } from '../src/registration/applications.js'
import { createClientGrant, newClientGrantId, updateClientGrant } from '../src/registration/client-grants.js'
import { checkClientJwks } from '../src/registration/client-jwks.js'

const NOW = 1_700_000_000_000
const m2m = createApplication({ name: 'Cron', type: 'm2m' }, NOW).record
const spa = createApplication({ name: 'SPA', type: 'spa', callbacks: ['https://app.example.com/cb'] }, NOW).record
const api = createApi({ name: 'Billing', identifier: 'https://billing.example.com/', scopes: ['read:invoices', 'write:invoices'] }, NOW)

const publicJwk = (type: 'rsa' | 'ec' | 'ed25519', options: object = {}) => {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048, ...options })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256', ...options })
        : generateKeyPairSync('ed25519')
  return { publicJwk: pair.publicKey.export({ format: 'jwk' }), privateJwk: pair.privateKey.export({ format: 'jwk' }) }
}
const rsa = publicJwk('rsa')
const ec = publicJwk('ec')
const ed = publicJwk('ed25519')

const rejects = (fn: () => unknown, message: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof RegistrationError && message.test(err.message))

describe('client grants', () => {
  it('gives an m2m application some scopes of an API, with an Auth0-shaped id', () => {
    const grant = createClientGrant({ clientId: m2m.clientId, audience: api.identifier, scope: [' read:invoices', 'read:invoices', ''] }, { application: m2m, api }, NOW)
    assert.match(grant.id, /^cgr_[0-9A-Za-z]{16}$/)
    assert.deepEqual(grant, { id: grant.id, clientId: m2m.clientId, audience: api.identifier, scope: ['read:invoices'], createdAt: NOW, updatedAt: NOW })
    assert.notEqual(newClientGrantId(), newClientGrantId())
    assert.deepEqual(createClientGrant({ clientId: m2m.clientId, audience: api.identifier, scope: [] }, { application: m2m, api }, NOW).scope, [])
  })

  it('refuses scopes the API does not define, naming them and the ones it does', () => {
    rejects(
      () => createClientGrant({ clientId: m2m.clientId, audience: api.identifier, scope: ['read:invoices', 'admin'] }, { application: m2m, api }, NOW),
      /^scope: "admin" is not defined by the API https:\/\/billing\.example\.com\/ \(its scopes are read:invoices, write:invoices\)$/,
    )
  })

  it('refuses a missing application or API, and applications that are not machine-to-machine', () => {
    rejects(() => createClientGrant({ clientId: 'nope', audience: api.identifier, scope: [] }, { application: null, api }, NOW), /^client_id: no application/)
    rejects(() => createClientGrant({ clientId: m2m.clientId, audience: 'https://x/', scope: [] }, { application: m2m, api: null }, NOW), /^audience: no API/)
    rejects(() => createClientGrant({ clientId: spa.clientId, audience: api.identifier, scope: [] }, { application: spa, api }, NOW), /machine-to-machine/)
    rejects(() => createClientGrant({ clientId: '', audience: api.identifier, scope: [] }, { application: m2m, api }, NOW), /^clientId: client_id is required/)
  })

  it('updates replace the scope, checked against the API again', () => {
    const grant = createClientGrant({ clientId: m2m.clientId, audience: api.identifier, scope: ['read:invoices'] }, { application: m2m, api }, NOW)
    assert.deepEqual(updateClientGrant(grant, { scope: ['write:invoices'] }, api, NOW + 1), { ...grant, scope: ['write:invoices'], updatedAt: NOW + 1 })
    rejects(() => updateClientGrant(grant, { scope: ['nope'] }, api, NOW), /not defined by the API/)
    rejects(() => updateClientGrant(grant, { scope: [] }, null, NOW), /^audience: no API/)
  })
})

describe('client public keys (private_key_jwt)', () => {
  it('keeps the public members of RSA (2048+), P-256 and Ed25519 keys, with kid, alg and use', () => {
    const jwks = checkClientJwks({ keys: [{ ...rsa.publicJwk, kid: 'r', alg: 'PS256', use: 'sig', x5t: 'ignored' }, { ...ec.publicJwk, kid: 'e' }, { ...ed.publicJwk, kid: 'o', alg: 'EdDSA' }] })
    assert.deepEqual(
      jwks.keys.map((k) => Object.keys(k).sort()),
      [['alg', 'e', 'kid', 'kty', 'n', 'use'], ['crv', 'kid', 'kty', 'x', 'y'], ['alg', 'crv', 'kid', 'kty', 'x']],
    )
    assert.deepEqual(checkClientJwks(ec.publicJwk), { keys: [ec.publicJwk] }, 'one JWK alone is a set of one')
  })

  it('refuses private keys, naming the private members, and symmetric keys', () => {
    rejects(() => checkClientJwks({ keys: [rsa.privateJwk] }), /^jwks\.keys\[0\]: the key has private or secret parts \(d, p, q, dp, dq, qi\)/)
    rejects(() => checkClientJwks(ed.privateJwk), /private or secret parts \(d\)/)
    rejects(() => checkClientJwks({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }), /private or secret parts \(k\)/)
  })

  it('refuses keys for algorithms client assertions may not use, and malformed ones', () => {
    rejects(() => checkClientJwks(publicJwk('rsa', { modulusLength: 1024 }).publicJwk), /at least 2048 bits/)
    rejects(() => checkClientJwks(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' })), /P-256/)
    rejects(() => checkClientJwks({ ...ec.publicJwk, alg: 'RS256' }), /alg "RS256" is not accepted for a EC key/)
    rejects(() => checkClientJwks({ ...ec.publicJwk, use: 'enc' }), /use must be "sig"/)
    rejects(() => checkClientJwks({ ...ec.publicJwk, x: 'AAAA' }), /not a valid EC public key/)
    rejects(() => checkClientJwks({ kty: 'EC', crv: 'P-256' }), /x is required/)
    rejects(() => checkClientJwks({ keys: [] }), /at least one/)
    rejects(() => checkClientJwks('{"keys":[]}'), /expected a JWK Set/)
    rejects(() => checkClientJwks({ keys: [ec.publicJwk, ed.publicJwk] }), /every key needs a kid/)
    rejects(() => checkClientJwks({ keys: [{ ...ec.publicJwk, kid: 'a' }, { ...ed.publicJwk, kid: 'a' }] }), /same kid/)
  })
})

describe('authentication methods of confidential applications', () => {
  const keys = { keys: [{ ...ec.publicJwk, kid: 'k1' }] }

  it('m2m apps get client_credentials, no callbacks, and a secret shown once', () => {
    const { record, clientSecret } = createApplication({ name: 'Cron', type: 'm2m' }, NOW)
    assert.deepEqual(record.grantTypes, ['client_credentials'])
    assert.deepEqual(record.callbacks, [])
    assert.equal(record.tokenEndpointAuthMethod, 'client_secret_post')
    assert.equal(typeof clientSecret, 'string')
  })

  it('private_key_jwt: no secret, public keys required, and only for regular web and m2m apps', () => {
    const { record, clientSecret } = createApplication({ name: 'Signer', type: 'm2m', authMethod: 'private_key_jwt', jwks: keys }, NOW)
    assert.equal(clientSecret, null)
    assert.equal(record.clientSecretHash, null)
    assert.deepEqual(record.jwks, keys)
    rejects(() => createApplication({ name: 'x', type: 'm2m', authMethod: 'private_key_jwt' }, NOW), /^jwks: private_key_jwt needs the public keys/)
    rejects(() => createApplication({ name: 'x', type: 'm2m', jwks: keys }, NOW), /^jwks: public keys are only for/)
    rejects(() => createApplication({ name: 'x', type: 'native', callbacks: ['com.example:/cb'], authMethod: 'private_key_jwt', jwks: keys }, NOW), /only regular web and machine-to-machine/)
  })

  it('only m2m applications may have the client_credentials grant', () => {
    rejects(() => createApplication({ name: 'x', type: 'regular', callbacks: ['https://a.example.com/cb'], grants: ['code', 'client_credentials'] }, NOW), /only machine-to-machine/)
  })

  it('an update may move a secret app to private_key_jwt (the secret goes) and replace its keys', () => {
    const { record } = createApplication({ name: 'Cron', type: 'm2m' }, NOW)
    rejects(() => updateApplication(record, { authMethod: 'private_key_jwt' }, NOW), /needs the public keys/)
    const moved = updateApplication(record, { authMethod: 'private_key_jwt', jwks: keys }, NOW + 1)
    assert.equal(moved.tokenEndpointAuthMethod, 'private_key_jwt')
    assert.equal(moved.clientSecretHash, null)
    const rotatedKeys = { keys: [{ ...ed.publicJwk, kid: 'k2' }] }
    assert.deepEqual(updateApplication(moved, { jwks: rotatedKeys }, NOW + 2).jwks, rotatedKeys)
    assert.deepEqual(updateApplication(moved, { name: 'Renamed' }, NOW + 2).jwks, keys, 'keys stay when not given')
    const basic = updateApplication(record, { authMethod: 'basic' }, NOW)
    assert.equal(basic.tokenEndpointAuthMethod, 'client_secret_basic')
    assert.equal(basic.clientSecretHash, record.clientSecretHash, 'between secret methods the secret stays')
  })

  it('back to a secret only through rotateClientSecret, which drops the keys', () => {
    const { record } = createApplication({ name: 'Signer', type: 'm2m', authMethod: 'private_key_jwt', jwks: keys }, NOW)
    rejects(() => updateApplication(record, { authMethod: 'post' }, NOW), /needs a new client secret/)
    rejects(() => rotateClientSecret(record, NOW), /has no client secret: name the secret method/)
    const { record: back, clientSecret } = rotateClientSecret(record, NOW + 1, 'basic')
    assert.equal(back.tokenEndpointAuthMethod, 'client_secret_basic')
    assert.equal(typeof clientSecret, 'string')
    assert.equal('jwks' in back, false)
  })
})
