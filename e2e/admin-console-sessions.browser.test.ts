/**
 * A user's sessions and refresh tokens on their page of the admin console, in a real browser: the
 * user logs in to the seed's application (a single-page app with refresh tokens) through the login
 * page; the administrator opens the user's page and sees that session (its browser, the app) and
 * that refresh token (the app by name, rotating); revoking the refresh token makes the app's next
 * refresh fail with invalid_grant, revoking the session makes `prompt=none` answer login_required;
 * "Revoke all" ends what a new login made; a read-only administrator sees the lists with every
 * Revoke disabled. Every state audited (no console errors, axe-core, 360 px, screenshots).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { ApplicationRecord, UserRecord } from '@latchkey/core'
import type { Page } from 'playwright-core'
import { authorizeUrl, Browser as HttpBrowser, callbackParams, loginThrough, pkce } from '../packages/server/test/support/browser.js'
import { addApp, addUser, PASSWORD } from '../packages/server/test/support/harness.js'
import { claims, tokenRequest } from '../packages/server/test/support/oauth.js'
import { audit, type ConsoleRig, openConsole, startConsoleRig } from './support/admin-console.js'
import { skipWithoutChromium } from './support/chromium.js'

const SEED_CALLBACK = 'http://localhost:4000/callback'
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) SeedBrowser/1.0'

describe("the admin console: a user's sessions and refresh tokens", { skip: skipWithoutChromium }, () => {
  let rig: ConsoleRig
  let app: ApplicationRecord
  let person: UserRecord

  /** The user logs in to the seed's app (its flow: PKCE, code, tokens with offline_access) from a browser of their own. */
  async function seedLogin(): Promise<{ http: HttpBrowser; sid: string; refreshToken: string }> {
    const http = new HttpBrowser(rig.server.url)
    const get = http.get.bind(http)
    const post = http.post.bind(http)
    http.get = (url, headers = {}) => get(url, { 'user-agent': USER_AGENT, ...headers })
    http.post = (url, form, headers = {}) => post(url, form, { 'user-agent': USER_AGENT, ...headers })
    const { verifier, challenge } = pkce()
    const url = authorizeUrl(rig.server.issuer, { clientId: app.clientId, redirectUri: SEED_CALLBACK, scope: 'openid profile offline_access', challenge })
    const code = callbackParams(await loginThrough(http, url, person.email, PASSWORD)).get('code') ?? ''
    const tokens = await tokenRequest(rig.server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: SEED_CALLBACK })
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json))
    return { http, sid: String(claims(tokens.json.id_token).sid), refreshToken: String(tokens.json.refresh_token) }
  }

  /** /authorize with prompt=none from that browser: the error it answers, or null (a code). */
  async function silentLoginError(http: HttpBrowser): Promise<string | null> {
    const url = authorizeUrl(rig.server.issuer, { clientId: app.clientId, redirectUri: SEED_CALLBACK, challenge: pkce().challenge, extra: { prompt: 'none' } })
    return callbackParams(await http.get(url)).get('error')
  }

  const refresh = (refreshToken: string) => tokenRequest(rig.server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshToken })

  /** Opens both sections of the user's page, as an administrator would: by their headings. */
  async function openSections(page: Page): Promise<void> {
    await page.getByRole('heading', { level: 2, name: 'Sessions', exact: true }).click()
    await page.getByRole('heading', { level: 2, name: 'Refresh tokens', exact: true }).click()
  }

  before(async () => {
    rig = await startConsoleRig('sessions')
    ;({ app } = await addApp(rig.server.store, {
      name: 'Seed SPA',
      callbacks: [SEED_CALLBACK],
      webOrigins: ['http://localhost:4000'],
      grants: ['authorization_code', 'refresh_token'],
    }))
    person = await addUser(rig.server.store)
  })
  after(async () => {
    await rig?.close()
  })

  it('shows the session and the refresh token of a login to the seed’s app, and revokes each for real', async () => {
    const { server, browser, shots, admin } = rig
    const login = await seedLogin()
    assert.equal(await silentLoginError(login.http), null, 'the session signs the browser in silently')

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email, `users/${encodeURIComponent(person.id)}`)
    const { page } = watched
    await page.getByRole('heading', { level: 1, name: person.email }).waitFor()
    await openSections(page)

    const sessions = page.getByRole('list', { name: "The user's sessions" })
    await sessions.waitFor()
    assert.equal(await sessions.getByRole('listitem').count(), 1)
    const sessionText = (await sessions.textContent()) ?? ''
    assert.ok(sessionText.includes(USER_AGENT), 'the browser it started in')
    assert.ok(sessionText.includes('Seed SPA'), 'the application by name')
    assert.ok(sessionText.includes(login.sid), 'its id, the ID token’s sid')
    const tokens = page.getByRole('list', { name: "The user's refresh tokens" })
    await tokens.waitFor()
    assert.equal(await tokens.getByRole('listitem').count(), 1)
    const tokenText = (await tokens.textContent()) ?? ''
    assert.ok(tokenText.includes('Seed SPA'))
    assert.match(tokenText, app.refreshToken.rotation === 'rotating' ? /Rotatingyes/ : /Rotatingno/)
    assert.ok(!tokenText.includes(login.refreshToken), 'never the token')
    await audit(watched, shots, 'user-sessions')

    // Revoke the refresh token, after the question: the app's next refresh fails.
    await page.getByRole('button', { name: /^Revoke the refresh token of Seed SPA/ }).click()
    assert.match((await page.getByRole('alertdialog').textContent()) ?? '', /Revoke this refresh token of Seed SPA\?/)
    await audit(watched, shots, 'user-sessions-confirm')
    await page.getByRole('button', { name: 'Yes, revoke' }).click()
    await page.getByText('Refresh token of Seed SPA revoked.').waitFor()
    await page.getByText('No refresh tokens: no application keeps the user logged in offline.').waitFor()
    const refused = await refresh(login.refreshToken)
    assert.equal(refused.json.error, 'invalid_grant', JSON.stringify(refused.json))

    // Revoke the session: the browser must log in again.
    await page.getByRole('button', { name: /^Revoke session 1/ }).click()
    await page.getByRole('button', { name: 'Yes, revoke' }).click()
    await page.getByText('Session revoked: that browser must log in again.').waitFor()
    await page.getByText('No active sessions: the user is not logged in anywhere.').waitFor()
    assert.equal(await silentLoginError(login.http), 'login_required')
    await audit(watched, shots, 'user-sessions-revoked')

    // A new login from another browser, then Revoke all: both lists empty again, and the token refused.
    const again = await seedLogin()
    await page.reload()
    await page.getByRole('heading', { level: 1, name: person.email }).waitFor()
    await openSections(page)
    await sessions.getByRole('listitem').first().waitFor()
    await page.getByRole('button', { name: 'Revoke all sessions' }).click()
    await page.getByRole('button', { name: 'Yes, revoke' }).click()
    await page.getByText('All sessions revoked: the user must log in again everywhere.').waitFor()
    await page.getByRole('button', { name: 'Revoke all refresh tokens' }).click()
    await page.getByRole('button', { name: 'Yes, revoke' }).click()
    await page.getByText('All refresh tokens revoked.').waitFor()
    assert.equal(await silentLoginError(again.http), 'login_required')
    assert.equal((await refresh(again.refreshToken)).json.error, 'invalid_grant')
    await audit(watched, shots, 'user-sessions-all-revoked')
    await context.close()
  })

  it('shows a read-only administrator the sessions and refresh tokens with every Revoke disabled', async () => {
    const { server, browser, shots, readOnly } = rig
    const login = await seedLogin()
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, readOnly.email, `users/${encodeURIComponent(person.id)}`)
    const { page } = watched
    await page.getByRole('heading', { level: 1, name: person.email }).waitFor()
    await openSections(page)
    await page.getByRole('list', { name: "The user's sessions" }).getByRole('listitem').first().waitFor()
    await page.getByRole('list', { name: "The user's refresh tokens" }).getByRole('listitem').first().waitFor()
    const revokes = await page.getByRole('button', { name: /^Revoke/ }).all()
    assert.equal(revokes.length, 4, 'a session, a token, and both Revoke all')
    for (const button of revokes) assert.ok(await button.isDisabled())
    await audit(watched, shots, 'user-sessions-read-only')
    assert.equal(await silentLoginError(login.http), null, 'nothing was revoked')
    await context.close()
  })
})
