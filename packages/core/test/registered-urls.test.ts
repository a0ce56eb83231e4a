/**
 * The URLs an application registers (callbacks, logout URLs, origins, the login URI): checked on the
 * string as typed, not only on what WHATWG `URL` makes of it. Each row is a value an attacker (or a
 * typo) could register, and why it is refused or accepted.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { AppType } from '../src/records.js'
import { createApplication, RegistrationError, updateApplication } from '../src/registration/applications.js'
import { checkRegisteredUrl, isLocalHost, type RegisteredUrlKind } from '../src/registration/registered-urls.js'

const HTTPS_ISSUER = { issuer: 'https://login.example.com/' }
const HTTP_ISSUER = { issuer: 'http://latchkey.test:3000/' }

/** Expects a RegistrationError whose message matches (the field name first). */
function refuses(fn: () => unknown, message: RegExp, label?: string): void {
  assert.throws(fn, (e: unknown) => e instanceof RegistrationError && message.test(e.message), label)
}

type Row = readonly [value: string, kind: RegisteredUrlKind, appType: AppType, reason: RegExp | null, rules?: { issuer?: string }]

const ROWS: readonly Row[] = [
  // Accepted.
  ['https://app.example.com/callback', 'callback', 'spa', null],
  ['https://app.example.com/cb?tenant=a&x=%20', 'callback', 'regular_web', null],
  ['https://app.example.com', 'logout', 'spa', null],
  ['https://app.example.com:8443/cb', 'callback', 'spa', null],
  ['http://localhost:8080/callback', 'callback', 'spa', null],
  ['http://localhost:3000/playground/callback', 'callback', 'spa', null],
  ['http://app.localhost/cb', 'callback', 'spa', null],
  ['http://127.0.0.1/callback', 'callback', 'native', null],
  ['http://127.8.9.10:9000/cb', 'callback', 'native', null],
  ['http://[::1]/cb', 'callback', 'native', null],
  ['com.example.app:/callback', 'callback', 'native', null],
  ['com.example.app://oauth/callback', 'callback', 'native', null],
  ['com.example.app:/logout', 'logout', 'native', null],
  ['https://app.example.com', 'origin', 'spa', null],
  ['https://app.example.com/', 'origin', 'spa', null],
  ['http://localhost:8080', 'origin', 'spa', null],
  ['http://app.example.com/cb', 'callback', 'spa', null, HTTP_ISSUER],
  ['http://app.example.com', 'origin', 'spa', null, HTTP_ISSUER],
  // Not what they look like: WHATWG URL would read them as https://evil.com/.
  ['https:evil.com', 'callback', 'spa', /must start with https:\/\/ \(it would be read as https:\/\/evil\.com\/\)/],
  ['https:/evil.com', 'callback', 'spa', /must start with https:\/\//],
  ['HTTPS:evil.com', 'callback', 'spa', /must start with https:\/\//],
  ['https:\\\\evil.com/cb', 'callback', 'spa', /backslash/],
  ['https://app.example.com\\@evil.com/cb', 'callback', 'spa', /backslash/],
  ['http:localhost/cb', 'callback', 'spa', /must start with http:\/\//],
  ['https:evil.com', 'origin', 'spa', /must start with https:\/\//],
  // Not in the form they denote.
  ['https://APP.example.com/cb', 'callback', 'spa', /must be written as https:\/\/app\.example\.com\/cb/],
  ['https://app.example.com:443/cb', 'callback', 'spa', /must be written as https:\/\/app\.example\.com\/cb/],
  ['https://app.example.com/a/../cb', 'callback', 'spa', /must be written as https:\/\/app\.example\.com\/cb/],
  ['https://ex%61mple.com/cb', 'callback', 'spa', /must be written as https:\/\/example\.com\/cb/],
  ['http://2130706433/cb', 'callback', 'native', /must be written as http:\/\/127\.0\.0\.1\/cb/],
  ['https://app.example.com/caf\u00e9', 'callback', 'spa', /must be written as https:\/\/app\.example\.com\/caf%C3%A9/],
  ['Com.Example.App:/cb', 'callback', 'native', /must be written as com\.example\.app:\/cb/],
  // Whitespace and control characters, wherever they are.
  ['https://app.example.com/cb\n', 'callback', 'spa', /"https:\/\/app\.example\.com\/cb\\u000a" must not contain whitespace or control characters/],
  [' https://app.example.com/cb', 'callback', 'spa', /whitespace or control characters/],
  ['https://app.example.com/cb ', 'logout', 'spa', /whitespace or control characters/],
  ['https://app.exa\tmple.com/cb', 'callback', 'spa', /\\u0009.*whitespace or control characters/],
  ['https://app.example.com/c\rb', 'callback', 'spa', /whitespace or control characters/],
  ['https://app.example.com/cb\u0000', 'callback', 'spa', /whitespace or control characters/],
  ['https://app.example.com/cb\u007f', 'callback', 'spa', /whitespace or control characters/],
  ['https://app.example.com/cb\u00a0', 'callback', 'spa', /whitespace or control characters/],
  ['https://app.example.com/cb\u2028', 'callback', 'spa', /whitespace or control characters/],
  ['https://app.example.com/\u200bcb', 'callback', 'spa', /whitespace or control characters/],
  ['https://app.example.com/\u202ebc', 'callback', 'spa', /whitespace or control characters/],
  ['https://app.example.com\u3000', 'origin', 'spa', /whitespace or control characters/],
  ['', 'callback', 'spa', /not an absolute URL/],
  ['/callback', 'callback', 'spa', /not an absolute URL/],
  ['not a url', 'callback', 'spa', /^"not a url" is not an absolute URL/],
  ['app.example.com/cb', 'callback', 'spa', /^app.example.com\/cb is not an absolute URL$/],
  ['\nnot a url', 'callback', 'spa', /^"\\u000anot a url" is not an absolute URL/],
  // Fragments and credentials.
  ['https://app.example.com/cb#frag', 'callback', 'spa', /must not contain a fragment/],
  ['https://app.example.com/cb#', 'logout', 'spa', /must not contain a fragment/],
  ['https://user:pass@app.example.com/cb', 'callback', 'spa', /user name or password/],
  ['https://user@app.example.com/cb', 'callback', 'spa', /user name or password/],
  ['https://@app.example.com/cb', 'callback', 'spa', /user name or password/],
  ['com.example.app://user@host/cb', 'callback', 'native', /user name or password/],
  // http: only on this device, unless the issuer itself is http.
  ['http://app.example.com/cb', 'callback', 'spa', /must use https \(http is allowed only for localhost and loopback addresses/],
  ['http://app.example.com/cb', 'callback', 'spa', /must use https/, HTTPS_ISSUER],
  ['http://app.example.com/', 'logout', 'regular_web', /must use https/, HTTPS_ISSUER],
  ['http://app.example.com', 'origin', 'spa', /must use https/, HTTPS_ISSUER],
  ['http://10.0.0.7/cb', 'callback', 'native', /must use https/, HTTPS_ISSUER],
  ['http://localhost.evil.com/cb', 'callback', 'spa', /must use https/, HTTPS_ISSUER],
  ['http://127.0.0.1.evil.com/cb', 'callback', 'spa', /must use https/, HTTPS_ISSUER],
  // Schemes: a native app's own, in reverse-domain form, and nothing dangerous for anyone.
  ['com.example.app:/callback', 'callback', 'spa', /must use https \(only native applications may use their own URI scheme\)/],
  ['com.example.app:/callback', 'callback', 'regular_web', /must use https/],
  ['com.example.app:/callback', 'origin', 'native', /not an http\(s\) origin/],
  ['com.example.app:/login', 'login', 'native', /must use https/],
  ['com.example.app:', 'callback', 'native', /needs a path/],
  ['ms-settings:x', 'callback', 'native', /reverse domain name .*RFC 8252 §7\.1/],
  ['ms-settings:x', 'callback', 'spa', /must use https/],
  ['myapp://callback', 'callback', 'native', /reverse domain name/],
  ['javascript:alert(1)', 'callback', 'native', /forbidden scheme \(javascript:\)/],
  ['javascript:alert(1)', 'logout', 'spa', /forbidden scheme/],
  ['JavaScript:alert(1)', 'callback', 'native', /forbidden scheme/],
  ['data:text/html,<script>alert(1)</script>', 'callback', 'native', /forbidden scheme/],
  ['vbscript:msgbox(1)', 'callback', 'native', /forbidden scheme/],
  ['file:///etc/passwd', 'callback', 'native', /forbidden scheme/],
  ['ftp://files.example.com/cb', 'callback', 'native', /reverse domain name/],
  // Origins: scheme, host and port only.
  ['https://app.example.com/path', 'origin', 'spa', /is not an origin \(scheme:\/\/host\[:port\], no path or query\)/],
  ['https://app.example.com?x=1', 'origin', 'spa', /is not an origin/],
  ['https://app.example.com:443', 'origin', 'spa', /must be written as https:\/\/app\.example\.com$/],
  ['HTTPS://App.Example.com', 'origin', 'spa', /must be written as https:\/\/app\.example\.com$/],
]

describe('registered URLs: callbacks, logout URLs and origins', () => {
  it('accepts and refuses each value of the table, for the reason given', () => {
    for (const [value, kind, appType, reason, rules] of ROWS) {
      const problem = checkRegisteredUrl(value, kind, appType, rules)
      const label = `${JSON.stringify(value)} as a ${appType} ${kind}${rules ? ` under ${rules.issuer}` : ''}`
      if (reason === null) assert.equal(problem, null, label)
      else assert.match(problem ?? 'accepted', reason, label)
      if (problem) assert.doesNotMatch(problem, /[\p{Cc}\p{Cf}]/u, `${label}: the message stays on one line`)
    }
  })

  it('knows which hosts are on this device', () => {
    for (const host of ['localhost', 'app.localhost', '127.0.0.1', '127.255.0.9', '[::1]']) assert.equal(isLocalHost(host), true, host)
    for (const host of ['localhost.example.com', '128.0.0.1', '10.0.0.1', '[::2]', 'example.com']) assert.equal(isLocalHost(host), false, host)
  })

  it('refuses https:evil.com, ms-settings:x and a trailing newline at registration, naming the field', () => {
    const spa = (input: object) => () => createApplication({ name: 'x', type: 'spa', callbacks: ['https://app.example.com/cb'], ...input }, 0, HTTPS_ISSUER)
    refuses(spa({ callbacks: ['https:evil.com'] }), /^callbacks: https:evil\.com must start with https:\/\//)
    refuses(spa({ logoutUrls: ['https:evil.com'] }), /^logoutUrls: https:evil\.com must start/)
    refuses(spa({ webOrigins: ['https:evil.com'] }), /^webOrigins: /)
    refuses(spa({ allowedOrigins: ['https://app.example.com/cors'] }), /^allowedOrigins: .* is not an origin/)
    refuses(spa({ callbacks: ['https://app.example.com/cb\n'] }), /^callbacks: .*whitespace or control characters/)
    refuses(spa({ callbacks: [' https://app.example.com/cb'] }), /^callbacks: .*whitespace/, 'never trimmed into an accepted value')
    refuses(spa({ initiateLoginUri: 'https:evil.com/login' }), /^initiateLoginUri: https:evil\.com\/login must start with https:\/\//)
    refuses(
      () => createApplication({ name: 'n', type: 'native', callbacks: ['ms-settings:x'] }, 0, HTTPS_ISSUER),
      /^callbacks: ms-settings:x: a native application's own URI scheme must be a reverse domain name/,
    )
  })

  it('accepts http on any host only while the issuer is http; without an issuer, only on this device', () => {
    const input = { name: 'Dev', type: 'regular', callbacks: ['http://app.example.com/cb'], logoutUrls: ['http://app.example.com/'], webOrigins: ['http://app.example.com'] }
    refuses(() => createApplication(input, 0, HTTPS_ISSUER), /^callbacks: http:\/\/app\.example\.com\/cb must use https/)
    refuses(() => createApplication(input, 0), /must use https/)
    const { record } = createApplication(input, 0, HTTP_ISSUER)
    assert.deepEqual([record.callbacks, record.allowedLogoutUrls, record.webOrigins], [['http://app.example.com/cb'], ['http://app.example.com/'], ['http://app.example.com']])
    refuses(() => updateApplication(record, { callbacks: ['http://other.example.com/cb'] }, 1, HTTPS_ISSUER), /must use https/)
    assert.deepEqual(updateApplication(record, { callbacks: ['http://other.example.com/cb'] }, 1, HTTP_ISSUER).callbacks, ['http://other.example.com/cb'])
    assert.equal(updateApplication(record, { name: 'Renamed' }, 1, HTTPS_ISSUER).name, 'Renamed', 'stored URLs are not checked again')
  })

  it('lets only native apps use their own scheme: com.example.app:/callback', () => {
    const native = createApplication({ name: 'n', type: 'native', callbacks: ['com.example.app:/callback', 'http://127.0.0.1/callback'], logoutUrls: ['com.example.app:/logout'] }, 0, HTTPS_ISSUER).record
    assert.deepEqual(native.callbacks, ['com.example.app:/callback', 'http://127.0.0.1/callback'])
    refuses(() => createApplication({ name: 's', type: 'spa', callbacks: ['com.example.app:/callback'] }, 0, HTTPS_ISSUER), /^callbacks: com\.example\.app:\/callback must use https/)
    refuses(() => updateApplication(native, { callbacks: ['javascript:alert(1)'] }, 1, HTTPS_ISSUER), /forbidden scheme/)
  })

  it('stores what it checked: no trimming, duplicates once, origins without the trailing slash', () => {
    const { record } = createApplication(
      { name: 's', type: 'spa', callbacks: ['https://app.example.com/cb', 'https://app.example.com/cb', 'https://app.example.com'], webOrigins: ['https://app.example.com/'] },
      0,
      HTTPS_ISSUER,
    )
    assert.deepEqual(record.callbacks, ['https://app.example.com/cb', 'https://app.example.com'])
    assert.deepEqual(record.webOrigins, ['https://app.example.com'])
  })

  it('refuses any URL with a whitespace or control character in it, wherever it is (property)', () => {
    const invisible = fc.constantFrom(
      ...[...Array(0x21).keys(), 0x7f, ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i), 0xa0, 0x1680, 0x2000, 0x2007, 0x200a, 0x200b, 0x200e, 0x2028, 0x2029, 0x202e, 0x205f, 0x2066, 0x3000, 0xfeff].map((c) =>
        String.fromCodePoint(c),
      ),
    )
    const base = fc.constantFrom('https://app.example.com/callback?x=1', 'http://localhost:8080/cb', 'http://127.0.0.1/callback', 'com.example.app:/callback', 'https://app.example.com')
    const kind = fc.constantFrom<RegisteredUrlKind>('callback', 'logout', 'origin', 'login')
    const appType = fc.constantFrom<AppType>('spa', 'native', 'regular_web')
    const issuer = fc.constantFrom(undefined, 'https://login.example.com/', 'http://localhost:3000/')
    fc.assert(
      fc.property(base, invisible, fc.nat(), kind, appType, issuer, (url, c, at, k, type, iss) => {
        const value = url.slice(0, at % (url.length + 1)) + c + url.slice(at % (url.length + 1))
        const problem = checkRegisteredUrl(value, k, type, { issuer: iss })
        return problem !== null && /whitespace or control characters/.test(problem)
      }),
    )
  })
})
