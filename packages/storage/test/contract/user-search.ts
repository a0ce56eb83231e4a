import assert from 'node:assert/strict'
import { it } from 'node:test'
import type { UserSearch, UserSearchTerm } from '@latchkey/core'
import type { CurrentStore } from '../contract.js'
import { connection, identity, T0, user } from '../fixtures.js'

const term = (fields: UserSearchTerm['fields'], match: UserSearchTerm['match'], value: string): UserSearchTerm => ({ fields, match, value })

export function userSearchGuarantees(store: CurrentStore): void {
  const ids = async (search: UserSearch, options = {}) => {
    const found = await store().users.search(search, options)
    return { ids: found.items.map((u) => u.id), total: found.total }
  }

  it('users.search matches a prefix or an exact value of the email, names and nickname, case-insensitively', async () => {
    const jane = user({ id: 'auth0|jane', email: 'Jane.Doe@Example.com', name: 'Jane Doe', givenName: 'Jane', familyName: 'Doe', nickname: 'JD', createdAt: T0 })
    const janet = user({ id: 'auth0|janet', email: 'janet@example.org', name: 'Janet Smith', givenName: 'Janet', familyName: 'Smith', nickname: 'jsmith', createdAt: T0 + 1 })
    const john = user({ id: 'github|42', connection: 'github', email: 'john@example.com', name: 'John', createdAt: T0 + 2 })
    for (const u of [john, janet, jane]) await store().users.insert(u)

    assert.deepEqual(await ids([term(['name'], 'prefix', 'JAN')]), { ids: ['auth0|jane', 'auth0|janet'], total: 2 })
    assert.deepEqual(await ids([term(['name'], 'exact', 'jane doe')]), { ids: ['auth0|jane'], total: 1 })
    assert.deepEqual(await ids([term(['name'], 'exact', 'jane')]), { ids: [], total: 0 })
    assert.deepEqual(await ids([term(['email'], 'exact', 'JANE.DOE@example.COM')]), { ids: ['auth0|jane'], total: 1 })
    assert.deepEqual(await ids([term(['email'], 'prefix', 'jo')]), { ids: ['github|42'], total: 1 })
    assert.deepEqual(await ids([term(['given_name'], 'exact', 'janet')]), { ids: ['auth0|janet'], total: 1 })
    assert.deepEqual(await ids([term(['family_name'], 'prefix', 'do')]), { ids: ['auth0|jane'], total: 1 })
    assert.deepEqual(await ids([term(['nickname'], 'exact', 'jd')]), { ids: ['auth0|jane'], total: 1 })
    assert.deepEqual(await ids([term(['user_id'], 'exact', 'github|42')]), { ids: ['github|42'], total: 1 })
    assert.deepEqual(await ids([term(['user_id'], 'exact', 'GITHUB|42')]), { ids: [], total: 0 })
    // A bare term: the email or the name; several terms: all of them; a connection: only its users.
    assert.deepEqual(await ids([term(['email', 'name'], 'prefix', 'j')]), { ids: ['auth0|jane', 'auth0|janet', 'github|42'], total: 3 })
    assert.deepEqual(await ids([term(['email', 'name'], 'prefix', 'janet'), term(['nickname'], 'prefix', 'js')]), { ids: ['auth0|janet'], total: 1 })
    assert.deepEqual(await ids([term(['email', 'name'], 'prefix', 'j')], { connection: 'github' }), { ids: ['github|42'], total: 1 })
  })

  it('users.search takes %, _ and \\ in a value as plain characters', async () => {
    const percent = user({ name: '100% Jane', createdAt: T0 })
    const hundred = user({ name: '1000 Jane', createdAt: T0 + 1 })
    const under = user({ name: 'a_b', createdAt: T0 + 2 })
    const axb = user({ name: 'axb', createdAt: T0 + 3 })
    const slash = user({ name: 'back\\slash', createdAt: T0 + 4 })
    for (const u of [percent, hundred, under, axb, slash]) await store().users.insert(u)
    assert.deepEqual((await ids([term(['name'], 'prefix', '100%')])).ids, [percent.id])
    assert.deepEqual((await ids([term(['name'], 'prefix', 'a_')])).ids, [under.id])
    assert.deepEqual((await ids([term(['name'], 'prefix', 'back\\')])).ids, [slash.id])
    assert.deepEqual((await ids([term(['name'], 'prefix', '%')])).ids, [])
  })

  it('users.search pages oldest first (creation time, then id) with the total of every page', async () => {
    const people = Array.from({ length: 7 }, (_, i) => user({ id: `auth0|p${i}`, name: `Pat ${i}`, createdAt: T0 + (i % 3) }))
    for (const u of [...people].reverse()) await store().users.insert(u)
    await store().users.insert(user({ name: 'Someone else' }))
    const order = [...people].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)).map((u) => u.id)
    const search = [term(['name'], 'prefix', 'pat')]
    const pages = [await ids(search, { page: 0, perPage: 3 }), await ids(search, { page: 1, perPage: 3 }), await ids(search, { page: 2, perPage: 3 })]
    assert.deepEqual(
      pages.map((p) => p.total),
      [7, 7, 7],
    )
    assert.deepEqual(
      pages.flatMap((p) => p.ids),
      order,
    )
    assert.deepEqual(await ids(search, { page: 3, perPage: 3 }), { ids: [], total: 7 })
  })

  it("identities.listForUsers reads a page of users' identities in one query, each user's oldest first", async () => {
    const [a, b, none] = [user(), user(), user()]
    for (const u of [a, b, none]) await store().users.insert(u)
    const acme = connection()
    await store().connections.insert(acme)
    const late = identity({ userId: a.id, connectionId: acme.id, providerUserId: 'acme|late', createdAt: T0 + 2 })
    const early = identity({ userId: a.id, connectionId: acme.id, providerUserId: 'acme|early', createdAt: T0 + 1 })
    const theirs = identity({ userId: b.id, connectionId: acme.id, providerUserId: 'acme|b' })
    for (const i of [late, early, theirs]) await store().identities.insert(i)
    const found = await store().identities.listForUsers([none.id, a.id, b.id, a.id])
    assert.deepEqual(found.get(a.id), [early, late])
    assert.deepEqual(found.get(b.id), [theirs])
    assert.deepEqual(found.get(none.id), [])
    assert.equal((await store().identities.listForUsers([])).size, 0)
  })
}
