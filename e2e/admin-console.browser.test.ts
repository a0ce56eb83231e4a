/**
 * The admin console in a real browser (Debian's Chromium through playwright-core): an administrator
 * logs in at /admin as anyone would (typing into the login page), registers an application and an
 * API exactly as the seed tutorial's prerequisites say (single-page app, a callback, the
 * authorization code and refresh token grants; an API allowing offline access), and the seed's flow
 * then runs with that application. A read-only administrator sees the lists with every change
 * control disabled, and the API refuses their forced change (403).
 *
 * Every page visited: no console errors, no serious or critical axe-core violations, nothing wider
 * than a 360 px viewport, and a screenshot in a temp dir (its path printed).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { authorizeUrl, Browser as HttpBrowser, callbackParams, loginThrough, pkce } from '../packages/server/test/support/browser.js'
import { addUser, PASSWORD } from '../packages/server/test/support/harness.js'
import { claims, tokenRequest } from '../packages/server/test/support/oauth.js'
import { audit, type ConsoleRig, forgetErrors, openConsole, startConsoleRig } from './support/admin-console.js'
import { skipWithoutChromium } from './support/chromium.js'

const SEED_CALLBACK = 'http://localhost:4000/callback'
const SEED_API = 'https://seed-api.example.com/'

describe('the admin console in a real browser', { skip: skipWithoutChromium }, () => {
  let rig: ConsoleRig

  before(async () => {
    rig = await startConsoleRig('main')
  })
  after(async () => {
    await rig?.close()
  })

  it("registers the seed's application and API through the console, and the seed's flow runs with them", async () => {
    const { server, browser, shots, admin } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email)
    const { page } = watched
    assert.equal(await page.getByTestId('admin').textContent(), admin.email)
    assert.equal(await page.getByTestId('read-only').count(), 0)
    await audit(watched, shots, 'getting-started-empty')

    // On a phone the sections fold behind Menu, which closes again on the page it opens.
    await page.setViewportSize({ width: 360, height: 800 })
    const nav = page.getByRole('navigation', { name: 'Console' })
    const menu = nav.getByRole('button', { name: /^Menu/ })
    assert.equal(await nav.getByRole('link', { name: 'Users' }).isVisible(), false)
    assert.equal(await menu.getAttribute('aria-expanded'), 'false')
    await menu.click()
    assert.equal(await menu.getAttribute('aria-expanded'), 'true')
    await audit(watched, shots, 'menu-open')
    await nav.getByRole('link', { name: 'Users' }).click()
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor()
    assert.equal(await menu.getAttribute('aria-expanded'), 'false')
    await page.setViewportSize({ width: 1280, height: 900 })
    assert.equal(await menu.isVisible(), false)

    // The application: single-page app, the callback, authorization code + refresh token.
    await page.getByRole('link', { name: 'Applications' }).click()
    await page.getByRole('heading', { level: 1, name: 'Applications' }).waitFor()
    await page.getByRole('button', { name: 'Create application' }).click()
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    assert.equal(await page.locator('#app-name-error').textContent(), 'Give the application a name.')
    assert.equal(await page.getByLabel('Name').getAttribute('aria-invalid'), 'true')
    await page.getByLabel('Name').fill('Seed SPA')
    assert.equal(await page.getByLabel('Application type').inputValue(), 'spa')
    await page.getByLabel('Allowed callback URLs').fill(SEED_CALLBACK)
    await page.getByLabel('Allowed web origins').fill('http://localhost:4000')
    assert.ok(await page.getByLabel('authorization_code').isChecked())
    assert.ok(await page.getByLabel('refresh_token').isChecked())
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText('Created Seed SPA.').waitFor()
    const clientId = (await page.getByTestId('client-id').textContent()) ?? ''
    assert.match(clientId, /^[A-Za-z0-9_-]{16,}$/)
    // Its connections: the user database, switched off and on again (the seed's login below needs it).
    const database = page.getByRole('checkbox', { name: /Username-Password-Authentication/ })
    const enabledAtFirst = await database.isChecked()
    await database.setChecked(!enabledAtFirst)
    await page.getByText(`Username-Password-Authentication ${enabledAtFirst ? 'disabled' : 'enabled'} for this application.`).waitFor()
    await database.setChecked(true)
    await page.getByText('Username-Password-Authentication enabled for this application.').waitFor()
    const stored = await server.store.connections.listClients((await server.store.connections.findByName('Username-Password-Authentication'))?.id ?? '', { take: 100 })
    assert.ok(stored.items.includes(clientId), 'the database connection is enabled for the app')
    await audit(watched, shots, 'application')

    // A machine-to-machine app: its secret shown once at creation, and a new one at rotation.
    await page.getByRole('link', { name: '← Applications' }).click()
    await page.getByRole('button', { name: 'Create application' }).click()
    await page.getByLabel('Name').fill('Seed job')
    await page.getByLabel('Application type').selectOption('non_interactive')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText('Created Seed job.').waitFor()
    const jobId = (await page.getByTestId('client-id').textContent()) ?? ''
    const firstSecret = (await page.locator('.secret code').textContent()) ?? ''
    assert.match(firstSecret, /^\S{32,}$/)
    await page.getByRole('button', { name: 'Rotate secret' }).click()
    await page.waitForFunction((old) => document.querySelector('.secret code')?.textContent !== old, firstSecret)
    const jobSecret = (await page.locator('.secret code').textContent()) ?? ''
    await audit(watched, shots, 'application-secret')

    // The API: offline access, one scope.
    await page.getByRole('link', { name: 'APIs' }).click()
    await page.getByRole('button', { name: 'Create API' }).click()
    await page.getByLabel('Name').fill('Seed API')
    await page.getByLabel('Identifier').fill(SEED_API)
    await page.getByLabel('Scopes (permissions)').fill('read:messages Read messages')
    await page.getByLabel('Allow offline access (refresh tokens for this API)').check()
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText('Created Seed API.').waitFor()
    // Authorise the machine-to-machine app for it, with its scope; client credentials then work with the rotated secret.
    await page.getByLabel('Authorise an application').selectOption({ label: 'Seed job' })
    await page.getByLabel('read:messages').check()
    await page.getByRole('button', { name: 'Authorise' }).click()
    await page.getByRole('listitem').filter({ hasText: 'Seed job' }).waitFor()
    const m2m = await tokenRequest(server, { grant_type: 'client_credentials', client_id: jobId, client_secret: jobSecret, audience: SEED_API })
    assert.equal(m2m.status, 200, JSON.stringify(m2m.json))
    assert.equal(m2m.json.scope, 'read:messages')
    const stale = await tokenRequest(server, { grant_type: 'client_credentials', client_id: jobId, client_secret: firstSecret, audience: SEED_API })
    assert.equal(stale.status, 401)
    await audit(watched, shots, 'api')

    // The server's own refusal, shown as it says it: the identifier is taken.
    await page.getByRole('link', { name: 'APIs', exact: true }).first().click()
    await page.getByRole('button', { name: 'Create API' }).click()
    await page.getByLabel('Name').fill('Seed API again')
    await page.getByLabel('Identifier').fill(SEED_API)
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    const refusal = await page.getByRole('alert').textContent()
    assert.match(refusal ?? '', /already|exists|taken/i)
    forgetErrors(watched, /status of 409/)

    // Both in their lists; Getting started shows the seed's steps with the real values.
    await page.getByRole('link', { name: 'APIs', exact: true }).first().click()
    await page.getByRole('link', { name: 'Seed API' }).waitFor()
    await audit(watched, shots, 'apis')
    await page.getByRole('link', { name: 'Applications' }).click()
    await page.getByRole('link', { name: 'Seed SPA' }).waitFor()
    const applicationsShot = await audit(watched, shots, 'applications')
    console.log(`# the docs' screenshot: ${applicationsShot.replace(/\.png$/, '-wide.png')}`)
    await page.getByRole('link', { name: 'Getting started' }).click()
    await page.getByLabel('API').selectOption({ label: 'Seed API' })
    const steps = (await page.locator('main').textContent()) ?? ''
    assert.match(steps, new RegExp(`client_id=${clientId}`))
    assert.match(steps, /audience=https%3A%2F%2Fseed-api\.example\.com%2F/)
    await audit(watched, shots, 'getting-started')

    // The seed's flow with the application and the API just registered.
    const person = await addUser(server.store)
    const { verifier, challenge } = pkce()
    const http = new HttpBrowser(server.url)
    const url = authorizeUrl(server.issuer, { clientId, redirectUri: SEED_CALLBACK, audience: SEED_API, scope: 'openid profile offline_access read:messages', challenge })
    const params = callbackParams(await loginThrough(http, url, person.email, PASSWORD))
    const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: clientId, code: params.get('code') ?? '', code_verifier: verifier, redirect_uri: SEED_CALLBACK })
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json))
    assert.ok([claims(tokens.json.access_token).aud].flat().includes(SEED_API))
    assert.equal(typeof tokens.json.refresh_token, 'string')
    const refreshed = await tokenRequest(server, { grant_type: 'refresh_token', client_id: clientId, refresh_token: String(tokens.json.refresh_token) })
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json))

    // A user: created in the console, found by email, blocked.
    await page.getByRole('link', { name: 'Users' }).click()
    await page.getByRole('button', { name: 'Create user' }).click()
    const email = `console-${Date.now()}@example.com`
    await page.getByLabel('Email address', { exact: true }).fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText(`Created ${email}.`).waitFor()
    await page.getByRole('button', { name: 'Block' }).click()
    await page.getByText('Blocked: the user is signed out everywhere and cannot log in.').waitFor()
    await page.getByRole('link', { name: '← Users' }).click()
    await page.getByLabel('Search by email, name or user id').fill(email)
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1)
    assert.match((await page.getByRole('row').nth(1).textContent()) ?? '', /blocked/)
    await audit(watched, shots, 'users')
    assert.equal((await server.store.users.findByEmail(email))?.blocked, true)

    // The audit log: the user's creation, filtered by their id.
    await page.getByRole('link', { name: 'Logs' }).click()
    await page.getByRole('heading', { level: 1, name: 'Logs' }).waitFor()
    const userId = (await server.store.users.findByEmail(email))?.id ?? ''
    await page.getByLabel('User id').fill(userId)
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.getByRole('table').waitFor()
    await audit(watched, shots, 'logs')

    // Delete, after the question.
    await page.getByRole('link', { name: 'Applications' }).click()
    await page.getByRole('link', { name: 'Seed SPA' }).click()
    await page.getByRole('button', { name: 'Delete' }).click()
    assert.match((await page.getByRole('alertdialog').textContent()) ?? '', /Delete the application Seed SPA\?/)
    await page.getByRole('button', { name: 'Yes, delete' }).click()
    await page.getByRole('heading', { level: 1, name: 'Applications' }).waitFor()
    await page.getByText('No applications yet').or(page.getByRole('table')).waitFor()
    assert.equal(await page.getByRole('link', { name: 'Seed SPA' }).count(), 0)
    assert.deepEqual(watched.errors, [])
    await context.close()
  })

  it('shows a read-only administrator the lists with every change control disabled; the API refuses a forced change', async () => {
    const { server, browser, shots, readOnly } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, readOnly.email)
    const { page } = watched
    assert.equal(await page.getByTestId('read-only').textContent(), 'read-only')
    await page.getByRole('link', { name: 'APIs' }).click()
    await page.getByRole('link', { name: 'Seed API' }).waitFor()
    assert.ok(await page.getByRole('button', { name: 'Create API' }).isDisabled())
    await page.getByRole('link', { name: 'Seed API' }).click()
    await page.getByRole('heading', { level: 1, name: 'Seed API' }).waitFor()
    assert.ok(await page.getByRole('button', { name: 'Save changes' }).isDisabled())
    // The API's delete, and the machine-to-machine authorisation's (once the authorised apps have loaded).
    await page.getByRole('listitem').filter({ hasText: 'Seed job' }).waitFor()
    const deletes = await page.getByRole('button', { name: 'Delete' }).all()
    assert.equal(deletes.length, 2)
    for (const button of deletes) assert.ok(await button.isDisabled())
    await page.getByRole('link', { name: 'Applications' }).click()
    await page.getByRole('heading', { level: 1, name: 'Applications' }).waitFor()
    assert.ok(await page.getByRole('button', { name: 'Create application' }).isDisabled())
    await audit(watched, shots, 'applications-read-only')

    // The console's own token for this administrator, forcing a change: 403.
    const token = watched.accessTokens.at(-1)
    assert.ok(token, 'the console got an access token')
    assert.equal(claims(token).azp ?? claims(token).client_id, 'latchkey-admin-console')
    const forced = await fetch(`${server.url}api/v2/clients`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Not allowed', app_type: 'spa' }),
    })
    assert.equal(forced.status, 403)

    // Logout (RP-initiated, back to /admin/): the session is over, so the console asks for the login page again.
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL(/\/u\/login\?state=/)
    await context.close()
  })
})
