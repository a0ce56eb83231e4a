/**
 * grant_type=authorization_code, rule by rule: RFC 6749 §4.1.2 / §4.1.3 (single use, client and
 * redirect_uri binding), RFC 7636 §4.6 (PKCE S256), RFC 9700 §2.1.1 / §4.14 (downgrade and replay
 * defences), RFC 9449 §10 (dpop_jkt), then the token response it mints (RFC 9068 access token,
 * OpenID Connect Core ID token, a refresh token only when offline access is granted and allowed).
 * The store is an in-memory fake of the ports the grant uses (test/support/memory-grant-store.ts).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose'
import { InvalidGrant, InvalidRequest } from '../src/errors.js'
import { authorizationCode, FAILED_VERIFIER, INVALID_CODE } from '../src/grants/authorization-code.js'
import type { GrantContext, GrantResult } from '../src/grants/grant.js'
import { ReuseDetected } from '../src/grants/reuse-detected.js'
import { randomToken, sha256 } from '../src/opaque.js'
import { s256Challenge } from '../src/pkce.js'
import type { ApplicationRecord, AuthorizationCodeRecord } from '../src/records.js'
import { createApi } from '../src/registration/apis.js'
import { createApplication } from '../src/registration/applications.js'
import { createOrganization } from '../src/registration/organizations.js'
import { createUser } from '../src/registration/users.js'
import { MemoryGrantStore } from './support/memory-grant-store.js'
import { refused } from './support/refused.js'

const NOW = 1_700_000_000_000
const ISSUER = 'https://login.example.com/'
const CALLBACK = 'https://app.example.com/callback'
const { privateKey } = await generateKeyPair('RS256')
const signingKey = async () => ({ kid: 'k1', alg: 'RS256' as const, key: privateKey })

/** A public SPA (PKCE, DPoP-bound refresh tokens) and a confidential web app. */
const spa = createApplication({ name: 'SPA', type: 'spa', callbacks: [CALLBACK] }, NOW).record
const web = createApplication({ name: 'Web', type: 'regular', callbacks: [CALLBACK] }, NOW).record
const api = createApi({ name: 'Invoices', identifier: 'https://invoices.example.com/', scopes: ['read:invoices'], allowOfflineAccess: true, tokenLifetime: 600 }, NOW)
const alice = createUser({ email: 'alice@example.com', name: 'Alice', emailVerified: true }, 'hash', NOW)
const acme = createOrganization({ name: 'acme' }, NOW)

const VERIFIER = 'v'.repeat(43)
const JKT = 'j'.repeat(43)
const OTHER_JKT = 'k'.repeat(43)

/** The grant's ports (test/support/memory-grant-store.ts), seeded with this suite's fixtures. */
class World extends MemoryGrantStore {
  now = NOW

  constructor() {
    super({ apis: [api], users: [alice], organizations: [acme], members: [[acme.id, alice.id]] })
  }

  context(client: ApplicationRecord = spa, dpop?: { jkt: string }): GrantContext {
    return { client, store: this.store, issuer: ISSUER, clock: { now: () => this.now }, signingKey, ...(dpop ? { dpop } : {}) }
  }

  /** A code as /authorize issues it: by default for the SPA, with PKCE, openid and offline_access, for the API. */
  code(overrides: Partial<AuthorizationCodeRecord> = {}): { code: string; record: AuthorizationCodeRecord } {
    const code = randomToken()
    const record: AuthorizationCodeRecord = {
      codeHash: sha256(code),
      grantId: `grant-${randomToken(8)}`,
      clientId: spa.clientId,
      userId: alice.id,
      redirectUri: CALLBACK,
      redirectUriProvided: true,
      scope: ['openid', 'profile', 'email', 'offline_access', 'read:invoices'],
      audience: api.identifier,
      codeChallenge: s256Challenge(VERIFIER),
      codeChallengeMethod: 'S256',
      nonce: 'n-0S6_WzA2Mj',
      authTime: NOW - 30_000,
      sid: 'sid-1',
      organization: null,
      createdAt: NOW - 5_000,
      expiresAt: NOW + 55_000,
      consumedAt: null,
      ...overrides,
    }
    this.codes.set(record.codeHash, record)
    return { code, record }
  }
}

function params(values: Record<string, string>): Map<string, string[]> {
  return new Map(Object.entries(values).map(([k, v]) => [k, [v]]))
}

/** The grant as the token endpoint runs it: its parameters parsed, then handled. */
async function redeem(ctx: GrantContext, values: Record<string, string>): Promise<GrantResult> {
  return authorizationCode.handle(ctx, authorizationCode.parse(params(values)))
}

/** The usual, correct token request for `code`. */
function exchange(code: string, extra: Record<string, string> = {}): Record<string, string> {
  return { code, code_verifier: VERIFIER, redirect_uri: CALLBACK, ...extra }
}

describe('authorization_code grant: the request (RFC 6749 §4.1.3)', () => {
  it('RFC 6749 §4.1.3: a request without `code` is invalid_request, found by parse', () => {
    for (const values of [{}, { code: '' }, { code_verifier: VERIFIER, redirect_uri: CALLBACK }] as Record<string, string>[]) {
      assert.throws(
        () => authorizationCode.parse(params(values)),
        (err: unknown) => err instanceof InvalidRequest && err.error === 'invalid_request' && err.description === 'Missing required parameter: code',
      )
    }
  })

  it('RFC 6749 §4.1.3: parse reads code, code_verifier and redirect_uri; empty values count as absent', () => {
    assert.deepEqual(authorizationCode.parse(params({ code: 'c', code_verifier: VERIFIER, redirect_uri: CALLBACK })), { code: 'c', codeVerifier: VERIFIER, redirectUri: CALLBACK })
    assert.deepEqual(authorizationCode.parse(params({ code: 'c', code_verifier: '', redirect_uri: '' })), { code: 'c', codeVerifier: undefined, redirectUri: undefined })
  })

  it('RFC 6749 §5.2: an unknown code is invalid_grant "Invalid authorization code"', async () => {
    const world = new World()
    const err = await refused(redeem(world.context(), exchange(randomToken())), InvalidGrant, INVALID_CODE)
    assert.equal(err.error, 'invalid_grant')
    assert.ok(!(err instanceof ReuseDetected))
  })

  it('RFC 6749 §4.1.2: an expired code is invalid_grant, and is no replay (nothing revoked)', async () => {
    const world = new World()
    const { code } = world.code({ expiresAt: NOW })
    const err = await refused(redeem(world.context(), exchange(code)), InvalidGrant, INVALID_CODE)
    assert.ok(!(err instanceof ReuseDetected))
    assert.equal(world.revokedGrants.size, 0)
  })
})

describe('authorization_code grant: single use (RFC 6749 §4.1.2, RFC 9700 §4.14)', () => {
  it('RFC 6749 §4.1.2: a code is used once; its replay by the same client revokes the grant’s refresh tokens and throws ReuseDetected with the facts', async () => {
    const world = new World()
    const { code, record } = world.code()
    const first = await redeem(world.context(), exchange(code))
    assert.ok(first.response.refresh_token)
    assert.equal(world.codes.get(record.codeHash)?.consumedAt, NOW)

    world.now = NOW + 1_000
    const err = await refused(redeem(world.context(), exchange(code)), InvalidGrant, INVALID_CODE)
    assert.ok(err instanceof ReuseDetected)
    assert.equal(err.error, 'invalid_grant', 'to the client, the same invalid_grant as any bad code')
    assert.deepEqual(err.reuse, { kind: 'authorization_code', clientId: spa.clientId, userId: alice.id, grantId: record.grantId, revoked: 1 })

    const [issued] = world.refreshTokensOf(record.grantId)
    assert.equal(issued?.tokenHash, sha256(first.response.refresh_token))
    assert.equal(issued?.revokedAt, NOW + 1_000, 'what the first redemption issued no longer works')
    assert.ok(world.revokedGrants.has(record.grantId))
  })

  it('RFC 6749 §4.1.2: a second replay still throws ReuseDetected, with nothing left to revoke', async () => {
    const world = new World()
    const { code } = world.code()
    await redeem(world.context(), exchange(code))
    await assert.rejects(redeem(world.context(), exchange(code)), ReuseDetected)
    const err = await refused(redeem(world.context(), exchange(code)), InvalidGrant, INVALID_CODE)
    assert.ok(err instanceof ReuseDetected)
    assert.equal(err.reuse.revoked, 0)
  })

  it('RFC 6749 §4.1.3: a code issued to another client is invalid_grant, and another client’s replay revokes nothing', async () => {
    const world = new World()
    // A fresh code presented by the wrong client.
    const fresh = world.code()
    const err = await refused(redeem(world.context(web), exchange(fresh.code)), InvalidGrant, INVALID_CODE)
    assert.ok(!(err instanceof ReuseDetected))

    // A redeemed code presented again by another client: not the owner's replay, so the grant lives.
    const redeemed = world.code()
    const first = await redeem(world.context(), exchange(redeemed.code))
    const other = await refused(redeem(world.context(web), exchange(redeemed.code)), InvalidGrant, INVALID_CODE)
    assert.ok(!(other instanceof ReuseDetected))
    assert.equal(world.revokedGrants.has(redeemed.record.grantId), false)
    assert.equal(world.refreshTokens.get(sha256(first.response.refresh_token as string))?.revokedAt, null)
  })

  it('RFC 6749 §4.1.3: another client’s attempt does not burn the code: its own client still redeems it', async () => {
    const world = new World()
    const { code, record } = world.code()
    await refused(redeem(world.context(web), exchange(code)), InvalidGrant, INVALID_CODE)
    assert.equal(world.codes.get(record.codeHash)?.consumedAt, null)
    const redeemed = await redeem(world.context(), exchange(code))
    assert.equal(redeemed.grantId, record.grantId)
  })
})

describe('authorization_code grant: redirect_uri (RFC 6749 §4.1.3)', () => {
  const MISMATCH = 'redirect_uri does not match the one used in the authorization request.'

  it('RFC 6749 §4.1.3: when redirect_uri was sent at /authorize, the token request must send the identical value', async () => {
    const world = new World()
    await refused(redeem(world.context(), { code: world.code().code, code_verifier: VERIFIER }), InvalidGrant, MISMATCH)
    await refused(redeem(world.context(), exchange(world.code().code, { redirect_uri: `${CALLBACK}/` })), InvalidGrant, MISMATCH)
    await refused(redeem(world.context(), exchange(world.code().code, { redirect_uri: 'https://APP.example.com/callback' })), InvalidGrant, MISMATCH)
    const ok = await redeem(world.context(), exchange(world.code().code))
    assert.ok(ok.response.access_token)
  })

  it('RFC 6749 §4.1.3: when it was not sent, it may be omitted or repeat the one used, but not name a different one', async () => {
    const world = new World()
    const notSent = { redirectUriProvided: false }
    assert.ok((await redeem(world.context(), { code: world.code(notSent).code, code_verifier: VERIFIER })).response.access_token)
    assert.ok((await redeem(world.context(), exchange(world.code(notSent).code))).response.access_token)
    await refused(redeem(world.context(), exchange(world.code(notSent).code, { redirect_uri: 'https://evil.example.com/cb' })), InvalidGrant, MISMATCH)
  })
})

describe('authorization_code grant: PKCE (RFC 7636 §4.6, RFC 9700 §2.1.1)', () => {
  it('RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) equal to the S256 challenge redeems the code', async () => {
    const world = new World()
    const verifier = `${'A'.repeat(40)}-._~${'z'.repeat(84)}`
    assert.equal(verifier.length, 128)
    const { code } = world.code({ codeChallenge: s256Challenge(verifier) })
    const result = await redeem(world.context(), exchange(code, { code_verifier: verifier }))
    assert.ok(result.response.access_token)
  })

  it('RFC 7636 §4.6: a wrong verifier is invalid_grant "Failed to verify code verifier", and the code is spent', async () => {
    const world = new World()
    const { code } = world.code()
    await refused(redeem(world.context(), exchange(code, { code_verifier: 'w'.repeat(43) })), InvalidGrant, FAILED_VERIFIER)
    await assert.rejects(redeem(world.context(), exchange(code)), ReuseDetected)
  })

  it('RFC 7636 §4.5: a code issued with a challenge needs a verifier', async () => {
    const world = new World()
    await refused(redeem(world.context(), { code: world.code().code, redirect_uri: CALLBACK }), InvalidGrant, FAILED_VERIFIER)
  })

  it('RFC 7636 §4.1: a malformed verifier (outside [A-Za-z0-9-._~], shorter than 43 or longer than 128) is refused before the code is used', async () => {
    const world = new World()
    for (const bad of ['v'.repeat(42), 'v'.repeat(129), `${'v'.repeat(42)}+`, `${'v'.repeat(42)}/`, `${'v'.repeat(42)}=`, `${'v'.repeat(42)} `, `${'v'.repeat(42)}é`]) {
      // Each malformed verifier is also the challenge's own: only the format rule can refuse it.
      const { code, record } = world.code({ codeChallenge: s256Challenge(bad) })
      await refused(redeem(world.context(), exchange(code, { code_verifier: bad })), InvalidGrant, FAILED_VERIFIER)
      assert.equal(world.codes.get(record.codeHash)?.consumedAt, null, `${JSON.stringify(bad)}: refused before consume`)
    }
    const { code } = world.code()
    await refused(redeem(world.context(), exchange(code, { code_verifier: 'v'.repeat(42) })), InvalidGrant, FAILED_VERIFIER)
    assert.ok((await redeem(world.context(), exchange(code))).response.access_token, 'the code still works with the right verifier')
  })

  it('RFC 9700 §2.1.1: a verifier sent for a code issued without a challenge is refused (PKCE downgrade)', async () => {
    const world = new World()
    const noPkce = { codeChallenge: null, codeChallengeMethod: null } as const
    await refused(redeem(world.context(web), exchange(world.code({ ...noPkce, clientId: web.clientId }).code)), InvalidGrant, FAILED_VERIFIER)
    const result = await redeem(world.context(web), { code: world.code({ ...noPkce, clientId: web.clientId }).code, redirect_uri: CALLBACK })
    assert.ok(result.response.access_token, 'without a challenge nor a verifier, the code is redeemed')
  })
})

describe('authorization_code grant: DPoP-bound codes (RFC 9449 §10)', () => {
  it('RFC 9449 §10: a code bound with dpop_jkt needs a proof of that key', async () => {
    const world = new World()
    await refused(redeem(world.context(), exchange(world.code({ dpopJkt: JKT }).code)), InvalidGrant, 'This authorization code requires a DPoP proof.')
    await refused(redeem(world.context(spa, { jkt: OTHER_JKT }), exchange(world.code({ dpopJkt: JKT }).code)), InvalidGrant, 'The DPoP proof key does not match dpop_jkt.')
    const result = await redeem(world.context(spa, { jkt: JKT }), exchange(world.code({ dpopJkt: JKT }).code))
    assert.equal(result.response.token_type, 'DPoP')
    assert.deepEqual(decodeJwt(result.response.access_token).cnf, { jkt: JKT })
  })

  it('RFC 9449 §5: with a proof, the access token is DPoP-bound; a public client’s refresh token is bound to the key, a confidential client’s is not', async () => {
    const world = new World()
    const pub = await redeem(world.context(spa, { jkt: JKT }), exchange(world.code().code))
    assert.equal(pub.response.token_type, 'DPoP')
    assert.deepEqual(decodeJwt(pub.response.access_token).cnf, { jkt: JKT })
    assert.equal(world.refreshTokens.get(sha256(pub.response.refresh_token as string))?.dpopJkt, JKT)

    const conf = await redeem(world.context(web, { jkt: JKT }), exchange(world.code({ clientId: web.clientId }).code))
    assert.equal(conf.response.token_type, 'DPoP')
    assert.equal(world.refreshTokens.get(sha256(conf.response.refresh_token as string))?.dpopJkt, undefined)
  })

  it('RFC 6750: without a proof the tokens are Bearer tokens, with no cnf', async () => {
    const world = new World()
    const result = await redeem(world.context(), exchange(world.code().code))
    assert.equal(result.response.token_type, 'Bearer')
    assert.equal(decodeJwt(result.response.access_token).cnf, undefined)
  })
})

describe('authorization_code grant: the user, organization and API are checked again', () => {
  it('a blocked user’s code is invalid_grant "user is blocked"; a deleted user’s is "Invalid authorization code"', async () => {
    const world = new World()
    world.users.set(alice.id, { ...alice, blocked: true })
    await refused(redeem(world.context(), exchange(world.code().code)), InvalidGrant, 'user is blocked')
    world.users.delete(alice.id)
    await refused(redeem(world.context(), exchange(world.code().code)), InvalidGrant, INVALID_CODE)
  })

  it('an organization code for a user no longer a member (or an organization deleted) is invalid_grant', async () => {
    const world = new World()
    const notAMember = `user ${alice.id} is not part of the ${acme.id} organization`
    world.members.clear()
    await refused(redeem(world.context(), exchange(world.code({ organization: acme.id }).code)), InvalidGrant, notAMember)
    world.members.add(`${acme.id} ${alice.id}`)
    world.organizations.delete(acme.id)
    await refused(redeem(world.context(), exchange(world.code({ organization: acme.id }).code)), InvalidGrant, notAMember)
  })

  it('an organization code for a member: org_id and org_name in both tokens, and kept by the refresh token', async () => {
    const world = new World()
    const result = await redeem(world.context(), exchange(world.code({ organization: acme.id }).code))
    for (const token of [result.response.access_token, result.response.id_token as string]) {
      const claims = decodeJwt(token)
      assert.equal(claims.org_id, acme.id)
      assert.equal(claims.org_name, 'acme')
    }
    assert.equal(world.refreshTokens.get(sha256(result.response.refresh_token as string))?.organization, acme.id)
  })

  it('a code for an API deleted since is invalid_grant', async () => {
    const world = new World()
    world.apis.clear()
    await refused(redeem(world.context(), exchange(world.code().code)), InvalidGrant, `Service not found: ${api.identifier}`)
  })
})

describe('authorization_code grant: the token response (RFC 6749 §5.1, RFC 9068, OpenID Connect Core §3.1.3.3)', () => {
  it('RFC 9068: the access token is an at+jwt for the API and /userinfo (openid), with the scope and the code’s grant_id', async () => {
    const world = new World()
    const { code, record } = world.code()
    const { response } = await redeem(world.context(), exchange(code))
    assert.equal(response.token_type, 'Bearer')
    assert.equal(response.expires_in, 600, 'the API’s token lifetime')
    assert.equal(response.scope, 'openid profile email offline_access read:invoices')
    assert.equal(decodeProtectedHeader(response.access_token).typ, 'at+jwt')
    const claims = decodeJwt(response.access_token)
    assert.equal(claims.iss, ISSUER)
    assert.equal(claims.sub, alice.id)
    assert.deepEqual(claims.aud, [api.identifier, `${ISSUER}userinfo`])
    assert.equal(claims.azp, spa.clientId)
    assert.equal(claims.client_id, spa.clientId)
    assert.equal(claims.scope, 'openid profile email offline_access read:invoices')
    assert.equal(claims.grant_id, record.grantId)
    assert.equal(claims.auth_time, (NOW - 30_000) / 1000)
    assert.equal(claims.exp, (claims.iat as number) + 600)
  })

  it('RFC 9068 §3: without openid the access token is for the API alone, and there is no ID token', async () => {
    const world = new World()
    const { response } = await redeem(world.context(), exchange(world.code({ scope: ['read:invoices'] }).code))
    assert.equal(decodeJwt(response.access_token).aud, api.identifier)
    assert.equal(response.id_token, undefined)
    assert.equal(response.refresh_token, undefined)
    assert.deepEqual(Object.keys(response).sort(), ['access_token', 'expires_in', 'scope', 'token_type'])
  })

  it('without an audience the access token is good at /userinfo only, for a day', async () => {
    const world = new World()
    const { response } = await redeem(world.context(), exchange(world.code({ audience: null, scope: ['openid'] }).code))
    assert.equal(decodeJwt(response.access_token).aud, `${ISSUER}userinfo`)
    assert.equal(response.expires_in, 86_400)
  })

  it('OpenID Connect Core §3.1.3.3: the ID token, only with openid, carries nonce, auth_time, sid, and amr/acr when set', async () => {
    const world = new World()
    const { response } = await redeem(world.context(), exchange(world.code({ amr: ['pwd', 'otp', 'mfa'], acr: 'http://schemas.openid.net/pape/policies/2007/06/multi-factor' }).code))
    assert.equal(decodeProtectedHeader(response.id_token as string).typ, 'JWT')
    const claims = decodeJwt(response.id_token as string)
    assert.equal(claims.iss, ISSUER)
    assert.equal(claims.sub, alice.id)
    assert.equal(claims.aud, spa.clientId)
    assert.equal(claims.azp, spa.clientId)
    assert.equal(claims.nonce, 'n-0S6_WzA2Mj')
    assert.equal(claims.auth_time, (NOW - 30_000) / 1000)
    assert.equal(claims.sid, 'sid-1')
    assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa'])
    assert.equal(claims.acr, 'http://schemas.openid.net/pape/policies/2007/06/multi-factor')
    assert.equal(claims.email, 'alice@example.com')
    assert.equal(claims.name, 'Alice')

    const plain = decodeJwt((await redeem(world.context(), exchange(world.code({ nonce: null, sid: null }).code))).response.id_token as string)
    for (const claim of ['nonce', 'sid', 'amr', 'acr']) assert.equal(plain[claim], undefined, claim)
  })

  it('RFC 6749 §6, OpenID Connect Core §11: a refresh token only with offline_access, when the app has the refresh_token grant and the API allows offline access', async () => {
    const world = new World()
    assert.ok((await redeem(world.context(), exchange(world.code().code))).response.refresh_token)
    assert.equal((await redeem(world.context(), exchange(world.code({ scope: ['openid', 'read:invoices'] }).code))).response.refresh_token, undefined)

    world.apis.set(api.identifier, { ...api, allowOfflineAccess: false })
    assert.equal((await redeem(world.context(), exchange(world.code().code))).response.refresh_token, undefined, 'the API no longer allows offline access')
    world.apis.set(api.identifier, api)

    const noRefreshGrant = createApplication({ name: 'No refresh', type: 'spa', callbacks: [CALLBACK], grants: ['authorization_code'] }, NOW).record
    const result = await redeem(world.context(noRefreshGrant), exchange(world.code({ clientId: noRefreshGrant.clientId }).code))
    assert.equal(result.response.refresh_token, undefined, 'the app lacks the refresh_token grant')
  })

  it('RFC 6749 §6: the refresh token starts the grant: same grant id, scope and login, idle and absolute expiry from the app’s policy', async () => {
    const world = new World()
    const { code, record } = world.code({ amr: ['pwd'], acr: 'urn:acr' })
    const { response } = await redeem(world.context(), exchange(code))
    const token = world.refreshTokens.get(sha256(response.refresh_token as string))
    assert.deepEqual(token, {
      tokenHash: sha256(response.refresh_token as string),
      grantId: record.grantId,
      clientId: spa.clientId,
      userId: alice.id,
      scope: record.scope,
      audience: api.identifier,
      authTime: record.authTime,
      sid: 'sid-1',
      organization: null,
      createdAt: NOW,
      expiresAt: NOW + spa.refreshToken.idleLifetimeSeconds * 1000,
      grantExpiresAt: NOW + spa.refreshToken.absoluteLifetimeSeconds * 1000,
      rotatedAt: null,
      revokedAt: null,
      amr: ['pwd'],
      acr: 'urn:acr',
    })
  })

  it('the GrantResult says whom, for which API and which grant, for audit and metrics', async () => {
    const world = new World()
    const { code, record } = world.code()
    const result = await redeem(world.context(), exchange(code))
    assert.equal(result.userId, alice.id)
    assert.equal(result.audience, api.identifier)
    assert.equal(result.grantId, record.grantId)
    const userinfoOnly = await redeem(world.context(), exchange(world.code({ audience: null }).code))
    assert.equal(userinfoOnly.audience, null)
  })
})
