/**
 * Auth0's bulk-import file planned entry by entry: user_id prefixed by the connection's strategy and
 * never doubled, Auth0's profile and app_metadata rules with errors naming the file's property,
 * duplicates within one file, TOTP factors kept and phone factors left out with a warning, upstream
 * identities, and the file-level refusals (not JSON, not an array, empty).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type ImportConnection, parseUserImportText, planUserImport, type UserImportEntry, type UserImportPlan } from '../src/index.js'

const DATABASE: ImportConnection = { id: 'con_database00000000', name: 'Username-Password-Authentication', strategy: 'auth0' }
const GITHUB: ImportConnection = { id: 'con_github0000000000', name: 'github', strategy: 'github' }
const OKTA: ImportConnection = { id: 'con_okta000000000000', name: 'acme-okta', strategy: 'oidc' }
const BCRYPT = '$2b$10$C9hB01.YxRSTcn/ZOOo4j.TW7xCKKFKBSF.C7E0xiUwumqIDqWUXG'
const T0 = 1_800_000_000_000

function plan(users: unknown, connection: ImportConnection = DATABASE): readonly UserImportEntry[] {
  const result = planUserImport(users, { connection, connections: [DATABASE, GITHUB, OKTA], now: T0 })
  assert.ok(result.ok, 'the file is usable')
  return result.entries
}

function planned(entry: Record<string, unknown>, connection: ImportConnection = DATABASE): UserImportPlan {
  const [result] = plan([entry], connection)
  assert.ok(result?.ok, `planned: ${JSON.stringify(result)}`)
  return result
}

/** An entry's errors as "path CODE" strings. */
function errorsOf(entry: Record<string, unknown>, connection: ImportConnection = DATABASE): string[] {
  const [result] = plan([entry], connection)
  assert.equal(result?.ok, false, 'refused')
  return result && !result.ok ? result.errors.map((e) => `${e.path} ${e.code}`) : []
}

describe('user import: user_id and connections', () => {
  it('prepends auth0| for the database connection and never doubles it', () => {
    assert.equal(planned({ email: 'a@example.com', user_id: '5f3c9a' }).user.id, 'auth0|5f3c9a')
    assert.equal(planned({ email: 'a@example.com', user_id: 'auth0|5f3c9a' }).user.id, 'auth0|5f3c9a')
  })

  it('gives an entry without user_id a new id in Auth0\'s shape', () => {
    const p = planned({ email: 'a@example.com' })
    assert.match(p.user.id, /^auth0\|[0-9a-f]{24}$/)
    assert.equal(p.idGiven, false)
  })

  it('prefixes upstream users as their logins do (github|id, oidc|connection|sub) and creates the identity the next login finds', () => {
    const gh = planned({ user_id: '583231', email: 'octo@example.com' }, GITHUB)
    assert.equal(gh.user.id, 'github|583231')
    assert.equal(gh.user.connection, 'github')
    assert.deepEqual(gh.identities, [{ connectionId: GITHUB.id, provider: 'github', providerUserId: '583231', isSocial: true, profileData: {} }])
    assert.equal(planned({ user_id: 'github|583231' }, GITHUB).user.id, 'github|583231')
    const okta = planned({ user_id: '00u1abcd' }, OKTA)
    assert.equal(okta.user.id, 'oidc|acme-okta|00u1abcd')
    assert.equal(okta.user.email, '', 'an upstream user may have no email')
    // The identity's id is Auth0's (and the upstream login's): the user id without its strategy.
    assert.deepEqual(okta.identities.map((i) => [i.providerUserId, i.isSocial]), [['acme-okta|00u1abcd', false]])
  })

  it('takes an upstream user\'s identity (and its id) from identities, and links identities of other connections Latchkey has', () => {
    const p = planned({ identities: [{ provider: 'oidc', connection: 'acme-okta', user_id: 'acme-okta|00u9', profileData: { groups: ['admins'] } }, { provider: 'github', connection: 'github', user_id: '42' }] }, OKTA)
    assert.equal(p.user.id, 'oidc|acme-okta|00u9')
    assert.deepEqual(p.identities.map((i) => [i.connectionId, i.providerUserId, i.profileData]), [[OKTA.id, 'acme-okta|00u9', { groups: ['admins'] }], [GITHUB.id, '42', {}]])
    // An identity id without the connection's name gets it, once.
    assert.equal(planned({ identities: [{ provider: 'oidc', connection: 'acme-okta', user_id: '00u9' }] }, OKTA).identities[0]?.providerUserId, 'acme-okta|00u9')
  })

  it('skips a database user\'s own auth0 identity, warns about connections Latchkey does not have, refuses a strategy mismatch', () => {
    const p = planned({ email: 'a@example.com', identities: [{ provider: 'auth0', user_id: 'x', connection: 'Username-Password-Authentication' }, { provider: 'samlp', connection: 'corp-saml', user_id: 'u1' }] })
    assert.deepEqual(p.identities, [])
    assert.deepEqual(p.warnings.map((w) => `${w.path} ${w.code}`), ['identities[1] NOT_IMPORTED'])
    assert.deepEqual(errorsOf({ email: 'a@example.com', identities: [{ provider: 'oidc', connection: 'github', user_id: '1' }] }), ['identities[0].provider INVALID_FORMAT'])
  })

  it('refuses an upstream user with neither user_id nor an identity of that connection, and any password for one', () => {
    assert.deepEqual(errorsOf({ email: 'a@example.com' }, OKTA), ['user_id INVALID_FORMAT'])
    assert.deepEqual(errorsOf({ user_id: '1', password_hash: BCRYPT }, GITHUB), ['password_hash INVALID_FORMAT'])
  })
})

describe('user import: profile fields', () => {
  it('keeps the profile, metadata and password hash, the email normalised; an upsert changes only what the entry gave', () => {
    const p = planned({
      email: ' Ada@Example.COM ',
      email_verified: true,
      user_id: 'ada',
      given_name: 'Ada',
      family_name: 'Lovelace',
      name: 'Ada Lovelace',
      nickname: 'ada',
      picture: 'https://img.example/ada.png',
      blocked: false,
      user_metadata: { theme: 'dark' },
      app_metadata: { plan: 'gold' },
      password_hash: BCRYPT,
    })
    assert.deepEqual(p.user, {
      id: 'auth0|ada',
      email: 'ada@example.com',
      emailVerified: true,
      name: 'Ada Lovelace',
      givenName: 'Ada',
      familyName: 'Lovelace',
      nickname: 'ada',
      picture: 'https://img.example/ada.png',
      userMetadata: { theme: 'dark' },
      appMetadata: { plan: 'gold' },
      passwordHash: BCRYPT,
      connection: 'Username-Password-Authentication',
      blocked: false,
      lastLoginAt: null,
      loginsCount: 0,
      createdAt: T0,
      updatedAt: T0,
    })
    assert.deepEqual(planned({ email: 'a@example.com', nickname: 'n' }).changes, { nickname: 'n' })
  })

  it('names the file\'s property in each error, in Auth0\'s shape', () => {
    const [result] = plan([{ email: 'nope', given_name: 'x'.repeat(151), picture: 'not a url', email_verified: 'yes' }])
    assert.ok(result && !result.ok)
    assert.deepEqual(result.errors.map((e) => e.path).sort(), ['email', 'email_verified', 'given_name', 'picture'])
    assert.ok(result.errors.every((e) => e.code === 'INVALID_FORMAT' && e.message.startsWith(`Error in ${e.path} property - `)))
    assert.deepEqual(result.user, { email: 'nope' })
  })

  it('requires an email for the database connection', () => {
    assert.deepEqual(errorsOf({ user_id: 'x' }), ['email INVALID_FORMAT'])
  })

  it('refuses Auth0\'s reserved app_metadata keys, unknown properties, and both hash fields at once', () => {
    assert.deepEqual(errorsOf({ email: 'a@example.com', app_metadata: { plan: 'x', clientID: 'y', loginsCount: 3 } }), ['app_metadata.clientID INVALID_FORMAT', 'app_metadata.loginsCount INVALID_FORMAT'])
    assert.deepEqual(errorsOf({ email: 'a@example.com', favourite_colour: 'teal' }), ['favourite_colour INVALID_FORMAT'])
    assert.deepEqual(errorsOf({ email: 'a@example.com', password_hash: BCRYPT, custom_password_hash: { algorithm: 'bcrypt', hash: { value: BCRYPT } } }), ['custom_password_hash INVALID_FORMAT'])
    assert.deepEqual(errorsOf({ email: 'a@example.com', password_hash: 'plain text' }), ['password_hash INVALID_FORMAT'])
  })

  it('accepts username and phone fields without keeping them, with a warning', () => {
    const p = planned({ email: 'a@example.com', username: 'ada', phone_number: '+15555550100' })
    assert.deepEqual(p.warnings.map((w) => `${w.path} ${w.code}`), ['username NOT_IMPORTED', 'phone_number NOT_IMPORTED'])
  })

  it('keeps TOTP secrets (normalised, once each), leaves phone and email factors out with a warning, refuses malformed factors', () => {
    const p = planned({ email: 'a@example.com', mfa_factors: [{ totp: { secret: 'jbsw y3dp ehpk 3pxp' } }, { totp: { secret: 'JBSWY3DPEHPK3PXP' } }, { phone: { value: '+15555550100' } }, { email: { value: 'a@example.com' } }] })
    assert.deepEqual(p.totpSecrets, ['JBSWY3DPEHPK3PXP'])
    assert.deepEqual(p.warnings.map((w) => w.path), ['mfa_factors[2]', 'mfa_factors[3]'])
    assert.deepEqual(errorsOf({ email: 'a@example.com', mfa_factors: [{ totp: { secret: 'short' } }, { sms: {} }, 'totp'] }), [
      'mfa_factors[0].totp.secret INVALID_FORMAT',
      'mfa_factors[1] INVALID_FORMAT',
      'mfa_factors[2] INVALID_FORMAT',
    ])
  })
})

describe('user import: the file', () => {
  it('refuses a later entry with the same user_id, email (any case) or upstream account as DUPLICATED_USER', () => {
    const entries = plan([
      { email: 'a@example.com', user_id: '1' },
      { email: 'b@example.com', user_id: 'auth0|1' },
      { email: 'A@EXAMPLE.com', user_id: '2' },
      { email: 'c@example.com', user_id: '3' },
    ])
    assert.deepEqual(entries.map((e) => (e.ok ? 'ok' : e.errors.map((x) => `${x.code} ${x.path}`).join())), ['ok', 'DUPLICATED_USER user_id', 'DUPLICATED_USER email', 'ok'])
    const upstream = plan([{ user_id: '7' }, { user_id: 'github|7' }], GITHUB)
    assert.equal(upstream[1]?.ok, false)
  })

  it('refuses a file that is not JSON, not an array, or empty, as a whole', () => {
    const text = parseUserImportText('[{"email": ')
    assert.equal(text.ok, false)
    assert.deepEqual(parseUserImportText('\uFEFF[]'), { ok: true, value: [] })
    for (const value of [{ email: 'a@example.com' }, 'users', [], null]) {
      const result = planUserImport(value, { connection: DATABASE, connections: [], now: T0 })
      assert.equal(result.ok, false, JSON.stringify(value))
    }
  })

  it("takes the output of Auth0's users-exports job as it is: one object per line, Auth0's bookkeeping fields ignored", () => {
    const exported = [
      { user_id: 'auth0|5f0c1', email: 'ada@example.com', email_verified: true, name: 'Ada', created_at: '2024-01-02T03:04:05.000Z', updated_at: '2024-06-01T00:00:00.000Z', last_login: '2024-06-01T00:00:00.000Z', last_ip: '203.0.113.7', logins_count: 12, identities: [{ connection: DATABASE.name, user_id: '5f0c1', provider: 'auth0', isSocial: false }] },
      { user_id: 'auth0|5f0c2', email: 'bob@example.com', email_verified: false, blocked: true },
    ]
    const parsed = parseUserImportText(`${exported.map((u) => JSON.stringify(u)).join('\n')}\n`)
    assert.ok(parsed.ok)
    const entries = plan(parsed.value)
    assert.deepEqual(
      entries.map((e) => (e.ok ? [e.user.id, e.user.email, e.user.blocked, e.warnings.length] : e.errors)),
      [
        ['auth0|5f0c1', 'ada@example.com', false, 0],
        ['auth0|5f0c2', 'bob@example.com', true, 0],
      ],
    )
    const broken = parseUserImportText('{"email": "a@example.com"}\n{"email": ')
    assert.deepEqual(broken.ok ? null : broken.error.message.includes('line 2'), true)
  })

  it('refuses an entry that is not an object, and carries on with the others', () => {
    const entries = plan(['a@example.com', { email: 'a@example.com' }])
    assert.deepEqual(entries.map((e) => e.ok), [false, true])
    assert.deepEqual(entries.map((e) => e.index), [0, 1])
  })
})
