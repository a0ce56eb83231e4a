/**
 * `private_key_jwt` client assertions (RFC 7523 §3, OIDC Core §9): a valid assertion of each accepted
 * algorithm passes once; each check has an assertion that differs from a valid one in exactly that
 * respect and is refused with invalid_client.
 */
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import { base64url, exportJWK, generateKeyPair, generateSecret, SignJWT, type CryptoKey, type JWK } from 'jose'
import { assertionClientId, MAX_CLIENT_ASSERTION_LIFETIME_SECONDS, verifyClientAssertion } from '../src/client-auth/private-key-jwt.js'
import { InvalidClient } from '../src/errors.js'
import type { ReplayGuardPort } from '../src/ports.js'
import type { ApplicationRecord } from '../src/records.js'
import { createApplication } from '../src/registration/applications.js'

const NOW = 1_700_000_000_000
const ISSUER = 'https://login.example.com/'
const TOKEN_ENDPOINT = `${ISSUER}oauth/token`
const seconds = (offset = 0) => Math.floor(NOW / 1000) + offset

interface Key {
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly jwk: JWK
}

async function key(alg: string, kid: string): Promise<Key> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  return { alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid } }
}

const keys = { RS256: await key('RS256', 'rs'), PS256: await key('PS256', 'ps'), ES256: await key('ES256', 'es'), EdDSA: await key('EdDSA', 'ed') }
const stranger = await key('ES256', 'es')
const app: ApplicationRecord = createApplication(
  { name: 'Signer', type: 'm2m', authMethod: 'private_key_jwt', jwks: { keys: Object.values(keys).map((k) => k.jwk) } },
  NOW,
).record

/** A valid assertion from `app` at NOW, with claims replaced (undefined removes one). */
function assertion(k: Key = keys.ES256, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const payload = Object.fromEntries(
    Object.entries({ iss: app.clientId, sub: app.clientId, aud: ISSUER, jti: randomUUID(), iat: seconds(), exp: seconds(60), ...claims }).filter(([, v]) => v !== undefined),
  )
  return new SignJWT(payload).setProtectedHeader({ alg: k.alg, kid: k.jwk.kid, ...header } as { alg: string }).sign(k.privateKey)
}

function memoryGuard(): ReplayGuardPort & { readonly keys: Map<string, number> } {
  const used = new Map<string, number>()
  return {
    keys: used,
    async use(k, now, expiresAt) {
      const until = used.get(k)
      if (until !== undefined && until > now) return false
      used.set(k, expiresAt)
      return true
    },
  }
}

const check = (jwt: string, replay = memoryGuard(), client = app) => verifyClientAssertion({ assertion: jwt, client, audiences: [ISSUER, TOKEN_ENDPOINT], now: NOW, replay })

async function refused(jwt: string | Promise<string>, description: RegExp, client = app): Promise<void> {
  await assert.rejects(check(await jwt, memoryGuard(), client), (err: unknown) => {
    assert.ok(err instanceof InvalidClient, String(err))
    assert.match(err.description, description)
    return true
  })
}

describe('private_key_jwt client assertions', () => {
  for (const [alg, k] of Object.entries(keys)) {
    it(`accepts a valid ${alg} assertion once, and remembers its jti until it expires`, async () => {
      const replay = memoryGuard()
      const jwt = await assertion(k)
      const { jti, expiresAt } = await check(jwt, replay)
      assert.equal(typeof jti, 'string')
      assert.ok(expiresAt >= seconds(60) * 1000)
      await assert.rejects(check(jwt, replay), /already used \(jti\)/)
    })
  }

  it('accepts the token endpoint URL as aud, alone or in a list', async () => {
    await check(await assertion(keys.ES256, { aud: TOKEN_ENDPOINT }))
    await check(await assertion(keys.ES256, { aud: ['https://elsewhere.example/', TOKEN_ENDPOINT] }))
  })

  it('reads the claimed client id from sub without verifying, only to find the keys', async () => {
    assert.equal(assertionClientId(await assertion()), app.clientId)
    assert.equal(assertionClientId('not a jwt'), null)
    assert.equal(assertionClientId(await assertion(keys.ES256, { sub: undefined })), null)
  })

  it('refuses alg none and HMAC, even with a key the client could know', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none' }))
    const body = base64url.encode(JSON.stringify({ iss: app.clientId, sub: app.clientId, aud: ISSUER, jti: 'x', exp: seconds(60) }))
    await refused(`${header}.${body}.`, /one signed JWT/)
    await refused(`${header}.${body}.AAAA`, /alg must be one of RS256, PS256, ES256, EdDSA/)
    const hs = await new SignJWT({ iss: app.clientId, sub: app.clientId, aud: ISSUER, jti: 'x', exp: seconds(60) }).setProtectedHeader({ alg: 'HS256' }).sign(await generateSecret('HS256'))
    await refused(hs, /alg must be one of/)
  })

  it('refuses a signature by a key the application did not register', async () => {
    await refused(assertion(stranger), /does not verify with the application's registered keys/)
    await refused(assertion(keys.ES256, {}, { kid: 'unknown' }), /does not verify/)
  })

  it('refuses iss or sub other than the client id', async () => {
    await refused(assertion(keys.ES256, { iss: 'someone-else' }), /iss must be the client id/)
    await refused(assertion(keys.ES256, { sub: 'someone-else' }), /sub must be the client id/)
  })

  it('refuses an aud that names another server, or none', async () => {
    await refused(assertion(keys.ES256, { aud: 'https://other.example.com/' }), /aud must name this server/)
    await refused(assertion(keys.ES256, { aud: 'https://login.example.com' }), /aud must name this server/)
    await refused(assertion(keys.ES256, { aud: undefined }), /must have a aud claim/)
  })

  it('requires exp, not passed and at most five minutes ahead', async () => {
    await refused(assertion(keys.ES256, { exp: undefined }), /must have a exp claim/)
    await refused(assertion(keys.ES256, { iat: seconds(-600), exp: seconds(-60) }), /has expired/)
    await refused(assertion(keys.ES256, { exp: seconds(MAX_CLIENT_ASSERTION_LIFETIME_SECONDS + 120) }), /at most 5 minutes from now/)
    await check(await assertion(keys.ES256, { exp: seconds(MAX_CLIENT_ASSERTION_LIFETIME_SECONDS) }))
  })

  it('requires a jti', async () => {
    await refused(assertion(keys.ES256, { jti: undefined }), /must have a jti claim/)
    await refused(assertion(keys.ES256, { jti: 'x'.repeat(600) }), /must have a jti/)
  })

  it('a jti is single-use per client: the same jti twice is a replay', async () => {
    const replay = memoryGuard()
    await check(await assertion(keys.ES256, { jti: 'fixed' }), replay)
    await assert.rejects(check(await assertion(keys.RS256, { jti: 'fixed' }), replay), /already used/)
  })

  it('refuses an application that does not use private_key_jwt', async () => {
    const secretApp = createApplication({ name: 'Cron', type: 'm2m' }, NOW).record
    await refused(assertion(), /does not authenticate with private_key_jwt/, { ...secretApp, clientId: app.clientId })
  })
})
