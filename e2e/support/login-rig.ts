/**
 * What the WebAuthn browser tests share: a Latchkey at `http://localhost:PORT/` (browsers refuse IP
 * addresses as RP IDs) with an MFA policy, an app that is only its callback, an SPA registered for it,
 * Debian's Chromium; and the two ends of a login: start it at /authorize (PKCE), and land back in the
 * app with a code that is exchanged for tokens (the ID token's claims).
 */
import assert from 'node:assert/strict'
import type { ApplicationRecord } from '@latchkey/core'
import type { Browser, Page } from 'playwright-core'
import { authorizeUrl, pkce } from '../../packages/server/test/support/browser.js'
import { addApp, startTestServer, type TestServer } from '../../packages/server/test/support/harness.js'
import { claims, tokenRequest } from '../../packages/server/test/support/oauth.js'
import { type RunningApp, startCallbackApp } from './apps.js'
import { launchChromium } from './chromium.js'

export interface LoginRig {
  readonly server: TestServer
  readonly browser: Browser
  readonly app: ApplicationRecord
  readonly callback: string
  /** Opens /authorize for the app and waits for the login page; the PKCE verifier. */
  start(page: Page): Promise<string>
  /** Back in the app with a code: exchanged, and the ID token's claims. */
  landed(page: Page, verifier: string): Promise<ReturnType<typeof claims>>
  close(): Promise<void>
}

export async function startLoginRig(options: { readonly mfa: 'optional' | 'always'; readonly appName: string }): Promise<LoginRig> {
  const server = await startTestServer({ env: { LATCHKEY_MFA: options.mfa } })
  assert.match(server.issuer, /^http:\/\/localhost:\d+\/$/, 'the RP ID is a host name')
  let appServer: RunningApp | undefined
  let browser: Browser | undefined
  try {
    appServer = await startCallbackApp()
    const callback = `${appServer.origin}/callback`
    const { app } = await addApp(server.store, { name: options.appName, callbacks: [callback], webOrigins: [appServer.origin] })
    browser = await launchChromium()
    const running = appServer
    const chromium = browser
    return {
      server,
      browser,
      app,
      callback,
      async start(page) {
        const { verifier, challenge } = pkce()
        await page.goto(authorizeUrl(server.issuer, { clientId: app.clientId, redirectUri: callback, challenge, scope: 'openid' }))
        await page.waitForURL(/\/u\/login\?state=/)
        return verifier
      },
      async landed(page, verifier) {
        await page.waitForURL(new RegExp(`^${callback}\\?`), { timeout: 15_000 })
        const code = new URL(page.url()).searchParams.get('code')
        assert.ok(code, page.url())
        const tokens = await tokenRequest(server, { grant_type: 'authorization_code', client_id: app.clientId, code, code_verifier: verifier, redirect_uri: callback })
        assert.equal(tokens.status, 200, JSON.stringify(tokens.json))
        return claims(tokens.json.id_token)
      },
      async close() {
        await chromium.close()
        await running.close()
        await server.close()
      },
    }
  } catch (err) {
    await browser?.close()
    await appServer?.close()
    await server.close()
    throw err
  }
}
