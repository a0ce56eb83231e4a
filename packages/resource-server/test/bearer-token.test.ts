/** Reading the token from a request (RFC 6750 §2) and writing the challenge (§3). */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BearerError, bearerToken, errorResponse, IssuerError } from '../src/index.js'

const fails = (request: Parameters<typeof bearerToken>[0], status: number, missing = false) =>
  assert.throws(
    () => bearerToken(request),
    (e: unknown) => e instanceof BearerError && e.status === status && e.missing === missing,
    JSON.stringify(request),
  )

describe('bearerToken', () => {
  it('reads `Authorization: Bearer <b64token>` with any case of the scheme', () => {
    assert.equal(bearerToken({ authorization: 'Bearer abc.DEF-_~+/=' }), 'abc.DEF-_~+/=')
    assert.equal(bearerToken({ authorization: 'bearer a.b.c' }), 'a.b.c')
    assert.equal(bearerToken({ authorization: 'BEARER  a.b.c' }), 'a.b.c')
    assert.equal(bearerToken({ authorization: 'Bearer a.b.c', url: '/api?x=1&token=2' }), 'a.b.c')
  })

  it('no credentials, or another scheme: 401 with no error code', () => {
    fails({ authorization: undefined }, 401, true)
    fails({ authorization: '' }, 401, true)
    fails({ authorization: null }, 401, true)
    fails({ authorization: 'Basic dXNlcjpwYXNz' }, 401, true)
    fails({ authorization: 'DPoP a.b.c' }, 401, true)
    fails({ authorization: 'Bearerish a.b.c' }, 401, true)
  })

  it('a malformed Bearer header: 400 invalid_request', () => {
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer a,b', 'Bearer "a"', 'Bearer a=b', 'Bearer\ta']) fails({ authorization }, 400)
    fails({ authorization: ['Bearer a', 'Bearer b'] }, 400)
  })

  it('a token in the query string: 400, with or without the header', () => {
    fails({ authorization: undefined, url: '/api/appointments?access_token=a.b.c' }, 400)
    fails({ authorization: 'Bearer a.b.c', url: 'http://api.example.com/x?y=1&access_token=' }, 400)
    assert.equal(bearerToken({ authorization: 'Bearer a', url: '/x?not_access_token=1' }), 'a')
    assert.equal(bearerToken({ authorization: 'Bearer a', url: '/x#access_token=1' }), 'a')
  })
})

describe('BearerError', () => {
  it('quotes what it puts in WWW-Authenticate', () => {
    const err = new BearerError(401, 'invalid_token', 'bad "token"\\ here\n', { realm: 'a "realm"' })
    assert.equal(err.wwwAuthenticate, `Bearer realm="a 'realm'", error="invalid_token", error_description="bad 'token'' here'"`)
  })

  it('becomes a JSON response with the status and headers', () => {
    const err = new BearerError(403, 'insufficient_scope', 'needs x', { realm: 'r', scope: 'x' })
    assert.deepEqual(errorResponse(err), {
      status: 403,
      headers: { 'WWW-Authenticate': 'Bearer realm="r", error="insufficient_scope", error_description="needs x", scope="x"', 'Cache-Control': 'no-store' },
      body: { error: 'insufficient_scope', error_description: 'needs x' },
    })
    assert.equal(errorResponse(new IssuerError('down'))?.status, 503)
    assert.equal(errorResponse(new Error('other')), undefined)
  })
})
