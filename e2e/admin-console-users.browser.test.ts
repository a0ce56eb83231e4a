/**
 * The admin console's Users pages in a real browser, with 100,000 users in the database: the list
 * shows the total and pages through them (first, next, last), the server-side search finds users by
 * a name prefix, an email address and a user id; a user's page gives and removes roles and
 * permissions, deletes an MFA factor (after a confirmation), sends the verification email and a password reset email (caught by
 * a real SMTP server), creates a password reset link and unlinks a linked identity; a read-only
 * administrator sees the same sections with every change control disabled.
 *
 * Every page state: no console errors, no serious axe-core violations, nothing wider than 360 px, a
 * screenshot. Timing is not asserted here (bench/console-users.ts measures it).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createRole } from '@latchkey/core'
import { connection, identity } from '../packages/storage/test/fixtures.js'
import { addApi, addApp, addUser } from '../packages/server/test/support/harness.js'
import { seedUser, seedUsers } from '../packages/server/test/support/seed-users.js'
import { TestSmtpServer } from '../packages/server/test/support/smtp.js'
import { audit, type ConsoleRig, openConsole, startConsoleRig } from './support/admin-console.js'
import { skipWithoutChromium } from './support/chromium.js'

const SEEDED = 100_000

describe('the admin console: users', { skip: skipWithoutChromium }, () => {
  let rig: ConsoleRig
  let smtp: TestSmtpServer
  let since: number

  before(async () => {
    smtp = await TestSmtpServer.start()
    rig = await startConsoleRig('users', { env: { LATCHKEY_SMTP_URL: smtp.url } })
    since = Date.now() - SEEDED - 60_000
    await seedUsers(rig.server.store, SEEDED, { since })
  })
  after(async () => {
    await rig?.close()
    await smtp?.stop()
  })

  it('shows the total of 100,000 users, pages through them, and searches them on the server', async () => {
    const { server, browser, shots, admin } = rig
    const total = await server.store.users.count()
    assert.ok(total > SEEDED)
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email, 'users')
    const { page } = watched
    const pages = Math.ceil(total / 25)
    const status = page.getByTestId('users-total')
    await page.getByText(`${total.toLocaleString('en')} users`).waitFor()
    await page.getByText(`Page 1 of ${pages.toLocaleString('en')}`).waitFor()
    assert.equal(await page.getByRole('row').nth(1).getByRole('link').textContent(), seedUser(0, since).email)
    assert.equal(await page.getByRole('button', { name: 'First' }).isDisabled(), true)
    await audit(watched, shots, 'users-100k')

    await page.getByRole('button', { name: 'Next' }).click()
    await page.getByText(`Page 2 of ${pages.toLocaleString('en')}`).waitFor()
    assert.equal(await page.getByRole('row').nth(1).getByRole('link').textContent(), seedUser(25, since).email)
    await page.getByRole('button', { name: 'Last' }).click()
    await page.getByText(`Page ${pages.toLocaleString('en')} of ${pages.toLocaleString('en')}`).waitFor()
    // The newest users are last: the administrators, made before the seeding but created after the seeded ones.
    await page.getByRole('link', { name: admin.email }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Next' }).isDisabled(), true)
    await audit(watched, shots, 'users-last-page')
    await page.getByRole('button', { name: 'First' }).click()
    await page.getByText(`Page 1 of ${pages.toLocaleString('en')}`).waitFor()

    // A name prefix: "Grace Hopper" is one user in a hundred; "grace hopper 00001" only user 11.
    const search = page.getByLabel('Search by email, name or user id')
    await search.fill('Grace Hopper')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByText('1,000 users match').waitFor()
    assert.equal(await page.getByRole('row').nth(1).getByRole('cell').nth(1).textContent(), seedUser(11, since).name)
    await page.getByText('Page 1 of 40').waitFor()
    await page.getByRole('button', { name: 'Last' }).click()
    await page.getByText('Page 40 of 40').waitFor()
    await audit(watched, shots, 'users-search-many')
    await search.fill('grace hopper 00001')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByText('1 user matches').waitFor()
    assert.equal(await page.getByRole('row').count(), 2)
    assert.equal(await page.getByRole('row').nth(1).getByRole('cell').nth(1).textContent(), seedUser(11, since).name)
    await audit(watched, shots, 'users-search-one')

    // An exact email address and a user id still find their user; a query the API cannot answer says why.
    const target = seedUser(54_321, since)
    for (const text of [target.email, target.id]) {
      await search.fill(text)
      await page.getByRole('button', { name: 'Search' }).click()
      await page.getByText('1 user matches').waitFor()
      await page.getByRole('link', { name: target.email }).waitFor()
    }
    await search.fill('name:jane OR name:john')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('alert').filter({ hasText: 'OR is not supported' }).waitFor()
    watched.errors.splice(0, watched.errors.length, ...watched.errors.filter((e) => !/status of 400/.test(e)))
    await audit(watched, shots, 'users-search-refused')
    await search.fill('nobody-at-all')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByText('No user matches.').waitFor()
    await audit(watched, shots, 'users-search-none')
    await page.getByRole('button', { name: 'Show all' }).click()
    await status.filter({ hasText: `${total.toLocaleString('en')} users` }).waitFor()
    await context.close()
  })

  it("manages a user's roles, permissions, factors, emails and identities", async () => {
    const { server, browser, shots, admin } = rig
    const store = server.store
    const role = createRole({ name: 'Support agent', description: 'Answers tickets' }, Date.now())
    await store.roles.insert(role)
    const api = await addApi(store, { name: 'Tickets API', identifier: 'https://tickets.example.com/', scopes: ['read:tickets', 'close:tickets'] })
    const person = await addUser(store, { emailVerified: false, name: 'Jane Example' })
    const github = connection({ name: 'github', strategy: 'github', displayName: 'GitHub', options: {} })
    await store.connections.insert(github)
    await store.identities.insert(identity({ userId: person.id, connectionId: github.id, provider: 'github', providerUserId: '583231', isSocial: true, profileData: { name: 'Octo Cat' } }))
    const now = Date.now()
    await store.authenticators.insert({
      id: 'totp|dev_consoletest1',
      userId: person.id,
      type: 'totp',
      name: null,
      confirmed: true,
      sealedSecret: 'not-used-here',
      lastUsedStep: null,
      credential: null,
      createdAt: now,
      lastUsedAt: null,
    })

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email, 'users')
    const { page } = watched
    // Found by a name prefix, as an administrator would look for her.
    await page.getByLabel('Search by email, name or user id').fill('jane ex')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.getByRole('link', { name: person.email }).click()
    await page.getByRole('heading', { level: 1, name: person.email }).waitFor()
    await audit(watched, shots, 'user')

    // Roles: assign one from the roles there are, then remove it and assign it again.
    await page.getByRole('main').getByText('Roles', { exact: true }).click()
    await page.getByText('No roles: assign one below.').waitFor()
    await page.getByLabel('Assign a role').selectOption({ label: 'Support agent' })
    await page.getByRole('button', { name: 'Assign' }).click()
    await page.getByText('Assigned the role Support agent.').waitFor()
    await page.getByRole('list', { name: "The user's roles" }).getByText('Support agent').waitFor()
    await page.getByRole('button', { name: 'Remove the role Support agent' }).click()
    await page.getByText('Removed the role Support agent.').waitFor()
    await page.getByLabel('Assign a role').selectOption({ label: 'Support agent' })
    await page.getByRole('button', { name: 'Assign' }).click()
    await page.getByRole('button', { name: 'Remove the role Support agent' }).waitFor()
    assert.deepEqual((await store.roles.listForUser(person.id)).map((r) => r.id), [role.id])

    // Permissions: one of the API's scopes, given directly.
    await page.getByRole('main').getByText('Permissions', { exact: true }).click()
    await page.getByText('No permissions: give one below, or assign a role.').waitFor()
    await page.getByLabel('API', { exact: true }).selectOption({ label: 'Tickets API' })
    await page.getByLabel('Permission', { exact: true }).selectOption('close:tickets')
    await page.getByRole('button', { name: 'Add permission' }).click()
    await page.getByText('Gave close:tickets of Tickets API.').waitFor()
    await page.getByRole('list', { name: "The user's permissions" }).getByText('close:tickets').waitFor()
    assert.deepEqual(
      (await store.permissions.listForUser(person.id)).map((p) => [p.apiIdentifier, p.name]),
      [[api.identifier, 'close:tickets']],
    )

    // Factors: the authenticator app, deleted after a confirmation.
    await page.getByRole('main').getByText('Multi-factor authentication', { exact: true }).click()
    await page.getByRole('list', { name: 'Factors' }).getByText('Authenticator app (one-time codes)', { exact: true }).waitFor()
    await audit(watched, shots, 'user-factor')
    await page.getByRole('button', { name: 'Delete Authenticator app (one-time codes)' }).click()
    await page.getByRole('alertdialog').getByText('The user can no longer log in with it.').waitFor()
    await audit(watched, shots, 'user-factor-confirm')
    await page.getByRole('button', { name: 'Yes, delete' }).click()
    await page.getByText('No factors enrolled.').waitFor()
    assert.deepEqual(await store.authenticators.listForUser(person.id), [])
    await page.getByRole('button', { name: 'Forget remembered browsers' }).click()
    await page.getByText('Remembered browsers forgotten: the next login asks for a factor again.').waitFor()

    // Emails: the verification email, through the SMTP server; a password reset email; a link to hand over.
    await addApp(store, { name: 'Reset SPA' })
    await page.getByRole('main').getByText('Emails and password', { exact: true }).click()
    await page.getByRole('button', { name: 'Send verification email' }).click()
    await page.getByText(`Verification email sent to ${person.email}.`).waitFor()
    const email = await smtp.next(person.email)
    assert.match(email.text, /\/u\/email-verification\?ticket=/)
    // The reset email, as "Forgot your password?" sends it, naming the application chosen.
    await page.getByLabel('Application the email names').selectOption({ label: 'Reset SPA' })
    await page.getByRole('button', { name: 'Send password reset email' }).click()
    await page.getByText(`Password reset email sent to ${person.email}.`).waitFor()
    const resetEmail = await smtp.next(person.email, (received) => /reset-password\?ticket=/.test(received.text))
    assert.match(resetEmail.text, /Reset SPA/)
    await page.getByRole('button', { name: 'Create password reset link' }).click()
    const link = (await page.locator('.secret code').textContent()) ?? ''
    assert.match(link, new RegExp(`^${server.issuer}u/reset-password\\?ticket=`))
    await page.getByText(/It works once, until .* \(24 hours\)/).waitFor()
    await audit(watched, shots, 'user-emails')

    // Identities: the linked GitHub account, unlinked after a confirmation, is a user of its own.
    await page.getByRole('main').getByText('Identities', { exact: true }).click()
    await page.getByRole('button', { name: 'Unlink github 583231' }).click()
    await page.getByRole('alertdialog').getByText('It becomes a separate user').waitFor()
    await audit(watched, shots, 'user-identities-confirm')
    await page.getByRole('button', { name: 'Yes, unlink' }).click()
    await page.getByText('Unlinked github 583231: it is a user of its own now.').waitFor()
    assert.equal((await store.users.get('github|583231'))?.connection, 'github')
    await audit(watched, shots, 'user-sections')
    await context.close()
  })

  it('shows a read-only administrator the same sections with every change control disabled', async () => {
    const { server, browser, shots, readOnly } = rig
    const person = await addUser(server.store, { emailVerified: false })
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, readOnly.email, `users/${encodeURIComponent(person.id)}`)
    const { page } = watched
    for (const section of ['Roles', 'Permissions', 'Multi-factor authentication', 'Emails and password']) await page.getByRole('main').getByText(section, { exact: true }).click()
    await page.getByText('No roles: assign one below.').waitFor()
    await page.getByText('No factors enrolled.').waitFor()
    for (const name of ['Assign', 'Add permission', 'Forget remembered browsers', 'Send verification email', 'Send password reset email', 'Create password reset link', 'Save changes'])
      assert.equal(await page.getByRole('button', { name, exact: true }).isDisabled(), true, name)
    assert.equal(await page.getByLabel('Assign a role').isDisabled(), true)
    await audit(watched, shots, 'user-read-only')
    await context.close()
  })
})
