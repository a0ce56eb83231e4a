/**
 * Every check of `verifyAccessToken` (RFC 9068 §4, RFC 8725), each shown by a token that differs
 * from a real Latchkey access token in exactly that one respect, next to a control token forged the
 * same way that passes.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { base64url, errors, SignJWT, type JWTPayload } from 'jose'
import { BearerError, createVerifier, IssuerError, requireAnyScope, requireClaim, requirePermissions, requireScopes, checkClaims, tokenPermissions, type Verifier } from '../src/index.js'
import { AUDIENCE, Latchkey, nowSeconds, parts, signWithStrangerKey } from './support/latchkey.js'

let latchkey: Latchkey
let verifier: Verifier
let real: { access_token: string; id_token?: string }
let base: { claims: JWTPayload; header: Record<string, unknown> }

before(async () => {
  latchkey = await Latchkey.start()
  verifier = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE })
  real = await latchkey.tokens('openid profile read:appointments')
  base = parts(real.access_token)
})
after(() => latchkey.close())

/** Verifies and returns the BearerError, asserting it is 401 invalid_token. */
async function rejected(token: string, v: Verifier = verifier): Promise<BearerError> {
  const err = await v.verifyAccessToken(token).then(
    () => assert.fail('the token was accepted'),
    (e: unknown) => e,
  )
  assert.ok(err instanceof BearerError, `expected a BearerError, got ${String(err)}`)
  assert.equal(err.status, 401)
  assert.equal(err.error, 'invalid_token')
  assert.match(err.wwwAuthenticate, /^Bearer realm="https:\/\/api\.example\.com\/appointments", error="invalid_token", error_description="[^"]+"$/)
  return err
}

function claimFailure(err: BearerError, claim: string): void {
  assert.ok(err.cause instanceof errors.JWTClaimValidationFailed, `cause: ${String(err.cause)}`)
  assert.equal(err.cause.claim, claim)
}

describe('a real Latchkey access token', () => {
  it('is accepted, and its claims come back (frozen)', async () => {
    const claims = await verifier.verifyAccessToken(real.access_token)
    assert.equal(claims.iss, latchkey.issuer)
    assert.equal(claims.sub, latchkey.user.id)
    assert.deepEqual(claims.aud, [AUDIENCE, `${latchkey.issuer}userinfo`])
    assert.equal(claims.scope, 'openid profile read:appointments')
    assert.equal(claims.client_id, latchkey.app.clientId)
    assert.ok(Object.isFrozen(claims))
    const again = await verifier.verifyAccessToken(real.access_token)
    assert.deepEqual(again, claims)
  })

  it('with only the API in `aud` (no openid) is accepted too', async () => {
    const token = await latchkey.accessToken('read:appointments')
    assert.equal((await verifier.verifyAccessToken(token)).aud, AUDIENCE)
  })

  it('uses what discovery advertises: RS256, ES256 and EdDSA', async () => {
    const metadata = await verifier.discover()
    assert.deepEqual(metadata.algorithms, ['RS256', 'ES256', 'EdDSA'])
    assert.equal(metadata.jwksUri.href, `${latchkey.issuer}.well-known/jwks.json`)
  })
})

describe('tokens that fail exactly one check', () => {
  it('control: a token forged from the real one, unchanged, is accepted', async () => {
    await verifier.verifyAccessToken(await latchkey.sign(base.claims))
  })

  it('rejects another issuer (iss)', async () => {
    claimFailure(await rejected(await latchkey.sign({ ...base.claims, iss: 'http://localhost:1/' })), 'iss')
  })

  it('rejects the issuer without its trailing slash (exact match)', async () => {
    claimFailure(await rejected(await latchkey.sign({ ...base.claims, iss: latchkey.issuer.slice(0, -1) })), 'iss')
  })

  it('rejects another audience (aud)', async () => {
    claimFailure(await rejected(await latchkey.sign({ ...base.claims, aud: ['https://api.example.com/other', `${latchkey.issuer}userinfo`] })), 'aud')
  })

  it('rejects an expired token (exp), beyond the 5 s tolerance', async () => {
    const now = nowSeconds()
    const err = await rejected(await latchkey.sign({ ...base.claims, iat: now - 120, exp: now - 6 }))
    assert.ok(err.cause instanceof errors.JWTExpired)
    assert.equal(err.description, 'The access token expired (exp).')
  })

  it('accepts a token that expired within the clock tolerance, and not with tolerance 0', async () => {
    const now = nowSeconds()
    const token = await latchkey.sign({ ...base.claims, iat: now - 120, exp: now - 2 })
    await verifier.verifyAccessToken(token)
    const strict = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, clockTolerance: 0 })
    assert.ok((await rejected(token, strict)).cause instanceof errors.JWTExpired)
  })

  it('rejects a token not valid yet (nbf in the future)', async () => {
    claimFailure(await rejected(await latchkey.sign({ ...base.claims, nbf: nowSeconds() + 60 })), 'nbf')
  })

  it('rejects a token issued in the future (iat)', async () => {
    const err = await rejected(await latchkey.sign({ ...base.claims, iat: nowSeconds() + 60 }))
    assert.equal(err.description, 'The access token was issued in the future (iat).')
  })

  it('rejects typ JWT (an ordinary JWT is not an access token, RFC 9068 §4)', async () => {
    claimFailure(await rejected(await latchkey.sign(base.claims, { typ: 'JWT' })), 'typ')
  })

  it('rejects a token without typ', async () => {
    const { kid, key } = await latchkey.server.running.deps.keys.signingKey()
    claimFailure(await rejected(await new SignJWT(base.claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key)), 'typ')
  })

  it('rejects a real ID token used as an access token', async () => {
    claimFailure(await rejected(real.id_token as string), 'typ')
  })

  it('rejects a token signed with a key the issuer does not publish (unknown kid)', async () => {
    const err = await rejected(await signWithStrangerKey(base.claims, 'not-a-latchkey-kid'))
    assert.ok(err.cause instanceof errors.JWKSNoMatchingKey)
  })

  it('rejects a token signed by a stranger under Latchkey\'s own kid (signature)', async () => {
    const err = await rejected(await signWithStrangerKey(base.claims, base.header.kid as string))
    assert.ok(err.cause instanceof errors.JWSSignatureVerificationFailed)
  })

  it('rejects a tampered payload (signature)', async () => {
    const [header, , signature] = real.access_token.split('.')
    const payload = base64url.encode(JSON.stringify({ ...base.claims, scope: `${base.claims.scope} write:appointments` }))
    const err = await rejected(`${header}.${payload}.${signature}`)
    assert.ok(err.cause instanceof errors.JWSSignatureVerificationFailed)
  })

  it('rejects alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))
    const err = await rejected(`${header}.${base64url.encode(JSON.stringify(base.claims))}.`)
    assert.ok(err.cause instanceof errors.JOSEAlgNotAllowed)
  })

  it('rejects HS256 keyed with the public key (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(await latchkey.publicKeyPem())
    const token = await new SignJWT(base.claims).setProtectedHeader({ alg: 'HS256', kid: base.header.kid as string, typ: 'at+jwt' }).sign(secret)
    const err = await rejected(token)
    assert.ok(err.cause instanceof errors.JOSEAlgNotAllowed)
  })

  it('rejects a token with no sub, or a sub that is not a string', async () => {
    const { sub: _sub, ...noSub } = base.claims
    claimFailure(await rejected(await latchkey.sign(noSub)), 'sub')
    await rejected(await latchkey.sign({ ...base.claims, sub: 42 as unknown as string }))
  })

  it('rejects a token with no iat', async () => {
    const { iat: _iat, ...noIat } = base.claims
    claimFailure(await rejected(await latchkey.sign(noIat)), 'iat')
  })

  it('rejects what is not a JWT at all', async () => {
    assert.ok((await rejected('not-a-jwt')).cause instanceof errors.JWSInvalid)
    await rejected(`${real.access_token}x`)
  })

  it('insufficient scope: 403 with the scope attribute (RFC 6750 §3.1)', async () => {
    const claims = await verifier.verifyAccessToken(real.access_token)
    const err = (() => {
      try {
        checkClaims(claims, requireScopes('read:appointments', 'write:appointments'))
      } catch (e) {
        return e
      }
      return assert.fail('the check passed')
    })()
    assert.ok(err instanceof BearerError)
    assert.equal(err.status, 403)
    assert.equal(err.error, 'insufficient_scope')
    assert.equal(err.scope, 'read:appointments write:appointments')
    assert.equal(
      err.wwwAuthenticate,
      'Bearer realm="https://api.example.com/appointments", error="insufficient_scope", error_description="The access token needs the scope read:appointments write:appointments.", scope="read:appointments write:appointments"',
    )
  })
})

describe('scope and claim checks', () => {
  const claims = (extra: Record<string, unknown>) => Object.freeze({ iss: 'i', sub: 's', aud: 'a', exp: 1, iat: 1, ...extra })
  const passes = (check: (c: ReturnType<typeof claims>) => void, c: ReturnType<typeof claims>) => {
    check(c)
  }
  const fails = (check: (c: ReturnType<typeof claims>) => void, c: ReturnType<typeof claims>, status: number) => {
    assert.throws(() => check(c), (e: unknown) => e instanceof BearerError && e.status === status)
  }

  it('requireScopes is all-of, over a space-delimited string or an array', () => {
    passes(requireScopes('a', 'b'), claims({ scope: 'a b c' }))
    passes(requireScopes('a b'), claims({ scope: ['b', 'a'] }))
    fails(requireScopes('a', 'd'), claims({ scope: 'a b c' }), 403)
    fails(requireScopes('a'), claims({}), 403)
    fails(requireScopes('a'), claims({ scope: 'ab' }), 403)
  })

  it('requireAnyScope is any-of', () => {
    passes(requireAnyScope('x', 'b'), claims({ scope: 'a b' }))
    fails(requireAnyScope('x', 'y'), claims({ scope: 'a b' }), 403)
  })

  it('requireClaim compares a value, looks into arrays, or runs a predicate (401 otherwise)', () => {
    passes(requireClaim('org_id', 'org_1'), claims({ org_id: 'org_1' }))
    fails(requireClaim('org_id', 'org_1'), claims({ org_id: 'org_2' }), 401)
    fails(requireClaim('org_id', 'org_1'), claims({}), 401)
    passes(requireClaim('permissions', 'read:x'), claims({ permissions: ['read:x', 'write:x'] }))
    passes(requireClaim('amr', (amr) => Array.isArray(amr) && amr.includes('mfa')), claims({ amr: ['pwd', 'mfa'] }))
    fails(requireClaim('amr', (amr) => Array.isArray(amr) && amr.includes('mfa')), claims({ amr: ['pwd'] }), 401)
    fails(requireClaim('toString', 'x'), claims({}), 401)
  })

  it('requirePermissions is all-of over the permissions array (403 insufficient_scope, scope attribute)', () => {
    passes(requirePermissions('read:x', 'write:x'), claims({ permissions: ['write:x', 'read:x', 'other'] }))
    passes(requirePermissions('read:x write:x'), claims({ permissions: ['read:x', 'write:x'] }))
    fails(requirePermissions('read:x', 'write:x'), claims({ permissions: ['read:x'] }), 403)
    fails(requirePermissions('read:x'), claims({ permissions: [] }), 403)
    fails(requirePermissions('read:x'), claims({ scope: 'read:x' }), 403)
    fails(requirePermissions('read:x'), claims({ permissions: 'read:x' }), 403)
    fails(requirePermissions('read:x'), claims({ permissions: { 'read:x': true } }), 403)
    const err = (() => {
      try {
        requirePermissions('read:x', 'write:x')(claims({ permissions: ['read:x'] }))
      } catch (e) {
        return e as BearerError
      }
    })()
    assert.equal(err?.error, 'insufficient_scope')
    assert.equal(err?.scope, 'read:x write:x')
    assert.equal(err?.description, 'The access token needs the permission read:x write:x.')
    assert.deepEqual([...tokenPermissions(claims({ permissions: ['a', 1, '', 'b'] }))], ['a', 'b'])
  })

  it('refuses to be built without scopes or permissions', () => {
    assert.throws(() => requireScopes(), TypeError)
    assert.throws(() => requireAnyScope(' '), TypeError)
    assert.throws(() => requirePermissions(), TypeError)
  })
})

describe('configuration', () => {
  it('wants the issuer exactly as Latchkey publishes it: one trailing slash', () => {
    for (const issuer of ['http://localhost:3000', 'http://localhost:3000//', 'localhost:3000/', 'ftp://x/', 'http://x/?a=1/']) {
      assert.throws(() => createVerifier({ issuer, audience: AUDIENCE }), TypeError, issuer)
    }
    createVerifier({ issuer: 'https://login.example.com/tenant/', audience: AUDIENCE })
  })

  it('refuses an issuer whose discovery document names another issuer', async () => {
    const other = createVerifier({ issuer: latchkey.issuer.replace('localhost', '127.0.0.1'), audience: AUDIENCE })
    await assert.rejects(other.verifyAccessToken(real.access_token), (e: unknown) => e instanceof IssuerError && /must match exactly/.test(e.message))
  })

  it('never accepts a symmetric algorithm or none, even when configured', async () => {
    const v = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, algorithms: ['HS256', 'none', 'RS256'] })
    assert.deepEqual((await v.discover()).algorithms, ['RS256'])
    const only = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, algorithms: ['PS256'] })
    await assert.rejects(only.discover(), IssuerError)
  })

  it('can use another realm, and another typ', async () => {
    const v = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, realm: 'appointments', requiredTyp: false })
    await v.verifyAccessToken(await latchkey.sign(base.claims, { typ: 'JWT' }))
    const err = await v.verifyAccessToken(await latchkey.sign({ ...base.claims, aud: 'x' })).catch((e: unknown) => e)
    assert.ok(err instanceof BearerError)
    assert.match(err.wwwAuthenticate, /^Bearer realm="appointments", error="invalid_token"/)
  })

  it('the token cache keeps checking exp', async () => {
    const now = nowSeconds()
    const v = createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, clockTolerance: 0 })
    const token = await latchkey.sign({ ...base.claims, iat: now - 10, exp: now + 2 })
    await v.verifyAccessToken(token)
    await v.verifyAccessToken(token)
    await new Promise((resolve) => setTimeout(resolve, 2_100))
    assert.ok((await rejected(token, v)).cause instanceof errors.JWTExpired)
  })
})
