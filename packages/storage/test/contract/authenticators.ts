import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { authenticator, DAY, recoveryCode, T0, user, webAuthnCredential } from '../fixtures.js'

export function authenticatorGuarantees(store: CurrentStore): void {
  it('authenticators round-trip every field, TOTP and WebAuthn kinds, nulls too', async () => {
    const userId = 'auth0|mfa-user'
    const totp = authenticator({ userId, name: 'Authy', lastUsedStep: 56_666_666, lastUsedAt: T0 + 1 })
    const pending = authenticator({ userId, confirmed: false, createdAt: T0 + 1 })
    const key = authenticator({
      userId,
      type: 'webauthn-roaming',
      name: 'YubiKey 5',
      credential: webAuthnCredential({ counter: 41, transports: ['usb', 'nfc'], deviceType: 'singleDevice', backedUp: false, aaguid: null }),
      createdAt: T0 + 2,
    })
    const passkey = authenticator({ userId, type: 'passkey', name: 'iPhone', credential: webAuthnCredential(), createdAt: T0 + 3, lastUsedAt: T0 + 4 })
    const platform = authenticator({ userId, type: 'webauthn-platform', credential: webAuthnCredential({ transports: [] }), createdAt: T0 + 4 })
    const all = [totp, pending, key, passkey, platform]
    for (const record of [...all].reverse()) await store().authenticators.insert(record)
    for (const record of all) assert.deepEqual(await store().authenticators.get(record.id), record)
    assert.equal(key.sealedSecret, null)
    assert.deepEqual(await store().authenticators.listForUser(userId), all, 'oldest first, confirmed or not')
    assert.deepEqual(await store().authenticators.listForUser('auth0|nobody'), [])
    assert.equal(await store().authenticators.get('totp|dev_missing'), null)
  })

  it('authenticators.insert refuses a taken id, and a WebAuthn credential id another authenticator holds, with ConflictError', async () => {
    const first = authenticator({ type: 'passkey', credential: webAuthnCredential() })
    await store().authenticators.insert(first)
    await assert.rejects(store().authenticators.insert(authenticator({ id: first.id })), ConflictError)
    const sameCredential = authenticator({ type: 'webauthn-roaming', credential: webAuthnCredential({ credentialId: first.credential?.credentialId }) })
    await assert.rejects(store().authenticators.insert(sameCredential), ConflictError, 'even for another user')
    assert.equal(await store().authenticators.get(sameCredential.id), null)
    // Any number of TOTP authenticators have no credential id.
    await store().authenticators.insert(authenticator())
    await store().authenticators.insert(authenticator())
  })

  it('authenticators.findByCredentialId finds the authenticator holding that WebAuthn credential, whoever it is', async () => {
    const mine = authenticator({ type: 'passkey', credential: webAuthnCredential() })
    const theirs = authenticator({ type: 'webauthn-roaming', credential: webAuthnCredential() })
    for (const record of [mine, theirs, authenticator()]) await store().authenticators.insert(record)
    assert.deepEqual(await store().authenticators.findByCredentialId(mine.credential?.credentialId as string), mine)
    assert.deepEqual(await store().authenticators.findByCredentialId(theirs.credential?.credentialId as string), theirs)
    assert.equal(await store().authenticators.findByCredentialId('bm8tc3VjaC1jcmVkZW50aWFs'), null)
  })

  it('authenticators.confirm confirms only the user’s own unconfirmed authenticator, once, and sets lastUsedAt', async () => {
    const pending = authenticator({ confirmed: false })
    const done = authenticator({ userId: pending.userId })
    for (const record of [pending, done]) await store().authenticators.insert(record)
    assert.equal(await store().authenticators.confirm('auth0|someone-else', pending.id, T0 + 1), false, 'not theirs')
    assert.equal((await store().authenticators.get(pending.id))?.confirmed, false)
    assert.equal(await store().authenticators.confirm(pending.userId, pending.id, T0 + 2), true)
    assert.deepEqual(await store().authenticators.get(pending.id), { ...pending, confirmed: true, lastUsedAt: T0 + 2 })
    assert.equal(await store().authenticators.confirm(pending.userId, pending.id, T0 + 3), false, 'already confirmed')
    assert.equal(await store().authenticators.confirm(done.userId, done.id, T0 + 3), false)
    assert.equal(await store().authenticators.confirm(pending.userId, 'totp|dev_missing', T0 + 3), false)
    assert.deepEqual(await store().authenticators.get(done.id), done)
  })

  it('authenticators.useTotpStep accepts each later step and refuses the same or an earlier one (replay)', async () => {
    const totp = authenticator()
    await store().authenticators.insert(totp)
    assert.equal(await store().authenticators.useTotpStep(totp.id, 100, T0), true, 'the first step')
    assert.equal(await store().authenticators.useTotpStep(totp.id, 100, T0 + 1), false, 'the same step again')
    assert.equal(await store().authenticators.useTotpStep(totp.id, 99, T0 + 2), false, 'an earlier step')
    assert.deepEqual(await store().authenticators.get(totp.id), { ...totp, lastUsedStep: 100, lastUsedAt: T0 })
    assert.equal(await store().authenticators.useTotpStep(totp.id, 101, T0 + 30_000), true)
    assert.equal(await store().authenticators.useTotpStep(totp.id, 58_000_000_000, T0 + 60_000), true, 'steps beyond 32 bits')
    assert.deepEqual(await store().authenticators.get(totp.id), { ...totp, lastUsedStep: 58_000_000_000, lastUsedAt: T0 + 60_000 })
    assert.equal(await store().authenticators.useTotpStep('totp|dev_missing', 200, T0), false)
    const key = authenticator({ type: 'webauthn-roaming', credential: webAuthnCredential() })
    await store().authenticators.insert(key)
    assert.equal(await store().authenticators.useTotpStep(key.id, 200, T0), false, 'not a TOTP authenticator')
  })

  it('authenticators.useTotpStep: of ten concurrent uses of one step exactly one wins', async () => {
    const totp = authenticator({ lastUsedStep: 7 })
    await store().authenticators.insert(totp)
    const results = await Promise.all(Array.from({ length: 10 }, () => store().authenticators.useTotpStep(totp.id, 8, T0)))
    assert.equal(results.filter(Boolean).length, 1)
    assert.equal((await store().authenticators.get(totp.id))?.lastUsedStep, 8)
  })

  it('authenticators.recordAssertion keeps a growing counter (or 0 → 0) with the backup state, and refuses one that did not grow', async () => {
    const credential = webAuthnCredential({ counter: 0, backedUp: false })
    const passkey = authenticator({ type: 'passkey', credential })
    await store().authenticators.insert(passkey)
    assert.equal(await store().authenticators.recordAssertion(passkey.id, 0, true, T0 + 1), true, '0 → 0: an authenticator that does not count')
    assert.deepEqual(await store().authenticators.get(passkey.id), { ...passkey, credential: { ...credential, backedUp: true }, lastUsedAt: T0 + 1 })
    assert.equal(await store().authenticators.recordAssertion(passkey.id, 5, false, T0 + 2), true)
    assert.deepEqual(await store().authenticators.get(passkey.id), { ...passkey, credential: { ...credential, counter: 5, backedUp: false }, lastUsedAt: T0 + 2 })
    assert.equal(await store().authenticators.recordAssertion(passkey.id, 5, true, T0 + 3), false, 'the same counter: a clone')
    assert.equal(await store().authenticators.recordAssertion(passkey.id, 4, true, T0 + 3), false, 'a smaller counter')
    assert.equal(await store().authenticators.recordAssertion(passkey.id, 0, true, T0 + 3), false, 'back to 0 once it counted')
    assert.deepEqual(await store().authenticators.get(passkey.id), { ...passkey, credential: { ...credential, counter: 5, backedUp: false }, lastUsedAt: T0 + 2 }, 'refusals change nothing')
    assert.equal(await store().authenticators.recordAssertion(passkey.id, 2 ** 32 - 1, true, T0 + 4), true, 'the largest 32-bit counter')
    assert.equal((await store().authenticators.get(passkey.id))?.credential?.counter, 2 ** 32 - 1)
    assert.equal(await store().authenticators.recordAssertion('passkey|dev_missing', 9, true, T0), false)
    const totp = authenticator()
    await store().authenticators.insert(totp)
    assert.equal(await store().authenticators.recordAssertion(totp.id, 1, false, T0), false, 'not a WebAuthn authenticator')
    assert.deepEqual(await store().authenticators.get(totp.id), totp)
  })

  it('authenticators.recordAssertion: of ten concurrent assertions with one counter exactly one wins', async () => {
    const key = authenticator({ type: 'webauthn-roaming', credential: webAuthnCredential({ counter: 10 }) })
    await store().authenticators.insert(key)
    const results = await Promise.all(Array.from({ length: 10 }, () => store().authenticators.recordAssertion(key.id, 11, false, T0)))
    assert.equal(results.filter(Boolean).length, 1)
    assert.equal((await store().authenticators.get(key.id))?.credential?.counter, 11)
  })

  it('authenticators.delete and deleteForUser remove only that user’s authenticators', async () => {
    const userId = 'auth0|owner'
    const mine = [authenticator({ userId }), authenticator({ userId, type: 'passkey', credential: webAuthnCredential(), createdAt: T0 + 1 })]
    const theirs = authenticator({ userId: 'auth0|other' })
    for (const record of [...mine, theirs]) await store().authenticators.insert(record)
    assert.equal(await store().authenticators.delete(userId, theirs.id), false, 'not theirs to delete')
    assert.deepEqual(await store().authenticators.get(theirs.id), theirs)
    assert.equal(await store().authenticators.delete(userId, mine[0]?.id as string), true)
    assert.equal(await store().authenticators.delete(userId, mine[0]?.id as string), false)
    assert.deepEqual(await store().authenticators.listForUser(userId), [mine[1]])
    await store().authenticators.insert(authenticator({ userId }))
    assert.equal(await store().authenticators.deleteForUser(userId), 2)
    assert.equal(await store().authenticators.deleteForUser(userId), 0)
    assert.deepEqual(await store().authenticators.listForUser(userId), [])
    assert.deepEqual(await store().authenticators.listForUser(theirs.userId), [theirs])
    // The credential id is free again.
    await store().authenticators.insert(authenticator({ type: 'passkey', credential: mine[1]?.credential ?? null }))
  })

  it('authenticators.deleteUnconfirmedBefore removes enrolments never confirmed, started before the cutoff, a batch at a time', async () => {
    const cutoff = T0
    const abandoned = [1, 2, 3].map((n) => authenticator({ confirmed: false, createdAt: cutoff - n }))
    const recent = authenticator({ confirmed: false, createdAt: cutoff })
    const confirmedOld = authenticator({ createdAt: cutoff - DAY })
    for (const record of [...abandoned, recent, confirmedOld]) await store().authenticators.insert(record)
    assert.equal(await store().authenticators.deleteUnconfirmedBefore(cutoff, 2), 2)
    assert.equal(await store().authenticators.deleteUnconfirmedBefore(cutoff, 2), 1)
    assert.equal(await store().authenticators.deleteUnconfirmedBefore(cutoff, 2), 0)
    for (const record of abandoned) assert.equal(await store().authenticators.get(record.id), null)
    assert.deepEqual(await store().authenticators.get(recent.id), recent)
    assert.deepEqual(await store().authenticators.get(confirmedOld.id), confirmedOld)
  })

  it('authenticators remember revocations: none at first, then the latest time, per user', async () => {
    assert.equal(await store().authenticators.rememberedBrowsersRevokedAt('auth0|a'), null)
    await store().authenticators.revokeRememberedBrowsers('auth0|a', T0)
    assert.equal(await store().authenticators.rememberedBrowsersRevokedAt('auth0|a'), T0)
    await store().authenticators.revokeRememberedBrowsers('auth0|a', T0 + DAY)
    assert.equal(await store().authenticators.rememberedBrowsersRevokedAt('auth0|a'), T0 + DAY)
    assert.equal(await store().authenticators.rememberedBrowsersRevokedAt('auth0|b'), null)
  })

  it('authenticators written in a transaction that rolls back are gone', async () => {
    const record = authenticator()
    await assert.rejects(
      store().transaction(async (tx) => {
        await tx.authenticators.insert(record)
        await tx.authenticators.revokeRememberedBrowsers(record.userId, T0)
        assert.deepEqual(await tx.authenticators.get(record.id), record)
        throw new Error('roll back')
      }),
      /roll back/,
    )
    assert.equal(await store().authenticators.get(record.id), null)
    assert.equal(await store().authenticators.rememberedBrowsersRevokedAt(record.userId), null)
  })

  it('users.delete removes the user’s authenticators, recovery codes and remember revocation, and no one else’s', async () => {
    const gone = user()
    const stays = user()
    for (const person of [gone, stays]) {
      await store().users.insert(person)
      await store().authenticators.insert(authenticator({ userId: person.id }))
      await store().authenticators.insert(authenticator({ userId: person.id, type: 'passkey', credential: webAuthnCredential() }))
      await store().recoveryCodes.replace(person.id, [recoveryCode().codeHash, recoveryCode().codeHash], T0)
      await store().authenticators.revokeRememberedBrowsers(person.id, T0)
    }
    assert.equal(await store().users.delete(gone.id), true)
    assert.deepEqual(await store().authenticators.listForUser(gone.id), [])
    assert.equal(await store().recoveryCodes.countUnused(gone.id), 0)
    assert.equal(await store().authenticators.rememberedBrowsersRevokedAt(gone.id), null)
    assert.equal((await store().authenticators.listForUser(stays.id)).length, 2)
    assert.equal(await store().recoveryCodes.countUnused(stays.id), 2)
    assert.equal(await store().authenticators.rememberedBrowsersRevokedAt(stays.id), T0)
  })
}
