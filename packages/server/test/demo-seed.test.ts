/**
 * The demo's roles (`npm start`): the Appointments API with RBAC and the permissions claim, the
 * `patient` and `receptionist` roles with their permissions, and the demo user a patient; seeded once,
 * so restarts and changes made by hand leave them as they are, and a demo database from before roles
 * gets them on its next start.
 */
import assert from 'node:assert/strict'
import { after, beforeEach, describe, it } from 'node:test'
import { createApi, createUser, systemClock } from '@latchkey/core'
import { openAndMigrate, type Store } from '@latchkey/storage'
import { DEMO, DEMO_ROLES, demoInstructions, seedDemo } from '../src/demo.js'
import { ADMIN_ROLE_NAMES, listAdministrators } from '../src/management/admins.js'

const ISSUER = 'http://localhost:3000/'

describe("the demo's roles", () => {
  let store: Store
  const stores: Store[] = []
  beforeEach(async () => {
    store = await openAndMigrate('sqlite::memory:')
    stores.push(store)
  })
  after(async () => {
    for (const s of stores) await s.close()
  })

  const roleNames = async (email: string) => {
    const user = await store.users.findByEmail(email)
    assert.ok(user)
    return (await store.roles.listForUser(user.id)).map((r) => r.name).filter((name) => !ADMIN_ROLE_NAMES.has(name))
  }
  const permissionsOf = async (name: string) => {
    const role = await store.roles.findByName(name)
    assert.ok(role, name)
    return (await store.roles.listPermissions(role.id)).map((p) => `${p.apiIdentifier} ${p.name}`)
  }

  it('seeds the API with RBAC and the permissions claim, patient and receptionist, and the demo user a patient', async () => {
    assert.equal(await seedDemo(store, systemClock, ISSUER), true)
    const api = await store.apis.findByIdentifier(DEMO.audience)
    assert.equal(api?.enforcePolicies, true)
    assert.equal(api?.tokenDialect, 'access_token_authz')
    assert.deepEqual(await permissionsOf('patient'), [`${DEMO.audience} read:appointments`])
    assert.deepEqual(await permissionsOf('receptionist'), [`${DEMO.audience} read:appointments`, `${DEMO.audience} write:appointments`])
    assert.deepEqual(await roleNames(DEMO.email), ['patient'])
    assert.deepEqual(
      DEMO_ROLES.map((r) => r.name),
      ['patient', 'receptionist'],
    )
  })

  it('adds nothing on a restart, and keeps what was changed by hand', async () => {
    await seedDemo(store, systemClock, ISSUER)
    const user = await store.users.findByEmail(DEMO.email)
    const [patient, receptionist] = await Promise.all([store.roles.findByName('patient'), store.roles.findByName('receptionist')])
    assert.ok(user && patient && receptionist)
    await store.roles.unassign(user.id, [patient.id])
    await store.roles.assign([user.id], [receptionist.id], Date.now())
    await store.roles.removePermissions(patient.id, [{ apiIdentifier: DEMO.audience, name: 'read:appointments' }])
    const api = await store.apis.findByIdentifier(DEMO.audience)
    assert.ok(api)
    await store.apis.update(api.id, { enforcePolicies: false })

    assert.equal(await seedDemo(store, systemClock, ISSUER), false)
    assert.equal(await store.roles.count(), 3, 'patient, receptionist and the administrators\' role')
    assert.deepEqual(await roleNames(DEMO.email), ['receptionist'])
    assert.deepEqual(await permissionsOf('patient'), [])
    assert.equal((await store.apis.findByIdentifier(DEMO.audience))?.enforcePolicies, false)
  })

  it('gives a demo database from before roles its roles, RBAC on the API and a patient, once', async () => {
    const now = Date.now()
    await store.apis.insert(createApi({ name: DEMO.apiName, identifier: DEMO.audience, scopes: ['read:appointments', 'write:appointments'], allowOfflineAccess: true }, now))
    await store.users.insert(createUser({ email: DEMO.email, name: 'Demo User', emailVerified: true }, 'hash', now))
    assert.equal(await seedDemo(store, systemClock, ISSUER), true)
    const api = await store.apis.findByIdentifier(DEMO.audience)
    assert.equal(api?.enforcePolicies, true)
    assert.equal(api?.tokenDialect, 'access_token_authz')
    assert.deepEqual(await roleNames(DEMO.email), ['patient'])
    assert.equal(await seedDemo(store, systemClock, ISSUER), false)
  })

  it('recreates a role deleted by hand without touching the API or the user again', async () => {
    await seedDemo(store, systemClock, ISSUER)
    const receptionist = await store.roles.findByName('receptionist')
    assert.ok(receptionist)
    await store.roles.delete(receptionist.id)
    const user = await store.users.findByEmail(DEMO.email)
    const patient = await store.roles.findByName('patient')
    assert.ok(user && patient)
    await store.roles.unassign(user.id, [patient.id])
    assert.equal(await seedDemo(store, systemClock, ISSUER), true)
    assert.deepEqual(await permissionsOf('receptionist'), [`${DEMO.audience} read:appointments`, `${DEMO.audience} write:appointments`])
    assert.deepEqual(await roleNames(DEMO.email), [])
  })

  it('makes the demo user the administrator while nobody else is one, and leaves administrators alone after that', async () => {
    assert.equal(await seedDemo(store, systemClock, ISSUER), true)
    assert.deepEqual((await listAdministrators(store)).map((a) => [a.user.email, a.role]), [[DEMO.email, 'admin']])
    assert.equal(await seedDemo(store, systemClock, ISSUER), false, 'a restart changes nothing')
    assert.match(demoInstructions(ISSUER), /http:\/\/localhost:3000\/admin for the admin console: demo@example\.com is its administrator/)
  })

  it('the banner names the roles and how to make the demo user a receptionist', () => {
    const banner = demoInstructions(ISSUER)
    assert.match(banner, /roles {5}patient \(read:appointments\), receptionist \(read:appointments write:appointments\)/)
    assert.match(banner, /npx latchkey users roles assign demo@example\.com receptionist/)
  })
})
