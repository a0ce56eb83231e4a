/**
 * grant_type=refresh_token, rule by rule: RFC 6749 §6 (the request, `scope` may only narrow),
 * RFC 9700 §4.14.2 (rotation, reuse detection revoking the grant, client binding), RFC 9449 §5
 * (DPoP-bound refresh tokens), the grant's idle and absolute expiry, and the user, API and
 * organization checked again at every refresh. The store is an in-memory fake of the ports the
 * grant uses (test/support/memory-grant-store.ts); its `rotate` follows ports.ts (and core's
 * bindingRefusal) as the SQL store does.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeJwt, generateKeyPair } from 'jose'
import { InvalidGrant, InvalidRequest, InvalidScope } from '../src/errors.js'
import type { GrantContext, GrantResult } from '../src/grants/grant.js'
import { INVALID_REFRESH_TOKEN, refreshToken } from '../src/grants/refresh-token.js'
import { ReuseDetected } from '../src/grants/reuse-detected.js'
import { randomToken, sha256 } from '../src/opaque.js'
import type { ApplicationRecord, RefreshTokenRecord } from '../src/records.js'
import { createApi } from '../src/registration/apis.js'
import { createApplication } from '../src/registration/applications.js'
import { createOrganization } from '../src/registration/organizations.js'
import { createUser } from '../src/registration/users.js'
import { MemoryGrantStore } from './support/memory-grant-store.js'
import { refused } from './support/refused.js'

const NOW = 1_700_000_000_000
const SECOND = 1000
const DAY = 86_400 * SECOND
const ISSUER = 'https://login.example.com/'
const CALLBACK = 'https://app.example.com/callback'
const { privateKey } = await generateKeyPair('RS256')
const signingKey = async () => ({ kid: 'k1', alg: 'RS256' as const, key: privateKey })

/** A public SPA (default policy: no reuse interval, 15 days idle, 30 days absolute), the same with a 30 s reuse interval, and a confidential web app. */
const spa = createApplication({ name: 'SPA', type: 'spa', callbacks: [CALLBACK] }, NOW).record
const tabs = createApplication({ name: 'Tabs', type: 'spa', callbacks: [CALLBACK], refreshToken: { reuseIntervalSeconds: 30 } }, NOW).record
const web = createApplication({ name: 'Web', type: 'regular', callbacks: [CALLBACK] }, NOW).record
const api = createApi({ name: 'Invoices', identifier: 'https://invoices.example.com/', scopes: ['read:invoices', 'write:invoices'], allowOfflineAccess: true, tokenLifetime: 600 }, NOW)
const alice = createUser({ email: 'alice@example.com', name: 'Alice' }, 'hash', NOW)
const acme = createOrganization({ name: 'acme' }, NOW)

const GRANT_SCOPE = ['openid', 'profile', 'offline_access', 'read:invoices', 'write:invoices']
const JKT = 'j'.repeat(43)
const OTHER_JKT = 'k'.repeat(43)

/** The grant's ports (test/support/memory-grant-store.ts), seeded with this suite's fixtures. */
class World extends MemoryGrantStore {
  now = NOW
  /** The refresh tokens by hash: the store's own Map. */
  readonly tokens = this.refreshTokens

  constructor() {
    super({ apis: [api], users: [alice], organizations: [acme], members: [[acme.id, alice.id]] })
  }

  /** The first refresh token of a grant, as the authorization_code grant issued it a minute ago. */
  grant(overrides: Partial<RefreshTokenRecord> = {}, client: ApplicationRecord = spa): { token: string; record: RefreshTokenRecord } {
    const token = randomToken()
    const issuedAt = NOW - 60 * SECOND
    const record: RefreshTokenRecord = {
      grantId: `grant-${randomToken(8)}`,
      tokenHash: sha256(token),
      clientId: client.clientId,
      userId: alice.id,
      scope: GRANT_SCOPE,
      audience: api.identifier,
      authTime: issuedAt - 30 * SECOND,
      sid: 'sid-1',
      organization: null,
      createdAt: issuedAt,
      expiresAt: issuedAt + client.refreshToken.idleLifetimeSeconds * SECOND,
      grantExpiresAt: issuedAt + client.refreshToken.absoluteLifetimeSeconds * SECOND,
      rotatedAt: null,
      revokedAt: null,
      ...overrides,
    }
    this.tokens.set(record.tokenHash, record)
    return { token, record }
  }

  context(client: ApplicationRecord = spa, dpop?: { jkt: string }): GrantContext {
    return { client, store: this.store, issuer: ISSUER, clock: { now: () => this.now }, signingKey, ...(dpop ? { dpop } : {}) }
  }

  /** The stored record of a token handed out. */
  recordOf(token: string | undefined): RefreshTokenRecord | undefined {
    assert.ok(token, 'a refresh token was issued')
    return this.tokens.get(sha256(token))
  }
}

function params(values: Record<string, string>): Map<string, string[]> {
  return new Map(Object.entries(values).map(([k, v]) => [k, [v]]))
}

/** The grant as the token endpoint runs it: its parameters parsed, then handled. */
async function refresh(ctx: GrantContext, token: string, extra: Record<string, string> = {}): Promise<GrantResult> {
  return refreshToken.handle(ctx, refreshToken.parse(params({ refresh_token: token, ...extra })))
}

describe('refresh_token grant: the request (RFC 6749 §6)', () => {
  it('RFC 6749 §6: a request without refresh_token is invalid_request, found by parse', () => {
    for (const values of [{}, { refresh_token: '' }, { scope: 'openid' }] as Record<string, string>[]) {
      assert.throws(
        () => refreshToken.parse(params(values)),
        (err: unknown) => err instanceof InvalidRequest && err.error === 'invalid_request' && err.description === 'Missing required parameter: refresh_token',
      )
    }
  })

  it('RFC 6749 §6: parse reads the token and an optional scope (absent: the grant’s; malformed: null)', () => {
    assert.deepEqual(refreshToken.parse(params({ refresh_token: 't' })), { refreshToken: 't', scope: undefined })
    assert.deepEqual(refreshToken.parse(params({ refresh_token: 't', scope: 'openid  read:invoices' })), { refreshToken: 't', scope: ['openid', 'read:invoices'] })
    assert.deepEqual(refreshToken.parse(params({ refresh_token: 't', scope: 'a "b"' })), { refreshToken: 't', scope: null })
    assert.deepEqual(refreshToken.parse(params({ refresh_token: 't', scope: '   ' })), { refreshToken: 't', scope: undefined }, 'spaces name no scope: as if absent')
  })

  it('RFC 6749 §5.2: an unknown refresh token is invalid_grant "Unknown or invalid refresh token."', async () => {
    const world = new World()
    const err = await refused(refresh(world.context(), randomToken()), InvalidGrant, INVALID_REFRESH_TOKEN)
    assert.equal(err.error, 'invalid_grant')
    assert.equal(INVALID_REFRESH_TOKEN, 'Unknown or invalid refresh token.')
  })
})

describe('refresh_token grant: rotation and reuse detection (RFC 9700 §4.14.2)', () => {
  it('RFC 9700 §4.14.2: each use returns a new refresh token of the same grant, and rotates the old one out', async () => {
    const world = new World()
    const { token, record } = world.grant()
    const result = await refresh(world.context(), token)
    const next = result.response.refresh_token
    assert.ok(next)
    assert.notEqual(next, token)
    assert.equal(world.tokens.get(record.tokenHash)?.rotatedAt, NOW, 'the old token is rotated out')
    const rotated = world.recordOf(next)
    assert.equal(rotated?.grantId, record.grantId)
    assert.deepEqual(rotated?.scope, GRANT_SCOPE)
    assert.equal(rotated?.rotatedAt, null)
    assert.equal(rotated?.createdAt, NOW)
    assert.equal(decodeJwt(result.response.access_token).grant_id, record.grantId)
    assert.equal(result.grantId, record.grantId)
    assert.equal(result.userId, alice.id)
    assert.equal(result.audience, api.identifier)

    world.now = NOW + DAY
    const third = await refresh(world.context(), next)
    assert.equal(world.recordOf(third.response.refresh_token)?.grantId, record.grantId, 'the chain goes on')
  })

  it('RFC 9700 §4.14.2: a rotated-out token used again outside the reuse interval revokes the whole grant and throws ReuseDetected', async () => {
    const world = new World()
    const { token, record } = world.grant()
    const unrelated = world.grant()
    const next = (await refresh(world.context(), token)).response.refresh_token as string

    world.now = NOW + SECOND
    const err = await refused(refresh(world.context(), token), InvalidGrant, INVALID_REFRESH_TOKEN)
    assert.ok(err instanceof ReuseDetected)
    assert.equal(err.error, 'invalid_grant')
    // Every token of the grant not revoked before counts: the rotated-out one and its successor.
    assert.deepEqual(err.reuse, { kind: 'refresh_token', clientId: spa.clientId, userId: alice.id, grantId: record.grantId, revoked: 2 })
    assert.equal(world.recordOf(next)?.revokedAt, NOW + SECOND)
    assert.equal(world.tokens.get(record.tokenHash)?.revokedAt, NOW + SECOND)
    assert.ok(world.revokedGrants.has(record.grantId))

    // The legitimate holder's token is gone too (RFC 9700: the server cannot tell who is the attacker).
    const after = await refused(refresh(world.context(), next), InvalidGrant, INVALID_REFRESH_TOKEN)
    assert.ok(!(after instanceof ReuseDetected))
    // Other grants are untouched.
    assert.ok((await refresh(world.context(), unrelated.token)).response.refresh_token)
  })

  it('RFC 9700 §4.14.2: with a reuse interval, the previous token may be used again within it, and the grant lives', async () => {
    const world = new World()
    const { token, record } = world.grant({}, tabs)
    const next = (await refresh(world.context(tabs), token)).response.refresh_token

    world.now = NOW + 10 * SECOND
    const again = await refresh(world.context(tabs), token)
    const sibling = again.response.refresh_token
    assert.ok(sibling)
    assert.notEqual(sibling, next)
    assert.equal(world.recordOf(sibling)?.grantId, record.grantId)
    assert.equal(world.revokedGrants.has(record.grantId), false)
    assert.equal(world.recordOf(next)?.revokedAt, null)
  })

  it('RFC 9700 §4.14.2: the reuse interval allows only the immediately previous token; an older one revokes the grant', async () => {
    const world = new World()
    const { token: first, record } = world.grant({}, tabs)
    const second = (await refresh(world.context(tabs), first)).response.refresh_token as string
    world.now = NOW + 5 * SECOND
    const third = (await refresh(world.context(tabs), second)).response.refresh_token as string

    world.now = NOW + 10 * SECOND
    const err = await refused(refresh(world.context(tabs), first), InvalidGrant, INVALID_REFRESH_TOKEN)
    assert.ok(err instanceof ReuseDetected, 'within the interval, but not the previous token')
    assert.equal(err.reuse.grantId, record.grantId)
    assert.equal(world.recordOf(third)?.revokedAt, NOW + 10 * SECOND)
  })

  it('RFC 9700 §4.14.2: past the reuse interval, the previous token is a replay', async () => {
    const world = new World()
    const { token } = world.grant({}, tabs)
    await refresh(world.context(tabs), token)
    world.now = NOW + 30 * SECOND
    await assert.rejects(refresh(world.context(tabs), token), ReuseDetected)
  })

  it('RFC 9700 §4.14.2: another client’s refresh token is invalid_grant, is not burnt, and its replay by another client revokes nothing', async () => {
    const world = new World()
    const { token, record } = world.grant()
    const err = await refused(refresh(world.context(web), token), InvalidGrant, INVALID_REFRESH_TOKEN)
    assert.ok(!(err instanceof ReuseDetected))
    assert.equal(world.tokens.get(record.tokenHash)?.rotatedAt, null, 'not burnt')

    const next = (await refresh(world.context(), token)).response.refresh_token
    // The rotated-out token, replayed by another client: refused as unknown, the grant lives.
    await refused(refresh(world.context(web), token), InvalidGrant, INVALID_REFRESH_TOKEN)
    assert.equal(world.revokedGrants.has(record.grantId), false)
    assert.equal(world.recordOf(next)?.revokedAt, null)
  })
})

describe('refresh_token grant: DPoP-bound refresh tokens (RFC 9449 §5)', () => {
  it('RFC 9449 §5: a bound token without a proof, or with a proof of another key, is refused and not burnt', async () => {
    const world = new World()
    const { token, record } = world.grant({ dpopJkt: JKT })
    await refused(refresh(world.context(), token), InvalidGrant, 'This refresh token is bound to a DPoP key: send a DPoP proof.')
    await refused(refresh(world.context(spa, { jkt: OTHER_JKT }), token), InvalidGrant, 'The DPoP proof key does not match the refresh token.')
    assert.equal(world.tokens.get(record.tokenHash)?.rotatedAt, null)
    assert.equal(world.revokedGrants.size, 0)
  })

  it('RFC 9449 §5: with a proof of its key, a bound token works; the access token is DPoP and the new refresh token stays bound', async () => {
    const world = new World()
    const { token, record } = world.grant({ dpopJkt: JKT })
    const { response } = await refresh(world.context(spa, { jkt: JKT }), token)
    assert.equal(response.token_type, 'DPoP')
    assert.deepEqual(decodeJwt(response.access_token).cnf, { jkt: JKT })
    assert.equal(world.tokens.get(record.tokenHash)?.rotatedAt, NOW)
    assert.equal(world.recordOf(response.refresh_token)?.dpopJkt, JKT)
  })

  it('RFC 9449 §5: the binding is checked the same way when a `scope` parameter is sent', async () => {
    const world = new World()
    const { token, record } = world.grant({ dpopJkt: JKT })
    await refused(refresh(world.context(), token, { scope: 'openid' }), InvalidGrant, 'This refresh token is bound to a DPoP key: send a DPoP proof.')
    await refused(refresh(world.context(spa, { jkt: OTHER_JKT }), token, { scope: 'openid' }), InvalidGrant, 'The DPoP proof key does not match the refresh token.')
    await refused(refresh(world.context(web), token, { scope: 'openid' }), InvalidGrant, INVALID_REFRESH_TOKEN)
    assert.equal(world.tokens.get(record.tokenHash)?.rotatedAt, null)
  })

  it('RFC 9449 §5: a public client’s unbound grant refreshed with a proof is bound to that key from then on; a confidential client’s is not', async () => {
    const world = new World()
    const { response } = await refresh(world.context(spa, { jkt: JKT }), world.grant().token)
    assert.equal(response.token_type, 'DPoP')
    assert.equal(world.recordOf(response.refresh_token)?.dpopJkt, JKT)
    await refused(refresh(world.context(), response.refresh_token as string), InvalidGrant, 'This refresh token is bound to a DPoP key: send a DPoP proof.')

    const confidential = await refresh(world.context(web, { jkt: JKT }), world.grant({}, web).token)
    assert.equal(confidential.response.token_type, 'DPoP')
    assert.equal(world.recordOf(confidential.response.refresh_token)?.dpopJkt, undefined)
  })
})

describe('refresh_token grant: `scope` may only narrow the grant (RFC 6749 §6)', () => {
  it('RFC 6749 §6: a subset narrows this response’s tokens; the new refresh token keeps the full grant scope', async () => {
    const world = new World()
    const { token } = world.grant()
    const { response } = await refresh(world.context(), token, { scope: 'read:invoices offline_access' })
    assert.equal(response.scope, 'offline_access read:invoices', 'in the grant’s order')
    assert.equal(decodeJwt(response.access_token).scope, 'offline_access read:invoices')
    assert.equal(decodeJwt(response.access_token).aud, api.identifier, 'no openid: the API alone')
    assert.equal(response.id_token, undefined, 'no openid: no ID token')
    assert.deepEqual(world.recordOf(response.refresh_token)?.scope, GRANT_SCOPE)

    // Narrowed without offline_access, the grant still has it: a refresh token is still returned.
    const narrower = await refresh(world.context(), response.refresh_token as string, { scope: 'openid' })
    assert.equal(narrower.response.scope, 'openid')
    assert.ok(narrower.response.id_token)
    assert.deepEqual(world.recordOf(narrower.response.refresh_token)?.scope, GRANT_SCOPE)
  })

  it('RFC 6749 §6: a scope beyond the grant (or malformed) is invalid_scope, before the token is used', async () => {
    const world = new World()
    const { token, record } = world.grant()
    for (const scope of ['read:invoices delete:invoices', 'email', 'a "b"']) {
      await refused(refresh(world.context(), token, { scope }), InvalidScope, 'The requested scope exceeds the scope of the original grant.')
    }
    assert.equal(world.tokens.get(record.tokenHash)?.rotatedAt, null, 'not rotated: the token still works')
    assert.ok((await refresh(world.context(), token)).response.refresh_token)
  })
})

describe('refresh_token grant: lifetimes (idle and absolute)', () => {
  it('an idle-expired token is invalid_grant', async () => {
    const world = new World()
    const { token } = world.grant({ expiresAt: NOW })
    const err = await refused(refresh(world.context(), token), InvalidGrant, INVALID_REFRESH_TOKEN)
    assert.ok(!(err instanceof ReuseDetected))
  })

  it('a token whose grant expired is invalid_grant, even if its idle expiry is later', async () => {
    const world = new World()
    const { token } = world.grant({ expiresAt: NOW + DAY, grantExpiresAt: NOW })
    await refused(refresh(world.context(), token), InvalidGrant, INVALID_REFRESH_TOKEN)
  })

  it('a revoked token is invalid_grant', async () => {
    const world = new World()
    const { token } = world.grant({ revokedAt: NOW - SECOND })
    await refused(refresh(world.context(), token), InvalidGrant, INVALID_REFRESH_TOKEN)
  })

  it('rotation renews the idle expiry but never extends the grant’s absolute expiry (grantExpiresAt)', async () => {
    const world = new World()
    const { token, record } = world.grant()
    const next = (await refresh(world.context(), token)).response.refresh_token
    const second = world.recordOf(next)
    assert.equal(second?.grantExpiresAt, record.grantExpiresAt)
    assert.equal(second?.expiresAt, NOW + spa.refreshToken.idleLifetimeSeconds * SECOND)

    // Used every 14 days (idle lifetime 15): the grant still ends 30 days after the login.
    world.now = NOW + 14 * DAY
    const third = (await refresh(world.context(), next as string)).response.refresh_token
    assert.equal(world.recordOf(third)?.expiresAt, NOW + 29 * DAY)
    assert.equal(world.recordOf(third)?.grantExpiresAt, record.grantExpiresAt)

    // Two days before the grant ends: the new token's idle expiry is capped at the grant's.
    world.now = record.grantExpiresAt - 2 * DAY
    const lastToken = (await refresh(world.context(), third as string)).response.refresh_token
    const last = world.recordOf(lastToken)
    assert.equal(last?.grantExpiresAt, record.grantExpiresAt)
    assert.equal(last?.expiresAt, record.grantExpiresAt)

    // At the grant's end its newest token stops working, however recently it was issued.
    world.now = record.grantExpiresAt
    await refused(refresh(world.context(), lastToken as string), InvalidGrant, INVALID_REFRESH_TOKEN)
  })
})

describe('refresh_token grant: the user, API and organization are checked at every refresh', () => {
  it('a blocked user: invalid_grant "user is blocked", and the grant is revoked', async () => {
    const world = new World()
    const { token, record } = world.grant()
    const sibling = world.grant({ grantId: record.grantId })
    world.users.set(alice.id, { ...alice, blocked: true })
    await refused(refresh(world.context(), token), InvalidGrant, 'user is blocked')
    assert.ok(world.revokedGrants.has(record.grantId))
    assert.equal(world.tokens.get(sibling.record.tokenHash)?.revokedAt, NOW)
  })

  it('a deleted user: invalid_grant, and the grant is revoked', async () => {
    const world = new World()
    const { token, record } = world.grant()
    world.users.clear()
    await refused(refresh(world.context(), token), InvalidGrant, INVALID_REFRESH_TOKEN)
    assert.ok(world.revokedGrants.has(record.grantId))
  })

  it('an API deleted since, or no longer allowing offline access: invalid_grant', async () => {
    const world = new World()
    world.apis.set(api.identifier, { ...api, allowOfflineAccess: false })
    await refused(refresh(world.context(), world.grant().token), InvalidGrant, INVALID_REFRESH_TOKEN)
    await refused(refresh(world.context(), world.grant().token, { scope: 'openid' }), InvalidGrant, INVALID_REFRESH_TOKEN)
    world.apis.clear()
    await refused(refresh(world.context(), world.grant().token), InvalidGrant, INVALID_REFRESH_TOKEN)
    await refused(refresh(world.context(), world.grant().token, { scope: 'openid' }), InvalidGrant, INVALID_REFRESH_TOKEN)
  })

  it('a grant for an organization keeps org_id / org_name while the user is a member', async () => {
    const world = new World()
    const { response } = await refresh(world.context(), world.grant({ organization: acme.id }).token)
    for (const token of [response.access_token, response.id_token as string]) {
      assert.equal(decodeJwt(token).org_id, acme.id)
      assert.equal(decodeJwt(token).org_name, 'acme')
    }
    assert.equal(world.recordOf(response.refresh_token)?.organization, acme.id)
  })

  it('a member removed from the organization (or the organization deleted): invalid_grant, and the grant is revoked', async () => {
    const world = new World()
    const notAMember = `user ${alice.id} is not part of the ${acme.id} organization`
    const removed = world.grant({ organization: acme.id })
    world.members.clear()
    await refused(refresh(world.context(), removed.token), InvalidGrant, notAMember)
    assert.ok(world.revokedGrants.has(removed.record.grantId))

    world.members.add(`${acme.id} ${alice.id}`)
    world.organizations.clear()
    const deleted = world.grant({ organization: acme.id })
    await refused(refresh(world.context(), deleted.token), InvalidGrant, notAMember)
    assert.ok(world.revokedGrants.has(deleted.record.grantId))
  })
})

describe('refresh_token grant: the new tokens (OpenID Connect Core §12.2)', () => {
  it('OpenID Connect Core §12.2: the new ID token keeps auth_time, sid, amr and acr of the login, and has no nonce', async () => {
    const world = new World()
    const { token, record } = world.grant({ amr: ['pwd', 'mfa'], acr: 'urn:acr' })
    const { response } = await refresh(world.context(), token)
    const claims = decodeJwt(response.id_token as string)
    assert.equal(claims.sub, alice.id)
    assert.equal(claims.aud, spa.clientId)
    assert.equal(claims.auth_time, Math.floor(record.authTime / 1000))
    assert.equal(claims.iat, NOW / 1000)
    assert.equal(claims.sid, 'sid-1')
    assert.deepEqual(claims.amr, ['pwd', 'mfa'])
    assert.equal(claims.acr, 'urn:acr')
    assert.equal(claims.nonce, undefined)
    assert.equal(claims.name, 'Alice')
    const next = world.recordOf(response.refresh_token)
    assert.deepEqual(next?.amr, ['pwd', 'mfa'])
    assert.equal(next?.acr, 'urn:acr')
    assert.equal(next?.authTime, record.authTime)
  })

  it('RFC 9068: the access token is for the grant’s API and /userinfo, with the grant’s scope and the API’s lifetime', async () => {
    const world = new World()
    const { token, record } = world.grant()
    const { response } = await refresh(world.context(), token)
    assert.equal(response.token_type, 'Bearer')
    assert.equal(response.expires_in, 600)
    assert.equal(response.scope, GRANT_SCOPE.join(' '))
    const claims = decodeJwt(response.access_token)
    assert.deepEqual(claims.aud, [api.identifier, `${ISSUER}userinfo`])
    assert.equal(claims.sub, alice.id)
    assert.equal(claims.azp, spa.clientId)
    assert.equal(claims.auth_time, Math.floor(record.authTime / 1000))
    assert.equal(claims.grant_id, record.grantId)
  })

  it('a /userinfo-only grant (no audience) refreshes without an API', async () => {
    const world = new World()
    const { response, audience } = await refresh(world.context(), world.grant({ audience: null, scope: ['openid', 'offline_access'] }).token)
    assert.equal(audience, null)
    assert.equal(decodeJwt(response.access_token).aud, `${ISSUER}userinfo`)
    assert.ok(response.refresh_token)
  })
})
