import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError, type UserImport } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { authenticator, T0, user } from '../fixtures.js'

/** An import entry for a database-connection user: a factor, and a linked upstream account. */
function entry(overrides: Partial<UserImport> = {}): UserImport {
  const record = user({ name: 'Ada', appMetadata: { plan: 'gold', limits: { seats: 3, api: true } } })
  return {
    user: record,
    idGiven: true,
    changes: { name: 'Ada', appMetadata: { plan: 'gold', limits: { seats: 3, api: true } } },
    identities: [{ connectionId: 'con_github', provider: 'github', providerUserId: `gh-${record.id.slice(6)}`, isSocial: true, profileData: { login: 'ada' } }],
    authenticators: [authenticator({ id: `totp|dev_${record.id.slice(6).replace(/[^A-Za-z0-9]/g, '')}`, userId: 'ignored' })],
    ...overrides,
  }
}

export function userImportGuarantees(store: CurrentStore): void {
  it('users.importUser inserts a new user with its identities and confirmed factors, all theirs', async () => {
    const e = entry()
    const result = await store().users.importUser(e, { upsert: false, now: T0 })
    assert.deepEqual(result, { status: 'inserted', user: e.user })
    assert.deepEqual(await store().users.get(e.user.id), e.user)
    const [identity] = await store().identities.listForUser(e.user.id)
    assert.deepEqual(identity, { ...e.identities[0], userId: e.user.id, createdAt: T0, updatedAt: T0 })
    const [factor] = await store().authenticators.listForUser(e.user.id)
    assert.deepEqual(factor, { ...e.authenticators[0], userId: e.user.id })
  })

  it('users.importUser without upsert reports an existing user (same id, or same email) as a duplicate and changes nothing', async () => {
    const e = entry()
    await store().users.importUser(e, { upsert: false, now: T0 })
    const sameId = await store().users.importUser({ ...e, user: { ...e.user, name: 'Changed', email: 'other@example.com' }, changes: { name: 'Changed' } }, { upsert: false, now: T0 + 1 })
    assert.equal(sameId.status, 'duplicate')
    const sameEmail = await store().users.importUser({ ...entry(), user: { ...user(), email: e.user.email.toUpperCase() } }, { upsert: false, now: T0 + 1 })
    assert.equal(sameEmail.status, 'duplicate')
    assert.equal(await store().users.count(), 1)
    assert.deepEqual(await store().users.get(e.user.id), e.user)
    assert.equal((await store().authenticators.listForUser(e.user.id)).length, 1)
  })

  it('users.importUser with upsert writes what differs, adds missing parts, and is unchanged when run again', async () => {
    const e = entry()
    await store().users.importUser(e, { upsert: true, now: T0 })
    assert.equal((await store().users.importUser(e, { upsert: true, now: T0 + 5 })).status, 'unchanged')
    // Key order differs (PostgreSQL's jsonb reorders keys): still the same metadata.
    const reordered = { ...e, changes: { appMetadata: { limits: { api: true, seats: 3 }, plan: 'gold' } } }
    assert.equal((await store().users.importUser(reordered, { upsert: true, now: T0 + 6 })).status, 'unchanged')
    assert.equal((await store().users.get(e.user.id))?.updatedAt, T0)

    const second = authenticator({ id: 'totp|dev_secondfactor', userId: 'ignored' })
    const changed = { ...e, changes: { name: 'Ada Lovelace', blocked: true }, authenticators: [...e.authenticators, second] }
    const result = await store().users.importUser(changed, { upsert: true, now: T0 + 7 })
    assert.equal(result.status, 'updated')
    const stored = await store().users.get(e.user.id)
    assert.deepEqual(stored, { ...e.user, name: 'Ada Lovelace', blocked: true, updatedAt: T0 + 7 })
    assert.deepEqual((await store().authenticators.listForUser(e.user.id)).map((a) => a.id).sort(), [e.authenticators[0]?.id, second.id].sort())
    assert.equal((await store().identities.listForUser(e.user.id)).length, 1)
    assert.equal((await store().users.importUser(changed, { upsert: true, now: T0 + 8 })).status, 'unchanged')
  })

  it('users.importUser with upsert never replaces a password hash that is the user\'s own (ownHashPrefix), and replaces an imported one', async () => {
    const e = entry({ user: { ...user(), passwordHash: '$2b$10$imported' }, changes: { passwordHash: '$2b$10$imported' }, ownHashPrefix: '$argon2id$v=19$' })
    await store().users.importUser(e, { upsert: true, now: T0 })
    const reset = { ...e, changes: { passwordHash: '$2b$10$reset-by-the-file' } }
    assert.equal((await store().users.importUser(reset, { upsert: true, now: T0 + 1 })).status, 'updated')
    assert.equal((await store().users.get(e.user.id))?.passwordHash, '$2b$10$reset-by-the-file')
    // A login upgraded it: the file's old hash no longer replaces it.
    await store().users.update(e.user.id, { passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$proved' })
    assert.equal((await store().users.importUser(reset, { upsert: true, now: T0 + 2 })).status, 'unchanged')
    assert.equal((await store().users.get(e.user.id))?.passwordHash, '$argon2id$v=19$m=19456,t=2,p=1$proved')
  })

  it('users.importUser with upsert matches by email when the file has no user_id, keeping the stored id', async () => {
    const e = entry()
    await store().users.importUser(e, { upsert: true, now: T0 })
    const noId = { ...e, idGiven: false, user: { ...e.user, id: 'auth0|brandnew' }, changes: { nickname: 'countess' } }
    const result = await store().users.importUser(noId, { upsert: true, now: T0 + 1 })
    assert.equal(result.status, 'updated')
    assert.equal(result.status === 'updated' && result.user.id, e.user.id)
    assert.equal(await store().users.get('auth0|brandnew'), null)
  })

  it('users.importUser with upsert never changes an id, an email or a connection, nor takes another user’s upstream account', async () => {
    const e = entry()
    await store().users.importUser(e, { upsert: true, now: T0 })
    const other = entry()
    await store().users.importUser(other, { upsert: true, now: T0 })
    const cases: UserImport[] = [
      { ...e, user: { ...e.user, email: 'renamed@example.com' } },
      { ...e, user: { ...e.user, id: 'auth0|another-id' } },
      { ...e, user: { ...e.user, email: other.user.email } },
      { ...e, user: { ...e.user, connection: 'acme-okta', email: '' } },
      { ...e, identities: other.identities },
    ]
    for (const c of cases) assert.equal((await store().users.importUser(c, { upsert: true, now: T0 + 1 })).status, 'conflict')
    assert.deepEqual(await store().users.get(e.user.id), e.user)
    assert.equal((await store().identities.listForUser(e.user.id)).length, 1)
  })

  it('users.importUser with upsert leaves an upstream user\'s email as their provider last sent it', async () => {
    const upstream = user({ id: 'oidc|acme|sub-7', connection: 'acme', email: 'new@acme.example' })
    const e = entry({ user: upstream, changes: {}, identities: [{ connectionId: 'con_acme', provider: 'oidc', providerUserId: 'acme|sub-7', isSocial: false, profileData: {} }], authenticators: [] })
    await store().users.importUser(e, { upsert: true, now: T0 })
    const older = { ...e, user: { ...upstream, email: 'old@acme.example' } }
    assert.equal((await store().users.importUser(older, { upsert: true, now: T0 + 1 })).status, 'unchanged')
    assert.equal((await store().users.get(upstream.id))?.email, 'new@acme.example')
  })

  it('users.importUser is never half-written: a part that cannot be stored leaves no user behind', async () => {
    const first = entry()
    await store().users.importUser(first, { upsert: false, now: T0 })
    // The second entry's factor id is already another user's: the insert fails, and takes the user and identity with it.
    const second = entry({ authenticators: first.authenticators })
    await assert.rejects(store().users.importUser(second, { upsert: false, now: T0 }), ConflictError)
    assert.equal(await store().users.get(second.user.id), null)
    assert.equal(await store().identities.find('con_github', second.identities[0]?.providerUserId ?? ''), null)
    assert.equal(await store().users.count(), 1)
  })
}
