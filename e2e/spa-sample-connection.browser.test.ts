/**
 * The seed's six steps, unchanged, for a user who logs in through a connection (issue 13): the SPA
 * sample (examples/spa) in Chromium against Latchkey seeded with the demo, the sample Appointments
 * API, and an `oidc` connection to a real OpenID provider (oidc-provider) enabled for the sample's
 * app. On each page (1: @latchkey/client, 2: @auth0/auth0-spa-js) the user clicks Log in, then
 * "Continue with Acme SSO" on Latchkey's login page, logs in on the provider's page and lands back in
 * the sample, which shows the provider's user. Steps 1–2: the authorize request carries an S256
 * challenge of the verifier the code exchange sends; 3: the trip through the provider; 4: the code
 * exchange gives tokens for `oidc|acme-oidc|alice-7f3a`; 5: the API accepts the access token (lists,
 * books); 6: a refresh rotates the refresh token, and the API accepts the refreshed access token.
 * Both pages are the same user: page 2 lists what page 1 booked.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Browser, Request, Response } from 'playwright-core'
import { startSpaServer, type RunningSpa } from '../examples/spa/src/server.js'
import { DEMO, seedDemo } from '../packages/server/src/demo.js'
import { connectionUserId, createConnectionUser } from '@latchkey/core'
import { addConnection, oidcOptions } from '../packages/server/test/support/connections.js'
import { addApp, freePort, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { ALICE, BASIC_CLIENT, type OidcUpstream, startOidcUpstream } from '../packages/server/test/support/upstreams/oidc-provider.js'
import { giveDemoRole, startSampleApi } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

const SUB = `oidc|acme-oidc|${ALICE.sub}`

/** The claims of a JWT, decoded for the test's comparisons only. */
function claimsOf(jwt: unknown): Record<string, unknown> {
  return JSON.parse(Buffer.from(String(jwt).split('.')[1] ?? '', 'base64url').toString('utf8'))
}

/** One answer of /oauth/token as the browser saw it (workers' included). */
interface TokenExchange {
  readonly sent: URLSearchParams
  readonly status: number
  readonly body: Record<string, unknown>
}

/** One call of the sample API (not the CORS preflights): method, status, and the bearer's claims. */
interface ApiCall {
  readonly method: string
  readonly status: number
  readonly bearer: Record<string, unknown>
}

describe('the SPA sample (examples/spa) for a user of an oidc connection, in Chromium', { skip: skipWithoutChromium, timeout: 60_000 }, () => {
  let latchkey: TestServer
  let upstream: OidcUpstream
  let api: { url: string; close(): Promise<void> }
  let spa: RunningSpa
  let browser: Browser
  const apiErrors: unknown[] = []
  /** What the user has booked so far, whichever page: the API keeps appointments per `sub`. */
  const booked: string[] = []

  before(async () => {
    latchkey = await startTestServer()
    await seedDemo(latchkey.store, latchkey.clock, latchkey.issuer) // the Appointments API the sample calls
    upstream = await startOidcUpstream([ALICE], `${latchkey.issuer}login/callback`)
    const spaPort = await freePort()
    const origin = `http://localhost:${spaPort}`
    const { app } = await addApp(latchkey.store, {
      name: 'Appointments SPA (test)',
      callbacks: [`${origin}/callback`, `${origin}/auth0.html`],
      logoutUrls: [`${origin}/`, `${origin}/auth0.html`],
      webOrigins: [origin],
    })
    const connection = await addConnection(latchkey, { name: 'acme-oidc', displayName: 'Acme SSO', strategy: 'oidc', options: oidcOptions(upstream.issuer, BASIC_CLIENT), enabledClients: [app.clientId] })
    // The demo's API has RBAC, and neither Latchkey nor Auth0 gives new users a role: the user is
    // registered before their first login (as an import would: the user and their identity) and made
    // a receptionist, who may list and book. The login still goes through the provider.
    const now = Date.now()
    const user = createConnectionUser({ id: connectionUserId(connection, ALICE.sub), connection: connection.name, profile: { email: String(ALICE.claims.email), emailVerified: true } }, now)
    assert.equal(user.id, SUB)
    await latchkey.store.users.insert(user)
    await latchkey.store.identities.insert({ userId: user.id, connectionId: connection.id, provider: 'oidc', providerUserId: `${connection.name}|${ALICE.sub}`, isSocial: false, profileData: {}, createdAt: now, updatedAt: now })
    await giveDemoRole(latchkey.store, [user.id], 'receptionist')

    api = await startSampleApi(latchkey.issuer, DEMO.audience, [origin], apiErrors)
    spa = await startSpaServer({ port: spaPort, host: '127.0.0.1', issuer: latchkey.issuer, apiUrl: api.url, clientId: app.clientId })
    assert.equal(spa.url, origin)

    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await spa?.close()
    await api?.close()
    await upstream?.close()
    await latchkey?.close()
    assert.deepEqual(apiErrors, [], 'the API logged no unexpected error')
  })

  /**
   * In a fresh browser profile (no Latchkey or provider cookie): log in on `path` through the
   * connection, list, book, refresh once, list again; then check the six steps on what the browser sent.
   */
  async function sixStepsThroughConnection(path: string): Promise<void> {
    const context = await browser.newContext()
    const authorizeRequests: URL[] = []
    const pendingExchanges: Promise<TokenExchange>[] = []
    const pendingCalls: Promise<ApiCall>[] = []
    context.on('request', (req: Request) => {
      if (req.url().startsWith(`${latchkey.issuer}authorize?`)) authorizeRequests.push(new URL(req.url()))
    })
    context.on('response', (res: Response) => {
      const req = res.request()
      if (res.url() === `${latchkey.issuer}oauth/token` && req.method() === 'POST') {
        const exchange = res.json().then((body: Record<string, unknown>) => ({ sent: new URLSearchParams(req.postData() ?? ''), status: res.status(), body }))
        exchange.catch(() => {}) // a body the test never asks for may be gone once the page navigates
        pendingExchanges.push(exchange)
      } else if (res.url().startsWith(`${api.url}/api/`) && req.method() !== 'OPTIONS') {
        pendingCalls.push(req.allHeaders().then((h) => ({ method: req.method(), status: res.status(), bearer: claimsOf(h.authorization?.replace(/^Bearer /, '')) })))
      }
    })
    const page = await context.newPage()
    const state = (value: 'logged-in' | 'logged-out') => page.waitForSelector(`#app[data-state="${value}"][data-busy="false"], #app[data-state="${value}"]:not([data-busy])`)

    // Step 3: Latchkey's login page → "Continue with Acme SSO" → the provider's page → back in the sample.
    await page.goto(`${spa.url}${path}`, { waitUntil: 'commit' })
    await state('logged-out')
    await page.click('#login')
    await page.waitForURL(/\/u\/login\?state=/)
    await page.getByRole('button', { name: 'Continue with Acme SSO' }).click()
    await page.waitForURL((url) => url.origin === upstream.issuer && url.pathname.startsWith('/interaction/'), { waitUntil: 'domcontentloaded' })
    await page.locator('input[name="account"]').fill(ALICE.sub)
    await page.getByRole('button', { name: 'Log in' }).click()
    await state('logged-in')
    assert.equal(page.url(), `${spa.url}${path}`, 'back in the sample, the callback parameters gone')
    assert.equal(await page.isHidden('#error'), true, (await page.textContent('#error')) ?? '')
    assert.equal(await page.textContent('#user-email'), ALICE.claims.email)
    assert.equal(await page.textContent('#user-name'), ALICE.claims.name)

    // Step 5: the API lists (what this user booked so far, on either page) and books.
    await page.waitForSelector('#appointments:not([data-loads="0"])', { state: 'attached' })
    const listed = await page.locator('#appointments > li').allTextContents()
    assert.deepEqual(booked.map((b) => listed.filter((t) => t.includes(b)).length), booked.map(() => 1), listed.join(' | '))
    assert.equal(listed.length, booked.length)
    const title = `Dentist via ${path} (Acme SSO)`
    await page.fill('#title', title)
    await page.fill('#starts-at', `2026-12-0${booked.length + 1}T09:30`)
    await page.click('#book-submit')
    booked.push(title)
    await page.waitForFunction((n) => document.querySelectorAll('#appointments > li').length === n, booked.length)
    assert.ok((await page.textContent('#appointments'))?.includes(title), 'the new appointment is listed')

    // Step 6: refresh, then the API with the refreshed token.
    const jti = (await page.getAttribute('#token', 'data-jti')) ?? ''
    await page.click('#refresh')
    await page.waitForSelector('#token[data-refreshes="1"]', { state: 'attached' })
    const refreshedJti = (await page.getAttribute('#token', 'data-jti')) ?? ''
    assert.ok(jti && refreshedJti && jti !== refreshedJti, `a new access token: ${jti} → ${refreshedJti}`)
    const loads = Number(await page.getAttribute('#appointments', 'data-loads'))
    await page.click('#reload')
    await page.waitForSelector(`#appointments[data-loads="${loads + 1}"]`, { state: 'attached' })
    assert.equal(await page.locator('#appointments > li').count(), booked.length)

    // Steps 1–2 and 4: one authorize request with an S256 challenge, whose verifier the code exchange sends.
    const exchanges = await Promise.all(pendingExchanges)
    assert.deepEqual(exchanges.map((x) => [x.sent.get('grant_type'), x.status]), [['authorization_code', 200], ['refresh_token', 200]])
    const [code, refresh] = exchanges as [TokenExchange, TokenExchange]
    assert.equal(authorizeRequests.length, 1, authorizeRequests.join('\n'))
    const authorize = authorizeRequests[0]?.searchParams
    assert.equal(authorize?.get('code_challenge_method'), 'S256')
    assert.equal(authorize?.get('code_challenge'), createHash('sha256').update(code.sent.get('code_verifier') ?? '').digest('base64url'))
    assert.equal(authorize?.get('connection'), null, 'the connection was chosen on the login page, not by the app')
    for (const x of exchanges) {
      assert.equal(claimsOf(x.body.id_token).sub, SUB)
      assert.equal(claimsOf(x.body.id_token).email, ALICE.claims.email)
      assert.equal(claimsOf(x.body.access_token).sub, SUB)
      assert.ok([claimsOf(x.body.access_token).aud].flat().includes(DEMO.audience), 'for the Appointments API')
    }
    // Step 6's rotation: the refresh spends the code exchange's refresh token and gets a new one.
    assert.equal(typeof code.body.refresh_token, 'string')
    assert.equal(refresh.sent.get('refresh_token'), code.body.refresh_token)
    assert.equal(typeof refresh.body.refresh_token, 'string')
    assert.notEqual(refresh.body.refresh_token, code.body.refresh_token)
    assert.equal(claimsOf(refresh.body.access_token).jti, refreshedJti)

    // Step 5 on the wire: list, book, list again, each with this user's access token, and after the
    // refresh a list with the refreshed one.
    const calls = await Promise.all(pendingCalls)
    assert.deepEqual(
      calls.map((c) => [c.method, c.status, c.bearer.sub, c.bearer.jti]),
      [
        ['GET', 200, SUB, jti],
        ['POST', 201, SUB, jti],
        ['GET', 200, SUB, jti],
        ['GET', 200, SUB, refreshedJti],
      ],
    )
    await context.close()
  }

  it('page 1 (@latchkey/client): "Continue with Acme SSO", the provider\'s page, then list, book, refresh (rotation) as the oidc|… user', async () => {
    await sixStepsThroughConnection('/')
  })

  it('page 2 (@auth0/auth0-spa-js): the same, and the same user (page 1\'s appointment is listed)', async () => {
    await sixStepsThroughConnection('/auth0.html')
  })
})
