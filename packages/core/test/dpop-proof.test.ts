/**
 * DPoP proof validation (RFC 9449 §4.3): a valid proof of each advertised algorithm passes, and each
 * check of §4.3 has a proof that differs from a valid one in exactly that respect and is refused.
 */
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { InvalidDpopProof, UseDpopNonce } from '../src/errors.js'
import { DpopNonces, DPOP_NONCE_STEP_MS } from '../src/dpop/nonce.js'
import { DPOP_REPLAY_WINDOW_MS, verifyDpopProof, type DpopPolicy, type DpopRequest } from '../src/dpop/proof.js'
import { sha256 } from '../src/opaque.js'
import type { ReplayGuardPort } from '../src/ports.js'

const URL_ = 'https://login.example.com/oauth/token'
const NOW = 1_700_000_000_000
const iat = (offsetSeconds = 0) => Math.floor(NOW / 1000) + offsetSeconds

interface Key {
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly jwk: JWK
}

async function key(alg = 'ES256'): Promise<Key> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  return { alg, privateKey, jwk: await exportJWK(publicKey) }
}

const es256 = await key('ES256')

/** A valid proof for POST URL_ at NOW, with claims and header members replaced (undefined removes one). */
function proof(k: Key, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ jti: randomUUID(), htm: 'POST', htu: URL_, iat: iat(), ...claims })
    .setProtectedHeader({ alg: k.alg, typ: 'dpop+jwt', jwk: k.jwk, ...header } as { alg: string })
    .sign(k.privateKey)
}

/** A replay guard in memory with the store's semantics. */
function memoryGuard(): ReplayGuardPort & { readonly keys: Map<string, number> } {
  const keys = new Map<string, number>()
  return {
    keys,
    async use(k, now, expiresAt) {
      const until = keys.get(k)
      if (until !== undefined && until > now) return false
      keys.set(k, expiresAt)
      return true
    },
  }
}

const request = (p: string, extra: Partial<DpopRequest> = {}): DpopRequest => ({ proof: p, method: 'POST', url: URL_, now: NOW, ...extra })
const policy = (extra: Partial<DpopPolicy> = {}): DpopPolicy => ({ requireNonce: false, replay: memoryGuard(), ...extra })

async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof InvalidDpopProof, `expected InvalidDpopProof, got ${String(err)}`)
    assert.equal(err.error, 'invalid_dpop_proof')
    assert.equal(err.status, 400)
    assert.match(err.description, pattern)
    return true
  })
}

async function nonceAsked(p: Promise<unknown>, nonces: DpopNonces): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof UseDpopNonce, `expected UseDpopNonce, got ${String(err)}`)
    assert.equal(err.error, 'use_dpop_nonce')
    assert.equal(err.nonce, nonces.issue(NOW))
    return true
  })
}

describe('a valid DPoP proof', () => {
  for (const alg of ['ES256', 'RS256', 'PS256', 'EdDSA']) {
    it(`is accepted with ${alg}, and gives the RFC 7638 thumbprint of its key`, async () => {
      const k = alg === 'ES256' ? es256 : await key(alg)
      const result = await verifyDpopProof(request(await proof(k)), policy())
      assert.equal(result.jkt, await calculateJwkThumbprint(k.jwk, 'sha256'))
      assert.equal(result.iat, iat())
      assert.equal(result.nextNonce, undefined)
    })
  }

  it('matches htu after normalisation, ignoring query and fragment (§4.3 check 9)', async () => {
    for (const htu of [`${URL_}?x=1`, `${URL_}#frag`, 'HTTPS://LOGIN.example.com:443/oauth/token']) {
      await verifyDpopProof(request(await proof(es256, { htu })), policy())
    }
  })

  it('records its jti until the replay window ends, under a key that names neither jti nor jkt in clear', async () => {
    const guard = memoryGuard()
    const jti = randomUUID()
    await verifyDpopProof(request(await proof(es256, { jti })), policy({ replay: guard }))
    const entry = [...guard.keys][0]
    assert.ok(entry)
    const [stored, expiresAt] = entry
    assert.equal(expiresAt, NOW + DPOP_REPLAY_WINDOW_MS)
    assert.ok(!stored.includes(jti))
    assert.ok(!stored.includes(await calculateJwkThumbprint(es256.jwk)))
  })
})

describe('RFC 9449 §4.3: each check refuses a proof that fails it', () => {
  it('1. more than one DPoP header', async () => {
    const p = await proof(es256)
    await refused(verifyDpopProof(request(`${p}, ${p}`), policy()), /exactly one DPoP header/)
  })

  it('2. not a well-formed JWT', async () => {
    for (const bad of ['', 'abc', 'a.b', 'a.b.c.d', 'a.b.c d', `${'a'.repeat(9000)}.b.c`]) {
      await refused(verifyDpopProof(request(bad), policy()), /one JWT/)
    }
    await refused(verifyDpopProof(request('e30.e30.e30'), policy()), /malformed/)
  })

  it('3. a required claim missing: jti, htm, htu, iat', async () => {
    await refused(verifyDpopProof(request(await proof(es256, { jti: undefined })), policy()), /jti/)
    await refused(verifyDpopProof(request(await proof(es256, { jti: 'x'.repeat(513) })), policy()), /jti/)
    await refused(verifyDpopProof(request(await proof(es256, { htm: undefined })), policy()), /htm/)
    await refused(verifyDpopProof(request(await proof(es256, { htu: undefined })), policy()), /htu/)
    await refused(verifyDpopProof(request(await proof(es256, { iat: undefined })), policy()), /iat/)
    await refused(verifyDpopProof(request(await proof(es256, { iat: 'yesterday' })), policy()), /iat/)
  })

  it('4. typ not dpop+jwt', async () => {
    await refused(verifyDpopProof(request(await proof(es256, {}, { typ: 'JWT' })), policy()), /typ/)
    await refused(verifyDpopProof(request(await proof(es256, {}, { typ: undefined })), policy()), /typ/)
  })

  it('5. alg none, symmetric, or not advertised', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'dpop+jwt', jwk: es256.jwk }))
    const body = base64url.encode(JSON.stringify({ jti: randomUUID(), htm: 'POST', htu: URL_, iat: iat() }))
    await refused(verifyDpopProof(request(`${header}.${body}.`), policy()), /one JWT/)
    await refused(verifyDpopProof(request(`${header}.${body}.c2ln`), policy()), /alg must be one of ES256, RS256, PS256, EdDSA/)
    const secret = randomBytes(32)
    const symmetric: Record<string, unknown> = { alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: base64url.encode(secret) } }
    const hs256 = await new SignJWT({ jti: randomUUID(), htm: 'POST', htu: URL_, iat: iat() })
      .setProtectedHeader(symmetric as { alg: string })
      .sign(secret)
    await refused(verifyDpopProof(request(hs256), policy()), /alg must be one of/)
    await refused(verifyDpopProof(request(await proof(await key('ES384'))), policy()), /alg must be one of/)
    await refused(verifyDpopProof(request(await proof(es256)), policy({ algorithms: ['EdDSA'] })), /alg must be one of EdDSA/)
  })

  it('6. a signature that the jwk header does not verify; no jwk header at all', async () => {
    const other = await key('ES256')
    await refused(verifyDpopProof(request(await proof({ ...other, jwk: es256.jwk })), policy()), /signature is invalid/)
    await refused(verifyDpopProof(request(await proof(es256, {}, { jwk: undefined })), policy()), /public key/)
    await refused(verifyDpopProof(request(await proof(es256, {}, { jwk: { kty: 'RSA', n: 'AQAB', e: 'AQAB' } })), policy()), /public key|malformed/)
  })

  it('7. a jwk header that holds a private key', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true })
    const privateJwk = await exportJWK(privateKey)
    await refused(verifyDpopProof(request(await proof({ alg: 'ES256', privateKey, jwk: privateJwk })), policy()), /public key|private key/)
    const { d: _, ...publicPart } = privateJwk
    await refused(verifyDpopProof(request(await proof({ alg: 'ES256', privateKey, jwk: { ...publicPart, p: 'AQAB' } })), policy()), /private key/)
  })

  it('8. htm not the request method (compared exactly)', async () => {
    await refused(verifyDpopProof(request(await proof(es256, { htm: 'GET' })), policy()), /htm/)
    await refused(verifyDpopProof(request(await proof(es256, { htm: 'post' })), policy()), /htm/)
  })

  it('9. htu not the endpoint URL: another path, host, scheme or port, or no URL at all', async () => {
    for (const htu of [
      'https://login.example.com/oauth/token/',
      'https://login.example.com/userinfo',
      'https://evil.example.com/oauth/token',
      'http://login.example.com/oauth/token',
      'https://login.example.com:8443/oauth/token',
      '/oauth/token',
    ]) {
      await refused(verifyDpopProof(request(await proof(es256, { htu })), policy()), /htu/)
    }
  })

  it('10. a nonce: missing or stale when required, answered with use_dpop_nonce and a fresh one', async () => {
    const nonces = new DpopNonces(randomBytes(32))
    const required = () => policy({ nonces, requireNonce: true })
    await nonceAsked(verifyDpopProof(request(await proof(es256)), required()), nonces)
    await nonceAsked(verifyDpopProof(request(await proof(es256, { nonce: 'made-up' })), required()), nonces)
    const old = nonces.issue(NOW - 4 * DPOP_NONCE_STEP_MS)
    await nonceAsked(verifyDpopProof(request(await proof(es256, { nonce: old })), required()), nonces)
    await refused(verifyDpopProof(request(await proof(es256, { nonce: 42 })), required()), /nonce must be a string/)
    // A current nonce passes, even from a client whose clock is far off.
    const ok = await verifyDpopProof(request(await proof(es256, { nonce: nonces.issue(NOW), iat: iat(-3600) })), required())
    assert.equal(ok.nextNonce, undefined)
    const previous = await verifyDpopProof(request(await proof(es256, { nonce: nonces.issue(NOW - DPOP_NONCE_STEP_MS) })), required())
    assert.equal(previous.nextNonce, nonces.issue(NOW))
    // A server that issues no nonces refuses one it cannot check.
    await refused(verifyDpopProof(request(await proof(es256, { nonce: 'anything' })), policy()), /does not issue DPoP nonces/)
  })

  it('11. iat not recent (60 s back, 10 s ahead): a nonce is asked for, or the proof refused without nonces', async () => {
    const nonces = new DpopNonces(randomBytes(32))
    for (const offset of [-61, 11, -86_400]) {
      await refused(verifyDpopProof(request(await proof(es256, { iat: iat(offset) })), policy()), /not recent \(iat\)/)
      await nonceAsked(verifyDpopProof(request(await proof(es256, { iat: iat(offset) })), policy({ nonces })), nonces)
    }
    for (const offset of [-60, 10]) await verifyDpopProof(request(await proof(es256, { iat: iat(offset) })), policy())
  })

  it('11. a proof past its own exp', async () => {
    await refused(verifyDpopProof(request(await proof(es256, { exp: iat(-1) })), policy()), /expired/)
  })

  it('12. ath missing or not the hash of the access token presented with it', async () => {
    const accessToken = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'
    await refused(verifyDpopProof(request(await proof(es256, { htm: 'GET' }), { method: 'GET', accessToken }), policy()), /ath/)
    await refused(verifyDpopProof(request(await proof(es256, { htm: 'GET', ath: sha256('another') }), { method: 'GET', accessToken }), policy()), /ath/)
    await verifyDpopProof(request(await proof(es256, { htm: 'GET', ath: sha256(accessToken) }), { method: 'GET', accessToken }), policy())
  })

  it('jti: a proof is good for one request; refused proofs do not use up their jti', async () => {
    const replay = memoryGuard()
    const jti = randomUUID()
    await refused(verifyDpopProof(request(await proof(es256, { jti, htm: 'GET' })), policy({ replay })), /htm/)
    const p = await proof(es256, { jti })
    await verifyDpopProof(request(p), policy({ replay }))
    await refused(verifyDpopProof(request(p), policy({ replay })), /already used \(jti\)/)
    await refused(verifyDpopProof(request(await proof(es256, { jti })), policy({ replay })), /already used/)
    // jti is scoped to the key: another key may use the same value.
    await verifyDpopProof(request(await proof(await key('ES256'), { jti })), policy({ replay }))
  })
})
