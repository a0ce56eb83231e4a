/**
 * The connection form as Management API bodies: what each strategy needs, the write-only client
 * secret (sent only when typed, so an edit that leaves it empty keeps the stored one), options the
 * form does not show carried over on edit, and the database connection's trickle migration.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { connectionBody, connectionFormOf, newConnectionForm } from '../src/connection-forms.js'
import { duration } from '../src/pages/settings.js'

describe('a connection form', () => {
  it('becomes POST /connections for an OIDC provider: issuer, client id and secret, scopes', () => {
    const form = { ...newConnectionForm('oidc'), name: 'acme-okta', display_name: 'Acme', issuer: 'https://acme.okta.com/', client_id: 'abc', client_secret: 's3cret' }
    assert.deepEqual(connectionBody(form), {
      body: {
        name: 'acme-okta',
        strategy: 'oidc',
        display_name: 'Acme',
        options: { client_id: 'abc', scope: 'openid profile email', issuer: 'https://acme.okta.com/', client_secret: 's3cret' },
      },
    })
  })

  it('sends a discovery document URL as discovery_url, and domain aliases as a list', () => {
    const form = {
      ...newConnectionForm('oidc'),
      name: 'corp',
      issuer: 'https://id.corp.example/.well-known/openid-configuration',
      client_id: 'x',
      domain_aliases: 'corp.example\nexample.org',
    }
    const mapped = connectionBody(form)
    assert.ok('body' in mapped)
    assert.deepEqual(mapped.body.options, {
      client_id: 'x',
      scope: 'openid profile email',
      discovery_url: 'https://id.corp.example/.well-known/openid-configuration',
      domain_aliases: ['corp.example', 'example.org'],
    })
  })

  it('says what is missing before sending anything', () => {
    assert.deepEqual(connectionBody(newConnectionForm('oidc')), {
      errors: { name: 'Give the connection a name, e.g. acme-okta.', client_id: 'The client ID the provider gave Latchkey.', issuer: 'Required.' },
    })
    const bad = connectionBody({ ...newConnectionForm('oauth2'), name: '-bad', client_id: 'c', authorization_endpoint: 'nope', token_endpoint: 'https://p/t', userinfo_endpoint: 'https://p/u' })
    assert.ok('errors' in bad)
    assert.match(bad.errors.name ?? '', /Letters, digits/)
    assert.equal(bad.errors.authorization_endpoint, 'Not a URL: nope')
  })

  it('edits keep the options the form does not show, and the secret unless one is typed', () => {
    const current = {
      id: 'con_1',
      name: 'acme-okta',
      display_name: 'Acme',
      strategy: 'oidc',
      options: { issuer: 'https://acme.okta.com/', client_id: 'abc', scope: 'openid email', trust_upstream_mfa: true },
    }
    const form = connectionFormOf(current)
    assert.equal(form.client_secret, '', 'the secret is never shown')
    assert.equal(form.scope, 'openid email')
    const kept = connectionBody({ ...form, client_id: 'def' }, current)
    assert.deepEqual(kept, {
      body: { display_name: 'Acme', options: { issuer: 'https://acme.okta.com/', client_id: 'def', scope: 'openid email', trust_upstream_mfa: true } },
    })
    const replaced = connectionBody({ ...form, client_secret: 'new' }, current)
    assert.ok('body' in replaced)
    assert.equal((replaced.body.options as Record<string, unknown>).client_secret, 'new')
    assert.equal(replaced.body.name, undefined, 'a name never changes')
  })

  it('github: the Enterprise Server URL only when given; google: client id and secret', () => {
    const github = connectionBody({ ...newConnectionForm('github'), name: 'gh', client_id: 'Iv1', client_secret: 'x' })
    assert.deepEqual(github, { body: { name: 'gh', strategy: 'github', options: { client_id: 'Iv1', client_secret: 'x' } } })
    const google = connectionBody({ ...newConnectionForm('google-oauth2'), name: 'google', client_id: 'g.apps', client_secret: 'y' })
    assert.ok('body' in google)
    assert.deepEqual(google.body.options, { client_id: 'g.apps', scope: 'openid profile email', client_secret: 'y' })
  })

  it('the database connection: import mode with its Auth0 source, or neither', () => {
    const current = { id: 'con_db', name: 'Username-Password-Authentication', strategy: 'auth0', options: {} }
    const off = connectionBody(connectionFormOf(current), current)
    assert.deepEqual(off, { body: { display_name: '', options: { import_mode: false } } })
    const on = connectionBody({ ...connectionFormOf(current), import_mode: true, migration_domain: 'old.eu.auth0.com', migration_client_id: 'cid', client_secret: 'sec' }, current)
    assert.deepEqual(on, {
      body: { display_name: '', options: { import_mode: true, migration_source: { type: 'auth0', domain: 'old.eu.auth0.com', client_id: 'cid' }, client_secret: 'sec' } },
    })
    const missing = connectionBody({ ...connectionFormOf(current), import_mode: true }, current)
    assert.ok('errors' in missing)
    assert.ok(missing.errors.migration_domain && missing.errors.migration_client_id)
  })
})

describe('the settings page', () => {
  it('says durations as people do', () => {
    assert.equal(duration(7 * 86_400), '7 days')
    assert.equal(duration(3600), '1 hour')
    assert.equal(duration(900), '15 minutes')
    assert.equal(duration(90), '90 seconds')
  })
})
