import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { issueCode, sha256 } from '@latchkey/core'
import { openAndMigrate } from '@latchkey/storage'
import { sweep } from '../src/sweeper.js'

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
