import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { application, authorizationCode, connection, DAY, invitation, MINUTE, organization, refreshToken, T0, user } from '../fixtures.js'

export function organizationGuarantees(store: CurrentStore): void {
  it('organizations round-trip every field (branding and metadata JSON, nulls)', async () => {
    const full = organization()
    const bare = organization({ displayName: null, branding: null, metadata: {} })
    for (const org of [full, bare]) await store().organizations.insert(org)
    assert.deepEqual(await store().organizations.get(full.id), full)
    assert.deepEqual(await store().organizations.get(bare.id), bare)
    assert.equal(await store().organizations.get('org_nothing'), null)
  })

  it('organizations.findByName is case-insensitive; a taken name (any case) is a ConflictError on insert and update', async () => {
    const acme = organization({ name: 'acme' })
    const other = organization({ name: 'other' })
    await store().organizations.insert(acme)
    await store().organizations.insert(other)
    assert.deepEqual(await store().organizations.findByName('ACME'), acme)
    assert.equal(await store().organizations.findByName('nobody'), null)
    await assert.rejects(store().organizations.insert(organization({ name: 'Acme' })), ConflictError)
    await assert.rejects(store().organizations.update(other.id, { name: 'acme' }), ConflictError)
    assert.equal((await store().organizations.get(other.id))?.name, 'other')
    assert.equal(await store().organizations.count(), 2)
  })

  it('organizations.update changes only the given fields and returns the record, or null for an unknown id', async () => {
    const org = organization()
    await store().organizations.insert(org)
    const updated = await store().organizations.update(org.id, { displayName: 'Renamed', branding: null, metadata: { a: 'b' }, updatedAt: T0 + 5 })
    const expected = { ...org, displayName: 'Renamed', branding: null, metadata: { a: 'b' }, updatedAt: T0 + 5 }
    assert.deepEqual(updated, expected)
    assert.deepEqual(await store().organizations.get(org.id), expected)
    assert.deepEqual(await store().organizations.update(org.id, {}), expected)
    assert.equal(await store().organizations.update('org_nothing', { displayName: 'x' }), null)
  })

  it('organizations.list pages oldest first; listFrom pages by id with a next checkpoint until the last page', async () => {
    const orgs = [
      organization({ id: 'org_c', name: 'ccc', createdAt: T0 - DAY }),
      organization({ id: 'org_a', name: 'aaa', createdAt: T0 }),
      organization({ id: 'org_b', name: 'bbb', createdAt: T0 }),
    ]
    for (const org of orgs) await store().organizations.insert(org)
    assert.deepEqual((await store().organizations.list()).map((o) => o.id), ['org_c', 'org_a', 'org_b'])
    assert.deepEqual((await store().organizations.list({ page: 1, perPage: 2 })).map((o) => o.id), ['org_b'])
    const first = await store().organizations.listFrom({ take: 2 })
    assert.deepEqual(first.items.map((o) => o.id), ['org_a', 'org_b'])
    assert.equal(typeof first.next, 'string')
    const second = await store().organizations.listFrom({ from: first.next, take: 2 })
    assert.deepEqual(second.items.map((o) => o.id), ['org_c'])
    assert.equal(second.next, undefined)
  })

  it('members: addMember adds once and merges roles on a repeat; isMember, getMember, setMemberRoles, removeMember', async () => {
    const org = organization()
    const person = user()
    await store().organizations.insert(org)
    await store().users.insert(person)
    assert.equal(await store().organizations.isMember(org.id, person.id), false)
    const first = await store().organizations.addMember(org.id, person.id, ['viewer'], T0)
    assert.deepEqual(first, { added: true, member: { orgId: org.id, userId: person.id, roles: ['viewer'], createdAt: T0 } })
    const again = await store().organizations.addMember(org.id, person.id, ['viewer', 'editor'], T0 + MINUTE)
    assert.deepEqual(again, { added: false, member: { orgId: org.id, userId: person.id, roles: ['viewer', 'editor'], createdAt: T0 } })
    assert.equal(await store().organizations.isMember(org.id, person.id), true)
    assert.deepEqual((await store().organizations.setMemberRoles(org.id, person.id, ['admin']))?.roles, ['admin'])
    assert.deepEqual((await store().organizations.getMember(org.id, person.id))?.roles, ['admin'])
    assert.equal(await store().organizations.setMemberRoles(org.id, 'auth0|nobody', ['x']), null)
    assert.equal(await store().organizations.removeMember(org.id, person.id), true)
    assert.equal(await store().organizations.removeMember(org.id, person.id), false)
    assert.equal(await store().organizations.isMember(org.id, person.id), false)
  })

  it('members: concurrent adds of the same user make one membership', async () => {
    const org = organization()
    await store().organizations.insert(org)
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((role) => store().organizations.addMember(org.id, 'auth0|same', [role], T0)))
    assert.equal(results.filter((r) => r.added).length, 1)
    assert.equal(await store().organizations.countMembers(org.id), 1)
  })

  it('members: concurrent role merges for one member lose none', async () => {
    const org = organization()
    await store().organizations.insert(org)
    await store().organizations.addMember(org.id, 'auth0|merge', ['base'], T0)
    const roles = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']
    await Promise.all(roles.map((role) => store().organizations.addMember(org.id, 'auth0|merge', [role], T0)))
    assert.deepEqual([...((await store().organizations.getMember(org.id, 'auth0|merge'))?.roles ?? [])].sort(), ['base', ...roles].sort())
  })

  it('members: addMember joins a caller\'s transaction, even for a member already there', async () => {
    const org = organization()
    await store().organizations.insert(org)
    await store().organizations.addMember(org.id, 'auth0|x', ['a'], T0)
    await store().transaction(async (tx) => {
      const { added } = await tx.organizations.addMember(org.id, 'auth0|x', ['b'], T0)
      assert.equal(added, false)
      await tx.organizations.addMember(org.id, 'auth0|y', [], T0)
    })
    assert.deepEqual((await store().organizations.getMember(org.id, 'auth0|x'))?.roles, ['a', 'b'])
    assert.equal(await store().organizations.isMember(org.id, 'auth0|y'), true)
  })

  it('members list oldest first, page by user id with checkpoints, count, and listForUser gives a user\'s organizations', async () => {
    const org = organization()
    const second = organization()
    await store().organizations.insert(org)
    await store().organizations.insert(second)
    await store().organizations.addMember(org.id, 'auth0|c', [], T0 - DAY)
    await store().organizations.addMember(org.id, 'auth0|a', [], T0)
    await store().organizations.addMember(org.id, 'auth0|b', [], T0)
    await store().organizations.addMember(second.id, 'auth0|a', [], T0 + 1)
    assert.deepEqual((await store().organizations.listMembers(org.id)).map((m) => m.userId), ['auth0|c', 'auth0|a', 'auth0|b'])
    assert.deepEqual((await store().organizations.listMembers(org.id, { page: 1, perPage: 2 })).map((m) => m.userId), ['auth0|b'])
    const page = await store().organizations.listMembersFrom(org.id, { take: 2 })
    assert.deepEqual(page.items.map((m) => m.userId), ['auth0|a', 'auth0|b'])
    assert.deepEqual((await store().organizations.listMembersFrom(org.id, { from: page.next, take: 2 })).items.map((m) => m.userId), ['auth0|c'])
    assert.equal(await store().organizations.countMembers(org.id), 3)
    assert.deepEqual((await store().organizations.listForUser('auth0|a')).map((o) => o.id), [org.id, second.id])
    assert.deepEqual(await store().organizations.listForUser('auth0|nobody'), [])
  })

  it('organizations.delete removes its members, invitations, and the codes and refresh tokens issued for it; nothing of other organizations', async () => {
    const gone = organization()
    const stays = organization()
    for (const org of [gone, stays]) {
      await store().organizations.insert(org)
      await store().organizations.addMember(org.id, 'auth0|member', [], T0)
      await store().invitations.insert(invitation({ orgId: org.id }))
      await store().authorizationCodes.insert(authorizationCode({ organization: org.id, codeHash: `code-${org.id}` }))
      await store().refreshTokens.insert(refreshToken({ organization: org.id, tokenHash: `token-${org.id}` }))
    }
    assert.equal(await store().organizations.delete(gone.id), true)
    assert.equal(await store().organizations.delete(gone.id), false)
    assert.equal(await store().organizations.get(gone.id), null)
    assert.equal(await store().organizations.isMember(gone.id, 'auth0|member'), false)
    assert.equal(await store().invitations.countForOrganization(gone.id), 0)
    assert.equal(await store().authorizationCodes.findByHash(`code-${gone.id}`), null)
    assert.equal(await store().refreshTokens.findByHash(`token-${gone.id}`), null)
    assert.equal(await store().organizations.isMember(stays.id, 'auth0|member'), true)
    assert.equal(await store().invitations.countForOrganization(stays.id), 1)
    assert.notEqual(await store().authorizationCodes.findByHash(`code-${stays.id}`), null)
    assert.notEqual(await store().refreshTokens.findByHash(`token-${stays.id}`), null)
  })

  it('deleting a user removes their memberships; deleting an application removes its invitations', async () => {
    const org = organization()
    const person = user()
    const app = application()
    await store().organizations.insert(org)
    await store().users.insert(person)
    await store().applications.insert(app)
    await store().organizations.addMember(org.id, person.id, ['x'], T0)
    await store().organizations.addMember(org.id, 'auth0|other', [], T0)
    await store().invitations.insert(invitation({ orgId: org.id, clientId: app.clientId }))
    const kept = invitation({ orgId: org.id })
    await store().invitations.insert(kept)
    await store().users.delete(person.id)
    assert.equal(await store().organizations.isMember(org.id, person.id), false)
    assert.equal(await store().organizations.isMember(org.id, 'auth0|other'), true)
    await store().applications.delete(app.clientId)
    assert.deepEqual((await store().invitations.listForOrganization(org.id)).map((i) => i.id), [kept.id])
  })

  it('invitations round-trip (email lower-cased), are found by ticket hash, listed oldest first per organization, deleted', async () => {
    const first = invitation({ orgId: 'org_x', inviteeEmail: 'Invitee@Example.COM', createdAt: T0 - 1 })
    const second = invitation({ orgId: 'org_x' })
    const elsewhere = invitation({ orgId: 'org_y' })
    for (const inv of [second, first, elsewhere]) await store().invitations.insert(inv)
    assert.deepEqual(await store().invitations.get(first.id), { ...first, inviteeEmail: 'invitee@example.com' })
    assert.deepEqual(await store().invitations.findByTicketHash(second.ticketHash), second)
    assert.equal(await store().invitations.findByTicketHash('no-such-hash'), null)
    assert.deepEqual((await store().invitations.listForOrganization('org_x')).map((i) => i.id), [first.id, second.id])
    assert.deepEqual((await store().invitations.listForOrganization('org_x', { page: 1, perPage: 1 })).map((i) => i.id), [second.id])
    assert.equal(await store().invitations.countForOrganization('org_x'), 2)
    await assert.rejects(store().invitations.insert(invitation({ ticketHash: second.ticketHash })), ConflictError)
    assert.equal(await store().invitations.delete(first.id), true)
    assert.equal(await store().invitations.delete(first.id), false)
  })

  it('invitations.consume succeeds once, never after expiry; concurrent consumers get exactly one winner', async () => {
    const inv = invitation({ expiresAt: T0 + MINUTE })
    await store().invitations.insert(inv)
    const results = await Promise.all(Array.from({ length: 8 }, () => store().invitations.consume(inv.id, T0)))
    const winners = results.filter((r) => r !== null)
    assert.equal(winners.length, 1)
    assert.equal(winners[0]?.consumedAt, T0)
    assert.equal((await store().invitations.get(inv.id))?.consumedAt, T0)
    assert.equal(await store().invitations.consume(inv.id, T0 + 1), null)

    const expired = invitation({ expiresAt: T0 })
    await store().invitations.insert(expired)
    assert.equal(await store().invitations.consume(expired.id, T0), null)
    assert.equal((await store().invitations.get(expired.id))?.consumedAt, null)
    assert.equal(await store().invitations.consume('uinv_nothing', T0), null)
  })

  it('invitations.deleteExpired removes, in batches, those expired or consumed before the cutoff', async () => {
    const expired = invitation({ expiresAt: T0 - DAY })
    const used = invitation({ consumedAt: T0 - DAY, expiresAt: T0 + DAY })
    const pending = invitation({ expiresAt: T0 + DAY })
    const usedLater = invitation({ consumedAt: T0 + 1, expiresAt: T0 + DAY })
    for (const inv of [expired, used, pending, usedLater]) await store().invitations.insert(inv)
    assert.equal(await store().invitations.deleteExpired(T0, 1), 1)
    assert.equal(await store().invitations.deleteExpired(T0, 10), 1)
    assert.equal(await store().invitations.deleteExpired(T0, 10), 0)
    assert.notEqual(await store().invitations.get(pending.id), null)
    assert.notEqual(await store().invitations.get(usedLater.id), null)
  })

  it('applications keep their organization settings', async () => {
    const app = application({ organizationUsage: 'require', organizationRequireBehavior: 'pre_login_prompt', initiateLoginUri: 'https://app.example/login' })
    await store().applications.insert(app)
    assert.deepEqual(await store().applications.get(app.clientId), app)
    const updated = await store().applications.update(app.clientId, { organizationUsage: 'allow', initiateLoginUri: null })
    assert.equal(updated?.organizationUsage, 'allow')
    assert.equal(updated?.initiateLoginUri, null)
    assert.equal(updated?.organizationRequireBehavior, 'pre_login_prompt')
  })

  it('enabled connections: a new organization has the database connection unless given its own; enable once, update, get, connectionEnabled, list, count, disable', async () => {
    const database = await store().connections.findByName('Username-Password-Authentication')
    assert.ok(database)
    const sso = connection()
    const other = connection()
    for (const c of [sso, other]) await store().connections.insert(c)
    const plain = organization()
    await store().organizations.insert(plain)
    assert.deepEqual(await store().organizations.listConnections(plain.id), [
      {
        orgId: plain.id,
        connectionId: database.id,
        assignMembershipOnLogin: false,
        showAsButton: true,
        createdAt: plain.createdAt,
        connection: { name: 'Username-Password-Authentication', strategy: 'auth0' },
      },
    ])
    const own = organization()
    await store().organizations.insert(own, [{ connectionId: sso.id, assignMembershipOnLogin: true, showAsButton: false }, { connectionId: 'con_missing', assignMembershipOnLogin: false, showAsButton: true }])
    assert.deepEqual(
      (await store().organizations.listConnections(own.id)).map((c) => [c.connectionId, c.assignMembershipOnLogin, c.showAsButton, c.connection.name]),
      [[sso.id, true, false, sso.name]],
    )
    const none = organization()
    await store().organizations.insert(none, [])
    assert.equal(await store().organizations.countConnections(none.id), 0)

    assert.equal(await store().organizations.enableConnection(own.id, { connectionId: other.id, assignMembershipOnLogin: false, showAsButton: true }, T0 + 1), true)
    assert.equal(await store().organizations.enableConnection(own.id, { connectionId: other.id, assignMembershipOnLogin: true, showAsButton: true }, T0 + 2), false)
    assert.equal(await store().organizations.enableConnection(own.id, { connectionId: 'con_missing', assignMembershipOnLogin: false, showAsButton: true }, T0), false)
    assert.equal(await store().organizations.enableConnection('org_missing', { connectionId: other.id, assignMembershipOnLogin: false, showAsButton: true }, T0), false)
    assert.equal((await store().organizations.getConnection(own.id, other.id))?.assignMembershipOnLogin, false)
    assert.equal(await store().organizations.connectionEnabled(own.id, other.id), true)
    assert.equal(await store().organizations.connectionEnabled(plain.id, other.id), false)
    assert.equal(await store().organizations.countConnections(own.id), 2)
    assert.deepEqual((await store().organizations.listConnections(own.id, { page: 1, perPage: 1 })).map((c) => c.connectionId), [other.id])

    const updated = await store().organizations.updateConnection(own.id, other.id, { assignMembershipOnLogin: true })
    assert.deepEqual([updated?.assignMembershipOnLogin, updated?.showAsButton, updated?.createdAt], [true, true, T0 + 1])
    assert.equal((await store().organizations.updateConnection(own.id, other.id, {}))?.assignMembershipOnLogin, true)
    assert.equal(await store().organizations.updateConnection(plain.id, other.id, { showAsButton: false }), null)
    assert.equal(await store().organizations.getConnection(plain.id, other.id), null)

    assert.equal(await store().organizations.disableConnection(own.id, other.id), true)
    assert.equal(await store().organizations.disableConnection(own.id, other.id), false)
    assert.deepEqual((await store().organizations.listConnections(own.id)).map((c) => c.connectionId), [sso.id])
  })

  it('enabled connections go with the organization or the connection that is deleted', async () => {
    const sso = connection()
    await store().connections.insert(sso)
    const gone = organization()
    const stays = organization()
    for (const org of [gone, stays]) await store().organizations.insert(org, [{ connectionId: sso.id, assignMembershipOnLogin: false, showAsButton: true }])
    await store().organizations.delete(gone.id)
    assert.equal(await store().organizations.countConnections(gone.id), 0)
    assert.equal(await store().organizations.countConnections(stays.id), 1)
    await store().connections.delete(sso.id)
    assert.equal(await store().organizations.countConnections(stays.id), 0)
  })
}
