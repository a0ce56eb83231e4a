/**
 * Invitations to an organization in a real browser, against a real Latchkey, the sample Appointments
 * API and the SPA sample (examples/spa), all in-process on ephemeral ports. An administrator invites
 * someone; the invitee opens the link, which lands on the sample; the sample starts a login with the
 * link's `invitation` and `organization` (as Auth0's SPA samples do); Latchkey shows the invitation,
 * the invitee signs up (a new user) or logs in (an existing one), joins the organization, and the
 * sample receives tokens carrying `org_id`, kept across a refresh. Page 1 runs on @latchkey/client,
 * page 2 on @auth0/auth0-spa-js, which itself checks that the ID token's `org_id` matches.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, OrganizationRecord } from '@latchkey/core'
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { startSpaServer, type RunningSpa } from '../examples/spa/src/server.js'
import { DEMO, seedDemo } from '../packages/server/src/demo.js'
import { addApp, addUser, freePort, PASSWORD, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { addOrganization, invite } from '../packages/server/test/support/organizations.js'
import { demoRole, startSampleApi } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

interface TokenAnswer {
  readonly grantType: string | null
  readonly status: number
  readonly body: Record<string, unknown>
}

function claimsOf(jwt: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8'))
}

describe('organization invitations with the SPA sample in Chromium', { skip: skipWithoutChromium }, () => {
  let latchkey: TestServer
  let api: { url: string; close(): Promise<void> }
  let spa: RunningSpa
  let browser: Browser
  let app: ApplicationRecord
  let org: OrganizationRecord
  const apiErrors: unknown[] = []

  before(async () => {
    latchkey = await startTestServer()
    await seedDemo(latchkey.store, latchkey.clock, latchkey.issuer)
    const spaPort = await freePort()
    const origin = `http://localhost:${spaPort}`
    ;({ app } = await addApp(latchkey.store, {
      name: 'Appointments SPA (organizations)',
      callbacks: [`${origin}/callback`, `${origin}/auth0.html`, `${origin}/`, origin],
      logoutUrls: [`${origin}/`, `${origin}/auth0.html`],
      webOrigins: [origin],
      organizationUsage: 'allow',
    }))
    org = await addOrganization(latchkey.store, { name: 'umbrella', displayName: 'Umbrella Clinics' })

    api = await startSampleApi(latchkey.issuer, DEMO.audience, [origin], apiErrors)
    spa = await startSpaServer({ port: spaPort, host: '127.0.0.1', issuer: latchkey.issuer, apiUrl: api.url, clientId: app.clientId })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await spa?.close()
    await api?.close()
    await latchkey?.close()
    assert.deepEqual(apiErrors, [], 'the API logged no unexpected error')
  })

  /** A fresh browser profile recording every /oauth/token answer, the SDK's worker included. */
  async function open(): Promise<{ context: BrowserContext; page: Page; answers: () => Promise<TokenAnswer[]> }> {
    const context = await browser.newContext()
    const pending: Promise<TokenAnswer>[] = []
    context.on('response', (res: Response) => {
      if (res.url() !== `${latchkey.issuer}oauth/token` || res.request().method() !== 'POST') return
      const sent = new URLSearchParams(res.request().postData() ?? '')
      const answer = res.json().then((body: Record<string, unknown>) => ({ grantType: sent.get('grant_type'), status: res.status(), body }))
      answer.catch(() => {})
      pending.push(answer)
    })
    return { context, page: await context.newPage(), answers: () => Promise.all(pending) }
  }

  const loggedIn = (page: Page) => page.waitForSelector('#app[data-state="logged-in"]')

  /** Logged in to the organization: the page shows it, the API answers, refresh keeps org_id. */
  async function assertInOrganization(page: Page, path: string, email: string, answers: () => Promise<TokenAnswer[]>): Promise<void> {
    await loggedIn(page)
    assert.equal(page.url(), `${spa.url}${path}`, 'the callback parameters are gone')
    assert.equal(await page.textContent('#user-email'), email)
    assert.equal(await page.getAttribute('#token', 'data-org-id'), org.id)
    assert.equal(await page.textContent('#token-org'), `umbrella (${org.id})`)
    assert.equal(await page.isHidden('#error'), true, (await page.textContent('#error')) ?? '')
    assert.equal(await page.isVisible('#appointments-empty'), true, 'the API accepted the token')

    await page.click('#refresh')
    await page.waitForSelector('#token[data-refreshes="1"]', { state: 'attached' })
    assert.equal(await page.getAttribute('#token', 'data-org-id'), org.id, 'the refreshed access token keeps org_id')

    const seen = await answers()
    assert.deepEqual(seen.map((a) => [a.grantType, a.status]), [['authorization_code', 200], ['refresh_token', 200]])
    for (const answer of seen) {
      for (const token of [answer.body.id_token, answer.body.access_token]) {
        assert.equal(claimsOf(token).org_id, org.id)
        assert.equal(claimsOf(token).org_name, 'umbrella')
      }
    }
  }

  it('page 1 (@latchkey/client): a new user opens the invitation link, signs up on Latchkey\'s page and is in the organization', async () => {
    const email = `invited-${Date.now()}@example.com`
    // The invitation makes them a patient in the organization: the role that lets them read
    // appointments when logged in to it (the demo's API has RBAC).
    const patient = await demoRole(latchkey.store, 'patient')
    const { url } = await invite(latchkey.store, org, app, { email, roles: [patient] })
    assert.ok(url.startsWith(`${spa.url}/?invitation=`), url)
    const { context, page, answers } = await open()
    await page.goto(url, { waitUntil: 'commit' })

    await page.waitForURL(/\/u\/signup\?state=/)
    assert.match((await page.textContent('main')) ?? '', /Ada Admin invited you to join Umbrella Clinics/)
    const address = page.getByLabel('Email address')
    assert.equal(await address.inputValue(), email)
    assert.equal(await address.getAttribute('readonly'), '', 'the invitee\'s address cannot be changed')
    await page.getByLabel('Password').fill('a new password for the clinic')
    await page.getByRole('button', { name: 'Sign up' }).click()

    await assertInOrganization(page, '/', email, answers)
    const user = await latchkey.store.users.findByEmail(email)
    assert.ok(user)
    assert.deepEqual((await latchkey.store.organizations.getMember(org.id, user.id))?.roles, [patient])
    await context.close()
  })

  it('page 2 (@auth0/auth0-spa-js, unchanged): an existing user opens the invitation link, logs in and is in the organization', async () => {
    await latchkey.store.applications.update(app.clientId, { initiateLoginUri: `${spa.url}/auth0.html` })
    const user = await addUser(latchkey.store, { name: 'Jill Valentine' })
    const receptionist = await demoRole(latchkey.store, 'receptionist')
    const { url } = await invite(latchkey.store, org, { ...app, initiateLoginUri: `${spa.url}/auth0.html` }, { email: user.email, roles: [receptionist] })
    assert.ok(url.startsWith(`${spa.url}/auth0.html?invitation=`), url)
    const { context, page, answers } = await open()
    await page.goto(url, { waitUntil: 'commit' })

    await page.waitForURL(/\/u\/login\?state=/)
    assert.match((await page.textContent('main')) ?? '', /Accept your invitation/)
    assert.equal(await page.getByLabel('Email address').inputValue(), user.email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Continue' }).click()

    await assertInOrganization(page, '/auth0.html', user.email, answers)
    assert.equal(await latchkey.store.organizations.isMember(org.id, user.id), true)
    assert.deepEqual((await latchkey.store.organizations.getMember(org.id, user.id))?.roles, [receptionist])

    // The link is spent: opening it again shows Latchkey's page, not a login.
    const again = await context.newPage()
    await again.goto(url, { waitUntil: 'commit' })
    await again.waitForURL(/\/authorize\?/)
    assert.match((await again.textContent('main')) ?? '', /This invitation has already been accepted/)
    await context.close()
  })
})
