import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { auditEventId, issueCode, sha256 } from '@latchkey/core'
import { openAndMigrate } from '@latchkey/storage'
import { AUDIT_BATCH, sweep } from '../src/sweeper.js'

describe('sweeping expired state', () => {
  it('keeps a consumed code for a day after it expired, so a replay is still recognised', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    try {
      const now = 1_700_000_000_000
      const request = {
        clientId: 'c', redirectUri: 'https://a.example/cb', redirectUriProvided: true, responseMode: 'query' as const, scope: ['openid'],
        audience: null, state: null, nonce: null, codeChallenge: null, codeChallengeMethod: null, prompt: [], maxAge: null,
        loginHint: null, screenHint: null, organization: null, invitation: null,
      }
      const { code, record } = issueCode({ request, userId: 'u', authTime: now, sid: null, now })
      await store.authorizationCodes.insert(record)
      await store.authorizationCodes.consume(sha256(code), now + 1)
      assert.equal((await sweep(store, now + 3_600_000)).codes, 0)
      assert.notEqual(await store.authorizationCodes.findByHash(sha256(code)), null)
      assert.equal((await sweep(store, now + 25 * 3_600_000)).codes, 1)
    } finally {
      await store.close()
    }
  })
})

describe('sweeping old audit events', () => {
  it('deletes events older than the retention period, in batches, and keeps them all with retention 0', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    try {
      const now = 1_700_000_000_000
      const day = 86_400_000
      const old = AUDIT_BATCH + 5
      for (let i = 0; i < old; i++) await store.logs.append({ id: auditEventId(now - 40 * day + i), time: now - 40 * day + i, type: 's', clientId: null, userId: null, ip: null, userAgent: null, details: {} })
      const recent = { id: auditEventId(now - day), time: now - day, type: 'slo' as const, clientId: null, userId: null, ip: null, userAgent: null, details: {} }
      await store.logs.append(recent)

      assert.equal((await sweep(store, now, 0)).auditEvents, 0, 'retention 0 keeps everything')
      assert.equal((await sweep(store, now, 60)).auditEvents, 0, 'nothing is older than 60 days')
      assert.equal((await sweep(store, now, 30)).auditEvents, old, 'more than one batch, in one sweep')
      assert.deepEqual(await store.logs.list(), [recent])
    } finally {
      await store.close()
    }
  })
})
