/**
 * The single-page sample (examples/spa) in a real browser, against a real Latchkey seeded with the
 * demo and the sample Appointments API, all in-process on ephemeral ports. The same app runs on two
 * SDKs: page 1 on @latchkey/client, page 2 on @auth0/auth0-spa-js (the drop-in claim). On each page:
 * log in through Latchkey's form, see the user, list appointments (none), book one, refresh twice
 * (a new access token each time, refresh-token rotation, an ID token on every answer), call the API
 * with the refreshed token, resume the session after a reload without a form, log out, and find the
 * session gone (`prompt=none` answers `login_required`; logging in shows the form again). Logout goes
 * through the discovery `end_session_endpoint` (/oidc/logout) and through Auth0's /v2/logout.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext, Page, Response } from 'playwright-core'
import { startSpaServer, type RunningSpa } from '../examples/spa/src/server.js'
import { DEMO, seedDemo } from '../packages/server/src/demo.js'
import { addApp, addUser, freePort, PASSWORD, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { giveDemoRole, startSampleApi } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

/** One answer of /oauth/token as the browser saw it: what was sent, and what came back. */
interface TokenExchange {
  readonly grantType: string | null
  readonly sentRefreshToken: string | null
  readonly status: number
  readonly body: Record<string, unknown>
}

/** The claims of a JWT, decoded for the test's comparisons only. */
function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'))
}

describe('the SPA sample (examples/spa) in Chromium', { skip: skipWithoutChromium }, () => {
  let latchkey: TestServer
  let api: { url: string; close(): Promise<void> }
  let spa: RunningSpa
  let browser: Browser
  const apiErrors: unknown[] = []

  before(async () => {
    latchkey = await startTestServer()
    await seedDemo(latchkey.store, latchkey.clock, latchkey.issuer) // the Appointments API the sample calls
    // The sample is served on an ephemeral port, so its app is registered for that origin (the demo's
    // latchkey-demo-spa has the same URLs on http://localhost:8080).
    const spaPort = await freePort()
    const origin = `http://localhost:${spaPort}`
    const { app } = await addApp(latchkey.store, {
      name: 'Appointments SPA (test)',
      callbacks: [`${origin}/callback`, `${origin}/auth0.html`, `${origin}/`, origin],
      logoutUrls: [`${origin}/`, `${origin}/auth0.html`],
      webOrigins: [origin],
    })

    api = await startSampleApi(latchkey.issuer, DEMO.audience, [origin], apiErrors)
    spa = await startSpaServer({ port: spaPort, host: '127.0.0.1', issuer: latchkey.issuer, apiUrl: api.url, clientId: app.clientId })
    assert.equal(spa.url, origin)

    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await spa?.close()
    await api?.close()
    await latchkey?.close()
    assert.deepEqual(apiErrors, [], 'the API logged no unexpected error')
  })

  /** A fresh browser profile (no Latchkey cookie), recording every /oauth/token exchange, workers' included. */
  async function open(): Promise<{ context: BrowserContext; page: Page; exchanges: () => Promise<TokenExchange[]> }> {
    const context = await browser.newContext()
    const pending: Promise<TokenExchange>[] = []
    context.on('response', (res: Response) => {
      if (res.url() !== `${latchkey.issuer}oauth/token` || res.request().method() !== 'POST') return
      const sent = new URLSearchParams(res.request().postData() ?? '')
      const exchange = res.json().then((body: Record<string, unknown>) => ({ grantType: sent.get('grant_type'), sentRefreshToken: sent.get('refresh_token'), status: res.status(), body }))
      exchange.catch(() => {}) // a body the test never asks for may be gone once the page navigates
      pending.push(exchange)
    })
    return { context, page: await context.newPage(), exchanges: () => Promise.all(pending) }
  }

  const state = (page: Page, value: 'logged-in' | 'logged-out') => page.waitForSelector(`#app[data-state="${value}"][data-busy="false"], #app[data-state="${value}"]:not([data-busy])`)
  const attr = async (page: Page, selector: string, name: string) => (await page.getAttribute(selector, name)) ?? ''

  /**
   * A new user for each test, so each starts with no appointments (the API keeps them per user); a
   * receptionist, who may list and book (the demo's API has RBAC).
   */
  const newUser = async () => {
    const user = await addUser(latchkey.store, { name: 'Ada Lovelace' })
    await giveDemoRole(latchkey.store, [user.id], 'receptionist')
    return user
  }
  type User = Awaited<ReturnType<typeof newUser>>

  async function fillLoginForm(page: Page, user: User): Promise<void> {
    await page.waitForURL(/\/u\/login\?state=/)
    await page.getByLabel('Email address').fill(user.email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Continue' }).click()
  }

  /**
   * The part both pages share: log in, see the user, list (none), book one, refresh twice, call the
   * API with the refreshed token.
   */
  async function loginBookAndRefresh(page: Page, path: string, user: User, exchanges: () => Promise<TokenExchange[]>): Promise<void> {
    await page.goto(`${spa.url}${path}`, { waitUntil: 'commit' })
    await state(page, 'logged-out')
    await page.click('#login')
    await fillLoginForm(page, user)
    await state(page, 'logged-in')
    assert.equal(page.url(), `${spa.url}${path}`, 'the callback parameters are gone from the address bar')
    assert.equal(await page.textContent('#user-email'), user.email)
    assert.equal(await page.textContent('#user-name'), 'Ada Lovelace')
    assert.equal(await page.isHidden('#error'), true, (await page.textContent('#error')) ?? '')

    assert.equal(await page.locator('#appointments > li').count(), 0)
    assert.equal(await page.isVisible('#appointments-empty'), true, 'the API answered an empty list')

    await page.fill('#title', `Dentist via ${path}`)
    await page.fill('#starts-at', '2026-12-01T09:30')
    await page.click('#book-submit')
    await page.waitForSelector('#appointments > li')
    assert.match(await page.textContent('#appointments') ?? '', new RegExp(`Dentist via ${path.replace('.', '\\.')}`))
    assert.equal(await page.isHidden('#appointments-empty'), true)

    const jtis = [await attr(page, '#token', 'data-jti')]
    for (const n of [1, 2]) {
      await page.click('#refresh')
      await page.waitForSelector(`#token[data-refreshes="${n}"]`, { state: 'attached' })
      jtis.push(await attr(page, '#token', 'data-jti'))
    }
    assert.equal(new Set(jtis).size, 3, `a new access token on each refresh: ${jtis.join(', ')}`)
    assert.ok(jtis.every((j) => j.length > 0))

    // The API again, after the refreshes, with the newest token.
    const loads = Number(await attr(page, '#appointments', 'data-loads'))
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.url() === `${api.url}/api/appointments` && r.method() === 'GET'),
      page.click('#reload'),
    ])
    await page.waitForSelector(`#appointments[data-loads="${loads + 1}"]`, { state: 'attached' })
    assert.equal((await request.response())?.status(), 200)
    const bearer = (await request.allHeaders()).authorization?.replace(/^Bearer /, '') ?? ''
    assert.equal(claimsOf(bearer).jti, jtis[2], 'the API got the refreshed access token')
    assert.equal(await page.locator('#appointments > li').count(), 1)

    // The code exchange and two refreshes: rotation (each refresh spends the previous answer's refresh
    // token and gets a new one), and an ID token every time.
    const seen = await exchanges()
    assert.deepEqual(seen.map((x) => [x.grantType, x.status]), [['authorization_code', 200], ['refresh_token', 200], ['refresh_token', 200]])
    for (const [i, x] of seen.entries()) {
      assert.equal(typeof x.body.refresh_token, 'string', `answer ${i} has a refresh token`)
      assert.equal(typeof x.body.id_token, 'string', `answer ${i} has an ID token`)
      assert.equal(claimsOf(x.body.id_token as string).email, user.email)
      if (i > 0) assert.equal(x.sentRefreshToken, seen[i - 1]?.body.refresh_token, `refresh ${i} spends the refresh token of the answer before`)
    }
    assert.equal(new Set(seen.map((x) => x.body.refresh_token)).size, 3, 'a new refresh token on every answer')
  }

  /** Reloading forgets the in-memory tokens; Resume session (prompt=none) comes back without a form. */
  async function reloadAndResume(page: Page, path: string, user: User): Promise<void> {
    await page.reload({ waitUntil: 'commit' })
    await state(page, 'logged-out')
    const visited: string[] = []
    page.on('framenavigated', (frame) => visited.push(frame.url()))
    await page.click('#resume')
    await state(page, 'logged-in')
    assert.equal(page.url(), `${spa.url}${path}`)
    assert.equal(visited.some((url) => url.includes('/u/login')), false, `no login form: ${visited.join(' → ')}`)
    assert.equal(await page.textContent('#user-email'), user.email)
    assert.equal(await page.locator('#appointments > li').count(), 1, 'the API still has the appointment')
  }

  /** After logout: prompt=none answers login_required, and Log in shows the form again. */
  async function assertSessionGone(page: Page): Promise<void> {
    await page.click('#resume')
    await page.waitForSelector('#error[data-error="login_required"]')
    await state(page, 'logged-out')
    await page.click('#login')
    await page.waitForURL(/\/u\/login\?state=/)
  }

  /** What Latchkey says when this refresh token is spent now (by the test, from Node). */
  async function refreshWith(refreshToken: string): Promise<{ status: number; error?: string }> {
    const res = await fetch(`${latchkey.issuer}oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: spa.settings.clientId, refresh_token: refreshToken }),
    })
    return { status: res.status, error: ((await res.json()) as { error?: string }).error }
  }

  it('page 1 (@latchkey/client): logs in, books, refreshes twice with rotation, resumes, and logs out through the end_session_endpoint', async () => {
    const { context, page, exchanges } = await open()
    const user = await newUser()
    await loginBookAndRefresh(page, '/', user, exchanges)
    await reloadAndResume(page, '/', user)
    const last = (await exchanges()).at(-1)
    assert.equal(last?.grantType, 'authorization_code', 'the resumed session got its own tokens')

    const [logout] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(`${latchkey.issuer}oidc/logout?`)), page.click('#logout')])
    const query = new URL(logout.url()).searchParams
    assert.equal(query.get('client_id'), spa.settings.clientId)
    assert.equal(query.get('post_logout_redirect_uri'), `${spa.url}/`)
    assert.equal(claimsOf(query.get('id_token_hint') ?? '').email, user.email)
    await state(page, 'logged-out')
    assert.equal(page.url(), `${spa.url}/`)
    // Latchkey answers a dead refresh token as Auth0 does: 403 invalid_grant.
    assert.deepEqual(await refreshWith(last?.body.refresh_token as string), { status: 403, error: 'invalid_grant' }, 'the SDK revoked the refresh token')

    await assertSessionGone(page)
    await context.close()
  })

  it('page 1: the "Log out (Auth0 /v2/logout)" link ends the session through /v2/logout', async () => {
    const { context, page } = await open()
    await page.goto(`${spa.url}/`, { waitUntil: 'commit' })
    await state(page, 'logged-out')
    await page.click('#login')
    await fillLoginForm(page, await newUser())
    await state(page, 'logged-in')
    const [logout] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(`${latchkey.issuer}v2/logout?`)), page.click('#logout-v2')])
    const query = new URL(logout.url()).searchParams
    assert.equal(query.get('client_id'), spa.settings.clientId)
    assert.equal(query.get('returnTo'), `${spa.url}/`)
    await state(page, 'logged-out')
    await assertSessionGone(page)
    await context.close()
  })

  it('page 2 (@auth0/auth0-spa-js, unchanged): logs in, books, refreshes twice with rotation, resumes, and logs out through /v2/logout', async () => {
    const { context, page, exchanges } = await open()
    const user = await newUser()
    await loginBookAndRefresh(page, '/auth0.html', user, exchanges)
    await reloadAndResume(page, '/auth0.html', user)

    const [logout] = await Promise.all([page.waitForRequest((r) => r.url().startsWith(`${latchkey.issuer}v2/logout?`)), page.click('#logout')])
    const query = new URL(logout.url()).searchParams
    assert.equal(query.get('client_id'), spa.settings.clientId)
    assert.equal(query.get('returnTo'), `${spa.url}/auth0.html`)
    await state(page, 'logged-out')
    assert.equal(page.url(), `${spa.url}/auth0.html`)

    await assertSessionGone(page)
    await context.close()
  })
})
