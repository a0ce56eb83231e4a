import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeJwt, generateKeyPair } from 'jose'
import { resolveOrganization } from '../src/authorize/organization.js'
import { nextStep, type NextStepInput } from '../src/authorize/next-step.js'
import { sha256 } from '../src/opaque.js'
import type { InvitationRecord, OrganizationRecord, UserRecord } from '../src/records.js'
import { createApplication, RegistrationError, updateApplication } from '../src/registration/applications.js'
import {
  createInvitation,
  createOrganization,
  DEFAULT_INVITATION_TTL_SECONDS,
  invitationUrl,
  isOrganizationId,
  updateOrganization,
} from '../src/registration/organizations.js'
import { createUser } from '../src/registration/users.js'
import { mintAccessToken } from '../src/tokens/access-token.js'
import { mintIdToken } from '../src/tokens/id-token.js'

const NOW = 1_700_000_000_000
const spa = (input: Record<string, unknown> = {}) =>
  createApplication({ name: 'spa', type: 'spa', callbacks: ['https://app.example.com/callback'], organizationUsage: 'allow', ...input }, NOW).record

describe('organizations: registration', () => {
  it('creates an organization with an org_ id of 16 letters or digits, the name as given, and the optional parts', () => {
    const org = createOrganization({ name: 'acme-corp_2', displayName: ' Acme ', branding: { logoUrl: 'https://img.example/a.png', primaryColor: '#0059D6' }, metadata: { tier: 'gold' } }, NOW)
    assert.match(org.id, /^org_[A-Za-z0-9]{16}$/)
    assert.equal(isOrganizationId(org.id), true)
    assert.deepEqual(
      { ...org, id: 'x' },
      { id: 'x', name: 'acme-corp_2', displayName: 'Acme', branding: { logoUrl: 'https://img.example/a.png', primaryColor: '#0059D6' }, metadata: { tier: 'gold' }, createdAt: NOW, updatedAt: NOW },
    )
    assert.notEqual(createOrganization({ name: 'acme' }, NOW).id, createOrganization({ name: 'acme' }, NOW).id)
  })

  it('refuses names that are not 3–50 lower-case letters, digits, - or _, or that look like an id', () => {
    for (const name of ['ab', 'a'.repeat(51), 'Acme', 'acme corp', '-acme', 'acme_', 'acmé', 'org_acme', ''])
      assert.throws(() => createOrganization({ name }, NOW), RegistrationError, name)
    for (const name of ['abc', 'a'.repeat(50), 'a-b_c', '3m8']) assert.equal(createOrganization({ name }, NOW).name, name)
  })

  it('checks branding (https logo, #rrggbb colors) and metadata (at most 25 keys of 255 characters)', () => {
    assert.throws(() => createOrganization({ name: 'acme', branding: { logoUrl: 'http://img.example/a.png' } }, NOW), /logo URL must be an https URL/)
    assert.throws(() => createOrganization({ name: 'acme', branding: { primaryColor: 'blue' } }, NOW), /primary color/)
    const tooMany = Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`k${i}`, 'v']))
    assert.throws(() => createOrganization({ name: 'acme', metadata: tooMany }, NOW), /at most 25 keys/)
    assert.throws(() => createOrganization({ name: 'acme', metadata: { k: 'v'.repeat(256) } }, NOW), /255/)
  })

  it('updates only what is given: a null metadata value removes the key, an empty display name or branding field clears it', () => {
    const org = createOrganization({ name: 'acme', displayName: 'Acme', branding: { logoUrl: 'https://img.example/a.png' }, metadata: { a: '1', b: '2' } }, NOW)
    const updated = updateOrganization(org, { displayName: '', metadata: { a: null, c: '3' }, branding: { logoUrl: '' } }, NOW + 1)
    assert.deepEqual(updated, { ...org, displayName: null, metadata: { b: '2', c: '3' }, branding: null, updatedAt: NOW + 1 })
    assert.equal(updateOrganization(org, { name: 'renamed' }, NOW).name, 'renamed')
    assert.throws(() => updateOrganization(org, { name: 'Renamed' }, NOW), RegistrationError)
  })
})

describe('organizations: application settings', () => {
  it('apps do not use organizations by default; usage, behavior and login URI are validated', () => {
    const plain = createApplication({ name: 'x', type: 'spa', callbacks: ['https://app.example.com/cb'] }, NOW).record
    assert.deepEqual([plain.organizationUsage, plain.organizationRequireBehavior, plain.initiateLoginUri], ['deny', 'no_prompt', null])
    const org = updateApplication(plain, { organizationUsage: 'REQUIRE', organizationRequireBehavior: 'pre_login_prompt', initiateLoginUri: 'https://app.example.com/login' }, NOW)
    assert.deepEqual([org.organizationUsage, org.organizationRequireBehavior, org.initiateLoginUri], ['require', 'pre_login_prompt', 'https://app.example.com/login'])
    assert.equal(updateApplication(org, { initiateLoginUri: '' }, NOW).initiateLoginUri, null)
    assert.throws(() => updateApplication(plain, { organizationUsage: 'sometimes' }, NOW), /organizationUsage: expected one of deny, allow, require/)
    assert.throws(() => updateApplication(plain, { organizationRequireBehavior: 'post_login_prompt' }, NOW), /post_login_prompt is not supported/)
    assert.throws(() => updateApplication(plain, { initiateLoginUri: 'http://app.example.com/login' }, NOW), /must use https/)
    assert.equal(updateApplication(plain, { initiateLoginUri: 'http://localhost:3000/login' }, NOW).initiateLoginUri, 'http://localhost:3000/login')
    assert.throws(
      () => createApplication({ name: 'm2m', type: 'm2m', organizationUsage: 'allow' }, NOW),
      /only applications people log in to/,
    )
  })
})

describe('organizations: invitations', () => {
  const org = createOrganization({ name: 'acme' }, NOW)

  it('creates an invitation: uinv_ id, lower-cased email, roles, 7 days by default, only the ticket\'s hash kept, and the link', () => {
    const app = spa()
    const { record, ticket, url } = createInvitation({ email: 'New.Person@Example.com', clientId: app.clientId, inviterName: 'Ada', roles: ['editor', ' editor ', 'viewer'] }, org, app, NOW)
    assert.match(record.id, /^uinv_[A-Za-z0-9]{16}$/)
    assert.equal(record.inviteeEmail, 'new.person@example.com')
    assert.deepEqual(record.roles, ['editor', 'viewer'])
    assert.equal(record.expiresAt, NOW + DEFAULT_INVITATION_TTL_SECONDS * 1000)
    assert.equal(record.ticketHash, sha256(ticket))
    assert.equal(JSON.stringify(record).includes(ticket), false)
    assert.equal(url, `https://app.example.com/?invitation=${ticket}&organization=${org.id}&organization_name=acme`)
  })

  it('links to the app\'s initiate_login_uri, keeping its query, when it has one', () => {
    const app = spa({ initiateLoginUri: 'https://app.example.com/login?from=invite' })
    assert.equal(invitationUrl(app, org, 'T'), `https://app.example.com/login?from=invite&invitation=T&organization=${org.id}&organization_name=acme`)
  })

  it('refuses apps without a usable login URI or that do not use organizations, and ttls over 30 days', () => {
    const native = createApplication({ name: 'n', type: 'native', callbacks: ['com.example.app:/cb'], organizationUsage: 'allow' }, NOW).record
    assert.throws(() => createInvitation({ email: 'a@example.com', clientId: native.clientId, inviterName: 'Ada' }, org, native, NOW), /has no login URI for invitation links/)
    const deny = spa({ organizationUsage: 'deny' })
    assert.throws(() => createInvitation({ email: 'a@example.com', clientId: deny.clientId, inviterName: 'Ada' }, org, deny, NOW), /does not use organizations/)
    const app = spa()
    assert.throws(() => createInvitation({ email: 'a@example.com', clientId: app.clientId, inviterName: 'Ada', ttlSeconds: 30 * 86_400 + 1 }, org, app, NOW), /at most 2592000 seconds/)
    assert.throws(() => createInvitation({ email: 'not an email', clientId: app.clientId, inviterName: 'Ada' }, org, app, NOW), /valid address/)
    assert.throws(() => createInvitation({ email: 'a@example.com', clientId: app.clientId, inviterName: 'Ada', roles: ['a,b'] }, org, app, NOW), /no commas/)
  })
})

describe('organizations: /authorize', () => {
  const org: OrganizationRecord = createOrganization({ name: 'acme' }, NOW)
  const app = spa()
  const lookups = (invitation: InvitationRecord | null = null) => ({
    organizations: {
      get: async (id: string) => (id === org.id ? org : null),
      findByName: async (name: string) => (name === org.name ? org : null),
      isMember: async () => false,
      connectionEnabled: async () => true,
    },
    invitations: { get: async () => invitation, findByTicketHash: async (hash: string) => (invitation?.ticketHash === hash ? invitation : null) },
  })

  it('resolves the organization by id or case-insensitive name; unknown ones are invalid_request "no organization found"', async () => {
    for (const value of [org.id, 'acme', 'ACME']) {
      const r = await resolveOrganization(app, value, undefined, lookups(), NOW)
      assert.equal(r.kind === 'ok' && r.organization?.id, org.id, value)
    }
    for (const value of ['org_missing', 'other', '<x>']) {
      const r = await resolveOrganization(app, value, undefined, lookups(), NOW)
      assert.equal(r.kind === 'redirect-error' && r.error.description, 'no organization found', value)
    }
  })

  it('follows the app\'s usage: deny refuses an organization, require (no_prompt) refuses its absence', async () => {
    const deny = await resolveOrganization(spa({ organizationUsage: 'deny' }), org.id, undefined, lookups(), NOW)
    assert.equal(deny.kind === 'redirect-error' && deny.error.description, 'client is not configured to use organizations')
    const require = await resolveOrganization(spa({ organizationUsage: 'require' }), undefined, undefined, lookups(), NOW)
    assert.equal(require.kind === 'redirect-error' && require.error.description, 'parameter organization is required for this client')
    const prompt = await resolveOrganization(spa({ organizationUsage: 'require', organizationRequireBehavior: 'pre_login_prompt' }), undefined, undefined, lookups(), NOW)
    assert.deepEqual(prompt, { kind: 'ok', organization: null, invitation: null })
  })

  it('checks an invitation ticket: a page (never a redirect) when unknown, foreign, used or expired', async () => {
    const { record, ticket } = createInvitation({ email: 'a@example.com', clientId: app.clientId, inviterName: 'Ada' }, org, app, NOW)
    const ok = await resolveOrganization(app, org.id, ticket, lookups(record), NOW)
    assert.equal(ok.kind === 'ok' && ok.invitation?.id, record.id)
    const cases: [string, InvitationRecord, string, RegExp][] = [
      ['unknown', record, 'x'.repeat(32), /not valid/],
      ['another app', { ...record, clientId: 'other' }, ticket, /not valid/],
      ['another organization', { ...record, orgId: 'org_other' }, ticket, /not valid/],
      ['used', { ...record, consumedAt: NOW }, ticket, /already been accepted/],
      ['expired', { ...record, expiresAt: NOW }, ticket, /expired\. Ask Ada/],
    ]
    for (const [name, inv, t, message] of cases) {
      const r = await resolveOrganization(app, org.id, t, lookups(inv), NOW)
      assert.equal(r.kind, 'page', name)
      assert.match(r.kind === 'page' ? r.error.description : '', message, name)
    }
  })

  const user: UserRecord = createUser({ email: 'm@example.com' }, 'hash', NOW)
  const input = (overrides: Partial<NextStepInput> & { organization?: string | null; invitation?: string | null }): NextStepInput => {
    const { organization = org.id, invitation = null, ...rest } = overrides
    return {
      request: {
        clientId: app.clientId, redirectUri: app.callbacks[0] as string, redirectUriProvided: true, responseMode: 'query', scope: ['openid'], audience: null, state: null, nonce: null,
        codeChallenge: null, codeChallengeMethod: null, prompt: [], maxAge: null, loginHint: null, screenHint: null, organization, invitation,
      },
      app,
      api: null,
      session: { record: { idHash: 'h', sid: 's', userId: user.id, authTime: NOW, createdAt: NOW, idleExpiresAt: NOW + 1e9, expiresAt: NOW + 1e9, endedAt: null, upstream: null }, user },
      consent: null,
      authenticatedNow: false,
      consentedNow: false,
      isMember: false,
      now: NOW,
      ...rest,
    }
  }

  it('nextStep: a member\'s session passes; a non-member\'s session must log in, and a non-member who just logged in is refused', () => {
    assert.equal(nextStep(input({ isMember: true })), 'issue')
    assert.equal(nextStep(input({ isMember: false })), 'login')
    assert.throws(() => nextStep(input({ isMember: false, request: { ...input({}).request, prompt: ['none'] } })), { error: 'login_required' })
    assert.throws(() => nextStep(input({ isMember: false, authenticatedNow: true })), { error: 'access_denied', message: `user ${user.id} is not part of the ${org.id} organization` })
  })

  it('nextStep: an invitation always takes a login in the interaction itself; a required organization not given is asked for', () => {
    assert.equal(nextStep(input({ isMember: true, invitation: 'uinv_x' })), 'login')
    assert.equal(nextStep(input({ isMember: true, invitation: 'uinv_x', authenticatedNow: true })), 'issue')
    const requires = spa({ organizationUsage: 'require', organizationRequireBehavior: 'pre_login_prompt' })
    assert.equal(nextStep({ ...input({ organization: null }), app: requires }), 'organization')
  })
})

describe('organizations: tokens', () => {
  it('puts org_id and org_name (lower-cased) in the ID token and the access token', async () => {
    const { privateKey } = await generateKeyPair('RS256')
    const ctx = { issuer: 'https://issuer.example/', now: NOW, signingKey: { kid: 'k', alg: 'RS256' as const, key: privateKey } }
    const organization = { ...createOrganization({ name: 'acme' }, NOW), name: 'Acme' }
    const user = createUser({ email: 'm@example.com' }, 'hash', NOW)
    const id = decodeJwt(await mintIdToken(ctx, { user, clientId: 'c', scope: ['openid'], authTime: NOW, nonce: null, sid: null, organization }))
    const at = decodeJwt(await mintAccessToken(ctx, { subject: user.id, clientId: 'c', audience: null, scope: ['openid'], lifetimeSeconds: 60, authTime: NOW, organization }))
    for (const c of [id, at]) assert.deepEqual([c.org_id, c.org_name], [organization.id, 'acme'])
    const plain = decodeJwt(await mintIdToken(ctx, { user, clientId: 'c', scope: ['openid'], authTime: NOW, nonce: null, sid: null }))
    assert.equal('org_id' in plain, false)
  })
})
