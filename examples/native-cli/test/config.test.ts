/** The CLI's settings: flag, else environment, else the demo's defaults; bad values are refused with a clear message. */
import assert from 'node:assert/strict'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { loadConfig, SCOPE } from '../src/config.js'
import { CliError } from '../src/errors.js'

describe('loadConfig', () => {
  it('defaults to the demo: Latchkey on localhost:3000, its native app and API, the API on localhost:4000', () => {
    const config = loadConfig({}, {})
    assert.equal(config.issuer, 'http://localhost:3000/')
    assert.equal(config.clientId, 'latchkey-demo-native')
    assert.equal(config.audience, 'https://api.example.com/appointments')
    assert.equal(config.apiUrl.href, 'http://localhost:4000/')
    assert.equal(config.tokenFile, join(homedir(), '.config', 'latchkey-appointments', 'tokens.json'))
    assert.equal(config.scope, SCOPE)
    assert.deepEqual(SCOPE.split(' '), ['openid', 'profile', 'email', 'offline_access', 'read:appointments', 'write:appointments'])
  })

  it('takes the environment over the defaults, and flags over the environment', () => {
    const env = { LATCHKEY_ISSUER: 'https://login.example.com', CLIENT_ID: 'env-app', API_AUDIENCE: 'urn:env', API_URL: 'https://api.example.com/v1', APPOINTMENTS_TOKEN_FILE: '/env/tokens.json' }
    const fromEnv = loadConfig({}, env)
    assert.equal(fromEnv.issuer, 'https://login.example.com/')
    assert.equal(fromEnv.clientId, 'env-app')
    assert.equal(fromEnv.audience, 'urn:env')
    assert.equal(fromEnv.apiUrl.href, 'https://api.example.com/v1/', 'a path gets its trailing slash, so api/appointments goes under it')
    assert.equal(fromEnv.tokenFile, '/env/tokens.json')
    const fromFlags = loadConfig({ issuer: 'https://other.example.com/', clientId: 'flag-app', audience: 'urn:flag', apiUrl: 'http://127.0.0.1:9', tokenFile: '/flag.json' }, env)
    assert.deepEqual([fromFlags.issuer, fromFlags.clientId, fromFlags.audience, fromFlags.apiUrl.href, fromFlags.tokenFile], ['https://other.example.com/', 'flag-app', 'urn:flag', 'http://127.0.0.1:9/', '/flag.json'])
    assert.equal(loadConfig({}, { CLIENT_ID: '  ' }).clientId, 'latchkey-demo-native', 'a blank value counts as unset')
  })

  it('resolves a relative token file from where the command was typed, and ~ from the home directory', () => {
    assert.equal(loadConfig({ tokenFile: 'tokens.json' }, { INIT_CWD: '/home/someone/project' }).tokenFile, '/home/someone/project/tokens.json')
    assert.equal(loadConfig({ tokenFile: '~/t.json' }, {}).tokenFile, join(homedir(), 't.json'))
  })

  it('refuses an http: issuer other than localhost, and values that are not http(s) URLs', () => {
    assert.throws(() => loadConfig({ issuer: 'http://login.example.com/' }, {}), (e: unknown) => e instanceof CliError && /must use https:/.test(e.message))
    assert.doesNotThrow(() => loadConfig({ issuer: 'http://127.0.0.1:3000/' }, {}))
    assert.throws(() => loadConfig({ issuer: 'not a url' }, {}), /The issuer \(--issuer, LATCHKEY_ISSUER\) is not a URL/)
    assert.throws(() => loadConfig({}, { API_URL: 'ftp://example.com' }), /The API URL \(--api-url, API_URL\) must be an http: or https: URL/)
  })
})
