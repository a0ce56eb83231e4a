/**
 * What the admin console's browser tests share: a server with an administrator and a read-only
 * administrator (as `latchkey admins add` makes them), the console built, Chromium, a screenshots
 * directory; logging in at /admin by typing into the login page; and the audit every page passes
 * (no console errors, no serious or critical axe-core violations, nothing wider than 360 px, a
 * screenshot).
 */
import { buildConsole } from '../../packages/admin-console/src/bundle.js'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { makeAdministrator } from '../../packages/server/src/management/admins.js'
import { addUser, PASSWORD, startTestServer, type TestServer, type TestServerOptions } from '../../packages/server/test/support/harness.js'
import { launchChromium } from './chromium.js'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

export interface Watched {
  readonly page: Page
  readonly errors: string[]
  /** The access tokens the console received (from the token endpoint's answers). */
  readonly accessTokens: string[]
}

export interface ConsoleRig {
  readonly server: TestServer
  readonly browser: Browser
  /** Where the screenshots go (printed). */
  readonly shots: string
  readonly admin: { readonly id: string; readonly email: string }
  readonly readOnly: { readonly id: string; readonly email: string }
  close(): Promise<void>
}

/** Builds the console, starts a server with an administrator and a read-only one, and Chromium. */
export async function startConsoleRig(name: string, options: TestServerOptions = {}): Promise<ConsoleRig> {
  await buildConsole()
  const server = await startTestServer(options)
  const system = await server.store.apis.findSystem()
  assert.ok(system, 'the Management API')
  const [admin, readOnly] = [await addUser(server.store), await addUser(server.store)]
  await makeAdministrator(server.store, system, admin, 'admin', Date.now())
  await makeAdministrator(server.store, system, readOnly, 'read-only', Date.now())
  const shots = mkdtempSync(join(tmpdir(), `latchkey-console-${name}-`))
  console.log(`# screenshots: ${shots}`)
  const browser = await launchChromium()
  return {
    server,
    browser,
    shots,
    admin,
    readOnly,
    async close() {
      await browser.close()
      await server.close()
    },
  }
}

/**
 * A new page logged in to /admin as `email` (typing into the login page), watched for errors; `at`
 * is where the console ends up (its own origin's `/admin/`, when it has one).
 */
export async function openConsole(context: BrowserContext, server: TestServer, email: string, path = '', at = `${server.url}admin/`): Promise<Watched> {
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} ${message.location().url}`)
  })
  page.on('pageerror', (error) => errors.push(error.message))
  const accessTokens: string[] = []
  page.on('response', async (response) => {
    if (new URL(response.url()).pathname !== '/oauth/token' || response.request().method() !== 'POST') return
    const body = (await response.json().catch(() => ({}))) as { access_token?: string }
    if (body.access_token) accessTokens.push(body.access_token)
  })
  await page.goto(`${server.url}admin/${path}`)
  await page.waitForURL(/\/u\/login\?state=/)
  await page.getByLabel('Email address').fill(email)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.waitForURL(`${at}${path}`)
  await page.locator('#page-title').waitFor()
  // The console's pages only: the login page (not the console's) has no icon, and Chromium asks /favicon.ico.
  errors.splice(0, errors.length, ...errors.filter((error) => !error.endsWith('/favicon.ico')))
  return { page, errors, accessTokens }
}

/** Forgets the console errors matching `pattern` (the browser logs a 4xx answer the test provoked on purpose). */
export function forgetErrors(watched: Watched, pattern: RegExp): void {
  watched.errors.splice(0, watched.errors.length, ...watched.errors.filter((error) => !pattern.test(error)))
}

/** No console errors, axe-core finds nothing serious, nothing overflows 360 px, and a screenshot. */
export async function audit({ page, errors }: Watched, shots: string, name: string): Promise<string> {
  assert.deepEqual(errors, [], `console errors on ${name}`)
  // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self') does not govern.
  await page.evaluate(AXE)
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run()
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`)
  })
  assert.deepEqual(violations, [], `axe-core on ${name}`)
  const size = page.viewportSize()
  await page.setViewportSize({ width: 360, height: 800 })
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
  assert.ok(overflow <= 0, `${name} is ${overflow} px wider than a 360 px screen`)
  const file = join(shots, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  if (size !== null) await page.setViewportSize(size)
  await page.screenshot({ path: join(shots, `${name}-wide.png`), fullPage: true })
  return file
}

export { PASSWORD }
