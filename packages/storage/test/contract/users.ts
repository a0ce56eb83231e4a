import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { authorizationCode, DAY, interaction, refreshToken, session, T0, user } from '../fixtures.js'

export function userGuarantees(store: CurrentStore): void {
  it('users.countLoggedInSince counts the users whose last login is at or after a time', async () => {
    const [early, late, never] = [user(), user(), user()]
    for (const u of [early, late, never]) await store().users.insert(u)
    await store().users.recordLogin(early.id, T0)
    await store().users.recordLogin(late.id, T0 + DAY)
    assert.equal(await store().users.countLoggedInSince(T0), 2)
    assert.equal(await store().users.countLoggedInSince(T0 + DAY), 1)
    assert.equal(await store().users.countLoggedInSince(T0 + 2 * DAY), 0)
  })

  it('users round-trip every field (booleans, nulls, times)', async () => {
    const plain = user()
    const full = user({
      emailVerified: true,
      blocked: true,
      name: 'Ada Lovelace',
      nickname: 'ada',
      picture: 'https://img.example/ada.png',
      givenName: 'Ada',
      familyName: 'Lovelace',
      userMetadata: { theme: 'dark', nested: { list: [1, 'two', null] } },
      appMetadata: { plan: 'gold' },
      lastLoginAt: T0 + 1,
      updatedAt: T0 + 2,
    })
    for (const person of [plain, full]) await store().users.insert(person)
    assert.deepEqual(await store().users.get(plain.id), plain)
    assert.deepEqual(await store().users.get(full.id), full)
    assert.equal(await store().users.get('auth0|nobody'), null)
  })

  it('users.insert stores the email lower-cased and findByEmail is case-insensitive', async () => {
    const person = user({ email: 'Ada.Lovelace@Example.COM' })
    await store().users.insert(person)
    const found = await store().users.findByEmail('ADA.lovelace@example.com')
    assert.deepEqual(found, { ...person, email: 'ada.lovelace@example.com' })
    assert.equal(await store().users.findByEmail('someone.else@example.com'), null)
  })

  it('users.insert rejects a duplicate email case-insensitively with ConflictError', async () => {
    await store().users.insert(user({ email: 'taken@example.com' }))
    await assert.rejects(store().users.insert(user({ email: 'TAKEN@example.com' })), ConflictError)
    assert.equal(await store().users.count(), 1)
  })

  it('users.update changes only the given fields and returns the record, or null for an unknown user', async () => {
    const person = user({ name: 'Before', nickname: 'nick' })
    await store().users.insert(person)
    const updated = await store().users.update(person.id, { name: 'After', blocked: true, updatedAt: T0 + 9 })
    const expected = { ...person, name: 'After', blocked: true, updatedAt: T0 + 9 }
    assert.deepEqual(updated, expected)
    assert.deepEqual(await store().users.get(person.id), expected)
    assert.deepEqual(await store().users.update(person.id, {}), expected)
    assert.equal(await store().users.update('auth0|nobody', { name: 'x' }), null)
  })

  it('users.update lower-cases a new email and rejects one already taken with ConflictError', async () => {
    const first = user({ email: 'first@example.com' })
    const second = user({ email: 'second@example.com' })
    await store().users.insert(first)
    await store().users.insert(second)
    assert.equal((await store().users.update(second.id, { email: 'Renamed@Example.com' }))?.email, 'renamed@example.com')
    await assert.rejects(store().users.update(second.id, { email: 'FIRST@example.com' }), ConflictError)
    assert.equal((await store().users.get(second.id))?.email, 'renamed@example.com')
  })

  it('users.list pages oldest first, ties broken by id, and count counts', async () => {
    const people = [
      user({ id: 'auth0|b', createdAt: T0 }),
      user({ id: 'auth0|a', createdAt: T0 }),
      user({ id: 'auth0|c', createdAt: T0 - DAY }),
    ]
    for (const person of people) await store().users.insert(person)
    const ids = (await store().users.list()).map((u) => u.id)
    assert.deepEqual(ids, ['auth0|c', 'auth0|a', 'auth0|b'])
    assert.deepEqual((await store().users.list({ page: 1, perPage: 2 })).map((u) => u.id), ['auth0|b'])
    assert.equal(await store().users.count(), 3)
  })

  it('users.delete cascades to the sessions, interactions, consents, codes and refresh tokens of that user only', async () => {
    const gone = user()
    const stays = user()
    await store().users.insert(gone)
    await store().users.insert(stays)
    const records = (userId: string) => ({
      session: session({ userId }),
      interaction: interaction({ userId, sessionSid: 'sid', authTime: T0 }),
      code: authorizationCode({ userId }),
      token: refreshToken({ userId }),
    })
    const mine = records(gone.id)
    const theirs = records(stays.id)
    for (const r of [mine, theirs]) {
      await store().sessions.insert(r.session)
      await store().interactions.insert(r.interaction)
      await store().authorizationCodes.insert(r.code)
      await store().refreshTokens.insert(r.token)
      await store().consents.grant(r.session.userId, 'client-1', '', ['openid'], T0)
    }
    assert.equal(await store().users.delete(gone.id), true)
    assert.equal(await store().users.delete(gone.id), false)
    assert.equal(await store().users.get(gone.id), null)
    assert.equal(await store().sessions.findActive(mine.session.idHash, T0), null)
    assert.equal(await store().interactions.get(mine.interaction.id, T0), null)
    assert.equal(await store().authorizationCodes.findByHash(mine.code.codeHash), null)
    assert.equal(await store().refreshTokens.findByHash(mine.token.tokenHash), null)
    assert.equal(await store().consents.find(gone.id, 'client-1', ''), null)
    assert.notEqual(await store().users.get(stays.id), null)
    assert.notEqual(await store().sessions.findActive(theirs.session.idHash, T0), null)
    assert.notEqual(await store().interactions.get(theirs.interaction.id, T0), null)
    assert.notEqual(await store().authorizationCodes.findByHash(theirs.code.codeHash), null)
    assert.notEqual(await store().refreshTokens.findByHash(theirs.token.tokenHash), null)
    assert.notEqual(await store().consents.find(stays.id, 'client-1', ''), null)
  })

  it('users of upstream connections round-trip without a password, with their primary connection', async () => {
    const upstream = user({ id: 'oidc|acme|248289761001', connection: 'acme', passwordHash: null, emailVerified: true })
    await store().users.insert(upstream)
    assert.deepEqual(await store().users.get(upstream.id), upstream)
    assert.deepEqual((await store().users.getWithGrant(upstream.id, 'grant'))?.user, upstream)
    assert.equal((await store().users.get(upstream.id))?.passwordHash, null)
  })

  it('users.insert refuses a taken id with ConflictError, whatever the connection', async () => {
    const upstream = user({ id: 'github|583231', connection: 'github', passwordHash: null })
    await store().users.insert(upstream)
    await assert.rejects(store().users.insert(user({ id: 'github|583231', connection: 'github', passwordHash: null })), ConflictError)
    await assert.rejects(store().users.insert(user({ id: 'github|583231' })), ConflictError)
    assert.equal(await store().users.count(), 1)
  })

  it('emails are unique only among users of the database connection; findByEmail finds only those, listByEmail everyone', async () => {
    const database = user({ email: 'Ada@Example.com', createdAt: T0 + 2 })
    const enterprise = user({ id: 'oidc|acme|ada', connection: 'acme', passwordHash: null, email: 'ada@example.com', createdAt: T0 })
    const social = user({ id: 'google-oauth2|1', connection: 'google-oauth2', passwordHash: null, email: 'ADA@example.com', createdAt: T0 + 1 })
    const sameConnection = user({ id: 'oidc|acme|ada-again', connection: 'acme', passwordHash: null, email: 'ada@example.com', createdAt: T0 + 3 })
    for (const person of [enterprise, social, database, sameConnection]) await store().users.insert(person)
    await assert.rejects(store().users.insert(user({ email: 'ada@EXAMPLE.com' })), ConflictError)
    assert.equal(await store().users.count(), 4)

    assert.equal((await store().users.findByEmail('ada@example.com'))?.id, database.id)
    assert.deepEqual(
      (await store().users.listByEmail(' ADA@example.com ')).map((u) => u.id),
      [enterprise.id, social.id, database.id, sameConnection.id],
    )
    assert.deepEqual(await store().users.listByEmail('nobody@example.com'), [])

    // Without its database user, the address finds no one for the password login.
    assert.equal(await store().users.delete(database.id), true)
    assert.equal(await store().users.findByEmail('ada@example.com'), null)
    assert.equal((await store().users.listByEmail('ada@example.com')).length, 3)
  })

  it('users.list and count filter by primary connection, oldest first, ties by id', async () => {
    const people = [
      user({ id: 'oidc|acme|b', connection: 'acme', passwordHash: null, createdAt: T0 }),
      user({ id: 'auth0|x', createdAt: T0 - DAY }),
      user({ id: 'oidc|acme|a', connection: 'acme', passwordHash: null, createdAt: T0 }),
      user({ id: 'oidc|acme|c', connection: 'acme', passwordHash: null, createdAt: T0 - DAY }),
      user({ id: 'github|1', connection: 'github', passwordHash: null, createdAt: T0 - 2 * DAY }),
    ]
    for (const person of people) await store().users.insert(person)
    assert.deepEqual((await store().users.list({ connection: 'acme' })).map((u) => u.id), ['oidc|acme|c', 'oidc|acme|a', 'oidc|acme|b'])
    assert.deepEqual((await store().users.list({ connection: 'acme', page: 1, perPage: 2 })).map((u) => u.id), ['oidc|acme|b'])
    assert.deepEqual((await store().users.list({ connection: 'Username-Password-Authentication' })).map((u) => u.id), ['auth0|x'])
    assert.deepEqual(await store().users.list({ connection: 'nothing' }), [])
    assert.equal(await store().users.count({ connection: 'acme' }), 3)
    assert.equal(await store().users.count({ connection: 'nothing' }), 0)
    assert.equal(await store().users.count(), 5)
    assert.equal((await store().users.list()).length, 5)
  })

  it('users.update: an upstream user may take any email, a database user not one of another database user; the connection never changes', async () => {
    const taken = user({ email: 'taken@example.com' })
    const mover = user({ email: 'mover@example.com' })
    const upstream = user({ id: 'github|7', connection: 'github', passwordHash: null, email: 'gh@example.com' })
    for (const person of [taken, mover, upstream]) await store().users.insert(person)
    assert.equal((await store().users.update(upstream.id, { email: 'TAKEN@example.com' }))?.email, 'taken@example.com')
    await assert.rejects(store().users.update(mover.id, { email: 'taken@example.com' }), ConflictError)
    assert.equal((await store().users.update(mover.id, { email: 'gh@example.com' }))?.email, 'gh@example.com')
    const sneaky = { connection: 'github', name: 'Renamed' } as object
    assert.equal((await store().users.update(mover.id, sneaky))?.connection, 'Username-Password-Authentication')
    assert.equal((await store().users.update(upstream.id, { passwordHash: null }))?.passwordHash, null)
  })

  it('users.getWithGrant reads the user and whether a marker names the grant or its family, in one verb', async () => {
    const person = user()
    await store().users.insert(person)
    assert.deepEqual(await store().users.getWithGrant(person.id, 'grant-live'), { user: person, grantRevoked: false })
    assert.equal(await store().users.getWithGrant('auth0|nobody', 'grant-live'), null)

    await store().refreshTokens.revokeGrant('grant-replayed', T0) // a replayed code: no token needed
    await store().refreshTokens.insert(refreshToken({ userId: person.id, grantId: 'grant-reused' }))
    await store().refreshTokens.revokeGrant('grant-reused', T0)
    for (const grantId of ['grant-replayed', 'grant-reused'])
      assert.deepEqual(await store().users.getWithGrant(person.id, grantId), { user: person, grantRevoked: true }, grantId)
    assert.equal((await store().users.getWithGrant(person.id, 'grant-live'))?.grantRevoked, false)

    // Revoking every token of the user marks their families: they stay revoked after an unblock.
    await store().refreshTokens.insert(refreshToken({ userId: person.id, grantId: 'grant-signed-out' }))
    await store().refreshTokens.revokeForUser(person.id, T0)
    assert.equal((await store().users.getWithGrant(person.id, 'grant-signed-out'))?.grantRevoked, true)
  })
}
