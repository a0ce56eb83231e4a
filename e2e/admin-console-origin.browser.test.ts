/**
 * The admin console on an origin of its own (LATCHKEY_ADMIN_CONSOLE_ORIGIN), in a real browser: the
 * issuer is http://localhost:PORT/ and the console http://127.0.0.1:PORT/admin/, two origins (two
 * cookie jars, CORS between them). The administrator logs in on the issuer's login page, comes back
 * to the console's origin, and its pages call the token endpoint and the Management API across
 * origins. The console reached on the issuer's origin moves to its own first (its application's
 * callback is there only).
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { freePort } from '../packages/server/test/support/harness.js'
import { audit, type ConsoleRig, openConsole, startConsoleRig } from './support/admin-console.js'
import { skipWithoutChromium } from './support/chromium.js'

describe('the admin console on its own origin', { skip: skipWithoutChromium }, () => {
  let rig: ConsoleRig
  let consoleOrigin: string

  before(async () => {
    const port = await freePort()
    consoleOrigin = `http://127.0.0.1:${port}`
    rig = await startConsoleRig('origin', { port, env: { LATCHKEY_ADMIN_CONSOLE_ORIGIN: consoleOrigin } })
    assert.equal(new URL(rig.server.issuer).origin, `http://localhost:${port}`)
  })
  after(async () => {
    await rig?.close()
  })

  it('logs in on the issuer and manages Latchkey from the other origin', async () => {
    const { server, browser, shots, admin } = rig
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const watched = await openConsole(context, server, admin.email, '', `${consoleOrigin}/admin/`)
    const { page } = watched
    assert.equal(await page.getByTestId('admin').textContent(), admin.email)
    // Asked on the issuer's origin, the console goes to its own (where its callback is).
    await page.goto(`${server.issuer}admin/applications`)
    await page.waitForURL(`${consoleOrigin}/admin/applications`)
    await page.getByRole('heading', { level: 1, name: 'Applications' }).waitFor()

    const crossOrigin: string[] = []
    page.on('request', (request) => {
      if (new URL(request.url()).origin === new URL(server.issuer).origin) crossOrigin.push(new URL(request.url()).pathname)
    })
    await page.getByRole('link', { name: 'APIs' }).click()
    await page.getByRole('heading', { level: 1, name: 'APIs' }).waitFor()
    await page.getByRole('table').waitFor()
    await page.getByRole('link', { name: 'Applications' }).click()
    await page.getByRole('table').waitFor()
    assert.ok(crossOrigin.some((path) => path.startsWith('/api/v2/clients')), `the Management API is called on the issuer's origin: ${crossOrigin}`)
    await audit(watched, shots, 'applications-own-origin')
    await context.close()
  })
})
