/**
 * Managing second factors through the Management API (issue 15), over plain HTTP and through
 * Auth0's ManagementClient (v5): a user's factors written to the store as enrolment leaves them
 * (TOTP, a security key, a passkey, one enrolment never confirmed, ten recovery codes); listed in
 * Auth0's shape and paged as Auth0 pages them, never with a secret; one deleted (the recovery-code
 * method's id deletes the codes), all deleted, Auth0's "delete all authenticators"; remembered
 * browsers voided by each deletion and by invalidate-remember-browser; the guardian policy read and
 * set (`[]`, `["all-applications"]`, `["latchkey-optional"]`; adaptive MFA refused), and its effect on
 * the very next login; every change audited.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, AuthenticatorRecord, AuthenticatorType, UserRecord } from '@latchkey/core'
import type { Store } from '@latchkey/storage'
import { ManagementClient, ManagementError } from 'auth0'
import { MFA_POLICY_SETTING } from '../src/mfa/requirement.js'
import { managementScopes } from '../src/management/system-api.js'
import { authorizeUrl, Browser, callbackParams, formAction, hiddenField, pkce } from './support/browser.js'
import { type Answer, lastChange as lastChangeOf, managementCall, m2m } from './support/management.js'
import { addApp, addUser, PASSWORD, startTestServer, type TestServer } from './support/harness.js'
import { proxyGlobalFetch } from './support/tls-proxy.js'

const ALL = managementScopes().map((s) => s.value)
const SEALED_SECRET = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..iv.sealed-totp-secret.tag'
const HOUR = 3_600_000



let deviceCount = 0
function authenticator(user: UserRecord, type: AuthenticatorType, fields: Partial<AuthenticatorRecord> = {}): AuthenticatorRecord {
  deviceCount += 1
  const webauthn = type !== 'totp'
  return {
    id: `${type}|dev_${randomBytes(12).toString('base64url').replace(/[^A-Za-z0-9]/g, '')}${deviceCount}`,
    userId: user.id,
    type,
    name: null,
    confirmed: true,
    sealedSecret: webauthn ? null : SEALED_SECRET,
    lastUsedStep: null,
    credential: webauthn
      ? {
          credentialId: randomBytes(16).toString('base64url'),
          publicKey: randomBytes(40).toString('base64url'),
          counter: 3,
          transports: type === 'passkey' ? ['internal', 'hybrid'] : ['usb'],
          deviceType: type === 'passkey' ? 'multiDevice' : 'singleDevice',
          backedUp: type === 'passkey',
          aaguid: type === 'passkey' ? 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd' : null,
        }
      : null,
    createdAt: Date.now() - 3 * HOUR,
    lastUsedAt: Date.now() - HOUR,
    ...fields,
  }
}

/** A user as enrolment leaves them: TOTP, a security key, a passkey, an enrolment never confirmed, ten recovery codes (one used). */
async function enrolled(store: Store, email: string) {
  const user = await addUser(store, { email })
  const totp = authenticator(user, 'totp', { name: 'Phone', lastUsedStep: 1234 })
  const key = authenticator(user, 'webauthn-roaming', { name: 'YubiKey 5', createdAt: totp.createdAt + 1 })
  const passkey = authenticator(user, 'passkey', { createdAt: totp.createdAt + 2, lastUsedAt: null })
  const pending = authenticator(user, 'totp', { confirmed: false, createdAt: totp.createdAt + 3, lastUsedAt: null })
  for (const record of [totp, key, passkey, pending]) await store.authenticators.insert(record)
  const codes = Array.from({ length: 10 }, () => createHash('sha256').update(randomBytes(10)).digest('hex'))
  const issued = Date.now() - 2 * HOUR
  await store.recoveryCodes.replace(user.id, codes, issued)
  await store.recoveryCodes.use(user.id, codes[0] as string, issued + 60_000)
  return { user, totp, key, passkey, pending, issued }
}

describe('Management API: authentication methods and the guardian policy', () => {
  let server: TestServer
  let token: string
  let spa: ApplicationRecord

  const call = (method: string, path: string, body?: unknown, bearer = token): Promise<Answer> => managementCall(server, bearer, method, path, body)

  function assertError(r: Answer, statusCode: number, errorCode: string, message?: RegExp): void {
    assert.equal(r.status, statusCode, r.text)
    assert.equal(r.json.errorCode, errorCode, r.text)
    if (message) assert.match(r.json.message, message)
  }

  const lastChange = () => lastChangeOf(server)

  const methods = (user: UserRecord) => `users/${encodeURIComponent(user.id)}/authentication-methods`

  before(async () => {
    server = await startTestServer()
    ;({ token } = await m2m(server, ALL))
    ;({ app: spa } = await addApp(server.store, { name: 'Policy SPA' }))
  })
  after(() => server.close())

  it("lists a user's confirmed factors in Auth0's shape, then one recovery-code method, never a secret", async () => {
    const { user, totp, key, passkey, issued } = await enrolled(server.store, 'listed@example.com')
    const r = await call('GET', methods(user))
    assert.equal(r.status, 200, r.text)
    const host = new URL(server.issuer).hostname
    const listed: any[] = r.json
    assert.deepEqual([...listed], [
      { id: totp.id, type: 'totp', confirmed: true, name: 'Phone', created_at: new Date(totp.createdAt).toISOString(), last_auth_at: new Date(totp.lastUsedAt as number).toISOString() },
      {
        id: key.id,
        type: 'webauthn-roaming',
        confirmed: true,
        name: 'YubiKey 5',
        created_at: new Date(key.createdAt).toISOString(),
        last_auth_at: new Date(key.lastUsedAt as number).toISOString(),
        key_id: key.credential?.credentialId,
        public_key: key.credential?.publicKey,
        relying_party_identifier: host,
        transports: ['usb'],
      },
      {
        id: passkey.id,
        type: 'passkey',
        confirmed: true,
        created_at: new Date(passkey.createdAt).toISOString(),
        key_id: passkey.credential?.credentialId,
        public_key: passkey.credential?.publicKey,
        relying_party_identifier: host,
        transports: ['internal', 'hybrid'],
        credential_device_type: 'multi_device',
        credential_backed_up: true,
        aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
      },
      { id: listed[3].id, type: 'recovery-code', confirmed: true, created_at: new Date(issued).toISOString(), last_auth_at: new Date(issued + 60_000).toISOString() },
    ])
    assert.match(listed[3].id, /^recovery-code\|dev_[\w-]{22}$/)
    assert.ok(!r.text.includes(SEALED_SECRET) && !r.text.includes('sealed'), 'no TOTP secret')

    const paged = await call('GET', `${methods(user)}?include_totals=true&per_page=3&page=1`)
    assert.equal(paged.status, 200, paged.text)
    assert.deepEqual({ ...paged.json, authenticators: paged.json.authenticators.map((m: any) => m.type) }, { start: 3, limit: 3, length: 1, total: 4, authenticators: ['recovery-code'] })
    assertError(await call('GET', `${methods(user)}?per_page=0`), 400, 'invalid_query_string')
    assertError(await call('GET', 'users/auth0%7Cnobody/authentication-methods'), 404, 'inexistent_user')

    const one = await call('GET', `${methods(user)}/${encodeURIComponent(passkey.id)}`)
    assert.equal(one.status, 200, one.text)
    assert.deepEqual(one.json, listed[2])
    assert.deepEqual((await call('GET', `${methods(user)}/${encodeURIComponent(listed[3].id)}`)).json, listed[3])
    assertError(await call('GET', `${methods(user)}/${encodeURIComponent('totp|dev_unknown')}`), 404, 'inexistent_authentication_method')
    // The enrolment never confirmed is not a method, and cannot be fetched by its id.
    const pending = (await server.store.authenticators.listForUser(user.id)).find((a) => !a.confirmed) as AuthenticatorRecord
    assertError(await call('GET', `${methods(user)}/${encodeURIComponent(pending.id)}`), 404, 'inexistent_authentication_method')
  })

  it('a user without factors has none; spent recovery codes are not a method', async () => {
    const user = await addUser(server.store, { email: 'bare@example.com' })
    assert.deepEqual((await call('GET', methods(user))).json, [])
    assert.deepEqual((await call('GET', `${methods(user)}?include_totals=true`)).json, { start: 0, limit: 50, length: 0, total: 0, authenticators: [] })
    const hash = createHash('sha256').update('only').digest('hex')
    await server.store.recoveryCodes.replace(user.id, [hash], Date.now())
    await server.store.recoveryCodes.use(user.id, hash, Date.now())
    assert.deepEqual((await call('GET', methods(user))).json, [])
  })

  it('deletes one method, voiding remembered browsers; the recovery-code id deletes the codes; audited', async () => {
    const { user, key } = await enrolled(server.store, 'one-less@example.com')
    const listed = (await call('GET', methods(user))).json as any[]
    const startedAt = server.clock.now()
    const r = await call('DELETE', `${methods(user)}/${encodeURIComponent(key.id)}`)
    assert.equal(r.status, 204, r.text)
    assert.equal(await server.store.authenticators.get(key.id), null)
    const revokedAt = await server.store.authenticators.rememberedBrowsersRevokedAt(user.id)
    assert.ok(revokedAt !== null && revokedAt >= startedAt && revokedAt <= server.clock.now(), 'remembered browsers void')
    const event = await lastChange()
    assert.equal(event.userId, user.id)
    assert.deepEqual([event.details.action, event.details.authentication_method_id, event.details.type], ['user.authentication_method_deleted', key.id, 'webauthn-roaming'])
    assertError(await call('DELETE', `${methods(user)}/${encodeURIComponent(key.id)}`), 404, 'inexistent_authentication_method')

    const codes = listed.find((m) => m.type === 'recovery-code')
    assert.equal((await call('DELETE', `${methods(user)}/${encodeURIComponent(codes.id)}`)).status, 204)
    assert.equal(await server.store.recoveryCodes.countUnused(user.id), 0)
    assert.deepEqual(
      ((await call('GET', methods(user))).json as any[]).map((m) => m.type),
      ['totp', 'passkey'],
    )
    assert.equal((await lastChange()).details.type, 'recovery-code')
  })

  it('DELETE …/authentication-methods removes every factor, pending enrolments and recovery codes; remembered browsers void', async () => {
    const { user } = await enrolled(server.store, 'reset@example.com')
    const r = await call('DELETE', methods(user))
    assert.equal(r.status, 204, r.text)
    assert.deepEqual(await server.store.authenticators.listForUser(user.id), [])
    assert.equal(await server.store.recoveryCodes.summary(user.id), null)
    assert.notEqual(await server.store.authenticators.rememberedBrowsersRevokedAt(user.id), null)
    const event = await lastChange()
    assert.deepEqual([event.details.action, event.details.authenticators, event.details.recovery_codes], ['user.authentication_methods_deleted', 4, 10])
    assert.equal((await call('DELETE', methods(user))).status, 204, 'nothing left to delete is not an error')
    assertError(await call('DELETE', 'users/auth0%7Cnobody/authentication-methods'), 404, 'inexistent_user')
  })

  it("DELETE /users/{id}/authenticators (Auth0's reset) does the same, with delete:guardian_enrollments", async () => {
    const { user } = await enrolled(server.store, 'guardian-reset@example.com')
    const narrow = await m2m(server, ['delete:authentication_methods'])
    assertError(await call('DELETE', `users/${encodeURIComponent(user.id)}/authenticators`, undefined, narrow.token), 403, 'insufficient_scope', /delete:guardian_enrollments/)
    const r = await call('DELETE', `users/${encodeURIComponent(user.id)}/authenticators`)
    assert.equal(r.status, 204, r.text)
    assert.deepEqual(await server.store.authenticators.listForUser(user.id), [])
    assert.equal(await server.store.recoveryCodes.countUnused(user.id), 0)
    assert.notEqual(await server.store.authenticators.rememberedBrowsersRevokedAt(user.id), null)
    assert.equal((await lastChange()).details.action, 'user.authenticators_deleted')
  })

  it('invalidate-remember-browser voids the markers issued so far and keeps the factors', async () => {
    const { user } = await enrolled(server.store, 'forget-me@example.com')
    assert.equal(await server.store.authenticators.rememberedBrowsersRevokedAt(user.id), null)
    const startedAt = server.clock.now()
    const r = await call('POST', `users/${encodeURIComponent(user.id)}/multifactor/actions/invalidate-remember-browser`)
    assert.equal(r.status, 204, r.text)
    const revokedAt = await server.store.authenticators.rememberedBrowsersRevokedAt(user.id)
    assert.ok(revokedAt !== null && revokedAt >= startedAt && revokedAt <= server.clock.now())
    assert.equal((await server.store.authenticators.listForUser(user.id)).length, 4)
    assert.equal((await lastChange()).details.action, 'user.remembered_browsers_invalidated')
    assertError(await call('POST', 'users/auth0%7Cnobody/multifactor/actions/invalidate-remember-browser'), 404, 'inexistent_user')
  })

  describe('the guardian policy', () => {
    /** /authorize → the login form → the password: where the login went next. */
    async function login(user: UserRecord): Promise<Response> {
      const browser = new Browser(server.url)
      const { challenge } = pkce()
      const page = await browser.follow(await browser.get(authorizeUrl(server.issuer, { clientId: spa.clientId, challenge })))
      const html = await page.text()
      return browser.follow(await browser.post(formAction(html, '/u/login?'), { csrf: hiddenField(html, 'csrf'), username: user.email, password: PASSWORD }))
    }

    it('reads [] by default (LATCHKEY_MFA=never): a user without factors logs in with a password alone', async () => {
      assert.deepEqual((await call('GET', 'guardian/policies')).json, [])
      const user = await addUser(server.store, { email: 'policy-before@example.com' })
      assert.ok(callbackParams(await login(user)).get('code'))
    })

    it('PUT ["all-applications"]: the very next login of a user without factors goes to enrolment; audited', async () => {
      const r = await call('PUT', 'guardian/policies', ['all-applications'])
      assert.equal(r.status, 200, r.text)
      assert.deepEqual(r.json, ['all-applications'])
      assert.deepEqual((await call('GET', 'guardian/policies')).json, ['all-applications'])
      assert.equal(await server.store.settings.get(MFA_POLICY_SETTING), 'always')
      const event = await lastChange()
      assert.deepEqual([event.details.action, event.details.policy], ['mfa_policy.updated', 'always'])
      const next = await login(await addUser(server.store, { email: 'policy-after@example.com' }))
      assert.equal(new URL(next.url).pathname, '/u/mfa/enroll')
    })

    it('["latchkey-optional"] is optional; [] is never again; confidence-score and nonsense are refused', async () => {
      assert.deepEqual((await call('PUT', 'guardian/policies', ['latchkey-optional'])).json, ['latchkey-optional'])
      assert.equal(await server.store.settings.get(MFA_POLICY_SETTING), 'optional')
      assert.deepEqual((await call('GET', 'guardian/policies')).json, ['latchkey-optional'])
      const user = await addUser(server.store, { email: 'policy-optional@example.com' })
      assert.ok(callbackParams(await login(user)).get('code'), 'optional: a user without factors is not asked')

      assertError(await call('PUT', 'guardian/policies', ['confidence-score']), 400, 'operation_not_supported', /adaptive MFA/)
      assertError(await call('PUT', 'guardian/policies', ['all-applications', 'latchkey-optional']), 400, 'invalid_body')
      assertError(await call('PUT', 'guardian/policies', ['sometimes']), 400, 'invalid_body')
      assertError(await call('PUT', 'guardian/policies', { policies: [] }), 400, 'invalid_body')
      assert.equal(await server.store.settings.get(MFA_POLICY_SETTING), 'optional', 'refused bodies change nothing')

      assert.deepEqual((await call('PUT', 'guardian/policies', [])).json, [])
      assert.equal(await server.store.settings.get(MFA_POLICY_SETTING), 'never')
      assert.ok(callbackParams(await login(await addUser(server.store, { email: 'policy-never@example.com' }))).get('code'))
    })

    it('asks for read:mfa_policies and update:mfa_policies', async () => {
      const reader = await m2m(server, ['read:mfa_policies'])
      assert.equal((await call('GET', 'guardian/policies', undefined, reader.token)).status, 200)
      assertError(await call('PUT', 'guardian/policies', [], reader.token), 403, 'insufficient_scope', /update:mfa_policies/)
    })
  })
})

describe("Auth0's ManagementClient: authentication methods and guardian policies", () => {
  const DOMAIN = 'latchkey.test'
  const ISSUER = `https://${DOMAIN}/`
  let server: TestServer
  let management: ManagementClient
  let restoreFetch: () => void

  before(async () => {
    server = await startTestServer({ issuer: ISSUER })
    const robot = await m2m(server, ALL)
    restoreFetch = proxyGlobalFetch(ISSUER, server.url)
    management = new ManagementClient({ domain: DOMAIN, clientId: robot.app.clientId, clientSecret: robot.secret })
  })
  after(async () => {
    restoreFetch()
    await server.close()
  })

  it('users.authenticationMethods: list (paged), get, delete, deleteAll', async () => {
    const { user, totp, key } = await enrolled(server.store, 'sdk@example.com')
    const page = await management.users.authenticationMethods.list(user.id)
    assert.deepEqual(
      page.data.map((m) => m.type),
      ['totp', 'webauthn-roaming', 'passkey', 'recovery-code'],
    )
    const all = []
    for await (const method of await management.users.authenticationMethods.list(user.id, { per_page: 2 })) all.push(method.id)
    assert.deepEqual(all, page.data.map((m) => m.id))
    const one = await management.users.authenticationMethods.get(user.id, key.id)
    assert.equal(one.relying_party_identifier, DOMAIN)
    assert.equal(one.name, 'YubiKey 5')
    await management.users.authenticationMethods.delete(user.id, totp.id)
    await assert.rejects(management.users.authenticationMethods.get(user.id, totp.id), (err: unknown) => err instanceof ManagementError && err.statusCode === 404)
    await management.users.authenticationMethods.deleteAll(user.id)
    assert.deepEqual((await management.users.authenticationMethods.list(user.id)).data, [])
  })

  it('users.authenticators.deleteAll and users.multifactor.invalidateRememberBrowser', async () => {
    const { user } = await enrolled(server.store, 'sdk-reset@example.com')
    await management.users.multifactor.invalidateRememberBrowser(user.id)
    assert.notEqual(await server.store.authenticators.rememberedBrowsersRevokedAt(user.id), null)
    assert.equal((await server.store.authenticators.listForUser(user.id)).length, 4)
    await management.users.authenticators.deleteAll(user.id)
    assert.deepEqual(await server.store.authenticators.listForUser(user.id), [])
    assert.equal(await server.store.recoveryCodes.countUnused(user.id), 0)
  })

  it('guardian.policies.list and set', async () => {
    assert.deepEqual(await management.guardian.policies.list(), [])
    assert.deepEqual(await management.guardian.policies.set(['all-applications']), ['all-applications'])
    assert.deepEqual(await management.guardian.policies.list(), ['all-applications'])
    await assert.rejects(management.guardian.policies.set(['confidence-score']), (err: unknown) => err instanceof ManagementError && err.statusCode === 400)
    assert.deepEqual(await management.guardian.policies.set([]), [])
    assert.equal(await server.store.settings.get(MFA_POLICY_SETTING), 'never')
  })
})
