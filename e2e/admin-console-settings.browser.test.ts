/**
 * The admin console's Connections and Settings pages in a real browser: an administrator creates an
 * OpenID Connect connection to a real upstream provider (panva's oidc-provider), sees the API's own
 * refusal of a taken name, edits it leaving the client secret empty (the stored secret is kept, and a
 * login through the provider then works for the application it was enabled for by a checkbox), and
 * deletes it after the confirmation; on the Settings page, changes the MFA policy (the Management API
 * then answers the new one) and sees sign-up, email, sessions and rate limits with their variables.
 * A read-only administrator sees both pages with every change control disabled. Every page audited
 * (no console errors, axe-core, 360 px, a screenshot).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord } from '@latchkey/core'
import { managementScopes } from '../packages/server/src/management/system-api.js'
import { authorizeUrl, Browser as HttpBrowser, callbackParams, pkce } from '../packages/server/test/support/browser.js'
import { addApp } from '../packages/server/test/support/harness.js'
import { managementCall, m2m } from '../packages/server/test/support/management.js'
import { claims, tokenRequest } from '../packages/server/test/support/oauth.js'
import { ALICE, BASIC_CLIENT, type OidcUpstream, startOidcUpstream } from '../packages/server/test/support/upstreams/oidc-provider.js'
import { audit, type ConsoleRig, forgetErrors, openConsole, startConsoleRig } from './support/admin-console.js'
import { skipWithoutChromium } from './support/chromium.js'

describe('the admin console: Connections and Settings', { skip: skipWithoutChromium }, () => {
  let rig: ConsoleRig
  let upstream: OidcUpstream
  let app: ApplicationRecord

  before(async () => {
    rig = await startConsoleRig('settings', { env: { LATCHKEY_SMTP_URL: 'smtp://mailer:hunter2-never-shown@mail.example.com:2525' } })
    upstream = await startOidcUpstream([ALICE], `${rig.server.issuer}login/callback`)
    ;({ app } = await addApp(rig.server.store, { name: 'Customer portal' }))
  })
  after(async () => {
    await rig?.close()
    await upstream?.close()
  })

  /** A login through `connection` for the app, over HTTP as a browser would: the ID token's claims. */
  async function loginThroughConnection(connection: string): Promise<Record<string, unknown>> {
    const { server } = rig
    const browser = new HttpBrowser(server.url)
    const { verifier, challenge } = pkce()
    let res = await browser.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { connection } }))
    let providerUrl: string | null = null
    for (let i = 0; i < 5 && res.status >= 300 && res.status < 400; i++) {
      const location = new URL(res.headers.get('location') as string, server.url)
      if (location.origin === upstream.issuer) {
        providerUrl = location.href
        break
      }
      res = await browser.get(location.href)
    }
    assert.ok(providerUrl, `did not reach the provider: ${res.status} ${res.headers.get('location')}`)
    const back = await upstream.loginThrough(providerUrl, ALICE)
    const code = callbackParams(await browser.get(back.href)).get('code')
    assert.ok(code, 'a code for the app')
    const r = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: app.callbacks[0] as string })
    assert.equal(r.status, 200, JSON.stringify(r.json))
    return claims(r.json.id_token)
  }

  it('creates an OIDC connection, keeps its secret through an edit, enables it for an app (a login through it works), deletes it after a confirmation', async () => {
    const { server, browser, shots, admin } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email)
    const { page } = watched

    await page.getByRole('link', { name: 'Connections' }).click()
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor()
    await page.getByRole('link', { name: 'Username-Password-Authentication' }).waitFor()
    await audit(watched, shots, 'connections')

    // Create: what is missing is said first; then the provider's issuer, client ID and secret.
    await page.getByRole('button', { name: 'Create connection' }).click()
    await page.getByRole('heading', { level: 1, name: 'Create connection' }).waitFor()
    assert.equal(await page.getByLabel('Identity provider').inputValue(), 'oidc')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    assert.equal(await page.locator('#conn-name-error').textContent(), 'Give the connection a name, e.g. acme-okta.')
    assert.equal(await page.getByLabel('Client ID').getAttribute('aria-invalid'), 'true')
    await audit(watched, shots, 'connection-create-errors')
    await page.getByLabel('Name', { exact: true }).fill('acme-oidc')
    await page.getByLabel('Button label').fill('Acme SSO')
    await page.getByLabel('Issuer or discovery URL').fill(upstream.issuer)
    await page.getByLabel('Client ID').fill(BASIC_CLIENT.clientId)
    await page.getByLabel('Client secret').fill(BASIC_CLIENT.clientSecret)
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText('Created acme-oidc.').waitFor()
    await page.getByRole('heading', { level: 1, name: 'acme-oidc' }).waitFor()
    assert.equal(await page.getByLabel('Client secret').inputValue(), '', 'the secret is never shown back')
    const stored = await server.store.connections.findByName('acme-oidc')
    assert.ok(stored?.sealedClientSecret, 'the secret is stored, sealed')
    assert.equal(stored.options.issuer, upstream.issuer)
    await audit(watched, shots, 'connection')

    // Edit: a new button label, the secret left empty: the stored secret is kept.
    await page.getByLabel('Button label').fill('Acme single sign-on')
    await page.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Saved.').waitFor()
    const edited = await server.store.connections.findByName('acme-oidc')
    assert.equal(edited?.displayName, 'Acme single sign-on')
    assert.equal(edited?.sealedClientSecret, stored.sealedClientSecret, 'the secret was kept')

    // Enable it for the app with its checkbox: saved at once.
    const portal = page.getByRole('checkbox', { name: 'Customer portal' })
    assert.equal(await portal.isChecked(), false)
    await portal.check()
    await page.waitForFunction(() => !document.querySelector<HTMLInputElement>('#enabled-title ~ fieldset input:disabled'))
    await assert.doesNotReject(async () => {
      for (let i = 0; i < 50; i++) {
        if ((await server.store.connections.findByName('acme-oidc'))?.enabledClients.includes(app.clientId)) return
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      throw new Error('not enabled')
    })
    assert.equal(await portal.isChecked(), true)
    await audit(watched, shots, 'connection-enabled')

    // The app's users log in through it (the secret kept through the edit is the one the provider checks).
    const id = await loginThroughConnection('acme-oidc')
    assert.equal(id.sub, `oidc|acme-oidc|${ALICE.sub}`)
    assert.equal(id.email, ALICE.claims.email)

    // A second connection with the same name: the API's own message.
    await page.getByRole('link', { name: '← Connections' }).click()
    await page.getByRole('link', { name: 'acme-oidc' }).waitFor()
    await page.getByRole('button', { name: 'Create connection' }).click()
    await page.getByLabel('Name', { exact: true }).fill('acme-oidc')
    await page.getByLabel('Issuer or discovery URL').fill(upstream.issuer)
    await page.getByLabel('Client ID').fill('other')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByRole('alert').filter({ hasText: 'A connection with the same name already exists' }).waitFor()
    forgetErrors(watched, /status of 409/)
    await audit(watched, shots, 'connection-conflict')

    // Delete, after the confirmation.
    await page.getByRole('link', { name: '← Connections' }).click()
    await page.getByRole('link', { name: 'acme-oidc' }).click()
    await page.getByRole('heading', { level: 1, name: 'acme-oidc' }).waitFor()
    await page.getByRole('button', { name: 'Delete' }).click()
    await page.getByRole('alertdialog').getByText(/Delete the connection acme-oidc/).waitFor()
    await audit(watched, shots, 'connection-delete-confirm')
    await page.getByRole('button', { name: 'Yes, delete' }).click()
    await page.getByRole('heading', { level: 1, name: 'Connections' }).waitFor()
    await page.getByRole('link', { name: 'Username-Password-Authentication' }).waitFor()
    assert.equal(await page.getByRole('link', { name: 'acme-oidc' }).count(), 0)
    assert.equal(await server.store.connections.findByName('acme-oidc'), null)

    // The user database: its page, its applications, no delete.
    await page.getByRole('link', { name: 'Username-Password-Authentication' }).click()
    await page.getByRole('heading', { level: 1, name: 'Username-Password-Authentication' }).waitFor()
    await page.getByRole('checkbox', { name: 'Customer portal' }).waitFor()
    assert.equal(await page.getByRole('button', { name: 'Delete' }).count(), 0)
    await audit(watched, shots, 'connection-database')
    await context.close()
  })

  it('changes the MFA policy on the Settings page (the API then answers it) and shows the settings from the environment', async () => {
    const { server, browser, shots, admin } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email)
    const { page } = watched
    const navigation = await page.getByRole('navigation', { name: 'Console' }).getByRole('link').allTextContents()
    assert.equal(navigation.at(-1), 'Settings', 'Settings is last')
    assert.equal(navigation[navigation.indexOf('APIs') + 1], 'Connections', 'Connections follows APIs')

    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor()
    await page.getByRole('heading', { level: 2, name: 'Rate limits' }).waitFor()
    assert.match((await page.getByTestId('signup').textContent()) ?? '', /^Off/)
    assert.match((await page.getByTestId('email-provider').textContent()) ?? '', /mail\.example\.com:2525/)
    assert.equal(await page.getByText('hunter2-never-shown').count(), 0)
    assert.match((await page.getByTestId('rate-limits').textContent()) ?? '', /^Off/)
    await page.getByText('LATCHKEY_RATE_LIMIT_LOGIN', { exact: true }).waitFor()
    await page.getByText('Authenticator app (TOTP)').waitFor()
    assert.ok(await page.getByRole('radio', { name: /^Never/ }).isChecked())
    const save = page.getByRole('button', { name: 'Save policy' })
    assert.ok(await save.isDisabled(), 'nothing to save yet')
    await audit(watched, shots, 'settings')

    await page.getByRole('radio', { name: /^Always/ }).check()
    await save.click()
    await page.getByText('Saved: the next logins follow the new policy.').waitFor()
    await page.getByText(/Set here \(or through the Management API\)/).waitFor()
    const { token } = await m2m(server, managementScopes().map((s) => s.value))
    const policies = await managementCall(server, token, 'GET', 'guardian/policies')
    assert.deepEqual(policies.json, ['all-applications'])
    await audit(watched, shots, 'settings-saved')

    // Back to never, so the other test's logins are not asked for a factor.
    await page.getByRole('radio', { name: /^Never/ }).check()
    await save.click()
    await page.waitForFunction(() => document.querySelector<HTMLButtonElement>('button.primary')?.disabled === true)
    assert.deepEqual((await managementCall(server, token, 'GET', 'guardian/policies')).json, [])
    await context.close()
  })

  it('shows a read-only administrator both pages with every change control disabled', async () => {
    const { server, browser, shots, readOnly } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, readOnly.email, 'connections')
    const { page } = watched
    await page.getByRole('link', { name: 'Username-Password-Authentication' }).waitFor()
    assert.ok(await page.getByRole('button', { name: 'Create connection' }).isDisabled())
    await audit(watched, shots, 'read-only-connections')

    await page.getByRole('link', { name: 'Username-Password-Authentication' }).click()
    const portal = page.getByRole('checkbox', { name: 'Customer portal' })
    await portal.waitFor()
    assert.ok(await portal.isDisabled())
    assert.ok(await page.getByRole('button', { name: 'Save changes' }).isDisabled())
    assert.ok(await page.getByLabel('Import users from Auth0 at their first login').isDisabled())
    await audit(watched, shots, 'read-only-connection')

    await page.getByRole('link', { name: 'Settings' }).click()
    await page.getByRole('heading', { level: 2, name: 'Rate limits' }).waitFor()
    for (const radio of await page.getByRole('radio').all()) assert.ok(await radio.isDisabled())
    assert.ok(await page.getByRole('button', { name: 'Save policy' }).isDisabled())
    await audit(watched, shots, 'read-only-settings')
    await context.close()
  })
})
