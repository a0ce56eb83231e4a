import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { CurrentStore } from '../contract.js'
import { authorizationCode, DAY, MINUTE, refreshToken, session, T0, user } from '../fixtures.js'

export function sessionGuarantees(store: CurrentStore): void {
  it('sessions round-trip every field', async () => {
    const record = session()
    await store().sessions.insert(record)
    assert.deepEqual(await store().sessions.findActive(record.idHash, T0), record)
  })

  it('sessions.findActiveWithUser reads the active session and its user in one statement, as findActive and users.get do', async () => {
    const person = user({ nickname: 'ada', appMetadata: { roles: ['admin'] } })
    await store().users.insert(person)
    const record = session({ userId: person.id })
    const orphan = session()
    for (const r of [record, orphan]) await store().sessions.insert(r)
    assert.deepEqual(await store().sessions.findActiveWithUser(record.idHash, T0), { session: record, user: await store().users.get(person.id) })
    assert.deepEqual(await store().sessions.findActiveWithUser(orphan.idHash, T0), { session: orphan, user: null }, 'a user gone since')
    await store().sessions.end(record.idHash, T0)
    assert.equal(await store().sessions.findActiveWithUser(record.idHash, T0 + 1), null, 'ended')
    assert.equal(await store().sessions.findActiveWithUser('no-such-session', T0), null)
  })

  it('sessions keep the upstream login that started them (connection and sealed ID token, or none)', async () => {
    const federated = session({ upstream: { connectionId: 'con_upstream', sealedIdToken: 'sealed-id-token' } })
    const withoutToken = session({ upstream: { connectionId: 'con_github', sealedIdToken: null } })
    for (const record of [federated, withoutToken]) await store().sessions.insert(record)
    assert.deepEqual((await store().sessions.findActive(federated.idHash, T0))?.upstream, federated.upstream)
    assert.deepEqual((await store().sessions.findActive(withoutToken.idHash, T0))?.upstream, withoutToken.upstream)
  })

  it('sessions keep their amr, and upgrade() replaces it and the auth_time of an active session only', async () => {
    const record = session({ amr: ['pwd'] })
    const ended = session({ amr: ['pwd'], endedAt: T0 - 1 })
    for (const r of [record, ended]) await store().sessions.insert(r)
    assert.deepEqual((await store().sessions.findActive(record.idHash, T0))?.amr, ['pwd'])
    const upgraded = await store().sessions.upgrade(record.idHash, ['pwd', 'otp', 'mfa'], T0 + 5)
    assert.deepEqual(upgraded?.amr, ['pwd', 'otp', 'mfa'])
    assert.equal(upgraded?.authTime, T0 + 5)
    assert.deepEqual((await store().sessions.findActive(record.idHash, T0 + 6))?.amr, ['pwd', 'otp', 'mfa'])
    assert.equal(await store().sessions.upgrade(ended.idHash, ['pwd', 'otp', 'mfa'], T0), null)
    assert.equal(await store().sessions.upgrade('no-such-session', ['mfa'], T0), null)
  })

  it('sessions.findActive ignores ended, idle-expired and absolutely expired sessions', async () => {
    const ended = session({ endedAt: T0 - 1 })
    const idle = session({ idleExpiresAt: T0 })
    const absolute = session({ idleExpiresAt: T0 + DAY, expiresAt: T0 })
    for (const record of [ended, idle, absolute]) await store().sessions.insert(record)
    for (const record of [ended, idle, absolute]) assert.equal(await store().sessions.findActive(record.idHash, T0), null)
    assert.equal(await store().sessions.findActive('no-such-session', T0), null)
    assert.notEqual(await store().sessions.findActive(idle.idHash, T0 - 1), null)
  })

  it('sessions.touch slides the idle expiry but never past the absolute expiry', async () => {
    const record = session({ idleExpiresAt: T0 + DAY, expiresAt: T0 + 7 * DAY })
    await store().sessions.insert(record)
    await store().sessions.touch(record.idHash, T0 + 3 * DAY)
    assert.equal((await store().sessions.findActive(record.idHash, T0))?.idleExpiresAt, T0 + 3 * DAY)
    await store().sessions.touch(record.idHash, T0 + 30 * DAY)
    assert.equal((await store().sessions.findActive(record.idHash, T0))?.idleExpiresAt, T0 + 7 * DAY)
  })

  it('sessions.touch does not revive an ended session', async () => {
    const record = session({ idleExpiresAt: T0 + DAY })
    await store().sessions.insert(record)
    await store().sessions.end(record.idHash, T0)
    await store().sessions.touch(record.idHash, T0 + 3 * DAY)
    assert.equal(await store().sessions.findActive(record.idHash, T0 + 1), null)
  })

  it('sessions.end ends an active session once and reports whether it did', async () => {
    const record = session()
    const expired = session({ expiresAt: T0 })
    await store().sessions.insert(record)
    await store().sessions.insert(expired)
    assert.equal(await store().sessions.end(record.idHash, T0), true)
    assert.equal(await store().sessions.end(record.idHash, T0 + 1), false)
    assert.equal(await store().sessions.end(expired.idHash, T0), false)
    assert.equal(await store().sessions.end('no-such-session', T0), false)
    assert.equal(await store().sessions.findActive(record.idHash, T0), null)
  })

  it('sessions.endAllForUser ends every session of that user only and counts them', async () => {
    const userId = 'auth0|user-a'
    const mine = [session({ userId }), session({ userId }), session({ userId, endedAt: T0 - 1 })]
    const theirs = session({ userId: 'auth0|user-b' })
    for (const record of [...mine, theirs]) await store().sessions.insert(record)
    assert.equal(await store().sessions.endAllForUser(userId, T0), 2)
    for (const record of mine) assert.equal(await store().sessions.findActive(record.idHash, T0), null)
    assert.notEqual(await store().sessions.findActive(theirs.idHash, T0), null)
  })

  it('sessions.deleteExpired removes ended and expired sessions, at most a batch at a time, and keeps active ones', async () => {
    const ended = session({ endedAt: T0 - 1 })
    const idle = session({ idleExpiresAt: T0 - 1 })
    const absolute = session({ expiresAt: T0 - 1, idleExpiresAt: T0 - 1 })
    const active = session({ idleExpiresAt: T0 + DAY, expiresAt: T0 + 2 * DAY })
    for (const record of [ended, idle, absolute, active]) await store().sessions.insert(record)
    assert.equal(await store().sessions.deleteExpired(T0, 2), 2)
    assert.equal(await store().sessions.deleteExpired(T0, 2), 1)
    assert.equal(await store().sessions.deleteExpired(T0, 2), 0)
    assert.deepEqual(await store().sessions.findActive(active.idHash, T0), active)
  })

  it('sessions keep the device that started them and the last interaction touch() records with its now', async () => {
    const record = session({ device: { userAgent: 'Mozilla/5.0 (X11)', ip: '203.0.113.7' } })
    const bare = session({ device: { userAgent: null, ip: null } })
    for (const r of [record, bare]) await store().sessions.insert(r)
    assert.deepEqual(await store().sessions.findActive(record.idHash, T0), record)
    assert.equal((await store().sessions.findActive(bare.idHash, T0))?.device, undefined, 'neither kept: no device')
    await store().sessions.touch(record.idHash, T0 + 4 * DAY)
    assert.equal((await store().sessions.findActive(record.idHash, T0))?.lastInteractedAt, undefined, 'touch without now records no interaction')
    await store().sessions.touch(record.idHash, T0 + 5 * DAY, T0 + 2 * DAY)
    assert.equal((await store().sessions.findActive(record.idHash, T0))?.lastInteractedAt, T0 + 2 * DAY)
  })

  it('sessions.listActiveForUser lists the user’s active sessions oldest first, a slice at a time, each with its applications', async () => {
    const userId = 'auth0|lister'
    const older = session({ userId, createdAt: T0 - 2 * MINUTE })
    const newer = session({ userId, createdAt: T0 - MINUTE })
    const ended = session({ userId, endedAt: T0 - 1 })
    const expired = session({ userId, idleExpiresAt: T0 })
    const theirs = session({ userId: 'auth0|someone-else' })
    for (const r of [newer, ended, expired, theirs, older]) await store().sessions.insert(r)
    await store().authorizationCodes.insert(authorizationCode({ userId, sid: older.sid, clientId: 'app-b' }))
    await store().refreshTokens.insert(refreshToken({ userId, sid: older.sid, clientId: 'app-a' }))
    await store().refreshTokens.insert(refreshToken({ userId, sid: older.sid, clientId: 'app-b' }))
    await store().refreshTokens.insert(refreshToken({ userId: 'auth0|someone-else', sid: theirs.sid, clientId: 'app-c' }))
    const all = await store().sessions.listActiveForUser(userId, T0, { offset: 0, limit: 10 })
    assert.deepEqual(all, [
      { session: older, clientIds: ['app-a', 'app-b'] },
      { session: newer, clientIds: [] },
    ])
    assert.deepEqual(await store().sessions.listActiveForUser(userId, T0, { offset: 1, limit: 1 }), [{ session: newer, clientIds: [] }])
    assert.deepEqual(await store().sessions.listActiveForUser(userId, T0, { offset: 2, limit: 1 }), [])
    assert.deepEqual(await store().sessions.listActiveForUser('auth0|nobody', T0, { offset: 0, limit: 10 }), [])
  })

  it('sessions.findActiveBySid and endBySid find and end a session by its public id, only while active', async () => {
    const record = session()
    const ended = session({ endedAt: T0 - 1 })
    for (const r of [record, ended]) await store().sessions.insert(r)
    await store().refreshTokens.insert(refreshToken({ userId: record.userId, sid: record.sid, clientId: 'app-a' }))
    assert.deepEqual(await store().sessions.findActiveBySid(record.sid, T0), { session: record, clientIds: ['app-a'] })
    assert.equal(await store().sessions.findActiveBySid(ended.sid, T0), null)
    assert.equal(await store().sessions.findActiveBySid('no-such-sid', T0), null)
    assert.equal(await store().sessions.endBySid(ended.sid, T0), false)
    assert.equal(await store().sessions.endBySid(record.sid, T0), true)
    assert.equal(await store().sessions.endBySid(record.sid, T0 + 1), false)
    assert.equal(await store().sessions.findActive(record.idHash, T0 + 1), null, 'the cookie no longer finds it')
    assert.equal(await store().sessions.findActiveBySid(record.sid, T0 + 1), null)
  })
}
