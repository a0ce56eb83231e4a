import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApplication } from '../src/registration/applications.js'
import { checkRegisteredUrl, isRegisteredRedirectUri, resolveRedirectUri } from '../src/redirect-uri.js'

const spa = createApplication({ name: 'spa', type: 'spa', callbacks: ['https://app.example.com/callback'] }, 0).record
const native = createApplication({ name: 'native', type: 'native', callbacks: ['http://127.0.0.1/cb', 'http://[::1]/cb', 'com.example.app:/callback'] }, 0).record

describe('redirect URIs (RFC 9700 §2.1, RFC 8252 §7.3)', () => {
  it('matches registered callbacks by exact string only', () => {
    assert.equal(isRegisteredRedirectUri(spa, 'https://app.example.com/callback'), true)
    for (const variant of [
      'https://app.example.com/callback/',
      'https://app.example.com/callback?x=1',
      'https://app.example.com/Callback',
      'https://APP.example.com/callback',
      'https://app.example.com:443/callback',
      'https://app.example.com.evil.com/callback',
      'https://user@app.example.com/callback',
      'https://app.example.com/callback/../callback',
      'https://app.example.com/callback#x',
      'http://app.example.com/callback',
    ]) {
      assert.equal(isRegisteredRedirectUri(spa, variant), false, variant)
    }
  })

  it('lets a native app\'s loopback callback use any port, and only that', () => {
    assert.equal(isRegisteredRedirectUri(native, 'http://127.0.0.1:51234/cb'), true)
    assert.equal(isRegisteredRedirectUri(native, 'http://[::1]:8123/cb'), true)
    assert.equal(isRegisteredRedirectUri(native, 'http://127.0.0.1:51234/other'), false)
    assert.equal(isRegisteredRedirectUri(native, 'http://localhost:51234/cb'), false)
    assert.equal(isRegisteredRedirectUri(native, 'https://127.0.0.1:51234/cb'), false)
    assert.equal(isRegisteredRedirectUri(native, 'com.example.app:/callback'), true)
    const spaLoopback = createApplication({ name: 's', type: 'spa', callbacks: ['http://127.0.0.1/cb'] }, 0).record
    assert.equal(isRegisteredRedirectUri(spaLoopback, 'http://127.0.0.1:5000/cb'), false, 'not for single-page apps')
  })

  it('resolves a missing redirect_uri only when exactly one callback is registered', () => {
    assert.deepEqual(resolveRedirectUri(spa, undefined), { ok: true, uri: 'https://app.example.com/callback', provided: false })
    assert.equal(resolveRedirectUri(native, undefined).ok, false)
  })

  it('accepts a web origin as redirect_uri only for response_mode=web_message (Auth0 silent authentication)', () => {
    const app = createApplication({ name: 'w', type: 'spa', callbacks: ['https://app.example.com/cb'], webOrigins: ['https://app.example.com'] }, 0).record
    assert.equal(resolveRedirectUri(app, 'https://app.example.com', { webMessage: true }).ok, true)
    assert.equal(resolveRedirectUri(app, 'https://app.example.com').ok, false)
    assert.equal(resolveRedirectUri(app, 'https://other.example.com', { webMessage: true }).ok, false)
  })

  it('refuses dangerous or plain-http registrations', () => {
    assert.match(checkRegisteredUrl('javascript:alert(1)', 'callback', 'native') ?? '', /forbidden/)
    assert.match(checkRegisteredUrl('http://app.example.com/cb', 'callback', 'spa') ?? '', /https/)
    assert.equal(checkRegisteredUrl('http://localhost:3000/cb', 'callback', 'spa'), null)
    assert.match(checkRegisteredUrl('https://a.example.com/cb#frag', 'callback', 'spa') ?? '', /fragment/)
    assert.match(checkRegisteredUrl('com.example.app:/cb', 'callback', 'spa') ?? '', /https/)
    assert.equal(checkRegisteredUrl('com.example.app:/cb', 'callback', 'native'), null)
  })
})
