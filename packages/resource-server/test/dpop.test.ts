/**
 * DPoP-bound access tokens (RFC 9449 §7) at the verifier: real tokens bound by a real Latchkey, and
 * proofs that differ from a valid one in exactly one respect. The modes `allowed` (default),
 * `required` and `disabled`, `publicOrigin`, and the pluggable replay cache.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { DpopKey } from '../../server/test/support/dpop.js'
import { BearerError, createVerifier, MemoryReplayCache, requireScopes, type Verifier, type VerifierOptions } from '../src/index.js'
import { AUDIENCE, Latchkey } from './support/latchkey.js'

const API = 'https://api.example.com/appointments/42'
const ALGS = 'algs="ES256 RS256 PS256 EdDSA"'

let latchkey: Latchkey
let key: DpopKey
let bound: string
let bearer: string

before(async () => {
  latchkey = await Latchkey.start()
  key = await DpopKey.generate()
  bound = await latchkey.dpopAccessToken(key, 'read:appointments')
  bearer = await latchkey.accessToken('read:appointments')
})
after(() => latchkey.close())

const verifierWith = (options: Partial<VerifierOptions> = {}): Verifier => createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE, ...options })

/** A request for GET API with the bound token and a proof (replace parts through `proof`). */
async function dpopRequest(proof?: string | string[] | null, url = API) {
  return { authorization: `DPoP ${bound}`, method: 'GET', url, dpop: proof === undefined ? await key.proof('GET', API, { accessToken: bound }) : proof }
}

async function refusal(promise: Promise<unknown>, status: number, error: string): Promise<BearerError> {
  const err = await promise.then(
    () => assert.fail('accepted'),
    (e: unknown) => e,
  )
  assert.ok(err instanceof BearerError, String(err))
  assert.equal(err.status, status)
  assert.equal(err.error, error, err.description)
  return err
}

describe('DPoP allowed (the default)', () => {
  let verifier: Verifier
  before(() => {
    verifier = verifierWith()
  })

  it('accepts a DPoP-bound token with a proof of the request, and Bearer tokens as before', async () => {
    const claims = await verifier.authenticate(await dpopRequest())
    assert.equal(claims.sub, latchkey.user.id)
    assert.equal(claims.cnf?.jkt, key.jkt)
    assert.equal((await verifier.authenticate({ authorization: `Bearer ${bearer}` })).sub, latchkey.user.id)
    assert.equal((await verifier.verifyAccessToken(bearer)).sub, latchkey.user.id)
  })

  it('refuses the bound token as Bearer, in authenticate and in verifyAccessToken (RFC 9449 §7.2)', async () => {
    // Each call made only when awaited: a second rejection waiting unobserved would count as unhandled.
    for (const attempt of [() => verifier.authenticate({ authorization: `Bearer ${bound}` }), () => verifier.verifyAccessToken(bound)]) {
      const err = await refusal(attempt(), 401, 'invalid_token')
      assert.match(err.wwwAuthenticate, new RegExp(`^Bearer realm="${AUDIENCE}", error="invalid_token", error_description="[^"]+", DPoP realm="${AUDIENCE}", ${ALGS}$`))
    }
  })

  it('refuses an unbound token sent with the DPoP scheme', async () => {
    const err = await refusal(verifier.authenticate({ authorization: `DPoP ${bearer}`, method: 'GET', url: API, dpop: await key.proof('GET', API, { accessToken: bearer }) }), 401, 'invalid_token')
    assert.match(err.wwwAuthenticate, /DPoP realm="[^"]+", error="invalid_token"/)
  })

  it('refuses each broken proof with 401 invalid_dpop_proof on the DPoP challenge', async () => {
    const other = await DpopKey.generate()
    const cases: [string, string | string[] | null][] = [
      ['no proof', null],
      ['two DPoP headers', [await key.proof('GET', API, { accessToken: bound }), await key.proof('GET', API, { accessToken: bound })]],
      ['two joined', `${await key.proof('GET', API, { accessToken: bound })}, x`],
      ['not a JWT', 'garbage'],
      ['another method', await key.proof('POST', API, { accessToken: bound })],
      ['another URL', await key.proof('GET', 'https://api.example.com/appointments/43', { accessToken: bound })],
      ['another host', await key.proof('GET', 'https://evil.example.com/appointments/42', { accessToken: bound })],
      ['no ath', await key.proof('GET', API)],
      ['ath of another token', await key.proof('GET', API, { accessToken: bearer })],
      ['stale', await key.proof('GET', API, { accessToken: bound, now: Date.now() - 120_000 })],
      ['from the future', await key.proof('GET', API, { accessToken: bound, now: Date.now() + 60_000 })],
      ['typ JWT', await key.proof('GET', API, { accessToken: bound, header: { typ: 'JWT' } })],
      ['no jti', await key.proof('GET', API, { accessToken: bound, claims: { jti: undefined } })],
      ['signed by another key', await key.proof('GET', API, { accessToken: bound, header: { jwk: other.jwk } })],
      ['a private jwk', await key.proof('GET', API, { accessToken: bound, header: { jwk: { ...key.jwk, d: 'AQAB' } } })],
    ]
    for (const [name, proof] of cases) {
      const err = await refusal(verifier.authenticate(await dpopRequest(proof)), 401, 'invalid_dpop_proof').catch((e: unknown) => {
        throw new Error(`${name}: ${String(e)}`)
      })
      assert.match(err.wwwAuthenticate, new RegExp(`^Bearer realm="${AUDIENCE}", DPoP realm="${AUDIENCE}", error="invalid_dpop_proof", error_description="[^"]+", ${ALGS}$`), name)
    }
  })

  it('refuses a valid proof of a key the token is not bound to (cnf.jkt)', async () => {
    const other = await DpopKey.generate()
    await refusal(verifier.authenticate(await dpopRequest(await other.proof('GET', API, { accessToken: bound }))), 401, 'invalid_token')
  })

  it('accepts each proof once (jti), and only the algorithms it is given', async () => {
    const proof = await key.proof('GET', API, { accessToken: bound })
    await verifier.authenticate(await dpopRequest(proof))
    const replay = await refusal(verifier.authenticate(await dpopRequest(proof)), 401, 'invalid_dpop_proof')
    assert.match(replay.description, /already used/)
    const es256Only = verifierWith({ dpopAlgorithms: ['PS256'] })
    await refusal(es256Only.authenticate(await dpopRequest()), 401, 'invalid_dpop_proof')
  })

  it('answers failed scope checks on the DPoP challenge', async () => {
    const err = await refusal(verifier.authenticate(await dpopRequest(), requireScopes('write:appointments')), 403, 'insufficient_scope')
    assert.match(err.wwwAuthenticate, /DPoP realm="[^"]+", error="insufficient_scope", error_description="[^"]+", scope="write:appointments", algs=/)
  })

  it('needs the method and the full URL of the request (a programming error otherwise)', async () => {
    await assert.rejects(verifier.authenticate({ ...(await dpopRequest()), method: undefined }), TypeError)
    await assert.rejects(verifier.authenticate({ ...(await dpopRequest()), url: '/appointments/42' }), TypeError)
  })
})

describe('DPoP options', () => {
  it('required: Bearer tokens and requests without a token get a bare DPoP challenge', async () => {
    const verifier = verifierWith({ dpop: 'required' })
    for (const authorization of [`Bearer ${bearer}`, undefined]) {
      const err = await refusal(verifier.authenticate({ authorization }), 401, 'invalid_token')
      assert.equal(err.wwwAuthenticate, `DPoP realm="${AUDIENCE}", ${ALGS}`)
    }
    await refusal(verifier.verifyAccessToken(bearer), 401, 'invalid_token')
    assert.equal((await verifier.authenticate(await dpopRequest())).sub, latchkey.user.id)
  })

  it('disabled: the DPoP scheme is no credential, and bound tokens are refused as Bearer', async () => {
    const verifier = verifierWith({ dpop: 'disabled' })
    const err = await refusal(verifier.authenticate(await dpopRequest()), 401, 'invalid_token')
    assert.equal(err.wwwAuthenticate, `Bearer realm="${AUDIENCE}"`)
    const asBearer = await refusal(verifier.authenticate({ authorization: `Bearer ${bound}` }), 401, 'invalid_token')
    assert.match(asBearer.wwwAuthenticate, /^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]+"$/)
    assert.equal((await verifier.authenticate({ authorization: `Bearer ${bearer}` })).sub, latchkey.user.id)
  })

  it('publicOrigin: htu must name the public origin, whatever host the request arrived on', async () => {
    const verifier = verifierWith({ publicOrigin: 'https://api.example.com' })
    const internal = 'http://10.0.0.7:8080/appointments/42?x=1'
    assert.equal((await verifier.authenticate(await dpopRequest(undefined, internal))).sub, latchkey.user.id)
    const wrong = await key.proof('GET', 'http://10.0.0.7:8080/appointments/42', { accessToken: bound })
    await refusal(verifier.authenticate(await dpopRequest(wrong, internal)), 401, 'invalid_dpop_proof')
    assert.throws(() => verifierWith({ publicOrigin: 'https://api.example.com/path' }), TypeError)
  })

  it('replayCache: a shared (async) cache is used for every proof', async () => {
    const seen = new Map<string, number>()
    const replayCache = {
      async use(k: string, expiresAt: number) {
        if (seen.has(k)) return false
        seen.set(k, expiresAt)
        return true
      },
    }
    const a = verifierWith({ replayCache })
    const b = verifierWith({ replayCache })
    const proof = await key.proof('GET', API, { accessToken: bound })
    await a.authenticate(await dpopRequest(proof))
    await refusal(b.authenticate(await dpopRequest(proof)), 401, 'invalid_dpop_proof')
    assert.equal(seen.size, 1)
    const [expiresAt] = [...seen.values()]
    assert.ok((expiresAt as number) > Date.now() + 60_000)
  })
})

describe('MemoryReplayCache', () => {
  it('says true once per key until it expires, and stays within its size', () => {
    const cache = new MemoryReplayCache(3)
    const later = Date.now() + 60_000
    assert.equal(cache.use('a', later), true)
    assert.equal(cache.use('a', later), false)
    assert.equal(cache.use('b', Date.now() - 1), true)
    assert.equal(cache.use('b', later), true, 'an expired key may be used again')
    for (const k of ['c', 'd', 'e']) cache.use(k, later)
    assert.ok(cache.size <= 3)
  })
})
