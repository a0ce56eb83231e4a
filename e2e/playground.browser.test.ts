/**
 * The demo playground (/playground) in a real browser, step by step as a newcomer would click through
 * it: Latchkey with the demo seeded, the sample Appointments API in-process on its own port (CORS for
 * Latchkey's origin), and every value the page shows checked against what it must be.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { DEMO, seedDemo } from '../packages/server/src/demo.js'
import { freePort, startTestServer, type TestServer } from '../packages/server/test/support/harness.js'
import { startSampleApi } from './support/apps.js'
import { launchChromium, skipWithoutChromium } from './support/chromium.js'

const text = async (page: Page, id: string) => ((await page.textContent(`#${id}`)) ?? '').trim()
const json = async (page: Page, id: string) => JSON.parse(await text(page, id))
/** A response panel: `HTTP 200 OK` on the first line, the JSON body below. */
const response = async (page: Page, id: string) => {
  const [statusLine, ...body] = (await text(page, id)).split('\n')
  return { statusLine, body: JSON.parse(body.join('\n')) as Record<string, unknown> }
}
const waitForText = (page: Page, id: string, notEqual = '—') =>
  page.waitForFunction(([i, n]) => !['', n, 'calling…'].includes(document.getElementById(i as string)?.textContent?.trim() ?? ''), [id, notEqual], { timeout: 15_000 })

describe('the playground in a real browser', { skip: skipWithoutChromium }, () => {
  let server: TestServer
  let browser: Browser
  let api: { url: string; close: () => Promise<void> }
  const apiErrors: unknown[] = []

  before(async () => {
    server = await startTestServer({ demo: true })
    await seedDemo(server.store, server.clock, server.issuer)
    const sample = await startSampleApi(server.issuer, DEMO.audience, [new URL(server.issuer).origin], apiErrors)
    api = { url: `${sample.url}/api/appointments`, close: sample.close }
    browser = await launchChromium()
  })
  after(async () => {
    await browser?.close()
    await api?.close()
    await server?.close()
    assert.deepEqual(apiErrors, [], 'the API logged no unexpected errors')
  })

  it('walks the six steps with real values: verifier and challenge, authorize, callback, tokens, API call, refresh with rotation', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const cspViolations: string[] = []
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(m.text())
    })
    const pageErrors: string[] = []
    page.on('pageerror', (e) => pageErrors.push(e.message))
    const requested: string[] = []
    page.on('request', (r) => requested.push(r.url()))

    // 1. The verifier (32 random bytes, base64url) and its S256 challenge.
    await page.goto(`${server.issuer}playground`)
    await page.getByRole('button', { name: 'Create a code verifier' }).click()
    await waitForText(page, 'challenge')
    const verifier = await text(page, 'verifier')
    assert.match(verifier, /^[A-Za-z0-9_-]{43}$/)
    assert.equal(await text(page, 'challenge'), createHash('sha256').update(verifier).digest('base64url'))

    // 2. The authorization URL, followed as a link.
    const link = page.getByRole('link', { name: 'Log in at Latchkey →' })
    const authorize = new URL((await link.getAttribute('href')) ?? '')
    assert.equal(`${authorize.origin}${authorize.pathname}`, `${server.issuer}authorize`)
    const sent = Object.fromEntries(authorize.searchParams)
    assert.deepEqual(
      { ...sent, state: typeof sent.state, nonce: typeof sent.nonce },
      {
        response_type: 'code',
        client_id: 'latchkey-playground',
        redirect_uri: `${server.issuer}playground/callback`,
        scope: 'openid profile email offline_access read:appointments',
        audience: 'https://api.example.com/appointments',
        state: 'string',
        nonce: 'string',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      },
    )
    assert.match(await text(page, 'authorize-url'), new RegExp(`^${authorize.href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
    const stored = await page.evaluate(() => JSON.stringify(sessionStorage))
    assert.match(stored, new RegExp(verifier), 'the verifier waits in sessionStorage')
    await link.click()

    // 3. Latchkey's login page (and consent, if asked), then back at the callback with code, state, iss.
    await page.waitForURL(/\/u\/login\?state=/)
    await page.getByLabel('Email address').fill(DEMO.email)
    await page.getByLabel('Password').fill(DEMO.password)
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.waitForURL(/\/(u\/consent|playground\/callback)/)
    if (page.url().includes('/u/consent')) await page.getByRole('button', { name: 'Accept' }).click()
    await page.waitForURL(/\/playground\/callback/)
    await waitForText(page, 'code')
    const callback = new URL(requested.find((u) => u.startsWith(`${server.issuer}playground/callback?`)) ?? '')
    const code = callback.searchParams.get('code') ?? ''
    assert.equal(callback.searchParams.get('state'), sent.state, 'the code arrives with the state that was sent')
    assert.equal(callback.searchParams.get('iss'), server.issuer)
    assert.equal(await text(page, 'code'), code)
    assert.equal(await text(page, 'state'), sent.state)
    assert.match(await text(page, 'state-check'), /^yes/)
    assert.equal(page.url(), `${server.issuer}playground/callback`, 'the code is taken out of the address bar')
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the saved request is deleted once the callback is read')
    assert.match(await text(page, 'token-request'), new RegExp(`code_verifier=${verifier}`))

    // 4. The code and verifier exchanged for tokens; the tokens decoded (not verified).
    await page.getByRole('button', { name: 'Exchange the code for tokens' }).click()
    await waitForText(page, 'token-response')
    const exchanged = await response(page, 'token-response')
    assert.match(exchanged.statusLine ?? '', /^HTTP 200/)
    for (const name of ['access_token', 'id_token', 'refresh_token']) assert.equal(typeof exchanged.body[name], 'string', name)
    assert.equal(exchanged.body.token_type, 'Bearer')
    const accessHeader = await json(page, 'access-token-header')
    assert.equal(accessHeader.typ, 'at+jwt')
    const access = await json(page, 'access-token-payload')
    assert.ok([access.aud].flat().includes(DEMO.audience), `aud ${JSON.stringify(access.aud)} names the API`)
    assert.equal(access.iss, server.issuer)
    assert.equal(access.client_id, 'latchkey-playground')
    assert.match(access.scope, /read:appointments/)
    const idToken = await json(page, 'id-token-payload')
    assert.equal(idToken.aud, 'latchkey-playground')
    assert.equal(idToken.email, DEMO.email)
    assert.equal(idToken.nonce, sent.nonce)
    assert.match(await text(page, 'nonce-check'), /^yes/)
    assert.deepEqual(idToken.amr, ['pwd'])
    assert.equal(await text(page, 'amr'), 'pwd', 'the page says how the user logged in')

    // 5a. The API not running: the page says how to start it and shows /userinfo instead.
    const nowhere = `http://localhost:${await freePort()}/api/appointments`
    await page.getByLabel('API URL').fill(nowhere)
    await page.getByRole('button', { name: 'Call the API' }).click()
    await waitForText(page, 'userinfo-status')
    assert.equal(await text(page, 'api-status'), 'unreachable')
    assert.match(await text(page, 'api-help-text'), /npm run example:api/)
    assert.equal(await text(page, 'userinfo-status'), '200')
    assert.equal((await response(page, 'userinfo-body')).body.email, DEMO.email)

    // 5b. The API running: 200 and the user's (empty) list.
    await page.getByLabel('API URL').fill(api.url)
    await page.getByRole('button', { name: 'Call the API' }).click()
    await page.waitForFunction(() => /^\d{3}$/.test(document.getElementById('api-status')?.textContent ?? ''), undefined, { timeout: 15_000 })
    assert.equal(await text(page, 'api-status'), '200')
    assert.deepEqual((await response(page, 'api-body')).body, { appointments: [] })
    assert.equal(await page.isHidden('#api-help'), true)

    // 6. Refresh: new tokens, and a new refresh token (rotation) shown by its prefix.
    await page.getByRole('button', { name: 'Refresh the tokens' }).click()
    await waitForText(page, 'refresh-response')
    const refreshed = await response(page, 'refresh-response')
    assert.match(refreshed.statusLine ?? '', /^HTTP 200/)
    assert.equal(typeof refreshed.body.refresh_token, 'string')
    assert.notEqual(refreshed.body.refresh_token, exchanged.body.refresh_token, 'a different refresh token')
    assert.notEqual(refreshed.body.access_token, exchanged.body.access_token)
    assert.equal(await text(page, 'old-refresh-token'), `${(exchanged.body.refresh_token as string).slice(0, 12)}…`)
    assert.equal(await text(page, 'new-refresh-token'), `${(refreshed.body.refresh_token as string).slice(0, 12)}…`)
    assert.match(await text(page, 'rotation-check'), /^yes/)

    // The refreshed access token works at the API too.
    await page.getByRole('button', { name: 'Call the API' }).click()
    await page.waitForFunction(() => document.getElementById('api-status')?.textContent === '200')

    // Tokens were never written to storage or put in a URL; the page ran under its CSP without a violation.
    const storage = await page.evaluate(() => JSON.stringify({ session: { ...sessionStorage }, local: { ...localStorage } }))
    for (const token of [exchanged.body.access_token, exchanged.body.refresh_token, refreshed.body.access_token, refreshed.body.refresh_token] as string[]) {
      assert.ok(!storage.includes(token), 'no token in web storage')
      assert.ok(!requested.some((u) => u.includes(token)), 'no token in a URL')
    }
    assert.deepEqual(cspViolations, [])
    assert.deepEqual(pageErrors, [])
    await context.close()
  })
})
