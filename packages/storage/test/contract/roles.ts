import assert from 'node:assert/strict'
import { it } from 'node:test'
import { ConflictError } from '../../src/contract.js'
import type { CurrentStore } from '../contract.js'
import { api, organization, role, T0, user } from '../fixtures.js'

const perm = (apiIdentifier: string, name: string) => ({ apiIdentifier, name })

export function roleGuarantees(store: CurrentStore): void {
  it('roles round-trip; names are unique; get, findByName and getMany find them', async () => {
    const a = role({ name: 'reader' })
    const b = role({ name: 'writer', createdAt: T0 + 1, updatedAt: T0 + 1 })
    await store().roles.insert(a)
    await store().roles.insert(b)
    await assert.rejects(store().roles.insert(role({ name: 'reader' })), ConflictError)
    assert.deepEqual(await store().roles.get(a.id), a)
    assert.deepEqual(await store().roles.findByName('writer'), b)
    assert.equal(await store().roles.get('rol_missing'), null)
    assert.deepEqual(await store().roles.getMany([b.id, 'rol_missing', a.id, b.id]), [b, a])
    assert.deepEqual(await store().roles.getMany([]), [])
  })

  it('roles.list is oldest first and pages; name_filter matches part of the name, any case, wildcards literal', async () => {
    const roles = ['Patient', 'Receptionist', 'Doctor_on_call', 'doctor'].map((name, i) => role({ name, createdAt: T0 + i, updatedAt: T0 + i }))
    for (const r of roles) await store().roles.insert(r)
    assert.deepEqual(await store().roles.list(), roles)
    assert.deepEqual(await store().roles.list({ page: 1, perPage: 3 }), roles.slice(3))
    assert.deepEqual((await store().roles.list({ nameFilter: 'DOC' })).map((r) => r.name), ['Doctor_on_call', 'doctor'])
    assert.deepEqual((await store().roles.list({ nameFilter: 'r_o' })).map((r) => r.name), ['Doctor_on_call'])
    assert.deepEqual(await store().roles.list({ nameFilter: '%' }), [])
    assert.equal(await store().roles.count(), 4)
    assert.equal(await store().roles.count({ nameFilter: 'doc' }), 2)
  })

  it('roles.update changes name and description; a taken name is a conflict; unknown is null', async () => {
    const a = role({ name: 'a' })
    await store().roles.insert(a)
    await store().roles.insert(role({ name: 'b' }))
    const updated = await store().roles.update(a.id, { name: 'a2', description: 'new', updatedAt: T0 + 5 })
    assert.deepEqual(updated, { ...a, name: 'a2', description: 'new', updatedAt: T0 + 5 })
    await assert.rejects(store().roles.update(a.id, { name: 'b' }), ConflictError)
    assert.equal(await store().roles.update('rol_missing', { name: 'x' }), null)
    assert.deepEqual(await store().roles.update(a.id, {}), updated)
  })

  it('role permissions: adding is idempotent, removing ignores what is absent, listed by API then name', async () => {
    const r = role()
    await store().roles.insert(r)
    await store().roles.addPermissions(r.id, [perm('https://b/', 'read'), perm('https://a/', 'write'), perm('https://a/', 'read')], T0)
    await store().roles.addPermissions(r.id, [perm('https://a/', 'read')], T0 + 1)
    assert.deepEqual(await store().roles.listPermissions(r.id), [perm('https://a/', 'read'), perm('https://a/', 'write'), perm('https://b/', 'read')])
    assert.equal(await store().roles.countPermissions(r.id), 3)
    await store().roles.removePermissions(r.id, [perm('https://a/', 'write'), perm('https://a/', 'missing')])
    assert.deepEqual(await store().roles.listPermissions(r.id, { perPage: 1, page: 1 }), [perm('https://b/', 'read')])
    assert.equal(await store().roles.countPermissions(r.id), 2)
  })

  it('user roles: assign is idempotent, unassign ignores what is absent, listed both ways', async () => {
    const [ada, bob] = [user(), user()]
    await store().users.insert(ada)
    await store().users.insert(bob)
    const [x, y] = [role({ name: 'x-role' }), role({ name: 'a-role' })]
    await store().roles.insert(x)
    await store().roles.insert(y)
    await store().roles.assign([ada.id], [x.id, y.id], T0)
    await store().roles.assign([ada.id, bob.id], [x.id], T0 + 1)
    assert.deepEqual(await store().roles.listForUser(ada.id), [y, x], 'by name')
    assert.equal(await store().roles.countForUser(ada.id), 2)
    assert.deepEqual(await store().roles.listUsers(x.id), [ada.id, bob.id])
    assert.equal(await store().roles.countUsers(x.id), 2)
    await store().roles.unassign(ada.id, [x.id, 'rol_missing'])
    assert.deepEqual(await store().roles.listForUser(ada.id), [y])
    assert.deepEqual(await store().roles.listUsers(x.id), [bob.id])
  })

  it('deleting a role takes its permissions and assignments with it', async () => {
    const ada = user()
    await store().users.insert(ada)
    const r = role()
    await store().roles.insert(r)
    await store().roles.addPermissions(r.id, [perm('https://a/', 'read')], T0)
    await store().roles.assign([ada.id], [r.id], T0)
    assert.equal(await store().roles.delete(r.id), true)
    assert.equal(await store().roles.delete(r.id), false)
    assert.equal(await store().roles.get(r.id), null)
    assert.deepEqual(await store().roles.listForUser(ada.id), [])
    assert.deepEqual(await store().permissions.effective(ada.id, 'https://a/', null), [])
    // A role made again under the same name is a new role: nothing of the old one comes back.
    const again = role({ name: r.name })
    await store().roles.insert(again)
    assert.deepEqual(await store().roles.listPermissions(again.id), [])
  })

  it('permissions.effective: direct, through roles, and through roles within the organization logged in to; one API at a time', async () => {
    const ada = user()
    await store().users.insert(ada)
    const appointments = api({ identifier: 'https://appointments/' })
    await store().apis.insert(appointments)
    const [patient, receptionist, orgAdmin] = [role({ name: 'patient' }), role({ name: 'receptionist' }), role({ name: 'org-admin' })]
    for (const r of [patient, receptionist, orgAdmin]) await store().roles.insert(r)
    await store().roles.addPermissions(patient.id, [perm('https://appointments/', 'read'), perm('https://other/', 'read')], T0)
    await store().roles.addPermissions(receptionist.id, [perm('https://appointments/', 'write')], T0)
    await store().roles.addPermissions(orgAdmin.id, [perm('https://appointments/', 'admin')], T0)
    const sorted = async (orgId: string | null) => [...(await store().permissions.effective(ada.id, 'https://appointments/', orgId))].sort()

    assert.deepEqual(await sorted(null), [])
    await store().roles.assign([ada.id], [patient.id], T0)
    assert.deepEqual(await sorted(null), ['read'])
    await store().permissions.add(ada.id, [perm('https://appointments/', 'write'), perm('https://appointments/', 'read')], T0)
    assert.deepEqual(await sorted(null), ['read', 'write'], 'each once')

    const acme = organization()
    await store().organizations.insert(acme)
    await store().organizations.addMember(acme.id, ada.id, [orgAdmin.id, 'rol_deleted'], T0)
    assert.deepEqual(await sorted(acme.id), ['admin', 'read', 'write'])
    assert.deepEqual(await sorted(null), ['read', 'write'], 'organization roles count only within it')
    const other = organization()
    await store().organizations.insert(other)
    assert.deepEqual(await sorted(other.id), ['read', 'write'], 'not a member: their own permissions only')
  })

  it('permissions.listForUser merges direct and role permissions with their sources; remove takes only the direct one', async () => {
    const ada = user()
    await store().users.insert(ada)
    const r = role({ name: 'patient' })
    await store().roles.insert(r)
    await store().roles.addPermissions(r.id, [perm('https://a/', 'read')], T0)
    await store().roles.assign([ada.id], [r.id], T0)
    await store().permissions.add(ada.id, [perm('https://a/', 'read'), perm('https://a/', 'write')], T0)
    assert.deepEqual(await store().permissions.listForUser(ada.id), [
      { apiIdentifier: 'https://a/', name: 'read', sources: [{ type: 'DIRECT' }, { type: 'ROLE', roleId: r.id, roleName: 'patient' }] },
      { apiIdentifier: 'https://a/', name: 'write', sources: [{ type: 'DIRECT' }] },
    ])
    assert.equal(await store().permissions.countForUser(ada.id), 2)
    await store().permissions.remove(ada.id, [perm('https://a/', 'read'), perm('https://a/', 'write')])
    assert.deepEqual(await store().permissions.listForUser(ada.id), [{ apiIdentifier: 'https://a/', name: 'read', sources: [{ type: 'ROLE', roleId: r.id, roleName: 'patient' }] }])
  })

  it("deleting a user removes their roles and permissions; deleting an API removes its permissions; a changed identifier carries them", async () => {
    const [ada, bob] = [user(), user()]
    await store().users.insert(ada)
    await store().users.insert(bob)
    const thing = api()
    await store().apis.insert(thing)
    const r = role()
    await store().roles.insert(r)
    await store().roles.addPermissions(r.id, [perm(thing.identifier, 'read:things')], T0)
    await store().roles.assign([ada.id, bob.id], [r.id], T0)
    await store().permissions.add(ada.id, [perm(thing.identifier, 'write:things')], T0)
    await store().users.delete(ada.id)
    assert.deepEqual(await store().roles.listUsers(r.id), [bob.id])
    assert.deepEqual(await store().permissions.listForUser(ada.id), [])

    const moved = await store().apis.changeIdentifier(thing.id, 'https://moved/', T0 + 1)
    assert.ok(moved)
    assert.deepEqual(await store().permissions.effective(bob.id, 'https://moved/', null), ['read:things'])
    assert.equal(await store().apis.delete(thing.id), true)
    assert.deepEqual(await store().roles.listPermissions(r.id), [])
    assert.deepEqual(await store().permissions.effective(bob.id, 'https://moved/', null), [])
  })

  it('APIs keep enforce_policies and token_dialect', async () => {
    const rbac = api({ enforcePolicies: true, tokenDialect: 'access_token_authz' })
    await store().apis.insert(rbac)
    assert.deepEqual(await store().apis.get(rbac.id), rbac)
    const updated = await store().apis.update(rbac.id, { enforcePolicies: false, tokenDialect: 'rfc9068_profile' })
    assert.equal(updated?.enforcePolicies, false)
    assert.equal(updated?.tokenDialect, 'rfc9068_profile')
  })
}
