/**
 * What every adapter must do, over real HTTP against a real Latchkey. Each adapter's test starts an
 * app with these routes (built with that adapter) and runs this suite:
 *
 *   GET  /public     no token
 *   GET  /api/me     auth                                          → { sub }
 *   GET  /api/read   auth + requireScopes('read:appointments')     → { sub }
 *   POST /api/write  auth + requireScopes('write:appointments')    → { sub }
 *   GET  /api/any    auth + requireAnyScope('admin', 'read:appointments')
 *   GET  /api/org    auth + requireClaim('org_id', 'org_42')
 *   GET  /api/permitted  auth + requirePermissions('read:appointments')
 *   POST /api/permitted  auth + requirePermissions('read:appointments', 'write:appointments')
 *
 * DPoP-bound tokens (RFC 9449) go through the same routes with `Authorization: DPoP` and a proof of
 * the request the adapter saw (method and full URL).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createVerifier, type Verifier } from '../../src/index.js'
import { DpopKey } from '../../../server/test/support/dpop.js'
import { AUDIENCE, Latchkey, nowSeconds, parts } from './latchkey.js'

export interface RunningApp {
  readonly url: string
  close(): Promise<void>
}

export type StartApp = (verifier: Verifier) => Promise<RunningApp>

const REALM = `Bearer realm="${AUDIENCE}"`

interface Answer {
  readonly status: number
  readonly challenge: string | null
  readonly body: Record<string, unknown>
  readonly res: Response
}

export function adapterContract(name: string, start: StartApp): void {
  describe(`${name} adapter`, () => {
    let latchkey: Latchkey
    let app: RunningApp
    let readOnly: string
    let readWrite: string

    before(async () => {
      // the API's tokens carry the user's permissions (token dialect access_token_authz): read only, at first
      latchkey = await Latchkey.start(AUDIENCE, { permissions: ['read:appointments'] })
      app = await start(createVerifier({ issuer: latchkey.issuer, audience: AUDIENCE }))
      readOnly = await latchkey.accessToken('read:appointments')
      readWrite = await latchkey.accessToken('openid read:appointments write:appointments')
    })
    after(async () => {
      await app.close()
      await latchkey.close()
    })

    async function call(path: string, init: RequestInit & { token?: string } = {}): Promise<Answer> {
      const headers = new Headers(init.headers)
      if (init.token !== undefined) headers.set('authorization', `Bearer ${init.token}`)
      const res = await fetch(new URL(path, app.url), { ...init, headers })
      const text = await res.text()
      let body: Record<string, unknown> = {}
      if (text !== '') body = JSON.parse(text) as Record<string, unknown>
      return { status: res.status, challenge: res.headers.get('www-authenticate'), body, res }
    }

    function assertError(a: Answer, status: number, error: string, challenge: RegExp | string): void {
      assert.equal(a.status, status, JSON.stringify(a.body))
      assert.match(a.res.headers.get('content-type') ?? '', /^application\/json/)
      assert.equal(a.res.headers.get('cache-control'), 'no-store')
      assert.equal(a.body.error, error)
      assert.equal(typeof a.body.error_description, 'string')
      if (typeof challenge === 'string') assert.equal(a.challenge, challenge)
      else assert.match(a.challenge ?? '', challenge)
    }

    it('200 with the claims of a real token (req.auth.sub)', async () => {
      for (const path of ['/api/me', '/api/read', '/api/any']) {
        const a = await call(path, { token: readOnly })
        assert.equal(a.status, 200, `${path}: ${JSON.stringify(a.body)}`)
        assert.equal(a.body.sub, latchkey.user.id)
      }
      const w = await call('/api/write', { method: 'POST', token: readWrite })
      assert.equal(w.status, 200)
      assert.equal(w.body.sub, latchkey.user.id)
    })

    it('leaves public routes alone', async () => {
      assert.equal((await call('/public')).status, 200)
    })

    it('401 with a bare challenge when there is no token (RFC 6750 §3.1)', async () => {
      assertError(await call('/api/me'), 401, 'invalid_token', REALM)
    })

    it('401 with a bare challenge for another scheme (no bearer credentials)', async () => {
      assertError(await call('/api/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, 'invalid_token', REALM)
    })

    it('401 invalid_token for a bad, a forged or an expired token', async () => {
      const invalid = /^Bearer realm="https:\/\/api\.example\.com\/appointments", error="invalid_token", error_description="[^"]+"$/
      assertError(await call('/api/me', { token: 'abc.def.ghi' }), 401, 'invalid_token', invalid)
      const { claims } = parts(readOnly)
      const expired = await latchkey.sign({ ...claims, iat: nowSeconds() - 100, exp: nowSeconds() - 50 })
      const a = await call('/api/me', { token: expired })
      assertError(a, 401, 'invalid_token', invalid)
      assert.equal(a.body.error_description, 'The access token expired (exp).')
      assertError(await call('/api/me', { token: await latchkey.sign(claims, { typ: 'JWT' }) }), 401, 'invalid_token', invalid)
    })

    it('400 invalid_request for a malformed Authorization header', async () => {
      for (const authorization of ['Bearer', 'Bearer ', 'Bearer a b', `Bearer ${readOnly} extra`, 'Bearer t%ken']) {
        assertError(await call('/api/me', { headers: { authorization } }), 400, 'invalid_request', /^Bearer realm="[^"]+", error="invalid_request", error_description="[^"]+"$/)
      }
    })

    it('400 invalid_request for a token in the query string, with or without the header', async () => {
      const q = `/api/me?access_token=${encodeURIComponent(readOnly)}`
      assertError(await call(q), 400, 'invalid_request', /error="invalid_request"/)
      assertError(await call(q, { token: readOnly }), 400, 'invalid_request', /error="invalid_request"/)
    })

    it('does not take a token from a form body (401, no token)', async () => {
      const a = await call('/api/write', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: readWrite }).toString(),
      })
      assertError(a, 401, 'invalid_token', REALM)
    })

    it('403 insufficient_scope with the scope attribute', async () => {
      const a = await call('/api/write', { method: 'POST', token: readOnly })
      assertError(
        a,
        403,
        'insufficient_scope',
        'Bearer realm="https://api.example.com/appointments", error="insufficient_scope", error_description="The access token needs the scope write:appointments.", scope="write:appointments"',
      )
    })

    it('401 invalid_token when a required claim is missing', async () => {
      assertError(await call('/api/org', { token: readOnly }), 401, 'invalid_token', /error="invalid_token"/)
    })

    describe('requirePermissions (the permissions claim)', () => {
      const needsWrite =
        'Bearer realm="https://api.example.com/appointments", error="insufficient_scope", error_description="The access token needs the permission read:appointments write:appointments.", scope="read:appointments write:appointments"'

      it('200 when the permissions claim holds every one', async () => {
        assert.deepEqual(parts(readOnly).claims.permissions, ['read:appointments'])
        const a = await call('/api/permitted', { token: readOnly })
        assert.equal(a.status, 200, JSON.stringify(a.body))
        assert.equal(a.body.sub, latchkey.user.id)
      })

      it('403 insufficient_scope when one is missing, whatever scopes were granted', async () => {
        assertError(await call('/api/permitted', { method: 'POST', token: readWrite }), 403, 'insufficient_scope', needsWrite)
      })

      it('403 insufficient_scope for a token without a permissions claim (or not an array)', async () => {
        const { permissions: _, ...claims } = parts(readWrite).claims
        const a = await call('/api/permitted', { token: await latchkey.sign(claims) })
        assertError(a, 403, 'insufficient_scope', /^Bearer realm="[^"]+", error="insufficient_scope", error_description="The access token has no permissions claim\.", scope="read:appointments"$/)
        assertError(await call('/api/permitted', { token: await latchkey.sign({ ...claims, permissions: 'read:appointments' }) }), 403, 'insufficient_scope', /scope="read:appointments"$/)
      })

      it('200 once the user is given the missing permission (a new token)', async () => {
        await latchkey.givePermissions('write:appointments')
        const token = await latchkey.accessToken('read:appointments')
        assert.deepEqual(parts(token).claims.permissions, ['read:appointments', 'write:appointments'])
        const a = await call('/api/permitted', { method: 'POST', token })
        assert.equal(a.status, 200, JSON.stringify(a.body))
        assert.equal(a.body.sub, latchkey.user.id)
      })
    })

    describe('DPoP-bound tokens (RFC 9449 §7)', () => {
      let key: DpopKey
      let bound: string
      before(async () => {
        key = await DpopKey.generate()
        bound = await latchkey.dpopAccessToken(key, 'read:appointments')
      })

      const dpopCall = async (path: string, proof: string | undefined, init: RequestInit = {}) =>
        call(path, { ...init, headers: { authorization: `DPoP ${bound}`, ...(proof ? { dpop: proof } : {}) } })

      it('200 with Authorization: DPoP and a proof of this request (method, URL, ath)', async () => {
        const a = await dpopCall('/api/read', await key.proof('GET', new URL('/api/read', app.url).href, { accessToken: bound }))
        assert.equal(a.status, 200, JSON.stringify(a.body))
        assert.equal(a.body.sub, latchkey.user.id)
        const q = await dpopCall('/api/me?page=2', await key.proof('GET', new URL('/api/me', app.url).href, { accessToken: bound }))
        assert.equal(q.status, 200, 'htu is compared without the query')
      })

      it('401 for the bound token sent as Bearer, with a challenge that offers DPoP (§7.2)', async () => {
        assertError(await call('/api/me', { token: bound }), 401, 'invalid_token', /^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]+", DPoP realm="[^"]+", algs="ES256 RS256 PS256 EdDSA"$/)
      })

      it('401 invalid_dpop_proof for a proof of another path or method, or none', async () => {
        const challenge = /^Bearer realm="[^"]+", DPoP realm="[^"]+", error="invalid_dpop_proof", error_description="[^"]+", algs="[^"]+"$/
        assertError(await dpopCall('/api/me', await key.proof('GET', new URL('/api/read', app.url).href, { accessToken: bound })), 401, 'invalid_dpop_proof', challenge)
        assertError(await dpopCall('/api/me', await key.proof('POST', new URL('/api/me', app.url).href, { accessToken: bound })), 401, 'invalid_dpop_proof', challenge)
        assertError(await dpopCall('/api/me', undefined), 401, 'invalid_dpop_proof', challenge)
      })

      it('403 insufficient_scope on the DPoP challenge', async () => {
        const a = await dpopCall('/api/write', await key.proof('POST', new URL('/api/write', app.url).href, { accessToken: bound }), { method: 'POST' })
        assertError(a, 403, 'insufficient_scope', /^Bearer realm="[^"]+", DPoP realm="[^"]+", error="insufficient_scope", error_description="[^"]+", scope="write:appointments", algs="[^"]+"$/)
      })
    })

    it('503 when the issuer cannot be reached and no key is known', async () => {
      const down = await start(createVerifier({ issuer: 'http://127.0.0.1:9/', audience: AUDIENCE, timeout: 500 }))
      try {
        const res = await fetch(new URL('/api/me', down.url), { headers: { authorization: `Bearer ${readOnly}` } })
        assert.equal(res.status, 503)
        await res.arrayBuffer()
      } finally {
        await down.close()
      }
    })
  })
}
