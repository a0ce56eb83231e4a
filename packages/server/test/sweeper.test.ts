import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { type AuthenticatorRecord, auditEventId, issueCode, type OutboxEmailRecord, sha256, type RefreshTokenRecord, type TicketRecord } from '@latchkey/core'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { SWEEP_BATCH, SWEEP_LOCK, sweep, sweepIfFirst } from '../src/sweeper.js'
import { databases } from './support/databases.js'

const NOW = 1_700_000_000_000
const HOUR = 3_600_000
const DAY = 24 * HOUR

function refreshToken(n: number, expiresAt: number): RefreshTokenRecord {
  return {
    tokenHash: `hash-${n}`, grantId: `grant-${n}`, clientId: 'c', userId: 'u', scope: ['offline_access'], audience: null,
    authTime: NOW - DAY, sid: null, organization: null, createdAt: NOW - 2 * DAY, expiresAt, grantExpiresAt: expiresAt, rotatedAt: null, revokedAt: null,
  }
}

describe('sweeping expired state', () => {
  it('keeps a consumed code for a day after it expired, so a replay is still recognised', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    try {
      const request = {
        clientId: 'c', redirectUri: 'https://a.example/cb', redirectUriProvided: true, responseMode: 'query' as const, scope: ['openid'],
        audience: null, state: null, nonce: null, codeChallenge: null, codeChallengeMethod: null, prompt: [], maxAge: null,
        loginHint: null, screenHint: null, organization: null, invitation: null,
      }
      const { code, record } = issueCode({ request, userId: 'u', authTime: NOW, sid: null, now: NOW })
      await store.authorizationCodes.insert(record)
      await store.authorizationCodes.consume(sha256(code), 'c', NOW + 1)
      assert.equal((await sweep(store, NOW + HOUR)).codes, 0)
      assert.notEqual(await store.authorizationCodes.findByHash(sha256(code)), null)
      assert.equal((await sweep(store, NOW + 25 * HOUR)).codes, 1)
    } finally {
      await store.close()
    }
  })

  it('deletes refresh tokens a day after they expired, more than one batch in one sweep', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    try {
      const expired = SWEEP_BATCH + 3
      await store.transaction(async (tx) => {
        for (let n = 0; n < expired; n++) await tx.refreshTokens.insert(refreshToken(n, NOW - DAY - 1))
        await tx.refreshTokens.insert(refreshToken(expired, NOW - HOUR))
      })
      assert.equal((await sweep(store, NOW)).refreshTokens, expired)
      assert.equal(await store.refreshTokens.findByHash('hash-0'), null)
      assert.notEqual(await store.refreshTokens.findByHash(`hash-${expired}`), null, 'expired only an hour ago: kept')
    } finally {
      await store.close()
    }
  })
})

function ticket(n: number, overrides: Partial<TicketRecord>): TicketRecord {
  return {
    idHash: `ticket-${n}`, kind: 'password_reset', userId: 'u', email: 'u@example.com', clientId: null, resultUrl: null,
    createdAt: NOW - 10 * DAY, expiresAt: NOW + DAY, usedAt: null, ...overrides,
  }
}

function email(n: number, overrides: Partial<OutboxEmailRecord>): OutboxEmailRecord {
  return {
    id: `em_${n}`, template: 'reset_email', to: 'u@example.com', userId: 'u', sealedMessage: null, status: 'sent', attempts: 1,
    nextAttemptAt: NOW - 40 * DAY, lockedUntil: null, lastError: null, createdAt: NOW - 40 * DAY, sentAt: NOW - 40 * DAY, ...overrides,
  }
}

describe('sweeping email tickets and outbox emails', () => {
  it('deletes tickets a day after they were used or expired, and keeps usable and recently spent ones', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    try {
      const gone = [ticket(1, { expiresAt: NOW - DAY - 1 }), ticket(2, { usedAt: NOW - DAY - 1 })]
      const kept = [ticket(3, {}), ticket(4, { usedAt: NOW - HOUR }), ticket(5, { expiresAt: NOW - HOUR })]
      for (const record of [...gone, ...kept]) await store.tickets.insert(record)
      assert.equal((await sweep(store, NOW)).tickets, gone.length)
      assert.equal((await sweep(store, NOW)).tickets, 0)
      assert.deepEqual(await store.tickets.findUsable('ticket-3', 'password_reset', NOW), kept[0])
      assert.equal((await sweep(store, NOW + 2 * DAY)).tickets, 2, 'the spent and the expired one, a day later')
    } finally {
      await store.close()
    }
  })

  it('deletes emails settled longer ago than the email retention, in batches, keeps unsettled ones, and keeps them all with retention 0', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    try {
      const old = SWEEP_BATCH + 2
      await store.transaction(async (tx) => {
        for (let n = 0; n < old; n++) await tx.outbox.enqueue(email(n, {}))
      })
      const oldFailed = email(old, { status: 'failed', sentAt: null })
      const recent = email(old + 1, { createdAt: NOW - 2 * DAY, sentAt: NOW - DAY })
      const pending = email(old + 2, { status: 'pending', sealedMessage: 'sealed', attempts: 0, sentAt: null, nextAttemptAt: NOW + HOUR })
      for (const record of [oldFailed, recent, pending]) await store.outbox.enqueue(record)

      assert.equal((await sweep(store, NOW, 30, 0)).emails, 0, 'retention 0 keeps everything')
      assert.equal((await sweep(store, NOW, 30, 60)).emails, 0, 'nothing settled more than 60 days ago')
      assert.equal((await sweep(store, NOW)).emails, old + 1, 'more than one batch, in one sweep; 30 days by default')
      assert.deepEqual(await store.outbox.list(), [recent, pending].sort((a, b) => b.createdAt - a.createdAt))
    } finally {
      await store.close()
    }
  })
})

function enrolment(n: number, overrides: Partial<AuthenticatorRecord>): AuthenticatorRecord {
  return {
    id: `totp|dev_${n}`, userId: 'u', type: 'totp', name: null, confirmed: false, sealedSecret: 'sealed', lastUsedStep: null, credential: null,
    createdAt: NOW - 2 * DAY, lastUsedAt: null, ...overrides,
  }
}

describe('sweeping abandoned MFA enrolments', () => {
  it('deletes authenticators left unconfirmed for more than a day, and keeps confirmed and recent ones', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    try {
      const gone = [enrolment(1, {}), enrolment(2, { createdAt: NOW - DAY - 1 })]
      const kept = [enrolment(3, { createdAt: NOW - HOUR }), enrolment(4, { confirmed: true, createdAt: NOW - 30 * DAY })]
      for (const record of [...gone, ...kept]) await store.authenticators.insert(record)
      assert.equal((await sweep(store, NOW)).authenticators, gone.length)
      assert.equal((await sweep(store, NOW)).authenticators, 0)
      assert.deepEqual(await store.authenticators.listForUser('u'), [...kept].sort((a, b) => a.createdAt - b.createdAt))
      assert.equal((await sweep(store, NOW + DAY)).authenticators, 1, 'the recent one, once a day has passed')
    } finally {
      await store.close()
    }
  })
})

describe('sweeping old audit events', () => {
  it('deletes events older than the retention period, in batches, and keeps them all with retention 0', async () => {
    const store = await openAndMigrate('sqlite::memory:')
    try {
      const old = SWEEP_BATCH + 5
      for (let i = 0; i < old; i++) await store.logs.append({ id: auditEventId(NOW - 40 * DAY + i), time: NOW - 40 * DAY + i, type: 's', clientId: null, userId: null, ip: null, userAgent: null, details: {} })
      const recent = { id: auditEventId(NOW - DAY), time: NOW - DAY, type: 'slo' as const, clientId: null, userId: null, ip: null, userAgent: null, details: {} }
      await store.logs.append(recent)

      assert.equal((await sweep(store, NOW, 0)).auditEvents, 0, 'retention 0 keeps everything')
      assert.equal((await sweep(store, NOW, 60)).auditEvents, 0, 'nothing is older than 60 days')
      assert.equal((await sweep(store, NOW, 30)).auditEvents, old, 'more than one batch, in one sweep')
      assert.deepEqual(await store.logs.list(), [recent])
    } finally {
      await store.close()
    }
  })
})

for (const db of databases) {
  describe(`one sweeper at a time, on ${db.name}`, { skip: db.skip }, () => {
    after(() => db.cleanup())

    it('a node that finds the sweeper lock taken skips the round; the next round sweeps', async () => {
      // Two nodes on one database (on SQLite, the one store: its lock is per store).
      const url = db.url()
      const first = await openAndMigrate(url)
      const second: Store = db.name === 'SQLite' ? first : await openAndMigrate(url)
      try {
        await first.interactions.insert({
          id: 'expired', csrfHash: 'x', step: 'login', createdAt: NOW - 2 * HOUR, expiresAt: NOW - HOUR, userId: null, sessionSid: null, authTime: null,
          request: { clientId: 'c', redirectUri: 'https://a.example/cb', redirectUriProvided: true, responseMode: 'query', scope: ['openid'], audience: null, state: null, nonce: null, codeChallenge: null, codeChallengeMethod: null, prompt: [], maxAge: null, loginHint: null, screenHint: null, organization: null, invitation: null },
        })
        let release = () => {}
        const sweeping = new Promise<void>((resolve) => {
          release = resolve
        })
        let entered = () => {}
        const holding = new Promise<void>((resolve) => {
          entered = resolve
        })
        const other = first.exclusive(SWEEP_LOCK, async () => {
          entered()
          await sweeping
        })
        await holding
        assert.equal(await sweepIfFirst(second, NOW), null, 'skipped while another node sweeps')
        release()
        await other
        assert.equal((await sweepIfFirst(second, NOW))?.interactions, 1)
      } finally {
        if (second !== first) await second.close()
        await first.close()
      }
    })
  })
}
