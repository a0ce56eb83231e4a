/**
 * The admin console's Activity page in a real browser: before anything happens a chart says so;
 * then real logins (through the login page, some with a wrong password or an unknown email), a
 * sign-up, code exchanges, a refresh and a rotated-out refresh token used again; the administrator
 * refreshes Activity and every chart shows those counts (its summary for screen readers and its
 * table), per hour and per day; a total opens those events in Logs (filtered through the address),
 * and an event opens on its own page with its user and application. A read-only administrator
 * sees the same page. Every page: no console errors, no serious axe-core violations, nothing wider
 * than 360 px, a screenshot.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Page } from 'playwright-core'
import { authorizeUrl, Browser as HttpBrowser, callbackParams, formAction, hiddenField, loginThrough, pkce } from '../packages/server/test/support/browser.js'
import { addApi, addApp, addUser, PASSWORD } from '../packages/server/test/support/harness.js'
import { tokenRequest } from '../packages/server/test/support/oauth.js'
import { audit, type ConsoleRig, openConsole, startConsoleRig } from './support/admin-console.js'
import { skipWithoutChromium } from './support/chromium.js'

const CALLBACK = 'http://localhost:8080/callback'
const SCOPE = 'openid profile email offline_access'
const TYPES = {
  logins: ['s'],
  failed: ['f', 'fu', 'fp'],
  signups: ['ss'],
  tokens: ['seacft', 'sertft', 'seccft'],
  reuse: ['ferrt'],
} as const

/** The numbers of a chart's table (found by its caption): its rows' and its total row's, per column. */
async function tableOf(page: Page, caption: string): Promise<{ rows: string[][]; totals: number[] }> {
  const table = page.getByRole('table', { name: caption, exact: true })
  await table.waitFor({ state: 'attached' })
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent ?? '')))
  const totals = (await table.locator('tfoot td.num').allTextContents()).map(Number)
  return { rows, totals }
}

describe("the admin console's Activity page in a real browser", { skip: skipWithoutChromium }, () => {
  let rig: ConsoleRig

  before(async () => {
    rig = await startConsoleRig('activity', { env: { LATCHKEY_SIGNUP: 'on' } })
  })
  after(async () => {
    await rig?.close()
  })

  it("charts the logins, failures, sign-ups and tokens the test made, per hour and per day, and opens them in Logs", async () => {
    const { server, browser, shots, admin } = rig
    const { store } = server
    const count = (types: readonly string[]) => store.logs.count({ type: [...types] })
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email, 'activity')
    const { page } = watched

    // Before anything else: the administrator's own login, and nothing failed yet.
    await page.getByRole('heading', { level: 2, name: 'Logins', exact: true }).waitFor()
    await page.getByText('No failed logins in this period yet.').waitFor()
    await page.getByText('No sign-ups in this period yet.').waitFor()
    assert.equal(await page.getByRole('link', { name: '0 failed logins' }).count(), 1)
    await audit(watched, shots, 'activity-empty')

    // Real activity: two logins through the login page (the first after a wrong password and an
    // unknown email), a sign-up, two code exchanges, a refresh, and the rotated-out token used again.
    const { app } = await addApp(store, { name: 'Activity SPA' })
    const api = await addApi(store, { identifier: 'https://activity.example.com/' })
    const person = await addUser(store)
    const codes: { code: string; verifier: string }[] = []
    {
      const http = new HttpBrowser(server.url)
      const { verifier, challenge } = pkce()
      let form = await http.follow(await http.get(authorizeUrl(server.issuer, { clientId: app.clientId, audience: api.identifier, scope: SCOPE, challenge })))
      for (const [username, password] of [
        [person.email, 'not the password at all'],
        ['nobody-here@example.com', 'not the password at all'],
      ] as const) {
        const html = await form.text()
        form = await http.post(formAction(html, '/u/login?'), { csrf: hiddenField(html, 'csrf'), username, password })
        assert.equal(form.status, 400, 'the form again, saying what was wrong')
      }
      const html = await form.text()
      const done = await http.follow(await http.post(formAction(html, '/u/login?'), { csrf: hiddenField(html, 'csrf'), username: person.email, password: PASSWORD }))
      codes.push({ code: callbackParams(done).get('code') ?? '', verifier })
    }
    {
      const { verifier, challenge } = pkce()
      const done = await loginThrough(new HttpBrowser(server.url), authorizeUrl(server.issuer, { clientId: app.clientId, audience: api.identifier, scope: SCOPE, challenge }), person.email, PASSWORD)
      codes.push({ code: callbackParams(done).get('code') ?? '', verifier })
    }
    {
      const http = new HttpBrowser(server.url)
      const { challenge } = pkce()
      const signupPage = await http.follow(await http.get(authorizeUrl(server.issuer, { clientId: app.clientId, challenge, extra: { screen_hint: 'signup' } })))
      const html = await signupPage.text()
      const done = await http.follow(await http.post(formAction(html), { csrf: hiddenField(html, 'csrf'), email: `signed-up-${Date.now()}@example.com`, password: PASSWORD }))
      assert.ok(callbackParams(done).get('code'), 'signed up and logged in')
    }
    const refreshTokens: string[] = []
    for (const { code, verifier } of codes) {
      const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: CALLBACK })
      assert.equal(tokens.status, 200, JSON.stringify(tokens.json))
      refreshTokens.push(String(tokens.json.refresh_token))
    }
    const rotated = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshTokens[0] ?? '' })
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json))
    const reused = await tokenRequest(server, { grant_type: 'refresh_token', client_id: app.clientId, refresh_token: refreshTokens[0] ?? '' })
    assert.equal(reused.status, 403, 'a rotated-out refresh token is refused and its family revoked')

    // What the audit log now holds (this server is new: everything is within the last day).
    const expected = {
      logins: await count(TYPES.logins),
      failed: await count(TYPES.failed),
      signups: await count(TYPES.signups),
      tokens: await count(TYPES.tokens),
      reuse: await count(TYPES.reuse),
    }
    assert.ok(expected.logins >= 3, 'the administrator and the two logins')
    assert.deepEqual({ failed: expected.failed, signups: expected.signups, reuse: expected.reuse }, { failed: 2, signups: 1, reuse: 1 })
    assert.ok(expected.tokens >= 3, 'two code exchanges and a refresh (and the console’s own)')

    // Per hour over the last 24 hours.
    await page.getByRole('button', { name: 'Refresh' }).click()
    await page.getByRole('link', { name: '2 failed logins' }).waitFor()
    const perHour = [
      ['Logins', expected.logins],
      ['Failed logins', expected.failed],
      ['Sign-ups', expected.signups],
      ['Token issuances', expected.tokens],
      ['Refresh-token reuse detections', expected.reuse],
    ] as const
    for (const [title, total] of perHour) {
      const summary = (await page.getByRole('img', { name: new RegExp(`^${title} per hour, last 24 hours, per hour: `) }).getAttribute('aria-label')) ?? ''
      assert.match(summary, new RegExp(`^${title} per hour, last 24 hours, per hour: ${total} in total; the most, \\d+, in the hour `))
      const table = await tableOf(page, `${title} per hour, last 24 hours, per hour`)
      assert.equal(table.rows.length, 24)
      assert.deepEqual(table.totals, [total], title)
      assert.equal(
        table.rows.reduce((sum, row) => sum + Number(row.at(-1)), 0),
        total,
        `${title}: the hours add up`,
      )
      assert.match(table.rows.at(-1)?.[1] ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:00–\d{2}:00 UTC$/)
    }
    // The table, shown on request.
    const loginsTable = page.getByRole('table', { name: 'Logins per hour, last 24 hours, per hour', exact: true })
    const toggle = page.getByRole('button', { name: 'Show as table' }).first()
    const region = page.locator(`#${await toggle.getAttribute('aria-controls')}`)
    assert.equal(await region.getByRole('table').getAttribute('data-testid'), 'chart-logins-table')
    assert.equal(await loginsTable.isVisible(), true, 'there for screen readers')
    const hidden = (await region.boundingBox())?.width ?? 0
    assert.ok(hidden <= 1, `visually hidden, ${hidden} px wide`)
    await toggle.click()
    assert.equal(await page.getByRole('button', { name: 'Hide table' }).getAttribute('aria-expanded'), 'true')
    const shown = (await region.boundingBox())?.width ?? 0
    assert.ok(shown > 100, `shown, ${shown} px wide`)
    assert.equal(await page.getByTestId('active-users').locator('.stat-number').textContent(), String(await store.users.countLoggedInSince(Date.now() - 30 * 86_400_000)))
    const daily = await tableOf(page, 'Logins and sign-ups per day, last 30 days')
    assert.equal(daily.rows.length, 30)
    assert.deepEqual(daily.totals, [expected.logins, expected.signups])
    await audit(watched, shots, 'activity')

    // Per day over the last 7 days: the same counts, today's row holding them.
    await page.getByLabel('Last 7 days, per day').check()
    await page.getByRole('img', { name: /^Logins per day, last 7 days, per day: / }).waitFor()
    assert.match(page.url(), /\/admin\/activity\?range=7d$/)
    for (const [title, total] of perHour) {
      const table = await tableOf(page, `${title} per day, last 7 days, per day`)
      assert.equal(table.rows.length, 7)
      assert.deepEqual(table.totals, [total])
      assert.equal(table.rows.at(-1)?.[1], `${new Date().toISOString().slice(0, 10)} (UTC day)`)
    }
    await audit(watched, shots, 'activity-days')
    await page.getByLabel('Last 48 hours, per hour').check()
    assert.equal((await tableOf(page, 'Logins per hour, last 48 hours, per hour')).rows.length, 48)

    // A total opens those events in Logs, filtered through the address.
    await page.getByRole('link', { name: '2 failed logins' }).click()
    await page.getByRole('heading', { level: 1, name: 'Logs' }).waitFor()
    assert.match(page.url(), /\/admin\/logs\?type=f,fu,fp&from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/)
    assert.equal(await page.getByLabel('Event types (s, f, fp…)').inputValue(), 'f,fu,fp')
    await page.waitForFunction(() => document.querySelectorAll('table.logs tbody tr').length === 2)
    await audit(watched, shots, 'logs-failed-logins')

    // One event: every field, the JSON, its user and application.
    await page.getByRole('row').filter({ hasText: 'fp' }).getByRole('link').click()
    await page.getByRole('heading', { level: 1 }).filter({ hasNotText: 'Logs' }).waitFor()
    const [event] = await store.logs.list({ type: 'fp' })
    assert.ok(event)
    assert.match(page.url(), new RegExp(`/admin/logs/${encodeURIComponent(event.id)}$`))
    const json = JSON.parse((await page.getByTestId('log-json').textContent()) ?? '{}') as Record<string, unknown>
    assert.equal(json.log_id, event.id)
    assert.equal(json.type, 'fp')
    assert.equal(json.user_id, person.id)
    assert.equal(json.client_id, app.clientId)
    assert.equal(await page.getByRole('link', { name: app.clientId }).getAttribute('href'), `/admin/applications/${app.clientId}`)
    await audit(watched, shots, 'log-event')
    await page.getByRole('link', { name: person.email }).click()
    await page.getByRole('heading', { level: 1, name: person.email }).waitFor()

    // Back to the filtered list, then an unknown event says so.
    await page.goBack()
    await page.getByTestId('log-json').waitFor()
    await page.getByRole('link', { name: '← Logs' }).click()
    await page.getByRole('heading', { level: 1, name: 'Logs' }).waitFor()
    assert.equal(await page.getByLabel('Event types (s, f, fp…)').inputValue(), 'f,fu,fp', 'the list it came from, filtered as it was')
    await page.goto(`${server.url}admin/logs/no-such-event`)
    await page.getByRole('alert').waitFor()
    assert.match((await page.getByRole('alert').textContent()) ?? '', /does not exist/)
    await context.close()
  })

  it('shows a read-only administrator the same charts', async () => {
    const { server, browser, shots, readOnly } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, readOnly.email, 'activity')
    const { page } = watched
    assert.equal(await page.getByTestId('read-only').textContent(), 'read-only')
    await page.getByRole('link', { name: '2 failed logins' }).waitFor()
    const logins = await tableOf(page, 'Logins per hour, last 24 hours, per hour')
    assert.deepEqual(logins.totals, [await server.store.logs.count({ type: ['s'] })])
    await audit(watched, shots, 'activity-read-only')
    await context.close()
  })
})
