/**
 * The admin console's Roles and Organizations pages in a real browser (Debian's Chromium through
 * playwright-core). An administrator creates a role, gives it permissions by ticking an API's scopes
 * and assigns it to a user found by email; creates an organization, adds that user as a member and
 * gives them the role there, invites someone (the link shown once), sees the database connection
 * enabled for it, enables an OpenID Connect connection that adds members at login, turns that off
 * and disables the connection after confirming, revokes the invitation, and deletes the
 * organization and the role after confirming. The built-in administrator role is shown read only.
 * A read-only administrator sees both pages with every change control disabled.
 *
 * Every page visited: no console errors, no serious or critical axe-core violations, nothing wider
 * than 360 px, and a screenshot (its directory printed).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { addUser } from '../packages/server/test/support/harness.js'
import { managementCall, m2m } from '../packages/server/test/support/management.js'
import { managementScopes } from '../packages/server/src/management/system-api.js'
import { audit, type ConsoleRig, forgetErrors, openConsole, startConsoleRig } from './support/admin-console.js'
import { skipWithoutChromium } from './support/chromium.js'

const LETTERS = 'https://letters.example.com/'

describe('the admin console: roles and organizations, in a real browser', { skip: skipWithoutChromium }, () => {
  let rig: ConsoleRig
  let token: string
  let bob: { id: string; email: string }
  let appName: string

  const api = async (method: string, path: string, body?: unknown) => {
    const answer = await managementCall(rig.server, token, method, path, body)
    assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${answer.text}`)
    return answer.json
  }

  before(async () => {
    rig = await startConsoleRig('orgs')
    token = (await m2m(rig.server, managementScopes().map((s) => s.value))).token
    // What the pages pick from: an API with scopes, an app people log in to with organizations, a user.
    await api('POST', 'resource-servers', {
      name: 'Letters',
      identifier: LETTERS,
      scopes: [
        { value: 'read:letters', description: 'Read letters' },
        { value: 'write:letters', description: 'Write letters' },
      ],
    })
    appName = 'Letters SPA'
    await api('POST', 'clients', {
      name: appName,
      app_type: 'spa',
      callbacks: ['http://localhost:4000/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      organization_usage: 'allow',
    })
    bob = await addUser(rig.server.store)
    // A connection an organization may enable (never logged in through here: its issuer is not asked).
    await api('POST', 'connections', {
      name: 'acme-sso',
      strategy: 'oidc',
      options: { type: 'back_channel', issuer: 'https://idp.acme.example/', client_id: 'latchkey', client_secret: 'an-upstream-secret' },
    })
  })
  after(async () => {
    await rig?.close()
  })

  it('creates a role with permissions from an API, assigns it; an organization with a member, their role, an invitation; deletes after confirming', async () => {
    const { server, browser, shots, admin } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email)
    const { page } = watched

    // The list: the built-in roles are there (the rig made two administrators), marked.
    await page.getByRole('link', { name: 'Roles', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Roles' }).waitFor()
    await page.getByRole('link', { name: 'Latchkey Admin' }).waitFor()
    await audit(watched, shots, 'roles')

    // The built-in role: read only, with the explanation; its permissions and users shown.
    await page.getByRole('link', { name: 'Latchkey Admin' }).click()
    await page.getByTestId('built-in').waitFor()
    assert.match((await page.getByTestId('built-in').textContent()) ?? '', /^Built in: manage administrators with latchkey admins\./)
    assert.ok(await page.getByLabel('Name').isDisabled())
    assert.ok(await page.getByRole('button', { name: 'Save changes' }).isDisabled())
    assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0)
    assert.equal(await page.getByRole('button', { name: 'Add permissions' }).count(), 0)
    assert.equal(await page.getByRole('button', { name: /^Remove/ }).count(), 0)
    await page.getByRole('cell', { name: /^create:clients\b/ }).waitFor()
    await page.getByRole('link', { name: admin.email }).waitFor()
    await audit(watched, shots, 'role-built-in')

    // A new role: the form says what is missing, then creates it.
    await page.getByRole('link', { name: '← Roles' }).click()
    await page.getByRole('button', { name: 'Create role' }).click()
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    assert.equal(await page.locator('#role-name-error').textContent(), 'Give the role a name.')
    // The API's own refusal, shown as it comes: the built-in roles' names are reserved.
    await page.getByLabel('Name').fill('latchkey admin')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByRole('alert').getByText(`Payload validation error: The name "Latchkey Admin" is reserved for Latchkey's built-in administrator role.`).waitFor()
    forgetErrors(watched, /\/api\/v2\/roles\b/)
    await page.getByLabel('Name').fill('Letter editor')
    await page.getByLabel('Description').fill('Reads and writes letters')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText('Created Letter editor.').waitFor()
    await page.getByText('This role gives no permissions yet.').waitFor()

    // Permissions: choose the API, tick its scopes.
    await page.getByLabel('API', { exact: true }).selectOption({ label: `Letters (${LETTERS})` })
    await page.getByLabel('read:letters').check()
    await page.getByLabel('write:letters').check()
    await page.getByRole('button', { name: 'Add permissions' }).click()
    await page.getByText('Added read:letters, write:letters.').waitFor()
    await page.getByRole('cell', { name: /^write:letters/ }).waitFor()
    await page.getByText('The role gives every scope of this API already.').waitFor()
    // Removing one asks first; Cancel puts the focus back on the button.
    await page.getByRole('button', { name: 'Remove write:letters' }).click()
    await page.getByText('Remove write:letters from Letter editor? Its users lose it.').waitFor()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Remove write:letters')
    await page.keyboard.press('Enter')
    await page.getByText('Remove write:letters from Letter editor? Its users lose it.').waitFor()
    await page.getByRole('button', { name: 'Yes, remove' }).click()
    await page.getByRole('cell', { name: /^write:letters/ }).waitFor({ state: 'detached' })
    await page.getByRole('cell', { name: /^read:letters/ }).waitFor()

    // Users: find by email, assign.
    await page.getByText('No user has this role.').waitFor()
    await page.getByLabel('Assign the role to a user: their email address').fill('nobody@example.com')
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByText('No user has the email address nobody@example.com.').waitFor()
    await page.getByLabel('Assign the role to a user: their email address').fill(bob.email)
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByRole('button', { name: `Assign ${bob.email}` }).click()
    await page.getByText(`${bob.email} has the role Letter editor.`).waitFor()
    await page.getByRole('link', { name: bob.email }).waitFor()
    await audit(watched, shots, 'role')
    const roleId = new URL(page.url()).pathname.split('/').pop() ?? ''
    assert.match(roleId, /^rol_/)
    assert.deepEqual(
      (await api('GET', `users/${encodeURIComponent(bob.id)}/roles`)).map((r: { name: string }) => r.name),
      ['Letter editor'],
    )
    assert.deepEqual(await api('GET', `roles/${roleId}/permissions`), [
      { resource_server_identifier: LETTERS, permission_name: 'read:letters', resource_server_name: 'Letters', description: 'Read letters' },
    ])

    // Found by name on the list.
    await page.getByRole('link', { name: '← Roles' }).click()
    await page.getByLabel('Find roles by name').fill('editor')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('link', { name: 'Latchkey Admin' }).waitFor({ state: 'detached' })
    await page.getByRole('link', { name: 'Letter editor' }).waitFor()

    // An organization.
    await page.getByRole('link', { name: 'Organizations', exact: true }).click()
    await page.getByRole('heading', { level: 1, name: 'Organizations' }).waitFor()
    await page.getByText('No organizations yet.', { exact: false }).waitFor()
    await audit(watched, shots, 'organizations-empty')
    await page.getByRole('button', { name: 'Create organization' }).click()
    await page.getByLabel('Name', { exact: true }).fill('Acme')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.locator('#org-name-error').waitFor()
    await page.getByLabel('Name', { exact: true }).fill('acme')
    await page.getByLabel('Display name').fill('Acme Inc.')
    await page.getByLabel('Primary color').fill('#0059d6')
    await page.getByLabel('Metadata').fill('tier=gold')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText('Created acme.', { exact: false }).waitFor()
    await page.getByRole('heading', { level: 1, name: 'Acme Inc.' }).waitFor()
    const orgId = (await page.getByTestId('org-id').textContent()) ?? ''
    assert.match(orgId, /^org_/)
    const saved = await api('GET', `organizations/${orgId}`)
    assert.deepEqual([saved.display_name, saved.branding, saved.metadata], ['Acme Inc.', { colors: { primary: '#0059d6' } }, { tier: 'gold' }])

    // A member, found by email, given the role there.
    await page.getByText('No members yet', { exact: false }).waitFor()
    await page.getByLabel('Add a member: their email address').fill(bob.email)
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByRole('button', { name: `Add ${bob.email}` }).click()
    await page.getByText(`${bob.email} is a member of acme.`).waitFor()
    await page.getByLabel(`Role to give ${bob.email}`).selectOption({ label: 'Letter editor' })
    await page.getByRole('button', { name: `Give the role to ${bob.email}` }).click()
    await page.getByRole('button', { name: `Remove role Letter editor from ${bob.email}` }).waitFor()
    assert.deepEqual(
      (await api('GET', `organizations/${orgId}/members/${encodeURIComponent(bob.id)}/roles`)).map((r: { name: string }) => r.name),
      ['Letter editor'],
    )

    // An invitation: its link shown once, then listed.
    await page.getByText('No pending invitations.').waitFor()
    await page.getByRole('button', { name: 'Create invitation' }).click()
    assert.equal(await page.locator('#invite-email-error').textContent(), 'An email address, like jane@example.com.')
    await page.getByLabel("Invitee's email address").fill('carol@example.com')
    await page.getByLabel("Inviter's name").fill('Ada from Acme')
    await page.getByLabel('Application', { exact: true }).selectOption({ label: appName })
    await page.getByLabel('Connection', { exact: true }).selectOption({ label: 'Username-Password-Authentication' })
    await page.getByRole('group', { name: 'Roles the invitee gets on joining' }).getByLabel('Letter editor').check()
    await page.getByRole('button', { name: 'Create invitation' }).click()
    const link = (await page.getByTestId('invitation-url').textContent()) ?? ''
    const url = new URL(link)
    assert.equal(url.origin, 'http://localhost:4000')
    assert.equal(url.searchParams.get('organization'), orgId)
    assert.equal(url.searchParams.get('organization_name'), 'acme')
    assert.match(url.searchParams.get('invitation') ?? '', /^[A-Za-z0-9_-]{16,}$/)
    await page.getByRole('cell', { name: /^carol@example\.com/ }).waitFor()

    // Enabled connections: the database connection (a new organization has it); an OpenID Connect
    // one enabled, adding members at login, then not; disabled after confirming.
    await page.getByRole('cell', { name: 'Username-Password-Authentication', exact: true }).waitFor()
    await page.getByRole('button', { name: 'Enable', exact: true }).click()
    await page.getByText('Choose a connection to enable.').waitFor()
    await page.getByLabel('Connection to enable').selectOption({ label: 'acme-sso (oidc)' })
    await page.getByLabel('Add users to the organization when they log in with it').check()
    await page.getByRole('button', { name: 'Enable', exact: true }).click()
    await page.getByText('acme-sso is enabled for acme.').waitFor()
    const autoJoin = page.getByLabel('Add users to acme when they log in with acme-sso')
    assert.ok(await autoJoin.isChecked())
    await audit(watched, shots, 'organization')
    const sso = (await api('GET', `organizations/${orgId}/enabled_connections`)).find((c: { connection: { name: string } }) => c.connection.name === 'acme-sso')
    assert.deepEqual([sso?.assign_membership_on_login, sso?.connection.strategy], [true, 'oidc'])
    await autoJoin.uncheck()
    await page.getByRole('row', { name: /acme-sso/ }).getByText('No', { exact: true }).waitFor()
    assert.equal((await api('GET', `organizations/${orgId}/enabled_connections/${sso.connection_id}`)).assign_membership_on_login, false)
    await page.getByRole('button', { name: 'Disable acme-sso' }).click()
    await page.getByText('Disable acme-sso for acme?', { exact: false }).waitFor()
    await page.getByRole('button', { name: 'Yes, disable' }).click()
    await page.getByRole('button', { name: 'Disable acme-sso' }).waitFor({ state: 'detached' })
    assert.deepEqual((await api('GET', `organizations/${orgId}/enabled_connections`)).map((c: { connection: { name: string } }) => c.connection.name), ['Username-Password-Authentication'])

    // Revoking the invitation and taking the role ask first.
    await page.getByRole('button', { name: 'Revoke the invitation of carol@example.com' }).click()
    await page.getByRole('button', { name: 'Yes, revoke' }).click()
    await page.getByText('No pending invitations.').waitFor()
    assert.deepEqual(await api('GET', `organizations/${orgId}/invitations`), [])
    await page.getByRole('button', { name: `Remove role Letter editor from ${bob.email}` }).click()
    await page.getByRole('button', { name: 'Yes, take it' }).click()
    await page.getByRole('button', { name: `Remove role Letter editor from ${bob.email}` }).waitFor({ state: 'detached' })

    // Found by its exact name on the list; an unknown name says so.
    await page.getByRole('link', { name: '← Organizations' }).click()
    await page.getByLabel('Find an organization by its exact name').fill('nope')
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByText('No organization is named “nope”.').waitFor()
    // Chromium logs the 404 that says so.
    forgetErrors(watched, /\/api\/v2\/organizations\/name\/nope\b/)
    await page.getByLabel('Find an organization by its exact name').fill('acme')
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByRole('link', { name: 'acme' }).waitFor()
    await audit(watched, shots, 'organizations')

    // Deleted after confirming: the organization, then the role.
    await page.getByRole('link', { name: 'acme' }).click()
    await page.getByRole('button', { name: 'Delete' }).click()
    await page.getByText('Delete the organization acme', { exact: false }).waitFor()
    await page.getByRole('button', { name: 'Yes, delete' }).click()
    await page.getByRole('heading', { level: 1, name: 'Organizations' }).waitFor()
    await page.getByText('No organizations yet.', { exact: false }).waitFor()
    assert.equal((await managementCall(server, token, 'GET', `organizations/${orgId}`)).status, 404)
    await page.getByRole('link', { name: 'Roles', exact: true }).click()
    await page.getByRole('link', { name: 'Letter editor' }).click()
    await page.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('button', { name: 'Yes, delete' }).click()
    await page.getByRole('heading', { level: 1, name: 'Roles' }).waitFor()
    await page.getByRole('link', { name: 'Latchkey Admin' }).waitFor()
    assert.equal(await page.getByRole('link', { name: 'Letter editor' }).count(), 0)
    assert.equal((await managementCall(server, token, 'GET', `roles/${roleId}`)).status, 404)
    assert.deepEqual(watched.errors, [])
    await context.close()
  })

  it('shows a read-only administrator roles and organizations with every change control disabled', async () => {
    const { server, browser, shots, readOnly } = rig
    const role = await api('POST', 'roles', { name: 'Reviewer', description: 'Reviews letters' })
    await api('POST', `roles/${role.id}/permissions`, { permissions: [{ resource_server_identifier: LETTERS, permission_name: 'read:letters' }] })
    await api('POST', `roles/${role.id}/users`, { users: [bob.id] })
    const org = await api('POST', 'organizations', { name: 'globex', display_name: 'Globex' })
    await api('POST', `organizations/${org.id}/members`, { members: [bob.id] })
    await api('POST', `organizations/${org.id}/members/${encodeURIComponent(bob.id)}/roles`, { roles: [role.id] })

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, readOnly.email, 'roles')
    const { page } = watched
    assert.ok(await page.getByRole('button', { name: 'Create role' }).isDisabled())
    await page.getByRole('link', { name: 'Reviewer' }).click()
    await page.getByRole('cell', { name: /^read:letters/ }).waitFor()
    await page.getByRole('link', { name: bob.email }).waitFor()
    for (const control of [
      page.getByLabel('Name'),
      page.getByRole('button', { name: 'Save changes' }),
      page.getByRole('button', { name: 'Delete' }),
      page.getByRole('button', { name: 'Remove read:letters' }),
      page.getByRole('button', { name: `Remove ${bob.email}` }),
      page.getByLabel('API', { exact: true }),
      page.getByRole('button', { name: 'Add permissions' }),
      page.getByRole('button', { name: 'Find' }),
    ])
      assert.ok(await control.isDisabled())
    await audit(watched, shots, 'role-read-only')

    await page.getByRole('link', { name: 'Organizations', exact: true }).click()
    assert.ok(await page.getByRole('button', { name: 'Create organization' }).isDisabled())
    await page.getByRole('link', { name: 'globex' }).click()
    await page.getByRole('heading', { level: 1, name: 'Globex' }).waitFor()
    await page.getByRole('button', { name: `Remove role Reviewer from ${bob.email}` }).waitFor()
    for (const control of [
      page.getByLabel('Name', { exact: true }),
      page.getByRole('button', { name: 'Save changes' }),
      page.getByRole('button', { name: 'Delete' }),
      page.getByRole('button', { name: `Remove ${bob.email}` }),
      page.getByRole('button', { name: `Remove role Reviewer from ${bob.email}` }),
      page.getByRole('button', { name: 'Find' }),
      page.getByRole('button', { name: 'Create invitation' }),
      page.getByLabel("Invitee's email address"),
      page.getByLabel('Add users to globex when they log in with Username-Password-Authentication'),
      page.getByRole('button', { name: 'Disable Username-Password-Authentication' }),
      page.getByLabel('Connection to enable'),
      page.getByRole('button', { name: 'Enable', exact: true }),
    ])
      assert.ok(await control.isDisabled())
    await audit(watched, shots, 'organization-read-only')
    await context.close()
  })
})
