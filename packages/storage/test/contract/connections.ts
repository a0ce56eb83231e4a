import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { application, authorizationCode, connection, DAY, identity, interaction, refreshToken, session, T0, user } from '../fixtures.js'

const DATABASE = 'Username-Password-Authentication'

export function connectionGuarantees(store: CurrentStore): void {
  it('connections: the database connection exists from the start (strategy auth0, an id of Auth0’s shape)', async () => {
    const database = await store().connections.findByName(DATABASE)
    assert.ok(database)
    assert.match(database.id, /^con_[A-Za-z0-9]{16}$/)
    assert.equal(database.strategy, 'auth0')
    assert.deepEqual(database.options, {})
    assert.equal(database.sealedClientSecret, null)
    assert.deepEqual(await store().connections.list({ strategy: ['auth0'] }), [database])
  })

  it('connections round-trip every field (JSON options, metadata, null display name and secret, enabled clients by client id)', async () => {
    const full = connection({ enabledClients: ['client-a', 'client-b', 'client-c'], isDomainConnection: true, updatedAt: T0 + 5 })
    const plain = connection({ displayName: null, sealedClientSecret: null, options: {}, metadata: {}, strategy: 'github' })
    for (const record of [full, plain]) await store().connections.insert(record)
    assert.deepEqual(await store().connections.get(full.id), full)
    assert.deepEqual(await store().connections.get(plain.id), plain)
    assert.deepEqual(await store().connections.findByName(full.name), full)
    assert.equal(await store().connections.findByName(full.name.toUpperCase()), null, 'names compare exactly')
    assert.equal(await store().connections.get('con_nothing'), null)
    assert.equal(await store().connections.findByName('nothing'), null)
  })

  it('connections.insert rejects a taken name with ConflictError and keeps nothing of the refused one', async () => {
    const first = connection({ name: 'acme' })
    await store().connections.insert(first)
    await assert.rejects(store().connections.insert(connection({ name: 'acme', enabledClients: ['client-x'] })), ConflictError)
    await assert.rejects(store().connections.insert(connection({ name: DATABASE, strategy: 'auth0' })), ConflictError)
    assert.equal(await store().connections.count(), 2)
    assert.deepEqual((await store().connections.enabledFor('client-x')).length, 0)
  })

  it('connections.list filters by strategies and name, pages oldest first (ties by id), and count counts the same', async () => {
    const database = await store().connections.findByName(DATABASE)
    const github = connection({ id: 'con_b', strategy: 'github', createdAt: T0 + DAY })
    const google = connection({ id: 'con_a', strategy: 'google-oauth2', createdAt: T0 + DAY })
    const oidc = connection({ id: 'con_c', strategy: 'oidc', createdAt: T0 })
    for (const record of [github, google, oidc]) await store().connections.insert(record)
    // The database connection was created at migration time, after T0 + DAY (the tests' fixed past).
    assert.deepEqual(
      (await store().connections.list()).map((c) => c.id),
      ['con_c', 'con_a', 'con_b', database?.id],
    )
    assert.deepEqual((await store().connections.list({ strategy: ['github', 'google-oauth2'] })).map((c) => c.id), ['con_a', 'con_b'])
    assert.deepEqual((await store().connections.list({ strategy: [] })).map((c) => c.id), [])
    assert.deepEqual((await store().connections.list({ name: oidc.name })).map((c) => c.id), ['con_c'])
    assert.deepEqual((await store().connections.list({ name: oidc.name, strategy: ['github'] })).map((c) => c.id), [])
    assert.deepEqual((await store().connections.list({ page: 1, perPage: 3 })).map((c) => c.id), [database?.id])
    assert.equal(await store().connections.count(), 4)
    assert.equal(await store().connections.count({ strategy: ['github', 'google-oauth2'] }), 2)
    assert.equal(await store().connections.count({ strategy: [] }), 0)
    assert.equal(await store().connections.count({ name: 'nothing' }), 0)
  })

  it('connections.update changes only the given fields, replaces the enabled clients as a whole, and never the name, strategy or creation time', async () => {
    const record = connection({ enabledClients: ['client-a', 'client-b'] })
    await store().connections.insert(record)
    const patch = {
      displayName: null,
      options: { issuer: 'https://other.example/' },
      sealedClientSecret: null,
      isDomainConnection: true,
      metadata: { tier: 'silver' },
      enabledClients: ['client-c', 'client-b', 'client-c'],
      updatedAt: T0 + 9,
    }
    const expected = { ...record, ...patch, enabledClients: ['client-b', 'client-c'] }
    assert.deepEqual(await store().connections.update(record.id, patch), expected)
    assert.deepEqual(await store().connections.get(record.id), expected)
    const sneaky = { name: 'renamed', strategy: 'github', createdAt: 1, id: 'con_other' } as object
    assert.deepEqual(await store().connections.update(record.id, sneaky), expected)
    assert.deepEqual(await store().connections.update(record.id, {}), expected)
    assert.deepEqual(await store().connections.update(record.id, { enabledClients: [] }), { ...expected, enabledClients: [] })
    assert.equal(await store().connections.update('con_nothing', { displayName: 'x' }), null)
    assert.equal(await store().connections.update('con_nothing', { enabledClients: ['client-a'] }), null)
    assert.deepEqual(await store().connections.listClients('con_nothing'), { items: [] })
  })

  it('connections.setEnabled enables and disables once (idempotent), never for a connection that does not exist', async () => {
    const record = connection()
    await store().connections.insert(record)
    assert.equal(await store().connections.setEnabled(record.id, 'client-a', true), true)
    assert.equal(await store().connections.setEnabled(record.id, 'client-a', true), false)
    assert.deepEqual((await store().connections.get(record.id))?.enabledClients, ['client-a'])
    assert.equal(await store().connections.setEnabled(record.id, 'client-a', false), true)
    assert.equal(await store().connections.setEnabled(record.id, 'client-a', false), false)
    assert.deepEqual((await store().connections.get(record.id))?.enabledClients, [])
    assert.equal(await store().connections.setEnabled('con_nothing', 'client-a', true), false)
    assert.deepEqual(await store().connections.enabledFor('client-a'), [])
  })

  it('connections.enabledFor lists the connections enabled for an app, oldest first, without their client lists', async () => {
    const older = connection({ createdAt: T0 - DAY, enabledClients: ['client-a', 'client-b'] })
    const newer = connection({ createdAt: T0, enabledClients: ['client-a'] })
    const elsewhere = connection({ enabledClients: ['client-b'] })
    for (const record of [newer, older, elsewhere]) await store().connections.insert(record)
    const { enabledClients: _older, ...olderSettings } = older
    const { enabledClients: _newer, ...newerSettings } = newer
    assert.deepEqual(await store().connections.enabledFor('client-a'), [olderSettings, newerSettings])
    assert.deepEqual(await store().connections.enabledFor('client-nothing'), [])
  })

  it('connections.listClients pages the client ids by id (Auth0’s from/take checkpoints)', async () => {
    const clients = Array.from({ length: 7 }, (_, i) => `client-${i}`)
    const record = connection({ enabledClients: [...clients].reverse() })
    await store().connections.insert(record)
    const first = await store().connections.listClients(record.id, { take: 3 })
    assert.deepEqual(first, { items: clients.slice(0, 3), next: 'client-3' })
    const second = await store().connections.listClients(record.id, { from: first.next, take: 3 })
    assert.deepEqual(second, { items: clients.slice(3, 6), next: 'client-6' })
    assert.deepEqual(await store().connections.listClients(record.id, { from: second.next, take: 3 }), { items: ['client-6'] })
    assert.deepEqual((await store().connections.listClients(record.id)).items, clients)
  })

  it('applications.insert enables the database connection for the new app; applications.delete leaves no enablement behind', async () => {
    const app = application()
    await store().applications.insert(app)
    const database = await store().connections.findByName(DATABASE)
    assert.ok(database)
    assert.deepEqual(
      (await store().connections.enabledFor(app.clientId)).map((c) => c.name),
      [DATABASE],
    )
    const sso = connection({ enabledClients: [app.clientId] })
    await store().connections.insert(sso)
    assert.equal((await store().connections.enabledFor(app.clientId)).length, 2)

    assert.equal(await store().applications.delete(app.clientId), true)
    assert.deepEqual(await store().connections.enabledFor(app.clientId), [])
    assert.deepEqual((await store().connections.get(sso.id))?.enabledClients, [])
    assert.deepEqual((await store().connections.listClients(database.id)).items, [])
    // The app's client id can be registered again, and gets the database connection again.
    await store().applications.insert(app)
    assert.deepEqual((await store().connections.enabledFor(app.clientId)).map((c) => c.name), [DATABASE])
  })

  it('applications.insert of a taken client id changes no enablement', async () => {
    const app = application()
    await store().applications.insert(app)
    const database = await store().connections.findByName(DATABASE)
    await store().connections.setEnabled(database?.id ?? '', app.clientId, false)
    await assert.rejects(store().applications.insert(app), ConflictError)
    assert.deepEqual(await store().connections.enabledFor(app.clientId), [])
  })

  it('connections.delete takes its users (and all that is theirs), its identities and its enablements; linked users of other connections stay', async () => {
    const acme = connection({ name: 'acme', enabledClients: ['client-a'] })
    const other = connection({ name: 'other', enabledClients: ['client-a'] })
    for (const record of [acme, other]) await store().connections.insert(record)

    // Ada's primary connection is acme (and she linked an account of `other`).
    const ada = user({ id: 'oidc|acme|ada', connection: 'acme', passwordHash: null })
    // Bob uses the database connection and linked an acme account.
    const bob = user()
    // Cy's primary connection is `other`.
    const cy = user({ id: 'oidc|other|cy', connection: 'other', passwordHash: null })
    for (const person of [ada, bob, cy]) await store().users.insert(person)
    const adaAcme = identity({ userId: ada.id, connectionId: acme.id, providerUserId: 'ada' })
    const adaOther = identity({ userId: ada.id, connectionId: other.id, providerUserId: 'ada-elsewhere' })
    const bobAcme = identity({ userId: bob.id, connectionId: acme.id, providerUserId: 'bob' })
    const cyOther = identity({ userId: cy.id, connectionId: other.id, providerUserId: 'cy' })
    for (const record of [adaAcme, adaOther, bobAcme, cyOther]) await store().identities.insert(record)
    const adaSession = session({ userId: ada.id })
    await store().sessions.insert(adaSession)
    const adaInteraction = interaction({ userId: ada.id, sessionSid: adaSession.sid, authTime: T0 })
    await store().interactions.insert(adaInteraction)
    const adaCode = authorizationCode({ userId: ada.id })
    await store().authorizationCodes.insert(adaCode)
    const adaToken = refreshToken({ userId: ada.id })
    await store().refreshTokens.insert(adaToken)
    await store().consents.grant(ada.id, 'client-a', '', ['openid'], T0)
    await store().organizations.addMember('org_acme', ada.id, ['member'], T0)
    const cySession = session({ userId: cy.id })
    await store().sessions.insert(cySession)

    assert.equal(await store().connections.delete(acme.id), true)
    assert.equal(await store().connections.delete(acme.id), false)
    assert.equal(await store().connections.get(acme.id), null)
    assert.equal(await store().users.get(ada.id), null)
    assert.deepEqual(await store().identities.listForUser(ada.id), [])
    assert.equal(await store().identities.find(other.id, 'ada-elsewhere'), null)
    assert.equal(await store().sessions.findActive(adaSession.idHash, T0), null)
    assert.equal(await store().interactions.get(adaInteraction.id, T0), null)
    assert.equal(await store().authorizationCodes.findByHash(adaCode.codeHash), null)
    assert.equal(await store().refreshTokens.findByHash(adaToken.tokenHash), null)
    assert.equal(await store().consents.find(ada.id, 'client-a', ''), null)
    assert.equal(await store().organizations.getMember('org_acme', ada.id), null)

    assert.deepEqual(await store().users.get(bob.id), bob)
    assert.deepEqual(await store().identities.listForUser(bob.id), [])
    assert.deepEqual(await store().users.get(cy.id), cy)
    assert.deepEqual(await store().identities.listForUser(cy.id), [cyOther])
    assert.notEqual(await store().sessions.findActive(cySession.idHash, T0), null)
    assert.deepEqual(
      (await store().connections.enabledFor('client-a')).map((c) => c.name),
      ['other'],
    )
  })

  it('connections.sealedSecrets lists the sealed secrets; replaceSealedClientSecret is a compare-and-set', async () => {
    const sealed = connection({ id: 'con_a', sealedClientSecret: 'sealed-1' })
    const none = connection({ id: 'con_b', sealedClientSecret: null })
    for (const record of [sealed, none]) await store().connections.insert(record)
    assert.deepEqual(await store().connections.sealedSecrets(), [{ id: 'con_a', sealedClientSecret: 'sealed-1' }])
    assert.equal(await store().connections.replaceSealedClientSecret('con_a', 'sealed-0', 'sealed-2'), false)
    assert.equal(await store().connections.replaceSealedClientSecret('con_a', 'sealed-1', 'sealed-2'), true)
    assert.equal(await store().connections.replaceSealedClientSecret('con_a', 'sealed-1', 'sealed-3'), false)
    assert.equal((await store().connections.get('con_a'))?.sealedClientSecret, 'sealed-2')
    assert.equal(await store().connections.replaceSealedClientSecret('con_b', '', 'sealed-x'), false)
    assert.equal(await store().connections.replaceSealedClientSecret('con_nothing', 'sealed-1', 'sealed-x'), false)
    assert.equal((await store().connections.get('con_b'))?.sealedClientSecret, null)
  })

  it('connections: a transaction that throws keeps no connection and no enablement', async () => {
    const record = connection({ enabledClients: ['client-a'] })
    await assert.rejects(
      store().transaction(async (tx) => {
        await tx.connections.insert(record)
        await tx.connections.setEnabled(record.id, 'client-b', true)
        throw new Error('rolled back')
      }),
      /rolled back/,
    )
    assert.equal(await store().connections.get(record.id), null)
    assert.deepEqual(await store().connections.enabledFor('client-a'), [])
    assert.deepEqual(await store().connections.enabledFor('client-b'), [])
  })
}
