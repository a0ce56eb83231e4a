/**
 * The console's forms as Management API bodies: what an administrator types becomes Auth0's shapes,
 * and what is wrong is said before anything is sent.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { apiBody, apiFormOf, applicationBody, applicationFormOf, lines, newApiForm, newApplicationForm, logQueryOf, scopesOf, userBody } from '../src/forms.js'

describe('an application form', () => {
  it("becomes POST /clients' body: the seed's single-page app with a callback and the code and refresh grants", () => {
    const form = { ...newApplicationForm('spa'), name: ' Seed SPA ', callbacks: 'http://localhost:4000/callback\n\n', web_origins: 'http://localhost:4000' }
    assert.deepEqual(applicationBody(form), {
      body: {
        name: 'Seed SPA',
        app_type: 'spa',
        callbacks: ['http://localhost:4000/callback'],
        allowed_logout_urls: [],
        web_origins: ['http://localhost:4000'],
        grant_types: ['authorization_code', 'refresh_token'],
        refresh_token: { rotation_type: 'rotating', expiration_type: 'expiring', token_lifetime: 2592000, idle_token_lifetime: 1296000 },
        organization_usage: 'deny',
      },
    })
  })

  it('leaves app_type out of an edit (it cannot change) and sends the require behaviour only with require', () => {
    const form = { ...newApplicationForm('regular_web'), name: 'Web', callbacks: 'https://app.example.com/cb', organization_usage: 'require' as const }
    const mapped = applicationBody(form, true)
    assert.ok('body' in mapped)
    assert.equal(mapped.body.app_type, undefined)
    assert.equal(mapped.body.organization_require_behavior, 'no_prompt')
  })

  it('a machine-to-machine app starts with client credentials only and needs no callback', () => {
    const mapped = applicationBody({ ...newApplicationForm('non_interactive'), name: 'Billing job' })
    assert.ok('body' in mapped)
    assert.deepEqual(mapped.body.grant_types, ['client_credentials'])
  })

  it('says what is wrong, field by field', () => {
    const mapped = applicationBody({
      ...newApplicationForm('spa'),
      name: '  ',
      callbacks: '',
      web_origins: 'http://localhost:4000/path',
      allowed_logout_urls: 'not a url',
      token_lifetime: '10',
    })
    assert.deepEqual(mapped, {
      errors: {
        name: 'Give the application a name.',
        callbacks: 'The Authorization Code grant needs at least one callback URL.',
        web_origins: 'An origin is scheme://host[:port], without a path: http://localhost:4000/path',
        allowed_logout_urls: 'Not a URL: not a url',
        token_lifetime: 'A whole number of seconds, at least 60.',
      },
    })
    assert.deepEqual(applicationBody({ ...newApplicationForm('spa'), name: 'x', callbacks: 'https://a.example/cb', grant_types: [] }), {
      errors: { grant_types: 'Choose at least one grant type.' },
    })
  })

  it("reads back from a client as the API answers it, and maps to the same settings", () => {
    const client = {
      name: 'Seed SPA',
      app_type: 'spa',
      callbacks: ['http://localhost:4000/callback'],
      allowed_logout_urls: ['http://localhost:4000/'],
      web_origins: ['http://localhost:4000'],
      grant_types: ['authorization_code', 'refresh_token'],
      refresh_token: { rotation_type: 'rotating', token_lifetime: 3600, idle_token_lifetime: 600 },
      organization_usage: 'allow',
    }
    const mapped = applicationBody(applicationFormOf(client), true)
    assert.ok('body' in mapped)
    assert.deepEqual(mapped.body.callbacks, client.callbacks)
    assert.deepEqual(mapped.body.allowed_logout_urls, client.allowed_logout_urls)
    assert.deepEqual(mapped.body.refresh_token, { rotation_type: 'rotating', expiration_type: 'expiring', token_lifetime: 3600, idle_token_lifetime: 600 })
    assert.equal(mapped.body.organization_usage, 'allow')
  })

  it('takes lists one a line or comma-separated', () => {
    assert.deepEqual(lines(' a ,b\n\n c '), ['a', 'b', 'c'])
  })
})

describe('an API form', () => {
  it("becomes POST /resource-servers' body: the seed's API with its scopes and offline access", () => {
    const form = { ...newApiForm(), name: 'Seed API', identifier: 'https://api.seed.example/', scopes: 'read:messages Read messages\nwrite:messages', allow_offline_access: true }
    assert.deepEqual(apiBody(form), {
      body: {
        name: 'Seed API',
        identifier: 'https://api.seed.example/',
        scopes: [
          { value: 'read:messages', description: 'Read messages' },
          { value: 'write:messages', description: 'write:messages' },
        ],
        allow_offline_access: true,
        token_lifetime: 86400,
        signing_alg: 'RS256',
        enforce_policies: false,
        token_dialect: 'access_token',
      },
    })
  })

  it('leaves the identifier out of an edit, and reads back what the API answers', () => {
    const api = { name: 'A', identifier: 'https://a.example/', scopes: [{ value: 'read:a', description: 'Read A' }], allow_offline_access: true, token_lifetime: 600, signing_alg: 'ES256', enforce_policies: true, token_dialect: 'access_token_authz' }
    const mapped = apiBody(apiFormOf(api), true)
    assert.ok('body' in mapped)
    assert.equal(mapped.body.identifier, undefined)
    assert.deepEqual(mapped.body.scopes, api.scopes)
    assert.equal(mapped.body.signing_alg, 'ES256')
    assert.equal(mapped.body.token_dialect, 'access_token_authz')
  })

  it('says what is wrong', () => {
    assert.deepEqual(apiBody({ ...newApiForm(), scopes: 'read:"x"', token_lifetime: 'soon' }), {
      errors: {
        name: 'Give the API a name.',
        identifier: 'The identifier is the audience apps ask tokens for, e.g. https://api.example.com/.',
        scopes: 'A scope has no spaces, quotes or backslashes: read:"x"',
        token_lifetime: 'A whole number of seconds, at least 1.',
      },
    })
    assert.deepEqual(scopesOf('  \n'), [])
  })
})

describe('a user form', () => {
  it("becomes POST /users' body: a user of Latchkey's database with a first password", () => {
    assert.deepEqual(userBody({ email: ' jane@example.com ', password: 'pw', name: 'Jane', email_verified: true }), {
      body: { email: 'jane@example.com', email_verified: true, name: 'Jane', connection: 'Username-Password-Authentication', password: 'pw' },
    })
  })

  it('edits the profile only, and says what is wrong', () => {
    assert.deepEqual(userBody({ email: 'jane@example.com', password: '', name: '', email_verified: false }, true), { body: { email: 'jane@example.com', email_verified: false } })
    assert.deepEqual(userBody({ email: 'jane', password: '', name: '', email_verified: false }), {
      errors: { email: 'An email address, like jane@example.com.', password: 'Give the user a first password (they can change it).' },
    })
  })
})

describe('the log filters', () => {
  it("become the Management API's q", () => {
    assert.deepEqual(logQueryOf({ type: 's, f', user_id: 'auth0|abc', client_id: '', from: '2026-01-01', to: '' }), {
      q: 'type:(s OR f) AND user_id:"auth0|abc" AND date:[2026-01-01 TO *]',
    })
    assert.deepEqual(logQueryOf({ type: 'fp', user_id: '', client_id: 'app"1', from: '', to: '' }), { q: 'type:fp AND client_id:"app\\"1"' })
    assert.deepEqual(logQueryOf({ type: '', user_id: '', client_id: '', from: '', to: '' }), { q: null })
  })

  it('say what is wrong', () => {
    assert.deepEqual(logQueryOf({ type: 's:x', user_id: '', client_id: '', from: '2026-02-01', to: '2026-01-01' }), {
      errors: { type: 'An event type is a code such as s, f or fp: s:x', to: 'The end comes before the start.' },
    })
  })
})
