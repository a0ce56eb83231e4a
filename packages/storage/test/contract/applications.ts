import assert from 'node:assert/strict'
import { it } from 'node:test'
import { DEFAULT_REFRESH_POLICY } from '@latchkey/core'
import type { CurrentStore } from '../contract.js'
import { application, authorizationCode, authorizationRequest, interaction, refreshToken, T0 } from '../fixtures.js'

export function applicationGuarantees(store: CurrentStore): void {
  it('applications round-trip every field (JSON arrays, booleans, the refresh-token policy)', async () => {
    const spa = application()
    const web = application({
      appType: 'regular_web',
      tokenEndpointAuthMethod: 'client_secret_basic',
      clientSecretHash: 'c2VjcmV0LWhhc2g',
      callbacks: [],
      allowedOrigins: ['https://a.example', 'https://b.example'],
      grantTypes: ['authorization_code', 'client_credentials'],
      isFirstParty: false,
      refreshToken: { ...DEFAULT_REFRESH_POLICY, reuseIntervalSeconds: 30, idleLifetimeSeconds: 60, absoluteLifetimeSeconds: 120 },
    })
    for (const app of [spa, web]) await store().applications.insert(app)
    assert.deepEqual(await store().applications.get(spa.clientId), spa)
    assert.deepEqual(await store().applications.get(web.clientId), web)
    assert.equal(await store().applications.get('no-such-client'), null)
  })

  it('applications.update changes only the given fields and returns the record, or null for an unknown app', async () => {
    const app = application()
    await store().applications.insert(app)
    const patch = {
      name: 'Renamed',
      callbacks: ['https://new.example/cb'],
      isFirstParty: false,
      refreshToken: {
        rotation: 'non-rotating' as const,
        expiration: 'non-expiring' as const,
        reuseIntervalSeconds: 5,
        idleLifetimeSeconds: 50,
        absoluteLifetimeSeconds: 500,
        infiniteIdleLifetime: true,
        infiniteAbsoluteLifetime: true,
      },
      updatedAt: T0 + 1,
    }
    const expected = { ...app, ...patch }
    assert.deepEqual(await store().applications.update(app.clientId, patch), expected)
    assert.deepEqual(await store().applications.get(app.clientId), expected)
    assert.deepEqual(await store().applications.update(app.clientId, {}), expected)
    assert.equal(await store().applications.update('no-such-client', { name: 'x' }), null)
  })

  it('applications keep the ID-token algorithm; RS256, the default, is left out of the record', async () => {
    const app = application({ idTokenAlg: 'EdDSA' })
    await store().applications.insert(app)
    assert.equal((await store().applications.get(app.clientId))?.idTokenAlg, 'EdDSA')
    assert.equal((await store().applications.update(app.clientId, { idTokenAlg: 'ES256' }))?.idTokenAlg, 'ES256')
    const back = await store().applications.update(app.clientId, { idTokenAlg: 'RS256' })
    assert.equal(back !== null && 'idTokenAlg' in back, false)
    const plain = application()
    await store().applications.insert(plain)
    assert.deepEqual(await store().applications.get(plain.clientId), plain)
  })

  it('applications.list pages oldest first with a stable order: perPage defaults to 50 and is capped at 100', async () => {
    const apps = Array.from({ length: 120 }, (_, i) =>
      application({ clientId: `client-${String(i).padStart(3, '0')}`, createdAt: T0 + Math.floor(i / 10) }),
    )
    for (const app of [...apps].reverse()) await store().applications.insert(app)
    const ids = (records: { clientId: string }[]) => records.map((a) => a.clientId)
    assert.equal(await store().applications.count(), 120)
    assert.deepEqual(ids(await store().applications.list()), ids(apps.slice(0, 50)))
    assert.deepEqual(ids(await store().applications.list({ page: 1 })), ids(apps.slice(50, 100)))
    assert.deepEqual(ids(await store().applications.list({ perPage: 500 })), ids(apps.slice(0, 100)))
    assert.deepEqual(ids(await store().applications.list({ page: 3, perPage: 35 })), ids(apps.slice(105, 120)))
    assert.deepEqual(await store().applications.list({ page: 9 }), [])
  })

  it('applications.delete cascades to the codes, refresh tokens, consents and interactions of that app only', async () => {
    const gone = application()
    const stays = application()
    const records = (clientId: string) => ({
      code: authorizationCode({ clientId }),
      token: refreshToken({ clientId }),
      interaction: interaction({ request: authorizationRequest({ clientId }) }),
    })
    const mine = records(gone.clientId)
    const theirs = records(stays.clientId)
    for (const [app, r] of [
      [gone, mine],
      [stays, theirs],
    ] as const) {
      await store().applications.insert(app)
      await store().authorizationCodes.insert(r.code)
      await store().refreshTokens.insert(r.token)
      await store().interactions.insert(r.interaction)
      await store().consents.grant('auth0|someone', app.clientId, 'https://api.example/', ['read'], T0)
    }
    assert.equal(await store().applications.delete(gone.clientId), true)
    assert.equal(await store().applications.delete(gone.clientId), false)
    assert.equal(await store().applications.get(gone.clientId), null)
    assert.equal(await store().authorizationCodes.findByHash(mine.code.codeHash), null)
    assert.equal(await store().refreshTokens.findByHash(mine.token.tokenHash), null)
    assert.equal(await store().interactions.get(mine.interaction.id, T0), null)
    assert.equal(await store().consents.find('auth0|someone', gone.clientId, 'https://api.example/'), null)
    assert.notEqual(await store().applications.get(stays.clientId), null)
    assert.notEqual(await store().authorizationCodes.findByHash(theirs.code.codeHash), null)
    assert.notEqual(await store().refreshTokens.findByHash(theirs.token.tokenHash), null)
    assert.notEqual(await store().interactions.get(theirs.interaction.id, T0), null)
    assert.notEqual(await store().consents.find('auth0|someone', stays.clientId, 'https://api.example/'), null)
  })
}
