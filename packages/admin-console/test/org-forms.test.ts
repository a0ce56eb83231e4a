/**
 * The Roles and Organizations pages' forms as Management API bodies: names, branding, metadata
 * (removed keys sent as null on an edit, as Auth0's PATCH reads them) and invitations, with what is
 * wrong said before anything is sent.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { invitationBody, metadataOf, newInvitationForm, newOrganizationForm, organizationBody, organizationFormOf, roleBody } from '../src/org-forms.js'

describe('a role form', () => {
  it('becomes POST /roles: trimmed name and description; a name is required, a description at most 140 characters', () => {
    assert.deepEqual(roleBody({ name: ' editor ', description: ' Edits letters ' }), { body: { name: 'editor', description: 'Edits letters' } })
    assert.deepEqual(roleBody({ name: ' ', description: 'd'.repeat(141) }), { errors: { name: 'Give the role a name.', description: 'At most 140 characters.' } })
  })
})

describe('an organization form', () => {
  it("becomes POST /organizations: only what was filled in, branding as Auth0's object, metadata from key=value lines", () => {
    const form = { ...newOrganizationForm(), name: 'acme', display_name: ' Acme Inc. ', primary: '#0059d6', metadata: 'tier = gold\n\nregion=eu' }
    assert.deepEqual(organizationBody(form), {
      body: { name: 'acme', display_name: 'Acme Inc.', branding: { colors: { primary: '#0059d6' } }, metadata: { tier: 'gold', region: 'eu' } },
    })
    assert.deepEqual(organizationBody({ ...newOrganizationForm(), name: 'bare' }), { body: { name: 'bare' } })
  })

  it('as PATCH: clears a blank display name, removes the branding (null) and the metadata keys taken out (null)', () => {
    const current = { name: 'acme', display_name: 'Acme', branding: { logo_url: 'https://acme.example/logo.png' }, metadata: { tier: 'gold', region: 'eu' } }
    const form = organizationFormOf(current)
    assert.equal(form.logo_url, 'https://acme.example/logo.png')
    assert.equal(form.metadata, 'tier=gold\nregion=eu')
    assert.deepEqual(organizationBody({ ...form, display_name: '', logo_url: '', metadata: 'tier=platinum' }, current), {
      body: { name: 'acme', display_name: '', branding: null, metadata: { tier: 'platinum', region: null } },
    })
    assert.deepEqual(organizationBody(form, current), {
      body: { name: 'acme', display_name: 'Acme', branding: { logo_url: 'https://acme.example/logo.png' }, metadata: { tier: 'gold', region: 'eu' } },
    })
  })

  it('says what is wrong: the name rule, an http logo, colors that are not #rrggbb, a metadata line without =', () => {
    const mapped = organizationBody({ name: 'Acme!', display_name: '', logo_url: 'http://acme.example/logo.png', primary: 'blue', page_background: '#12345', metadata: 'just text' })
    assert.ok('errors' in mapped)
    assert.deepEqual(Object.keys(mapped.errors).sort(), ['logo_url', 'metadata', 'name', 'page_background', 'primary'])
    assert.equal(mapped.errors.metadata, 'One key=value a line: just text')
    for (const name of ['ab', '-acme', 'acme-', 'a'.repeat(51)]) assert.ok('errors' in organizationBody({ ...newOrganizationForm(), name }), name)
    assert.ok('body' in organizationBody({ ...newOrganizationForm(), name: 'a_1-b' }))
    assert.deepEqual(metadataOf('a=1=2'), { metadata: { a: '1=2' } })
    assert.deepEqual(metadataOf(Array.from({ length: 26 }, (_, i) => `k${i}=v`).join('\n')), { error: 'At most 25 keys.' })
  })
})

describe('an invitation form', () => {
  it('becomes POST /organizations/{id}/invitations: the lifetime in seconds, roles and connection only when chosen, the email only when asked', () => {
    const form = { ...newInvitationForm('Ada'), email: ' bob@example.com ', client_id: 'app1', roles: ['rol_1'], ttl_days: '3' }
    assert.deepEqual(invitationBody(form), {
      body: { inviter: { name: 'Ada' }, invitee: { email: 'bob@example.com' }, client_id: 'app1', send_invitation_email: false, roles: ['rol_1'], ttl_sec: 259200 },
    })
    assert.deepEqual(invitationBody({ ...form, roles: [], ttl_days: '', connection_id: 'con_1', send_email: true }), {
      body: { inviter: { name: 'Ada' }, invitee: { email: 'bob@example.com' }, client_id: 'app1', send_invitation_email: true, connection_id: 'con_1' },
    })
  })

  it('says what is missing or wrong before sending', () => {
    assert.deepEqual(invitationBody({ ...newInvitationForm(), ttl_days: '31' }), {
      errors: {
        inviter: 'Who invites, as the invitee will read it.',
        email: 'An email address, like jane@example.com.',
        client_id: 'Choose the application the invitation opens.',
        ttl_days: 'A whole number of days, from 1 to 30.',
      },
    })
  })
})
