/**
 * DPoP (RFC 9449) end to end against a real Latchkey: proofs at the token endpoint bind access tokens
 * (`token_type: DPoP`, `cnf.jkt`) and a public client's refresh tokens to the client's key;
 * `dpop_jkt` binds the code; /userinfo takes DPoP-bound tokens only with a proof. Every proof check is
 * attacked (replayed jti, wrong htu or htm, stale iat, missing nonce), and Bearer clients see no change.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApiRecord, ApplicationRecord, UserRecord } from '@latchkey/core'
import { sweep } from '../src/sweeper.js'
import { callbackParams } from './support/browser.js'
import { DpopKey } from './support/dpop.js'
import { addApi, addApp, addUser, startTestServer, type TestServer } from './support/harness.js'
import { assertOAuthError, claims, LoggedInBrowser, readJson, tokenRequest, WEB_ORIGIN, type JsonResponse } from './support/oauth.js'

const SCOPE = 'openid profile offline_access read:appointments'

interface Ctx {
  readonly server: TestServer
  readonly api: ApiRecord
  readonly app: ApplicationRecord
  readonly user: UserRecord
  readonly browser: LoggedInBrowser
}

async function setUp(env: Record<string, string> = {}): Promise<Ctx> {
  const server = await startTestServer({ env })
  const api = await addApi(server.store, { identifier: 'https://dpop.example.com/' })
  const { app } = await addApp(server.store)
  const user = await addUser(server.store)
  return { server, api, app, user, browser: new LoggedInBrowser(server, user) }
}

const tokenUrl = (ctx: Ctx) => `${ctx.server.issuer}oauth/token`
const userinfoUrl = (ctx: Ctx) => `${ctx.server.issuer}userinfo`

/** A code for the app (PKCE), optionally bound with dpop_jkt. */
async function code(ctx: Ctx, dpopJkt?: string) {
  return ctx.browser.code(ctx.app, { audience: ctx.api.identifier, scope: SCOPE, ...(dpopJkt ? { extra: { dpop_jkt: dpopJkt } } : {}) })
}

/** Exchanges a fresh code, with a proof of `key` (or none). */
async function exchange(ctx: Ctx, key: DpopKey | null, options: { dpopJkt?: string; proof?: string } = {}): Promise<JsonResponse> {
  const c = await code(ctx, options.dpopJkt)
  const proof = options.proof ?? (key ? await key.proof('POST', tokenUrl(ctx)) : undefined)
  return tokenRequest(
    ctx.server,
    { grant_type: 'authorization_code', client_id: ctx.app.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri },
    { headers: proof ? { dpop: proof } : {} },
  )
}

async function refresh(ctx: Ctx, refreshToken: string, proof?: string): Promise<JsonResponse> {
  return tokenRequest(ctx.server, { grant_type: 'refresh_token', client_id: ctx.app.clientId, refresh_token: refreshToken }, { headers: proof ? { dpop: proof } : {} })
}

async function userinfo(ctx: Ctx, authorization: string, proof?: string): Promise<JsonResponse> {
  const res = await fetch(userinfoUrl(ctx), { headers: { authorization, ...(proof ? { dpop: proof } : {}) } })
  return readJson(res)
}

function assertDpopChallenge(r: JsonResponse, error: string): void {
  assert.equal(r.status, 401, JSON.stringify(r.json))
  assert.equal(r.json.error, error)
  assert.match(r.res.headers.get('www-authenticate') ?? '', new RegExp(`DPoP realm="[^"]+", error="${error}", error_description="[^"]+", algs="ES256 RS256 PS256 EdDSA"`))
}

describe('DPoP at the token endpoint and /userinfo', () => {
  let ctx: Ctx
  before(async () => {
    ctx = await setUp()
  })
  after(() => ctx.server.close())

  it('advertises the proof algorithms in discovery (RFC 9449 §5.1)', async () => {
    const doc = (await (await fetch(`${ctx.server.url}.well-known/openid-configuration`)).json()) as Record<string, unknown>
    assert.deepEqual(doc.dpop_signing_alg_values_supported, ['ES256', 'RS256', 'PS256', 'EdDSA'])
  })

  it('a code exchanged with a proof gives token_type DPoP and an access token bound to the key (cnf.jkt)', async () => {
    const key = await DpopKey.generate()
    const r = await exchange(ctx, key)
    assert.equal(r.status, 200, JSON.stringify(r.json))
    assert.equal(r.json.token_type, 'DPoP')
    assert.deepEqual(claims(r.json.access_token).cnf, { jkt: key.jkt })
    assert.equal(claims(r.json.id_token).cnf, undefined)
    assert.equal(typeof r.json.refresh_token, 'string')
    assert.equal(r.res.headers.get('dpop-nonce'), null, 'no nonce is pushed on clients that did not ask for one')
  })

  it('accepts proofs of every advertised algorithm', async () => {
    for (const alg of ['RS256', 'PS256', 'EdDSA']) {
      const key = await DpopKey.generate(alg)
      const r = await exchange(ctx, key)
      assert.equal(r.status, 200, `${alg}: ${JSON.stringify(r.json)}`)
      assert.deepEqual(claims(r.json.access_token).cnf, { jkt: key.jkt })
    }
  })

  it('Bearer clients are unchanged: no proof, token_type Bearer, no cnf, refresh without a proof', async () => {
    const r = await exchange(ctx, null)
    assert.equal(r.status, 200)
    assert.equal(r.json.token_type, 'Bearer')
    assert.equal(claims(r.json.access_token).cnf, undefined)
    const refreshed = await refresh(ctx, r.json.refresh_token as string)
    assert.equal(refreshed.status, 200)
    assert.equal(refreshed.json.token_type, 'Bearer')
    const info = await userinfo(ctx, `Bearer ${r.json.access_token as string}`)
    assert.equal(info.status, 200)
  })

  describe('dpop_jkt binds the code to the key (RFC 9449 §10)', () => {
    it('redeems with a proof of that key', async () => {
      const key = await DpopKey.generate()
      const r = await exchange(ctx, key, { dpopJkt: key.jkt })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.deepEqual(claims(r.json.access_token).cnf, { jkt: key.jkt })
    })

    it('refuses a proof of another key, and no proof at all', async () => {
      const key = await DpopKey.generate()
      const other = await DpopKey.generate()
      assertOAuthError(await exchange(ctx, other, { dpopJkt: key.jkt }), 403, 'invalid_grant', 'The DPoP proof key does not match dpop_jkt.')
      assertOAuthError(await exchange(ctx, null, { dpopJkt: key.jkt }), 403, 'invalid_grant', 'This authorization code requires a DPoP proof.')
    })

    it('refuses a dpop_jkt that is not a SHA-256 thumbprint with invalid_request at the callback', async () => {
      const res = await ctx.browser.authorize({ clientId: ctx.app.clientId, audience: ctx.api.identifier, scope: SCOPE, challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', extra: { dpop_jkt: 'not-a-thumbprint' } })
      const params = callbackParams(res)
      assert.equal(params.get('error'), 'invalid_request')
      assert.match(params.get('error_description') ?? '', /dpop_jkt/)
    })
  })

  describe('every proof check, attacked (RFC 9449 §4.3)', () => {
    it('a replayed proof (same jti) is refused, and does not burn the code it came with', async () => {
      const key = await DpopKey.generate()
      const proof = await key.proof('POST', tokenUrl(ctx))
      assert.equal((await exchange(ctx, key, { proof })).status, 200)
      const c = await code(ctx)
      const body = { grant_type: 'authorization_code', client_id: ctx.app.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri }
      assertOAuthError(await tokenRequest(ctx.server, body, { headers: { dpop: proof } }), 400, 'invalid_dpop_proof', 'The DPoP proof was already used (jti).')
      const retry = await tokenRequest(ctx.server, body, { headers: { dpop: await key.proof('POST', tokenUrl(ctx)) } })
      assert.equal(retry.status, 200, JSON.stringify(retry.json))
    })

    it('a proof for another URL or method is refused: htu is the issuer-based URL, never the Host header', async () => {
      const key = await DpopKey.generate()
      const byIp = tokenUrl(ctx).replace('localhost', '127.0.0.1')
      for (const proof of [
        await key.proof('POST', `${ctx.server.issuer}userinfo`),
        await key.proof('POST', byIp),
        await key.proof('POST', tokenUrl(ctx).replace('http:', 'https:')),
      ]) {
        assertOAuthError(await exchange(ctx, key, { proof }), 400, 'invalid_dpop_proof', 'The DPoP proof htu does not match the request URL.')
      }
      // Reaching the server under another name changes nothing: the proof must name the issuer's URL.
      const c = await code(ctx)
      const res = await fetch(byIp, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await key.proof('POST', byIp) },
        body: new URLSearchParams({ grant_type: 'authorization_code', client_id: ctx.app.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri }),
      })
      assertOAuthError(await readJson(res), 400, 'invalid_dpop_proof', /htu/)
      assertOAuthError(await exchange(ctx, key, { proof: await key.proof('GET', tokenUrl(ctx)) }), 400, 'invalid_dpop_proof', /htm/)
    })

    it('a stale or future proof (iat) is answered with use_dpop_nonce and a nonce, and the retry with it succeeds', async () => {
      const key = await DpopKey.generate()
      const c = await code(ctx)
      const body = { grant_type: 'authorization_code', client_id: ctx.app.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri }
      for (const now of [Date.now() - 120_000, Date.now() + 60_000]) {
        const stale = await tokenRequest(ctx.server, body, { headers: { dpop: await key.proof('POST', tokenUrl(ctx), { now }) } })
        assertOAuthError(stale, 400, 'use_dpop_nonce', /iat/)
        assert.match(stale.res.headers.get('dpop-nonce') ?? '', /^[A-Za-z0-9_-]{43}$/)
      }
      const stale = await tokenRequest(ctx.server, body, { headers: { dpop: await key.proof('POST', tokenUrl(ctx), { now: Date.now() - 120_000 }) } })
      const nonce = stale.res.headers.get('dpop-nonce') as string
      const ok = await tokenRequest(ctx.server, body, { headers: { dpop: await key.proof('POST', tokenUrl(ctx), { claims: { nonce } }) } })
      assert.equal(ok.status, 200, JSON.stringify(ok.json))
      assert.equal(ok.json.token_type, 'DPoP')
    })

    it('malformed proofs get invalid_dpop_proof, never a 5xx: two headers, not a JWT, a private key, a symmetric alg', async () => {
      const key = await DpopKey.generate()
      const proof = await key.proof('POST', tokenUrl(ctx))
      const privateJwk = await DpopKey.generate().then(async (k) => ({ ...k.jwk, d: 'AQAB' }))
      for (const dpop of [`${proof}, ${proof}`, 'garbage', 'a.b.c', await key.proof('POST', tokenUrl(ctx), { header: { jwk: privateJwk } }), await key.proof('POST', tokenUrl(ctx), { header: { typ: 'JWT' } })]) {
        const r = await exchange(ctx, key, { proof: dpop })
        assertOAuthError(r, 400, 'invalid_dpop_proof')
      }
    })
  })

  describe('refresh tokens of a public client are bound to the key (RFC 9449 §5)', () => {
    it('refresh works with a proof of the same key, and the new tokens stay bound', async () => {
      const key = await DpopKey.generate()
      const first = await exchange(ctx, key)
      const r = await refresh(ctx, first.json.refresh_token as string, await key.proof('POST', tokenUrl(ctx)))
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.equal(r.json.token_type, 'DPoP')
      assert.deepEqual(claims(r.json.access_token).cnf, { jkt: key.jkt })
      assertOAuthError(await refresh(ctx, r.json.refresh_token as string), 403, 'invalid_grant', /bound to a DPoP key/)
    })

    it('another key or no proof fails with invalid_grant, and does not burn the token for its owner', async () => {
      const key = await DpopKey.generate()
      const thief = await DpopKey.generate()
      const first = await exchange(ctx, key)
      const token = first.json.refresh_token as string
      assertOAuthError(await refresh(ctx, token, await thief.proof('POST', tokenUrl(ctx))), 403, 'invalid_grant', 'The DPoP proof key does not match the refresh token.')
      assertOAuthError(await refresh(ctx, token), 403, 'invalid_grant', 'This refresh token is bound to a DPoP key: send a DPoP proof.')
      const owner = await refresh(ctx, token, await key.proof('POST', tokenUrl(ctx)))
      assert.equal(owner.status, 200, JSON.stringify(owner.json))
    })

    it('a Bearer family refreshed with a proof becomes bound from then on', async () => {
      const key = await DpopKey.generate()
      const first = await exchange(ctx, null)
      const r = await refresh(ctx, first.json.refresh_token as string, await key.proof('POST', tokenUrl(ctx)))
      assert.equal(r.json.token_type, 'DPoP')
      assertOAuthError(await refresh(ctx, r.json.refresh_token as string), 403, 'invalid_grant', /bound to a DPoP key/)
    })

    it("a confidential client's refresh token is not bound (it is bound to the client's authentication)", async () => {
      const { app, secret } = await addApp(ctx.server.store, { type: 'regular_web', name: 'Web app' })
      const key = await DpopKey.generate()
      const c = await ctx.browser.code(app, { audience: ctx.api.identifier, scope: SCOPE })
      const auth = { client_id: app.clientId, client_secret: secret as string }
      const first = await tokenRequest(
        ctx.server,
        { grant_type: 'authorization_code', code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri, ...auth },
        { headers: { dpop: await key.proof('POST', tokenUrl(ctx)) } },
      )
      assert.equal(first.status, 200, JSON.stringify(first.json))
      assert.equal(first.json.token_type, 'DPoP')
      const r = await tokenRequest(ctx.server, { grant_type: 'refresh_token', refresh_token: first.json.refresh_token as string, ...auth })
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.equal(r.json.token_type, 'Bearer')
    })
  })

  describe('/userinfo with DPoP-bound tokens (RFC 9449 §7)', () => {
    let key: DpopKey
    let token: string
    before(async () => {
      key = await DpopKey.generate()
      token = (await exchange(ctx, key)).json.access_token as string
    })

    it('answers Authorization: DPoP with a proof of the key that carries ath', async () => {
      const r = await userinfo(ctx, `DPoP ${token}`, await key.proof('GET', userinfoUrl(ctx), { accessToken: token }))
      assert.equal(r.status, 200, JSON.stringify(r.json))
      assert.equal(r.json.sub, ctx.user.id)
      const post = await fetch(userinfoUrl(ctx), { method: 'POST', headers: { authorization: `DPoP ${token}`, dpop: await key.proof('POST', userinfoUrl(ctx), { accessToken: token }) } })
      assert.equal(post.status, 200)
      await post.arrayBuffer()
    })

    it('refuses the bound token presented as Bearer, with a challenge offering DPoP (RFC 9449 §7.2)', async () => {
      const r = await userinfo(ctx, `Bearer ${token}`)
      assert.equal(r.status, 401)
      assert.equal(r.json.error, 'invalid_token')
      assert.match(r.res.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+", error="invalid_token", error_description="[^"]+", DPoP realm="[^"]+", algs="ES256 RS256 PS256 EdDSA"$/)
    })

    it('refuses a missing proof, a wrong ath, a proof for another method, a replayed proof', async () => {
      assertDpopChallenge(await userinfo(ctx, `DPoP ${token}`), 'invalid_dpop_proof')
      assertDpopChallenge(await userinfo(ctx, `DPoP ${token}`, await key.proof('GET', userinfoUrl(ctx), { accessToken: 'another' })), 'invalid_dpop_proof')
      assertDpopChallenge(await userinfo(ctx, `DPoP ${token}`, await key.proof('GET', userinfoUrl(ctx))), 'invalid_dpop_proof')
      assertDpopChallenge(await userinfo(ctx, `DPoP ${token}`, await key.proof('POST', userinfoUrl(ctx), { accessToken: token })), 'invalid_dpop_proof')
      const proof = await key.proof('GET', userinfoUrl(ctx), { accessToken: token })
      assert.equal((await userinfo(ctx, `DPoP ${token}`, proof)).status, 200)
      assertDpopChallenge(await userinfo(ctx, `DPoP ${token}`, proof), 'invalid_dpop_proof')
    })

    it("refuses a proof of another key (not the token's cnf.jkt), and an unbound token sent as DPoP", async () => {
      const other = await DpopKey.generate()
      assertDpopChallenge(await userinfo(ctx, `DPoP ${token}`, await other.proof('GET', userinfoUrl(ctx), { accessToken: token })), 'invalid_token')
      const bearer = (await exchange(ctx, null)).json.access_token as string
      assertDpopChallenge(await userinfo(ctx, `DPoP ${bearer}`, await key.proof('GET', userinfoUrl(ctx), { accessToken: bearer })), 'invalid_token')
    })
  })

  describe('CORS for browser apps', () => {
    it('allows the DPoP request header and exposes DPoP-Nonce', async () => {
      const preflight = await fetch(tokenUrl(ctx), {
        method: 'OPTIONS',
        headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'dpop, content-type' },
      })
      assert.equal(preflight.status, 204)
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /\bdpop\b/i)
      const key = await DpopKey.generate()
      const c = await code(ctx)
      const res = await fetch(tokenUrl(ctx), {
        method: 'POST',
        headers: { origin: WEB_ORIGIN, 'content-type': 'application/x-www-form-urlencoded', dpop: await key.proof('POST', tokenUrl(ctx), { now: Date.now() - 300_000 }) },
        body: new URLSearchParams({ grant_type: 'authorization_code', client_id: ctx.app.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri }),
      })
      assert.equal(res.status, 400)
      assert.equal(res.headers.get('access-control-allow-origin'), WEB_ORIGIN)
      assert.match(res.headers.get('access-control-expose-headers') ?? '', /\bDPoP-Nonce\b/)
      assert.ok(res.headers.get('dpop-nonce'))
      await res.arrayBuffer()
    })
  })

  it('the sweeper forgets proof jtis once their replay window is over', async () => {
    const now = ctx.server.clock.now()
    assert.ok((await sweep(ctx.server.store, now + 10 * 60_000)).dpopProofs > 0)
    assert.equal((await sweep(ctx.server.store, now + 10 * 60_000)).dpopProofs, 0)
  })
})

describe('DPoP with nonces required (LATCHKEY_DPOP_REQUIRE_NONCE=true)', () => {
  let ctx: Ctx
  before(async () => {
    ctx = await setUp({ LATCHKEY_DPOP_REQUIRE_NONCE: 'true' })
  })
  after(() => ctx.server.close())

  it('challenges a proof without a nonce (use_dpop_nonce, DPoP-Nonce), without burning the code; the retry succeeds', async () => {
    const key = await DpopKey.generate()
    const c = await code(ctx)
    const body = { grant_type: 'authorization_code', client_id: ctx.app.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri }
    const challenged = await tokenRequest(ctx.server, body, { headers: { dpop: await key.proof('POST', tokenUrl(ctx)) } })
    assertOAuthError(challenged, 400, 'use_dpop_nonce')
    const nonce = challenged.res.headers.get('dpop-nonce')
    assert.ok(nonce)
    assertOAuthError(await tokenRequest(ctx.server, body, { headers: { dpop: await key.proof('POST', tokenUrl(ctx), { claims: { nonce: 'forged' } }) } }), 400, 'use_dpop_nonce')
    const ok = await tokenRequest(ctx.server, body, { headers: { dpop: await key.proof('POST', tokenUrl(ctx), { claims: { nonce } }) } })
    assert.equal(ok.status, 200, JSON.stringify(ok.json))
    assert.equal(ok.json.token_type, 'DPoP')
  })

  it('a nonce expires: minutes later the client is given a new one', async () => {
    const key = await DpopKey.generate()
    const { nonce } = await boundTokens(ctx, key)
    ctx.server.clock.advance(5 * 60_000)
    try {
      const now = ctx.server.clock.now()
      const r = await refresh(ctx, 'unknown-refresh-token', await key.proof('POST', tokenUrl(ctx), { claims: { nonce }, now }))
      assertOAuthError(r, 400, 'use_dpop_nonce')
      assert.notEqual(r.res.headers.get('dpop-nonce'), nonce)
    } finally {
      ctx.server.clock.advance(-5 * 60_000)
    }
  })

  it('/userinfo asks for a nonce with 401 and WWW-Authenticate: DPoP error="use_dpop_nonce" (RFC 9449 §9)', async () => {
    const key = await DpopKey.generate()
    const token = (await boundTokens(ctx, key)).json.access_token as string
    const r = await userinfo(ctx, `DPoP ${token}`, await key.proof('GET', userinfoUrl(ctx), { accessToken: token }))
    assertDpopChallenge(r, 'use_dpop_nonce')
    const nonce = r.res.headers.get('dpop-nonce') as string
    const ok = await userinfo(ctx, `DPoP ${token}`, await key.proof('GET', userinfoUrl(ctx), { accessToken: token, claims: { nonce } }))
    assert.equal(ok.status, 200, JSON.stringify(ok.json))
  })
})

/** Tokens bound to `key` through a code exchange that answers the nonce challenge, and the nonce used. */
async function boundTokens(ctx: Ctx, key: DpopKey): Promise<{ json: Record<string, unknown>; nonce: string }> {
  const c = await code(ctx)
  const body = { grant_type: 'authorization_code', client_id: ctx.app.clientId, code: c.code, code_verifier: c.verifier as string, redirect_uri: c.redirectUri }
  const challenged = await tokenRequest(ctx.server, body, { headers: { dpop: await key.proof('POST', tokenUrl(ctx)) } })
  const nonce = challenged.res.headers.get('dpop-nonce') as string
  const r = await tokenRequest(ctx.server, body, { headers: { dpop: await key.proof('POST', tokenUrl(ctx), { claims: { nonce } }) } })
  assert.equal(r.status, 200, JSON.stringify(r.json))
  return { json: r.json, nonce }
}
